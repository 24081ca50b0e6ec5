//! Estates (plan version 2, issue 13) in the planner, without estate code in the page's wasm:
//! the estate lives in an instance of the export worker (`web/exports/src/estate.rs`), started
//! when an estate is opened. The page edits one cluster at a time as a v1 plan, the cluster's
//! *projection* (its VNet, ranges, pools, CNI; as connected networks the estate's plus the
//! peered VNets' prefixes), with its own fast check, exactly as it edits a v1 plan; every new
//! plan of the cluster goes to the worker ([`Client::edit`]), which writes it back into the
//! estate, checks the whole estate (the estate rules: peerings, VNet overlaps, node subnets,
//! the ClusterMesh) and answers the picker's [`Meta`], the findings by cluster and the map as
//! HTML it renders, and the estate file's text (autosave, share links, download).
//!
//! Requests go one at a time in order; an edit waiting behind another edit of the same cluster
//! replaces it (each carries the cluster's whole plan), so the worker never falls behind typing.

use std::cell::RefCell;
use std::rc::Rc;

use byocni_core::{Plan, PlanError};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};
use yew::Callback;

/// What the page itself shows of the estate (the worker's meta lines): the rest of the panel,
/// the findings by cluster and the map, comes as HTML ([`Answer::html`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    /// The cluster shown.
    pub current: usize,
    /// What the request did ("Filled: ...", "Added cluster ...").
    pub notice: Option<String>,
    /// The estate's name.
    pub name: String,
    /// Clusters, VNets, peerings and the estate's error and warning counts, in a sentence.
    pub summary: String,
    /// The picker's label of each cluster.
    pub clusters: Vec<String>,
}

impl Meta {
    /// Reads the worker's meta lines: the cluster shown, the notice, the name, the summary,
    /// then one line per cluster.
    pub fn read(text: &str) -> Option<Meta> {
        let mut lines = text.lines();
        let current = lines.next()?.parse().ok()?;
        let notice = lines.next()?;
        Some(Meta {
            current,
            notice: (!notice.is_empty()).then(|| notice.to_owned()),
            name: lines.next()?.to_owned(),
            summary: lines.next()?.to_owned(),
            clusters: lines.map(str::to_owned).collect(),
        })
    }
}

/// A worker's answer.
pub struct Answer {
    /// What the page shows of the estate.
    pub meta: Meta,
    /// The findings by cluster and the map, as HTML (user text escaped by the worker).
    pub html: yew::AttrValue,
    /// The projection of the cluster to edit now (open, switch, add, suggest), with its index.
    pub plan: Option<(usize, Plan)>,
    /// The estate file's compact JSON.
    pub text: Rc<String>,
}

/// A plan file's text as the page opens it.
// Made once per file read and taken apart at once: a box would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum Read {
    /// A version 1 plan: edited as always.
    Plan(Plan),
    /// A version 2 estate: opened in the worker ([`Client::open`]).
    Estate(String),
}

/// Reads a plan file of either version: a v1 plan here, a v2 estate is handed on as text (the
/// page's core does not read estates). Why a text is neither comes from the export worker.
pub async fn read_file(text: String) -> Result<Read, String> {
    match Plan::from_json(&text) {
        Ok(plan) => Ok(Read::Plan(plan)),
        Err(PlanError::Version { found, .. }) if found == "2" => Ok(Read::Estate(text)),
        Err(_) => crate::exports::read_plan(&text).await.map(Read::Plan),
    }
}

enum Request {
    Open(String),
    Cluster(usize),
    Edit(usize, Rc<Plan>, bool),
    Add(usize),
    Suggest(usize),
}

impl Request {
    fn message(&self, id: u32) -> js_sys::Array {
        let (kind, payload) = match self {
            Request::Open(text) => ("estate-open", text.clone()),
            Request::Cluster(i) => ("estate-cluster", i.to_string()),
            Request::Add(i) => ("estate-add", i.to_string()),
            Request::Suggest(i) => ("estate-suggest", i.to_string()),
            Request::Edit(i, plan, connected) => {
                let json = if *connected {
                    plan.to_json_compact()
                } else {
                    without_networks(plan).to_json_compact()
                };
                (
                    "estate-edit",
                    format!("{i}\n{}\n{json}", u8::from(*connected)),
                )
            }
        };
        js_sys::Array::of3(&id.into(), &kind.into(), &payload.into())
    }
}

