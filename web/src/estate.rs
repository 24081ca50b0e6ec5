//! Estates (plan version 2, issue 13) in the planner, without estate code in the page's wasm:
//! the estate lives in an instance of the export worker (`web/exports/src/estate.rs`), started
//! when an estate is opened. The page edits one cluster at a time as a v1 plan, the cluster's
//! *projection* (its VNet, ranges, pools, CNI; as connected networks the estate's plus the
//! peered VNets' prefixes), with its own fast check, exactly as it edits a v1 plan; every new
//! plan of the cluster goes to the worker ([`Client::edit`]), which writes it back into the
//! estate, checks the whole estate (the estate rules: peerings, VNet overlaps, node subnets,
//! the ClusterMesh) and answers the estate panel as HTML (the cluster picker, Add cluster, the
//! findings by cluster, the estate map), a cluster's projection to open, and the estate file's
//! text (autosave, share links, download).
//!
//! The client is a few lines of JavaScript (smaller on the wire than the same in Rust), in
//! `web/panels.js`, which the stub below imports when an estate is first opened (not part of
//! the first load): it
//! queues requests, one at a time and in order (an edit waiting behind another edit of the same
//! cluster is replaced: each carries the cluster's whole plan, so the worker never falls behind
//! typing), writes the panel's HTML into `#estate` (focus kept on the control that had it),
//! sends what its picker and buttons ask for (and the findings list's Fix for
//! `pod-cidr-missing`, which in an estate fills the pod CIDR clear of the other clusters'),
//! and autosaves the estate's text; the rest of each answer comes here.

use byocni_core::{Plan, PlanError};
use wasm_bindgen::prelude::*;
use yew::Callback;

/// A worker's answer, as the page uses it (the panel's HTML is already on screen: the
/// JavaScript client puts it there).
pub struct Answer {
    /// What the request did ("Filled: ...", "Added cluster ...").
    pub notice: Option<String>,
    /// The projection of the cluster to edit now (open, switch, add, suggest), with its index.
    pub plan: Option<(usize, Plan)>,
}

/// Whether the page's reader refused a text for being an estate (a version 2 plan file), which
/// the page then opens through the worker ([`Client::open`]).
pub fn is_estate(e: &PlanError) -> bool {
    matches!(e, PlanError::Version { found, .. } if found == "2")
}

#[wasm_bindgen(inline_js = r#"
// The panels' module (web/panels.js), imported on first use: named after the export worker's hash.
const panels = async () => import(document.querySelector('meta[name=byocni-exports-worker]').content.replace(/byocni-web-exports-(\w+)-loader\.js$/, 'byocni-panels-$1.js'));
let m = null, p = null;
const load = () => p ??= panels().then((x) => m = x);
export function estate_text() { return m?.estate_text() ?? ''; }
export function estate_start(url, on) {
  if (typeof Worker != 'function') return false;
  load().then((x) => x.estate_start(url, on) || on('', '', 'This browser cannot start the estate worker (a Web Worker).'),
    () => on('', '', 'The estate worker did not load: reload the page to try again.'));
  return true;
}
export function estate_send(kind, payload) { load().then((x) => x.estate_send(kind, payload)); }
export function estate_stop() {
  try { localStorage.removeItem('byocni.estate.v2'); } catch {}
  if (m) m.estate_stop(); else p?.then((x) => x.estate_stop());
}
"#)]
extern "C" {
    /// Starts the estate worker (once) and the panel's listeners; false when the browser
    /// cannot start a worker.
    fn estate_start(url: &str, on_answer: &Closure<dyn Fn(String, String, String)>) -> bool;
    /// Queues a request (an edit waiting behind an edit of the same cluster is replaced).
    fn estate_send(kind: &str, payload: &str);
    /// Stops the worker, empties the panel and forgets the saved estate.
    fn estate_stop();
    /// The estate file's compact JSON as the worker last wrote it (share links, download).
    pub fn estate_text() -> String;
}

