//! The subnet table (issue 12), in the manner of visualsubnetcalc: one row per subnet of the
//! VNet and per free block, in address order, with its size, the addresses left after Azure's
//! five reserved, its role, a colour and a note; split a subnet or a free block in two halves,
//! join two adjacent halves back, make a subnet of a free block.
//!
//! Its code is not in the page's wasm: the export worker renders the rows as HTML
//! (`web/exports/src/table.rs`) in an instance of its own, started when the table's section
//! first comes near the viewport. The client is a few lines of JavaScript: it keeps the latest
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
//! Brotli; the client costs 0.4 KB of JavaScript.)

use std::rc::Rc;

use byocni_core::{Edit, Plan};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use super::StateHandle;
use crate::state::{Action, State};

#[wasm_bindgen(inline_js = r#"
let w = null, ready = false, busy = false, dirty = false, plan = '', cuts = [], timer = 0, cb = null, edits = [];
function pump() {
  if (!w || !ready || busy) return;
  const r = edits.shift() ?? (dirty ? ['table', cuts.join(' ') + '\n' + plan] : null);
  if (!r) return;
  if (r[0] === 'table') dirty = false;
  busy = true;
  w.postMessage([r[0] === 'table' ? 1 : 2, ...r]);
}
function draw(html) {
  const rows = document.getElementById('subnet-rows');
  if (!rows || rows.innerHTML === html) return;
  const f = document.activeElement, at = rows.contains(f) && f.dataset.at, cls = at && f.className;
  rows.innerHTML = html;
  if (at) (rows.querySelector(`button.${cls}[data-at="${at}"]`) ?? rows.querySelector(`button[data-at="${at}"]`))?.focus();
}
function ask() { clearTimeout(timer); dirty = true; pump(); }
export function table_show(p, url, on) {
  plan = p;
  clearTimeout(timer);
  timer = setTimeout(ask, 100);
  if (w || !url) return;
  cb = on;
  try { w = new Worker(url); } catch { return; }
  w.onmessage = (e) => {
    if (e.data === 'ready') { ready = true; return ask(); }
    busy = false;
    const [kind, body] = e.data;
    if (kind === 2) {
      const i = body.indexOf('\n', body.indexOf('\n') + 1);
      // The rows of the edited plan: newer than any refresh waiting (the page's plan comes next).
      if (i > 0) { dirty = false; draw(body.slice(i + 1)); }
      cb(i > 0 ? body.slice(0, i) : body);
    }
    else if (!dirty) draw(body);
    pump();
  };
  document.addEventListener('click', (e) => {
    const b = e.target.closest?.('#subnet-rows button[data-op]');
    if (!b) return;
    const { op, arg } = b.dataset;
    if (op === 'cut' || op === 'uncut') {
      cuts = cuts.filter((c) => c !== arg);
      if (op === 'cut') cuts.push(arg);
      ask();
    } else {
      edits.push(['table-edit', op + '\n' + arg + '\n' + cuts.join(' ') + '\n' + plan]);
      pump();
    }
  });
}
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
