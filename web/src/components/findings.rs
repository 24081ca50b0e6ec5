//! The findings list: every finding of the core's check with its rule id, message and a button
//! that applies its fix; errors are announced (`role="alert"`), the summary is a status.

use byocni_core::Severity;
use yew::prelude::*;

use super::use_state_handle;
use crate::state::Action;

/// Inline findings for one field, shown under its input.
#[derive(Properties, PartialEq)]
pub struct FieldFindingsProps {
    /// The dotted plan path.
    pub field: AttrValue,
}

/// The findings about one field.
#[function_component(FieldFindings)]
pub fn field_findings(props: &FieldFindingsProps) -> Html {
    let state = use_state_handle();
    let found = state.findings_for(&props.field);
    if found.is_empty() {
        return html! {};
    }
    html! {
        <ul class="field-findings">
            { for found.into_iter().take(5).map(|f| {
                let err = f.severity == Severity::Error;
                html! {
                    <li class={if err { "error" } else { "warning" }} role={if err { "alert" } else { "note" }}>
                        <code>{ f.rule.id() }</code>{ " " }{ &f.message }
                    </li>
                }
            }) }
        </ul>
    }
}

/// The whole findings panel.
#[function_component(Findings)]
pub fn findings() -> Html {
    let state = use_state_handle();
    let (errors, warnings) = state.report.counts();
    let summary = if errors + warnings == 0 {
        "No problems: this plan passes every AKS BYO CNI rule.".to_owned()
    } else {
        format!(
            "{errors} error{}, {warnings} warning{}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        )
    };
    html! {
        <section class="panel findings" aria-labelledby="findings-h">
            <h2 id="findings-h">{ "Findings" }</h2>
            <p role="status" class={if errors > 0 { "summary bad" } else { "summary good" }} id="summary">{ summary }</p>
            <ol class="finding-list">
                { for state.report.findings.iter().take(200).enumerate().map(|(i, f)| {
                    let err = f.severity == Severity::Error;
                    let fix = f.fix.clone();
                    let apply = fix.as_ref().and_then(|x| x.edit.clone()).map(|edit| {
                        let state = state.clone();
                        Callback::from(move |_| state.dispatch(Action::Edit(edit.clone())))
                    });
                    html! {
                        <li class={classes!("finding", if err { "error" } else { "warning" })} key={i}>
                            <div class="finding-head">
                                <span class="badge">{ if err { "error" } else { "warning" } }</span>
                                <code class="rule">{ f.rule.id() }</code>
                                <span class="field">{ &f.field }</span>
                            </div>
                            <p class="message">{ &f.message }</p>
                            { match (fix, apply) {
                                (Some(fx), Some(cb)) => html! {
                                    <button class="fix" onclick={cb} title={fx.summary.clone()}>{ format!("Fix: {}", fx.summary) }</button>
                                },
                                (Some(fx), None) => html! { <p class="advice">{ fx.summary }</p> },
                                _ => html! {},
                            } }
                        </li>
                    }
                }) }
            </ol>
            if state.report.findings.len() > 200 {
                <p>{ format!("... and {} more.", state.report.findings.len() - 200) }</p>
            }
        </section>
    }
}
