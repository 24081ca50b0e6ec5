//! The whole plan file as editable JSON, for what the form does not cover. The text is only
//! built while the panel is open (a plan may hold 10,000 connected networks).

use yew::prelude::*;

use super::{plan_file_text, StateHandle};
use crate::exports::read_plan;
use crate::state::Action;

/// The JSON editor panel. A function, not a component: the app re-renders with the state
/// anyway, and whether it is open is in the state ([`Action::JsonOpen`]).
pub fn json_editor(state: &StateHandle) -> Html {
    let ontoggle = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.dispatch(Action::JsonOpen(
                e.target_unchecked_into::<web_sys::HtmlDetailsElement>()
                    .open(),
            ));
        })
    };
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let text = e
                .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                .value();
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                state.dispatch(match read_plan(&text).await {
                    Ok(plan) => Action::Replace(Box::new(plan), None),
                    Err(why) => Action::JsonRefused(text, why),
                });
            });
        })
    };
    html! {
        <details class="panel json" {ontoggle}>
            <summary>{ "Plan file (JSON)" }</summary>
            if state.json_open {
                <label for="plan-json">{ "Edit the whole plan file" }</label>
                <textarea id="plan-json" rows="18" spellcheck="false"
                    value={state.json.clone().unwrap_or_else(|| plan_file_text(&state.plan))} {onchange}></textarea>
                if let Some(e) = &state.json_error { <p class="error" role="alert">{ e }</p> }
            }
        </details>
    }
}
