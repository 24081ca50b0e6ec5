//! The subnet table (issue 12), in the manner of visualsubnetcalc: one row per subnet of the
//! VNet and per free block, in address order, with its size, the addresses left after Azure's
//! five reserved, its role, a colour and a note; split a subnet or a free block in two halves,
//! join two adjacent halves back, make a subnet of a free block.
//!
//! Its code is not in the page's wasm: the export worker renders the rows as HTML
//! (`web/exports/src/table.rs`) in an instance of its own, started when the table's section
//! first comes near the viewport. The client is a few lines of JavaScript in `web/panels.js`,
//! imported on first use by the stub below (not part of the first load): it keeps the latest
//! plan the page handed it ([`Table::show`]), asks for the rows 100 ms after the plan changed
//! (as the export panel; one request in flight, the latest waiting in place of older ones, an
//! answer for a plan older than a waiting one dropped), writes them into `#subnet-rows` (the
//! focus kept on the row's button where it still exists), and answers the buttons' clicks.
//! Splitting or joining subnets and making a subnet ask the worker for the core
//! [`byocni_core::Edit`] against the latest plan, which the page dispatches as
//! [`Action::Edit`], undone and redone like any edit; the same answer carries the rows of the
//! edited plan, shown at once (one round trip from the click to the table updated). A free
//! block is not in the plan, so splitting one only shows its halves: the client keeps those
//! blocks (the *cuts*, a view) and sends them with each request; the user then makes a subnet
//! of a half, which is the edit. (The table in the page's wasm cost the first load 2.2 KB of
//! Brotli; its client is loaded on demand with the estate's, 1.3 KB together.)

use std::rc::Rc;

use byocni_core::{Edit, Plan};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use super::StateHandle;
use crate::state::{Action, State};

#[wasm_bindgen(inline_js = r#"
// The panels' module (web/panels.js), imported on first use: named after the export worker's hash.
const panels = async () => import(document.querySelector('meta[name=byocni-exports-worker]').content.replace(/byocni-web-exports-(\w+)-loader\.js$/, 'byocni-panels-$1.js'));
let p = null;
export function table_show(plan, url, on) { (p ??= panels()).then((x) => x.table_show(plan, url, on)); }
"#)]
extern "C" {
    /// Hands the client the plan (JSON, without connected networks); the first call with a
    /// worker's `url` starts the worker and the table's listener, `on_edit` getting each
    /// button's answer (an edit's path, a newline, its value; or `!` and why not).
    fn table_show(plan: &str, url: Option<String>, on_edit: &Closure<dyn Fn(String)>);
}

/// The table's section: its heading, and the rows the worker writes into `#subnet-rows`;
/// hidden without a VNet of the plan's own.
pub fn subnet_table(state: &StateHandle) -> Html {
    let name = state.plan.vnet.as_ref().map(|v| v.name.clone());
    html! {
        <section class="panel subnet-table" id="subnet-table" aria-labelledby="subnets-h" hidden={name.is_none()}>
            <h2 id="subnets-h">{ format!("Subnets of {}", name.unwrap_or_default()) }</h2>
            <div id="subnet-rows"></div>
        </section>
    }
}

/// The action of a table button's answer: the edit, or a notice saying why there is none.
fn action_of(answer: &str) -> Action {
    if let Some(why) = answer.strip_prefix('!') {
        return Action::Notice(why.to_owned(), true);
    }
    let (path, value) = answer.split_once('\n').unwrap_or((answer, ""));
    match serde_json::from_str(value) {
        Ok(value) => Action::Edit(Edit {
            path: path.to_owned(),
            value,
        }),
        Err(e) => Action::Notice(format!("the subnet table's edit did not read: {e}"), true),
    }
}

/// The table's client: handed every new plan ([`Table::show`]), started ([`Table::start`])
/// when the section first comes near the viewport; it sends plans once started.
#[derive(Default)]
pub struct Table {
    on_edit: Option<Closure<dyn Fn(String)>>,
    plan: Option<Rc<Plan>>,
}

/// The plan as the worker reads it for the table: without its connected networks (a plan of
/// 10,000 of them crosses in a few hundred bytes).
fn payload(plan: &Plan) -> String {
    crate::estate::without_networks(plan).to_json_compact()
}

impl Table {
    /// The plan on screen now.
    pub fn show(&mut self, plan: Rc<Plan>) {
        if let Some(on) = &self.on_edit {
            table_show(&payload(&plan), None, on);
        }
        self.plan = Some(plan);
    }

    /// Starts the worker (once), the buttons' edits going to `dispatch`. Without the worker's
    /// `<meta>` (a page built without it) the table stays empty.
    pub fn start(&mut self, dispatch: UseReducerDispatcher<State>) {
        if self.on_edit.is_some() {
            return;
        }
        let on = Closure::<dyn Fn(String)>::new(move |a: String| {
            dispatch.dispatch(action_of(&a));
        });
        if let Some(plan) = &self.plan {
            table_show(&payload(plan), crate::exports::worker_url(), &on);
            self.on_edit = Some(on);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buttons_answer_is_an_edit_or_a_notice() {
        let Action::Edit(e) = action_of("vnet.subnets[0].cidr\n\"10.0.0.0/8\"") else {
            panic!("an edit");
        };
        assert_eq!(e.path, "vnet.subnets[0].cidr");
        assert_eq!(e.value, serde_json::json!("10.0.0.0/8"));
        assert!(matches!(action_of("!no"), Action::Notice(w, true) if w == "no"));
        assert!(matches!(action_of("x\n{"), Action::Notice(_, true)));
    }
}