/// The plan without its connected networks (the worker keeps the estate's when an edit left
/// them): a cluster of an estate with 10,000 of them is sent in a few hundred bytes.
fn without_networks(plan: &Plan) -> Plan {
    Plan {
        schema: None,
        version: plan.version,
        cluster: plan.cluster.clone(),
        vnet: plan.vnet.clone(),
        pod_cidr: plan.pod_cidr.clone(),
        service_cidr: plan.service_cidr.clone(),
        dns_service_ip: plan.dns_service_ip.clone(),
        node_pools: plan.node_pools.clone(),
        internal_load_balancers: plan.internal_load_balancers,
        cni: plan.cni.clone(),
        connected_networks: Vec::new(),
        outbound: plan.outbound.clone(),
        api_server: plan.api_server.clone(),
        nsg: plan.nsg.clone(),
    }
}

struct Channel {
    worker: Worker,
    ready: bool,
    busy: bool,
    queue: Vec<Request>,
    id: u32,
}

impl Channel {
    fn push(&mut self, request: Request) {
        if let (Request::Edit(i, _, c), Some(Request::Edit(j, _, d))) =
            (&request, self.queue.last())
        {
            if i == j {
                let connected = *c || *d;
                let Request::Edit(i, plan, _) = request else {
                    return;
                };
                self.queue.pop();
                self.queue.push(Request::Edit(i, plan, connected));
                return self.pump();
            }
        }
        self.queue.push(request);
        self.pump();
    }

    fn pump(&mut self) {
        if self.ready && !self.busy && !self.queue.is_empty() {
            let request = self.queue.remove(0);
            self.id += 1;
            self.busy = self.worker.post_message(&request.message(self.id)).is_ok();
        }
    }
}

/// The page's estate worker.
pub struct Client {
    channel: Rc<RefCell<Channel>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::Event)>,
}

impl Client {
    /// Starts a worker; `on_answer` gets each answer, or why the worker did not start.
    pub fn start(on_answer: Callback<Result<Answer, String>>) -> Result<Client, String> {
        let url = crate::exports::worker_url().ok_or_else(|| {
            "This page was built without the export worker, which opens estates: build it with scripts/build-web.sh.".to_owned()
        })?;
        let worker = Worker::new(&url).map_err(|_| {
            "This browser cannot start the estate worker (a Web Worker).".to_owned()
        })?;
        let channel = Rc::new(RefCell::new(Channel {
            worker: worker.clone(),
            ready: false,
            busy: false,
            queue: Vec::new(),
            id: 0,
        }));
        let on_message = {
            let (channel, on_answer) = (channel.clone(), on_answer.clone());
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                let data = e.data();
                let answer = if data.as_string().as_deref() == Some("ready") {
                    channel.borrow_mut().ready = true;
                    None
                } else {
                    channel.borrow_mut().busy = false;
                    Some(read_answer(&js_sys::Array::from(&data)))
                };
                channel.borrow_mut().pump();
                if let Some(answer) = answer {
                    on_answer.emit(answer);
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
            on_answer.emit(Err(format!(
                "The estate worker did not load ({url}): reload the page to try again."
            )));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Client {
            channel,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Opens an estate file's text.
    pub fn open(&self, text: String) {
        self.channel.borrow_mut().push(Request::Open(text));
    }

    /// Asks for cluster `i`'s projection.
    pub fn cluster(&self, i: usize) {
        self.channel.borrow_mut().push(Request::Cluster(i));
    }

    /// Sends cluster `i`'s edited projection (`connected`: its connected networks changed).
    pub fn edit(&self, i: usize, plan: Rc<Plan>, connected: bool) {
        self.channel
            .borrow_mut()
            .push(Request::Edit(i, plan, connected));
    }

    /// Adds a cluster like cluster `i`.
    pub fn add(&self, i: usize) {
        self.channel.borrow_mut().push(Request::Add(i));
    }

    /// Fills the estate's gaps, then reopens cluster `i`.
    pub fn suggest(&self, i: usize) {
        self.channel.borrow_mut().push(Request::Suggest(i));
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.channel.borrow().worker.terminate();
    }
}

fn read_answer(data: &js_sys::Array) -> Result<Answer, String> {
    let text = |k: u32| data.get(k).as_string().unwrap_or_default();
    let meta = Meta::read(&text(1)).ok_or_else(|| text(3))?;
    let plan = text(2);
    let plan = if plan.is_empty() {
        None
    } else {
        Some((
            meta.current,
            Plan::from_json(&plan).map_err(|e| e.to_string())?,
        ))
    };
    Ok(Answer {
        meta,
        html: text(4).into(),
        plan,
        text: Rc::new(text(3)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_lines() {
        let m = Meta::read("1\n\ncontoso\n2 clusters\ngreen (existing)\nblue").unwrap();
        assert_eq!(m.current, 1);
        assert_eq!(m.notice, None);
        assert_eq!(m.clusters, ["green (existing)", "blue"]);
        assert!(Meta::read("").is_none());
        assert!(Meta::read("x\n").is_none());
    }
}
