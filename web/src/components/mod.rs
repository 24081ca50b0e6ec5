//! The planner's components, one file each; [`app::App`] owns the [`crate::state::State`] and
//! hands it to the others (functions of the state, and the export panel's hook), which
//! dispatch [`crate::state::Action`]s.

pub mod app;
pub mod capacity;
pub mod editor;
pub mod export;
pub mod findings;
pub mod json;
pub mod map;
pub mod table;

use std::rc::Rc;

use byocni_core::Plan;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::state::State;

/// The state handle every panel reads and dispatches to.
pub type StateHandle = UseReducerHandle<State>;

/// A plan compared by identity, as an effect's dependency (a new plan is a new `Rc`: comparing
/// pointers is free, comparing plans of 10,000 networks is not).
pub struct SamePlan(pub Rc<Plan>);

impl PartialEq for SamePlan {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Writes `text` to the clipboard; false where the browser refuses (no permission, no focus).
pub async fn write_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(text))
        .await
        .is_ok()
}

/// Hundredths as a decimal, `12345` -> `"123.45"`: coordinates and percentages are computed in
/// integers, so the wasm carries no float formatting.
pub fn hundredths(v: u64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// The plan file as people read it (two-space indent, a trailing newline), indented by the
/// browser's `JSON.stringify` from the core's compact JSON: the same text as the core's
/// `Plan::to_json`, without a second JSON printer in the wasm.
pub fn plan_file_text(plan: &Plan) -> String {
    pretty_json(&plan.to_json_compact())
}

/// A compact JSON text (a plan file of either version) indented as [`plan_file_text`].
pub fn pretty_json(compact: &str) -> String {
    let pretty = js_sys::JSON::parse(compact)
        .and_then(|v| {
            js_sys::JSON::stringify_with_replacer_and_space(&v, &JsValue::NULL, &2.into())
        })
        .ok()
        .and_then(|s| s.as_string());
    pretty.map_or_else(|| compact.to_owned(), |s| s + "\n")
}
