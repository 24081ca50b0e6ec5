//! The findings list: every finding of the core's check with its rule id, its message naming
//! fields by their labels on screen, a button that goes to the field, the rule's explanation on
//! demand (asked of the export worker by [`crate::keys`]), and a button that applies
//! its fix (a missing pod CIDR is filled by the core's suggestion); **Fix all** applies them all
//! in dependency order. The summary (the count) is the one live region; a field's own findings
//! sit under it, tied to its input by `aria-describedby`. After a fix, focus moves to the finding
//! that took the fixed one's place, or to the fixed field when none is left.

use byocni_core::{Finding, Rule, Severity};
use yew::prelude::*;

use super::editor::id_of;
use super::StateHandle;
use crate::labels::{label_of, relabel};
use crate::state::{Action, State};

/// A finding's text with its fields named by their labels.
fn words(f: &Finding, text: &str) -> String {
    relabel(text, std::iter::once(&f.field).chain(&f.related))
}

/// Why the plan's location is no Azure region, when `field` is the location and it is none.
pub fn unknown_region(state: &State, field: &str) -> Option<String> {
    let at = &state.plan.cluster.location;
    (field == "cluster.location" && !at.is_empty() && !crate::keys::is_region(at)).then(|| {
        format!("Location `{at}` is not an Azure region: pick one from the list, such as westeurope (`az account list-locations`).")
    })
}

/// The id of the element that holds a field's findings (its input's `aria-describedby`).
pub fn findings_id(field: &str) -> String {
    id_of(field) + "-findings"
}

/// The findings about one field (and the fields below it), shown under its input. A function,
/// not a component: its caller re-renders with the state anyway.
/// A text that is no value for the field ([`State::input_error`]) comes first, then a location
/// that is no Azure region.
pub fn field_findings(state: &State, field: &str) -> Html {
    shown_findings(state, field, state.findings_for(field))
}

/// The findings about a block itself (`outbound.routeTable`, not its next hop, whose input
/// shows its own), under the block's last input.
pub fn block_findings(state: &State, field: &str) -> Html {
    let own = state
        .report
        .findings
        .iter()
        .filter(|f| f.field == field)
        .collect();
    shown_findings(state, field, own)
}

fn shown_findings(state: &State, field: &str, found: Vec<&Finding>) -> Html {
    let refused = state.input_error.as_ref().filter(|(p, _)| p == field);
    let region = unknown_region(state, field);
    if found.is_empty() && refused.is_none() && region.is_none() {
        return html! {};
    }
    html! {
        <div class="field-findings" id={findings_id(field)}>
            if let Some((_, why)) = refused { <p class="error">{ why }</p> }
            if let Some(why) = region { <p class="warning">{ why }</p> }
            { for found.into_iter().take(5).map(|f| html! {
                <p class={if f.severity == Severity::Error { "error" } else { "warning" }}>
                    <code>{ f.rule.id() }</code>{ " " }{ words(f, &f.message) }
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
    let fixable = state.report.findings.iter().any(|f| {
        f.rule == Rule::PodCidrMissing || f.fix.as_ref().is_some_and(|x| x.edit.is_some())
    });
    let work = |kind: &'static str| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| crate::exports::work(kind, &state))
    };
    let on = |action: Action| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(action.clone()))
    };
    html! {
        <section class="panel findings" aria-labelledby="findings-h">
            <h2 id="findings-h">{ "Findings" }</h2>
            <div class="summary-row">
                <p role="status" class={if errors > 0 { "summary bad" } else { "summary good" }} id="summary">{ summary }</p>
                if fixable { <button id="fix-all" onclick={work("fix-all")}>{ "Fix all" }</button> }
            </div>
            <ol class="finding-list">
                { for state.report.findings.iter().take(200).enumerate().map(|(i, f)| {
                    let err = f.severity == Severity::Error;
                    let fix = f.fix.clone();
                    let field = fix.as_ref().and_then(|x| x.edit.as_ref()).map(|e| id_of(&e.path));
                    let apply = fix.as_ref().and_then(|x| x.edit.clone()).map(|edit| on(Action::Edit(edit)));
                    html! {
                        <li class={classes!("finding", if err { "error" } else { "warning" })} key={i} tabindex="-1">
                            <div class="finding-head">
                                <span class="badge">{ if err { "error" } else { "warning" } }</span>
                                <code class="rule">{ f.rule.id() }</code>
                                <button class="goto" data-goto={id_of(&f.field)}>{ label_of(&f.field) }</button>
                            </div>
                            <p class="message">{ words(f, &f.message) }</p>
                            { match (fix, apply) {
                                (Some(fx), Some(cb)) => html! {
                                    <button class="fix" onclick={cb} data-field={field}>{ format!("Fix: {}", words(f, &fx.summary)) }</button>
                                },
                                _ if f.rule == Rule::PodCidrMissing => html! {
                                    <button class="fix" onclick={work("suggest")} data-field="podCidr">{ "Fix: fill Pod CIDR with a free range" }</button>
                                },
                                (Some(fx), None) => html! { <p class="advice">{ words(f, &fx.summary) }</p> },
                                _ => html! {},
                            } }
                            <details class="why" data-rule={f.rule.id()}>
                                <summary>{ format!("Why: {}", f.rule.id()) }</summary>
                                <p></p>
                            </details>
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
