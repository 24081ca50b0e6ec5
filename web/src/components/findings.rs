//! The findings list: every finding of the core's check with its rule id, message and a button
//! that applies its fix. The summary (the count) is the one live region; a field's own findings
//! sit under it, tied to its input by `aria-describedby`. After a fix, focus moves to the finding
//! that took the fixed one's place, or to the fixed field when none is left.

use byocni_core::Severity;
use yew::prelude::*;

use super::editor::id_of;
use super::StateHandle;
use crate::state::{Action, State};

/// The id of the element that holds a field's findings (its input's `aria-describedby`).
pub fn findings_id(field: &str) -> String {
    id_of(field) + "-findings"
}

/// The findings about one field (and the fields below it), shown under its input. A function,
/// not a component: its caller re-renders with the state anyway.
pub fn field_findings(state: &State, field: &str) -> Html {
    let found = state.findings_for(field);
    if found.is_empty() {
        return html! {};
    }
    html! {
        <div class="field-findings" id={findings_id(field)}>
            { for found.into_iter().take(5).map(|f| html! {
                <p class={if f.severity == Severity::Error { "error" } else { "warning" }}>
                    <code>{ f.rule.id() }</code>{ " " }{ &f.message }
                </p>
            }) }
        </div>
    }
}

/// The whole findings panel. A function, not a component: the app re-renders with the state
/// anyway. After a fix, [`crate::keys`] moves the focus (to the finding now in the fixed one's
/// place, else to the fixed field, the button's `data-field`).
pub fn findings(state: &StateHandle) -> Html {
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
                    let field = fix.as_ref().and_then(|x| x.edit.as_ref()).map(|e| id_of(&e.path));
                    let apply = fix.as_ref().and_then(|x| x.edit.clone()).map(|edit| {
                        let state = state.clone();
                        Callback::from(move |_| state.dispatch(Action::Edit(edit.clone())))
                    });
                    html! {
                        <li class={classes!("finding", if err { "error" } else { "warning" })} key={i} tabindex="-1">
                            <div class="finding-head">
                                <span class="badge">{ if err { "error" } else { "warning" } }</span>
                                <code class="rule">{ f.rule.id() }</code>
                                <span class="field">{ &f.field }</span>
                            </div>
                            <p class="message">{ &f.message }</p>
                            { match (fix, apply) {
                                (Some(fx), Some(cb)) => html! {
                                    <button class="fix" onclick={cb} data-field={field}>{ format!("Fix: {}", fx.summary) }</button>
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