/// The saved estate's text (localStorage `byocni.estate.v2`, written 300 ms after the worker's
/// last answer and when the page is hidden), if an estate was open.
pub fn estate_saved() -> Option<String> {
    crate::share::load_text("byocni.estate.v2")
}

/// The page's estate worker: requests and answers go through a small JavaScript client (the
/// request queue, the panel's HTML and its picker, Add cluster and "Edit NAME" buttons), which
/// costs the first load less than the same in Rust.
pub struct Client {
    _on_answer: Closure<dyn Fn(String, String, String)>,
}

impl Client {
    /// Starts the worker; `on_answer` gets each answer, or why there is none.
    pub fn start(on_answer: Callback<Result<Answer, String>>) -> Result<Client, String> {
        let url = crate::exports::worker_url().ok_or_else(|| {
            "This page was built without the export worker, which opens estates: build it with scripts/build-web.sh.".to_owned()
        })?;
        let on = Closure::<dyn Fn(String, String, String)>::new(
            move |meta: String, plan: String, text: String| {
                on_answer.emit(read_answer(&meta, &plan, text));
            },
        );
        if !estate_start(&url, &on) {
            return Err("This browser cannot start the estate worker (a Web Worker).".into());
        }
        Ok(Client { _on_answer: on })
    }

    /// Opens an estate file's text.
    pub fn open(&self, text: &str) {
        estate_send("estate-open", text);
    }

    /// Sends cluster `i`'s edited projection (`connected`: its connected networks changed; else
    /// they are left out, and the worker keeps the estate's).
    pub fn edit(&self, i: usize, plan: &Plan, connected: bool) {
        let json = if connected {
            plan.to_json_compact()
        } else {
            without_networks(plan).to_json_compact()
        };
        estate_send(
            "estate-edit",
            &format!("{i}\n{}\n{json}", u8::from(connected)),
        );
    }

    /// Fills the estate's gaps, then reopens cluster `i`.
    pub fn suggest(&self, i: usize) {
        estate_send("estate-suggest", &i.to_string());
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        estate_stop();
    }
}

/// The plan without its connected networks (the worker keeps the estate's when an edit left
/// them): a cluster of an estate with 10,000 of them is sent in a few hundred bytes.
pub(crate) fn without_networks(plan: &Plan) -> Plan {
    Plan {
        schema: None,
        ..plan.without_connected_networks()
    }
}

fn read_answer(meta: &str, plan: &str, text: String) -> Result<Answer, String> {
    // On error the worker sends no meta lines and why in place of the text.
    let mut lines = meta.lines();
    let current: usize = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| text.clone())?;
    let notice = lines.next().filter(|n| !n.is_empty()).map(str::to_owned);
    let plan = if plan.is_empty() {
        None
    } else {
        Some((current, Plan::from_json(plan).map_err(|e| e.to_string())?))
    };
    Ok(Answer { notice, plan })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read() {
        let a = read_answer("1\nFilled: x\ncontoso\n2 clusters\nblue", "", "{}".into()).unwrap();
        assert_eq!(a.notice.as_deref(), Some("Filled: x"));
        assert!(a.plan.is_none());
        let b = read_answer("0\n\ne", &Plan::example().to_json_compact(), String::new()).unwrap();
        assert_eq!(b.plan.unwrap().0, 0);
        assert!(b.notice.is_none());
        assert_eq!(
            read_answer("", "", "why".into()).err().as_deref(),
            Some("why")
        );
    }

    #[test]
    fn an_estate_is_told_from_a_plan() {
        let e = Plan::from_json(r#"{"version":2,"name":"e"}"#).unwrap_err();
        assert!(is_estate(&e));
        let e = Plan::from_json(r#"{"version":3}"#).unwrap_err();
        assert!(!is_estate(&e));
    }

    #[test]
    fn a_plan_leaves_its_networks_behind() {
        let p = without_networks(&Plan::example());
        assert!(p.connected_networks.is_empty());
        assert_eq!(p.pod_cidr, Plan::example().pod_cidr);
    }
}
