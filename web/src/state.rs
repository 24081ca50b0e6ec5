//! The planner's state as a Yew reducer. Every edit of the plan goes through the core
//! (`apply_edit`, `suggest`; plan files are read by [`crate::exports::read_plan`]) and re-checks
//! the whole plan once; the view only reads [`State`].

use std::rc::Rc;

use byocni_core::plan::{ApiServer, LoadBalancerOutbound, NatGateway, Outbound, RouteTable};
use byocni_core::{apply_edit, check_with, Cidr, ConnectedIndex, Edit, Format, Plan, Report};
use yew::Reducible;

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct State {
    /// The plan being edited. Shared, so that state changes that keep the plan (a tab, a
    /// notice) do not copy it, and the autosave can hold it without a copy.
    pub plan: Rc<Plan>,
    /// The plan's connected networks, parsed and indexed: rebuilt only when they change, so an
    /// edit of a plan with 10,000 of them does not parse them all again.
    pub connected: Rc<ConnectedIndex>,
    /// `check` of the plan, recomputed on every change.
    pub report: Rc<Report>,
    /// The advanced editor's text when it is not a valid plan (else it shows the plan).
    pub json: Option<String>,
    /// Why the advanced editor's text is not a plan, if it is not.
    pub json_error: Option<String>,
    /// A field's text that is no value for it (`three` in Nodes), and why in plain words: shown
    /// next to the field until the plan changes.
    pub input_error: Option<(String, String)>,
    /// A message for the user (upload refused, suggestion made...), and whether it is an error.
    pub notice: Option<(String, bool)>,
    /// The export tab shown.
    pub tab: Format,
    /// The ranges the map was zoomed into, the one shown last (empty: the whole plan).
    pub zoom: Vec<Cidr>,
    /// The JSON editor is open (its text is built only then).
    pub json_open: bool,
    /// The plans before this one, newest last ([`Action::Undo`]); at most [`HISTORY`].
    pub undo: Vec<Step>,
    /// The plans undone, newest last ([`Action::Redo`]); any new edit clears them.
    pub redo: Vec<Step>,
    /// A plan waiting for the user's yes before it replaces theirs (a share link, the example),
    /// and what it is ("the shared plan").
    pub offer: Option<(Rc<Plan>, String)>,
    /// The user's plan (or estate) that an accepted offer or an opened estate replaced:
    /// "Restore my previous plan" brings it back (kept in localStorage too,
    /// [`crate::autosave::PREVIOUS_KEY`]).
    pub previous: Option<Kept>,
    /// The cluster of the open estate (plan version 2) whose projection `plan` is, edited as a
    /// v1 plan and written back by the estate worker ([`crate::estate`]); none for a v1 plan.
    pub estate: Option<usize>,
}

/// A step of the history: the cluster of the estate the plan is a projection of (none: a v1
/// plan) and the plan. Two steps of different clusters are a switch between clusters, not an
/// edit: undo and redo go across switches to the next edit, so that undo works across the
/// estate, one cluster's edit at a time.
pub type Step = (Option<usize>, Rc<Plan>);

/// What "Restore my previous plan" brings back: a plan, or an estate's file text (plan version
/// 2), which the app opens in the estate worker ([`crate::estate`]).
#[derive(Debug, Clone)]
pub enum Kept {
    /// A version 1 plan.
    Plan(Rc<Plan>),
    /// An estate, as its file's text.
    Estate(Rc<String>),
}

impl Kept {
    /// Its address, which tells one kept plan from another without comparing them.
    pub fn key(&self) -> usize {
        match self {
            Kept::Plan(p) => Rc::as_ptr(p) as usize,
            Kept::Estate(t) => Rc::as_ptr(t) as usize,
        }
    }
}

/// How many plans undo keeps. A plan of 10,000 connected networks is about 1 MB in memory.
pub const HISTORY: usize = 50;

/// What can happen to the state.
#[derive(Debug, Clone)]
pub enum Action {
    /// Set one field (a form input or a finding's fix).
    Edit(Edit),
    /// Replace the plan: with a message, a plan from elsewhere (an upload), which closes an open
    /// estate; without, the JSON editor's text, an edit of the plan on screen (in an estate, of
    /// its cluster).
    Replace(Box<Plan>, Option<String>),
    /// The advanced JSON editor holds text that is not a plan, and why
    /// ([`crate::exports::read_plan`]); a text that is a plan comes as [`Action::Replace`].
    JsonRefused(String, String),
    /// What the export worker answered to **Suggest** or **Fix all** ([`crate::exports::work`]),
    /// asked about the plan given first: the plan to put on screen (none: it stays) and the
    /// notice (true: an error). Dropped when the plan on screen is no longer the one asked about.
    Worked(Rc<Plan>, Option<Box<Plan>>, String, bool),
    /// Show an export format.
    Tab(Format),
    /// Zoom the map into a range, or (none) out one level.
    Zoom(Option<Cidr>),
    /// The JSON editor opened or closed.
    JsonOpen(bool),
    /// Show a message (true: an error).
    Notice(String, bool),
    /// Dismiss the message.
    Dismiss,
    /// Back to the plan before the last change.
    Undo,
    /// Forward to the plan the last undo left.
    Redo,
    /// Offer a plan that replaces the user's (a share link, the example) and what it is: opened
    /// at once when it would lose nothing (the plan on screen is the example or the same plan),
    /// else held in [`State::offer`] until [`Action::Accept`] or [`Action::Decline`].
    Offer(Box<Plan>, String),
    /// Open the offered plan, keeping the replaced one as [`State::previous`].
    Accept,
    /// Keep the plan on screen, drop the offer.
    Decline,
    /// Swap the plan on screen with [`State::previous`] (a kept estate is opened by the app,
    /// through the estate worker).
    Restore,
    /// An estate is being opened over what is on screen, which becomes [`State::previous`]: the
    /// open estate (its file's text), or (none) the v1 plan on screen unless it is the example.
    /// Also sent with the text of an open estate a plan replaced.
    Keep(Option<Rc<String>>),
    /// A field's text is no value for it: the field's path and why ([`State::input_error`]).
    InputError(String, String),
    /// Cluster `i` of an estate, as its projection (from the estate worker), with a message.
    /// Opening an estate (true) starts undo afresh (what it replaced is kept by
    /// [`Action::Keep`]); another cluster is a switch (a step undo goes across); the cluster on
    /// screen (Suggest, a Fix) an edit.
    OpenCluster(Rc<Plan>, usize, Option<String>, bool),
}

/// After an edit of the blocks around the cluster (`outbound`, `apiServer`), what now says
/// no more than AKS's defaults is dropped: an emptied field leaves no `"loadBalancer": {}` and
/// type `loadBalancer` alone no `outbound`, so a plan whose inputs are put back is the plan it
/// was. Other edits leave them as written (a file may spell a default out).
pub fn tidy_around(mut plan: Plan, path: &str) -> Plan {
    if path.starts_with("outbound") {
        if let Some(o) = &mut plan.outbound {
            if o.load_balancer == Some(LoadBalancerOutbound::default()) {
                o.load_balancer = None;
            }
            if o.nat_gateway == Some(NatGateway::default()) {
                o.nat_gateway = None;
            }
            if o.route_table == Some(RouteTable::default()) {
                o.route_table = None;
            }
            if *o == Outbound::default() {
                plan.outbound = None;
            }
        }
    }
    if path.starts_with("apiServer") && plan.api_server == Some(ApiServer::default()) {
        plan.api_server = None;
    }
    plan
}

impl State {
    /// The state for a plan.
    pub fn new(plan: Plan) -> State {
        let connected = Rc::new(ConnectedIndex::new(&plan.connected_networks));
        State {
            report: Rc::new(check_with(&plan, &connected)),
            connected,
            json: None,
            json_error: None,
            input_error: None,
            notice: None,
            tab: Format::Bash,
            zoom: Vec::new(),
            json_open: false,
            plan: Rc::new(plan),
            undo: Vec::new(),
            redo: Vec::new(),
            offer: None,
            previous: None,
            estate: None,
        }
    }

    /// The state with `plan` on screen, history untouched.
    fn with_plan(&self, plan: Rc<Plan>, notice: Option<(String, bool)>) -> State {
        // Comparing 10,000 networks is a few hundred microseconds; parsing them is milliseconds.
        let connected = if plan.connected_networks == self.plan.connected_networks {
            self.connected.clone()
        } else {
            Rc::new(ConnectedIndex::new(&plan.connected_networks))
        };
        State {
            report: Rc::new(check_with(&plan, &connected)),
            connected,
            json: None,
            json_error: None,
            input_error: None,
            notice,
            tab: self.tab,
            zoom: self.zoom.clone(),
            json_open: self.json_open,
            plan,
            undo: self.undo.clone(),
            redo: self.redo.clone(),
            offer: self.offer.clone(),
            previous: self.previous.clone(),
            estate: self.estate,
        }
    }

    /// A change of the plan: the plan on screen goes on the undo list and redo is cleared. A
    /// plan equal to the one on screen changes nothing (no undo step for a field left as it was).
    fn commit(&self, plan: Plan, notice: Option<(String, bool)>) -> State {
        if plan == *self.plan {
            return State {
                notice,
                json: None,
                json_error: None,
                ..self.clone()
            };
        }
        let mut next = self.with_plan(Rc::new(plan), notice);
        next.step(self);
        next.redo.clear();
        next
    }

    /// Puts `from`'s plan on the undo list (the oldest goes at [`HISTORY`]).
    fn step(&mut self, from: &State) {
        if self.undo.len() == HISTORY {
            self.undo.remove(0);
        }
        self.undo.push((from.estate, from.plan.clone()));
    }

    /// The findings about one field (and the fields below it), as the finding's field or as the
    /// other side of it (both fields of an overlap).
    pub fn findings_for(&self, field: &str) -> Vec<&byocni_core::Finding> {
        self.report
            .findings
            .iter()
            .filter(|f| {
                std::iter::once(&f.field).chain(&f.related).any(|at| {
                    at.strip_prefix(field).is_some_and(|rest| {
                        matches!(rest.as_bytes().first(), None | Some(b'.' | b'['))
                    })
                })
            })
            .collect()
    }
}

/// Two states are equal when they share the same plan, index and report (the `Rc`s: a new plan
/// is always a new `Rc`) and show the same text, tab and notice. Yew compares the state on
/// every render of the context; comparing two plans of 10,000 networks field by field would
/// cost that much each time.
impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.plan, &other.plan)
            && Rc::ptr_eq(&self.connected, &other.connected)
            && Rc::ptr_eq(&self.report, &other.report)
            && self.json == other.json
            && self.json_error == other.json_error
            && self.input_error == other.input_error
            && self.notice == other.notice
            && self.tab == other.tab
            && self.zoom == other.zoom
            && self.json_open == other.json_open
            && self.undo.len() == other.undo.len()
            && self.redo.len() == other.redo.len()
            && same(
                self.offer.as_ref().map(|o| &o.0),
                other.offer.as_ref().map(|o| &o.0),
            )
            && self.previous.as_ref().map(Kept::key) == other.previous.as_ref().map(Kept::key)
            && self.estate == other.estate
    }
}

fn same(a: Option<&Rc<Plan>>, b: Option<&Rc<Plan>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

impl Default for State {
    fn default() -> Self {
        State::new(Plan::example())
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // A plan from elsewhere (an upload, a link, the example, a restore) closes the estate;
        // the JSON editor's text is an edit of the cluster on screen.
        let leaves_estate = matches!(
            action,
            Action::Replace(_, Some(_)) | Action::Offer(..) | Action::Accept | Action::Restore
        );
        let mut next = match action {
            Action::Edit(edit) => match apply_edit(&self.plan, &edit) {
                Ok(plan) => self.commit(tidy_around(plan, &edit.path), None),
                Err(e) => State {
                    input_error: Some((
                        edit.path.clone(),
                        format!("{}: {e}", crate::labels::label_of(&edit.path)),
                    )),
                    ..(*self).clone()
                },
            },
            Action::Replace(plan, msg) => self.commit(*plan, msg.map(|m| (m, false))),
            Action::JsonRefused(text, why) => State {
                json: Some(text),
                json_error: Some(why),
                ..(*self).clone()
            },
            Action::Worked(asked, _, _, _) if !Rc::ptr_eq(&asked, &self.plan) => return self,
            Action::Worked(_, plan, notice, error) => match plan {
                Some(plan) => self.commit(*plan, Some((notice, error))),
                None => State {
                    notice: Some((notice, error)),
                    ..(*self).clone()
                },
            },
            Action::Tab(tab) => State {
                tab,
                ..(*self).clone()
            },
            Action::Zoom(to) => {
                let mut next = (*self).clone();
                match to {
                    Some(c) if next.zoom.last() != Some(&c) => next.zoom.push(c),
                    Some(_) => return self,
                    None => drop(next.zoom.pop()),
                }
                next
            }
            Action::JsonOpen(json_open) => State {
                json_open,
                ..(*self).clone()
            },
            Action::Notice(m, err) => State {
                notice: Some((m, err)),
                ..(*self).clone()
            },
            Action::Dismiss => State {
                notice: None,
                ..(*self).clone()
            },
            Action::Undo | Action::Redo => {
                let back = matches!(action, Action::Undo);
                let mut next = (*self).clone();
                let (from, to) = if back {
                    (&mut next.undo, &mut next.redo)
                } else {
                    (&mut next.redo, &mut next.undo)
                };
                // One edit back (or forward), across the switches between clusters before it.
                let mut at = (self.estate, self.plan.clone());
                while let Some(step) = from.pop() {
                    let edit = step.0 == at.0;
                    to.push(std::mem::replace(&mut at, step));
                    if edit {
                        break;
                    }
                }
                if Rc::ptr_eq(&at.1, &self.plan) {
                    return self;
                }
                let notice = (at.0 != self.estate).then(|| {
                    let did = if back { "Undid" } else { "Redid" };
                    (
                        format!("{did} a change in cluster {}.", at.1.cluster.name),
                        false,
                    )
                });
                State {
                    undo: next.undo,
                    redo: next.redo,
                    estate: at.0,
                    ..self.with_plan(at.1, notice)
                }
            }
            Action::Offer(plan, what) => {
                if *plan == *self.plan {
                    State {
                        notice: Some((format!("Opened {what}: it is the plan you have."), false)),
                        ..(*self).clone()
                    }
                } else if *self.plan == Plan::example() {
                    self.commit(*plan, Some((format!("Opened {what}."), false)))
                } else {
                    State {
                        offer: Some((Rc::new(*plan), what)),
                        notice: None,
                        ..(*self).clone()
                    }
                }
            }
            Action::Accept | Action::Restore => {
                let (plan, msg) = if matches!(action, Action::Accept) {
                    let Some((plan, what)) = self.offer.clone() else {
                        return self;
                    };
                    let msg = format!("Opened {what}. Your plan is kept: \"Restore my previous plan\" brings it back.");
                    (plan, msg)
                } else {
                    let plan = match self.previous.clone() {
                        Some(Kept::Plan(plan)) => plan,
                        // A kept estate is opened by the app: it is no longer kept.
                        Some(Kept::Estate(_)) => {
                            return Rc::new(State {
                                previous: None,
                                ..(*self).clone()
                            })
                        }
                        None => return self,
                    };
                    let msg =
                        "Restored your previous plan; the one it replaced can be restored in turn.";
                    (plan, msg.to_owned())
                };
                let mut next = self.commit((*plan).clone(), Some((msg, false)));
                next.previous = Some(Kept::Plan(self.plan.clone()));
                next.offer = None;
                next
            }
            Action::Keep(text) => {
                let previous = match text {
                    Some(t) => Some(Kept::Estate(t)),
                    None if self.estate.is_none() && *self.plan != Plan::example() => {
                        Some(Kept::Plan(self.plan.clone()))
                    }
                    None => return self,
                };
                State {
                    previous,
                    ..(*self).clone()
                }
            }
            Action::InputError(path, why) => State {
                input_error: Some((path, why)),
                ..(*self).clone()
            },
            Action::Decline => State {
                offer: None,
                notice: Some(("Kept your plan.".into(), false)),
                ..(*self).clone()
            },
            Action::OpenCluster(plan, i, msg, open) => {
                let msg = msg.map(|m| (m, false));
                if !open && self.estate == Some(i) {
                    return Rc::new(self.commit(Rc::unwrap_or_clone(plan), msg));
                }
                let mut next = self.with_plan(plan, msg);
                next.redo.clear();
                next.offer = None;
                next.estate = Some(i);
                if open {
                    next.undo.clear();
                } else if !next.undo.is_empty() {
                    next.step(&self);
                }
                next
            }
        };
        if leaves_estate && !Rc::ptr_eq(&next.plan, &self.plan) {
            // The estate's steps are plans of their own now.
            next.estate = None;
            for step in next.undo.iter_mut().chain(&mut next.redo) {
                step.0 = None;
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(path: &str, value: impl Into<serde_json::Value>) -> Action {
        Action::Edit(Edit {
            path: path.into(),
            value: value.into(),
        })
    }

    #[test]
    fn an_edit_rechecks_and_a_fix_repairs() {
        let s = Rc::new(State::default());
        assert!(s.report.findings.is_empty());
        let s = s.reduce(edit("podCidr", "10.0.0.0/16"));
        let f = s.findings_for("podCidr")[0].clone();
        assert_eq!(f.rule.id(), "pod-cidr-overlap");
        let fix = f.fix.unwrap().edit.unwrap();
        let s = s.reduce(Action::Edit(fix));
        assert!(s.report.findings.is_empty(), "{:?}", s.report.findings);
        assert!(s.json.is_none());
    }

    #[test]
    fn the_connected_index_is_rebuilt_only_when_the_networks_change() {
        let s = Rc::new(State::default());
        let t = s.clone().reduce(edit("podCidr", "192.168.0.0/16"));
        assert!(Rc::ptr_eq(&s.connected, &t.connected));
        assert_eq!(t.report.findings[0].rule.id(), "pod-cidr-overlap");
        let u = t
            .clone()
            .reduce(edit("connectedNetworks[0].cidr", "172.16.0.0/16"));
        assert!(!Rc::ptr_eq(&t.connected, &u.connected));
        // The new index is the one the new networks give: the overlap is gone.
        assert_eq!(
            *u.connected,
            ConnectedIndex::new(&u.plan.connected_networks)
        );
        assert!(u.report.findings.is_empty(), "{:?}", u.report.findings);
    }

    #[test]
    fn refused_json_keeps_the_plan_and_a_plan_clears_the_text() {
        let s = Rc::new(State::default());
        let before = s.plan.clone();
        let s = s.reduce(Action::JsonRefused("{ nope".into(), "not JSON".into()));
        assert_eq!(s.plan, before);
        assert_eq!(s.json_error.as_deref(), Some("not JSON"));
        assert_eq!(s.json.as_deref(), Some("{ nope"));
        let s = s.reduce(Action::Replace(Box::new(Plan::example()), None));
        assert!(s.json.is_none() && s.json_error.is_none());
    }

    #[test]
    fn a_fields_findings_are_its_own_and_those_below_it() {
        let mut p = Plan::example();
        p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.1/16".into();
        let s = State::new(p);
        let fields = |f: &str| -> Vec<String> {
            s.findings_for(f).iter().map(|f| f.field.clone()).collect()
        };
        assert_eq!(fields("vnet.subnets[0].cidr"), ["vnet.subnets[0].cidr"]);
        assert_eq!(fields("vnet.subnets"), ["vnet.subnets[0].cidr"]);
        assert_eq!(fields("vnet"), ["vnet.subnets[0].cidr"]);
        assert!(fields("vnet.subnets[0].c").is_empty());
        assert!(fields("vn").is_empty());
    }

    /// What the export worker answers to **Suggest** (`web/exports/src/fix.rs`, whose tests
    /// cover its words), as the page dispatches it.
    fn suggested(s: &State) -> Action {
        let plan = byocni_core::suggest(&s.plan).unwrap().plan;
        let changed = plan != *s.plan;
        Action::Worked(
            s.plan.clone(),
            changed.then(|| Box::new(plan)),
            "Filled".into(),
            false,
        )
    }

    #[test]
    fn the_workers_answer_is_one_step_for_the_plan_it_was_asked_about() {
        let mut p = Plan::example();
        p.pod_cidr = None;
        let s = Rc::new(State::new(p));
        let asked = suggested(&s);
        let s = s.reduce(asked.clone());
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.244.0.0/16"));
        assert_eq!(s.notice, Some(("Filled".into(), false)));
        assert_eq!(s.undo.len(), 1);
        // An answer about an older plan (the user edited meanwhile) changes nothing.
        let later = s.clone().reduce(asked);
        assert!(Rc::ptr_eq(&later, &s));
        // A notice alone (nothing to fill, or an error) keeps the plan.
        let t = s
            .clone()
            .reduce(Action::Worked(s.plan.clone(), None, "no room".into(), true));
        assert!(Rc::ptr_eq(&t.plan, &s.plan));
        assert_eq!(t.notice, Some(("no room".into(), true)));
        assert_eq!(t.undo.len(), 1);
    }

    #[test]
    fn every_change_undoes_and_redoes_and_a_new_edit_clears_redo() {
        let s = Rc::new(State::default());
        let example = s.plan.clone();
        let s = s.reduce(edit("podCidr", "10.0.0.0/16"));
        let fix = s.report.findings[0].fix.clone().unwrap().edit.unwrap();
        let s = s.reduce(Action::Edit(fix));
        let s = s.clone().reduce(suggested(&s));
        assert_eq!(s.undo.len(), 2, "the suggestion filled nothing: no step");
        let fixed = s.plan.clone();
        let s = s.reduce(Action::Undo);
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.0.0.0/16"));
        assert_eq!(s.report.findings[0].rule.id(), "pod-cidr-overlap");
        let s = s.reduce(Action::Undo);
        assert!(Rc::ptr_eq(&s.plan, &example));
        // Nothing more to undo: the same state.
        let same = s.clone().reduce(Action::Undo);
        assert!(Rc::ptr_eq(&same, &s));
        let s = s.reduce(Action::Redo).reduce(Action::Redo);
        assert!(Rc::ptr_eq(&s.plan, &fixed));
        assert!(s.redo.is_empty());
        let s = s.reduce(Action::Undo).reduce(edit("cluster.name", "other"));
        assert!(s.redo.is_empty(), "a new edit clears redo");
        // A field set to what it holds is no step.
        let n = s.undo.len();
        let s = s.reduce(edit("cluster.name", "other"));
        assert_eq!(s.undo.len(), n);
    }

    #[test]
    fn around_the_cluster_is_edited_checked_undone_and_tidied() {
        let seed = Rc::new(State::default());
        let json = seed.plan.to_json();
        // Outbound type userDefinedRouting with a next hop no network reaches: the finding is at
        // the next hop's field.
        let s = seed.clone().reduce(edit(
            "outbound",
            serde_json::json!({ "type": "userDefinedRouting" }),
        ));
        let s = s.reduce(edit("outbound.routeTable.nextHopIp", "192.0.2.4"));
        let f = s.findings_for("outbound.routeTable.nextHopIp");
        assert_eq!(f[0].rule.id(), "udr-next-hop", "{f:?}");
        // A private cluster with authorized ranges.
        let s = s.reduce(edit("apiServer.private", true)).reduce(edit(
            "apiServer.authorizedIpRanges",
            serde_json::json!(["20.1.2.0/24"]),
        ));
        let f = s.findings_for("apiServer.authorizedIpRanges");
        assert_eq!(f[0].rule.id(), "authorized-ranges-private", "{f:?}");
        // VNet integration into a subnet of the plan: its capacity is reported.
        let s = s
            .reduce(edit(
                "vnet.subnets",
                serde_json::json!([{ "name": "nodes", "cidr": "10.224.0.0/16", "role": "nodes" },
                                   { "name": "apiserver", "cidr": "10.225.0.0/28", "role": "apiServer" }]),
            ))
            .reduce(edit(
                "apiServer.vnetIntegration",
                serde_json::json!({ "subnet": "apiserver" }),
            ));
        assert_eq!(
            s.report
                .capacity
                .api_server_subnet
                .as_ref()
                .map(|a| a.usable),
            Some(11)
        );
        // Every step undoes, back to the seed byte for byte.
        let mut s = s;
        for _ in 0..6 {
            s = s.reduce(Action::Undo);
        }
        assert!(Rc::ptr_eq(&s.plan, &seed.plan));
        // Fields put back to nothing leave no block: the plan file is the seed's again.
        let s = seed
            .clone()
            .reduce(edit("outbound.loadBalancer.managedOutboundIps", 3))
            .reduce(edit("apiServer.private", true))
            .reduce(edit("nsg", serde_json::json!({})));
        assert_eq!(
            s.plan
                .outbound
                .as_ref()
                .unwrap()
                .load_balancer
                .as_ref()
                .unwrap()
                .managed_outbound_ips,
            Some(3)
        );
        assert!(s.plan.nsg.is_some());
        let s = s
            .reduce(edit(
                "outbound.loadBalancer.managedOutboundIps",
                serde_json::Value::Null,
            ))
            .reduce(edit("apiServer.private", false))
            .reduce(edit("nsg", serde_json::Value::Null));
        assert_eq!(s.plan.to_json(), json);
        let s = s
            .reduce(edit(
                "outbound",
                serde_json::json!({ "type": "managedNATGateway" }),
            ))
            .reduce(edit(
                "outbound",
                serde_json::json!({ "type": "loadBalancer" }),
            ));
        assert_eq!(s.plan.to_json(), json);
    }

    #[test]
    fn the_json_editor_reads_the_blocks_around_the_cluster() {
        let mut v: serde_json::Value = serde_json::from_str(&Plan::example().to_json()).unwrap();
        v["outbound"] = serde_json::json!({ "type": "userAssignedNATGateway",
            "natGateway": { "name": "ng", "idleTimeoutMinutes": 200 } });
        v["apiServer"] = serde_json::json!({ "private": true });
        v["nsg"] = serde_json::json!({ "name": "nsg-nodes", "existing": true });
        let text = serde_json::to_string_pretty(&v).unwrap();
        let plan = Plan::from_json(&text).expect("the page's core reads them");
        let s = Rc::new(State::default()).reduce(Action::Replace(Box::new(plan), None));
        assert_eq!(
            s.plan.nsg.as_ref().unwrap().name.as_deref(),
            Some("nsg-nodes")
        );
        assert!(s.plan.is_private_cluster());
        let f = s.findings_for("outbound.natGateway.idleTimeoutMinutes");
        assert_eq!(f[0].rule.id(), "outbound-ip-count", "{f:?}");
        // As written: a replaced plan is not tidied.
        assert_eq!(s.plan.to_json(), Plan::from_json(&text).unwrap().to_json());
    }

    #[test]
    fn history_is_bounded() {
        let mut s = Rc::new(State::default());
        for i in 0..HISTORY + 5 {
            s = s.reduce(edit("cluster.name", format!("c{i}")));
        }
        assert_eq!(s.undo.len(), HISTORY);
    }

    /// The kept plan ([`State::previous`]), which must be a plan.
    fn kept(s: &State) -> &Plan {
        match s.previous.as_ref() {
            Some(Kept::Plan(p)) => p,
            other => panic!("no kept plan: {other:?}"),
        }
    }

    fn mine() -> Plan {
        let mut p = Plan::example();
        p.cluster.name = "bob-cluster-v2".into();
        p
    }

    #[test]
    fn an_offer_over_the_example_opens_at_once() {
        let s = Rc::new(State::default())
            .reduce(Action::Offer(Box::new(mine()), "the shared plan".into()));
        assert_eq!(s.plan.cluster.name, "bob-cluster-v2");
        assert!(s.offer.is_none());
        assert!(s
            .notice
            .as_ref()
            .unwrap()
            .0
            .contains("Opened the shared plan"));
    }

    #[test]
    fn an_offer_over_other_work_asks_and_keeps_it_restorable() {
        let s = Rc::new(State::new(mine()));
        let s = s.reduce(Action::Offer(
            Box::new(Plan::example()),
            "the example plan".into(),
        ));
        assert_eq!(s.plan.cluster.name, "bob-cluster-v2", "asked first");
        assert!(s.offer.is_some());
        let declined = s.clone().reduce(Action::Decline);
        assert_eq!(declined.plan.cluster.name, "bob-cluster-v2");
        assert!(declined.offer.is_none());
        let s = s.reduce(Action::Accept);
        assert_eq!(*s.plan, Plan::example());
        assert!(s.offer.is_none());
        assert_eq!(kept(&s).cluster.name, "bob-cluster-v2");
        let s = s.reduce(Action::Restore);
        assert_eq!(s.plan.cluster.name, "bob-cluster-v2");
        assert_eq!(*kept(&s), Plan::example());
        // Undo also goes back across an accepted offer and a restore.
        let s = s.reduce(Action::Undo);
        assert_eq!(*s.plan, Plan::example());
        // The same plan offered again: nothing to ask.
        let s = s.reduce(Action::Offer(
            Box::new(Plan::example()),
            "the example plan".into(),
        ));
        assert!(s.offer.is_none());
    }

    #[test]
    fn a_refused_edit_is_an_error_next_to_its_field() {
        let s = Rc::new(State::default()).reduce(edit("nodePools[0].count", "three"));
        let (path, why) = s.input_error.clone().unwrap();
        assert_eq!(path, "nodePools[0].count");
        assert!(why.starts_with("Node pool 1 nodes: "), "{why}");
        assert!(s.notice.is_none());
        assert_eq!(*s.plan, Plan::example());
        // The next change of the plan clears it.
        let s = s.reduce(edit("cluster.name", "c2"));
        assert!(s.input_error.is_none());
    }

    #[test]
    fn both_fields_of_an_overlap_have_the_finding() {
        let s = Rc::new(State::default()).reduce(edit("podCidr", "10.0.0.0/16"));
        assert_eq!(
            s.findings_for("serviceCidr")[0].rule.id(),
            "pod-cidr-overlap"
        );
        assert_eq!(s.findings_for("podCidr")[0].rule.id(), "pod-cidr-overlap");
    }

    #[test]
    fn a_subnet_split_is_an_undoable_edit() {
        let s = Rc::new(State::default());
        let split = byocni_core::subnets::split_subnet(&s.plan, 0).unwrap();
        let s = s.reduce(Action::Edit(split));
        assert_eq!(s.plan.vnet.as_ref().unwrap().subnets[1].name, "nodes-2");
        assert_eq!(s.undo.len(), 1);
        let t = s.reduce(Action::Undo);
        assert_eq!(*t.plan, Plan::example());
    }

    #[test]
    fn an_estate_cluster_opens_with_its_own_history_and_a_plan_from_elsewhere_closes_it() {
        let s = Rc::new(State::new(mine())).reduce(edit("podCidr", "10.20.0.0/16"));
        let mut cluster = Plan::example();
        cluster.cluster.name = "blue".into();
        let s = s.reduce(Action::Keep(None)).reduce(Action::OpenCluster(
            Rc::new(cluster),
            1,
            None,
            true,
        ));
        assert_eq!(s.estate, Some(1));
        assert!(s.undo.is_empty(), "an opened estate starts its own history");
        assert_eq!(kept(&s).cluster.name, "bob-cluster-v2");
        let s = s.reduce(edit("podCidr", "10.30.0.0/16"));
        assert_eq!(s.estate, Some(1), "an edit keeps the estate");
        let s = s.reduce(Action::Undo);
        assert_eq!(s.estate, Some(1));
        assert_eq!(s.plan.cluster.name, "blue");
        let mut typed = (*s.plan).clone();
        typed.pod_cidr = Some("10.40.0.0/16".into());
        let s = s.reduce(Action::Replace(Box::new(typed), None));
        assert_eq!(
            s.estate,
            Some(1),
            "the JSON editor's text edits the cluster"
        );
        let s = s.reduce(Action::Replace(Box::new(mine()), Some("Loaded x.".into())));
        assert_eq!(s.estate, None, "an upload closes the estate");
        let s = s.reduce(Action::Undo);
        assert_eq!(s.plan.cluster.name, "blue");
        let s = s.reduce(Action::Restore);
        assert_eq!(s.estate, None, "a restored v1 plan closes the estate");
        assert_eq!(s.plan.cluster.name, "bob-cluster-v2");
    }

    /// Cluster `name`'s projection, as the estate worker would send it.
    fn cluster(name: &str) -> Rc<Plan> {
        let mut p = Plan::example();
        p.cluster.name = name.into();
        Rc::new(p)
    }

    #[test]
    fn undo_goes_across_the_estate_one_clusters_edit_at_a_time() {
        let s = Rc::new(State::default()).reduce(Action::OpenCluster(cluster("a"), 0, None, true));
        // Switching before any edit leaves nothing to undo.
        let s = s
            .reduce(Action::OpenCluster(cluster("b"), 1, None, false))
            .reduce(Action::OpenCluster(cluster("a"), 0, None, false));
        assert!(s.undo.is_empty());
        let s = s.reduce(edit("podCidr", "10.20.0.0/16"));
        let s = s.reduce(Action::OpenCluster(cluster("b"), 1, None, false));
        assert_eq!((s.estate, s.plan.cluster.name.as_str()), (Some(1), "b"));
        let s = s.reduce(edit("podCidr", "10.30.0.0/16"));
        // Undo: b's edit, then a's (back in cluster a, said so).
        let s = s.reduce(Action::Undo);
        assert_eq!(s.estate, Some(1));
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.10.0.0/16"));
        assert!(s.notice.is_none());
        let s = s.reduce(Action::Undo);
        assert_eq!((s.estate, s.plan.cluster.name.as_str()), (Some(0), "a"));
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.10.0.0/16"));
        assert_eq!(
            s.notice,
            Some(("Undid a change in cluster a.".into(), false))
        );
        assert!(s.undo.is_empty());
        // Redo: a's edit (in a), then b's (back in b).
        let s = s.reduce(Action::Redo);
        assert_eq!(s.estate, Some(0));
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.20.0.0/16"));
        let s = s.reduce(Action::Redo);
        assert_eq!((s.estate, s.plan.cluster.name.as_str()), (Some(1), "b"));
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.30.0.0/16"));
        assert_eq!(
            s.notice,
            Some(("Redid a change in cluster b.".into(), false))
        );
        assert!(s.redo.is_empty());
        // History survives switching back and forth.
        let s = s
            .reduce(Action::OpenCluster(cluster("a"), 0, None, false))
            .reduce(Action::OpenCluster(cluster("b"), 1, None, false))
            .reduce(Action::Undo);
        assert_eq!(s.estate, Some(1));
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.10.0.0/16"));
        // The estate worker's answer for the cluster on screen (a Fix, Suggest) is an edit.
        let mut filled = (*s.plan).clone();
        filled.pod_cidr = Some("10.40.0.0/16".into());
        let n = s.undo.len();
        let s = s.reduce(Action::OpenCluster(
            Rc::new(filled),
            1,
            Some("Filled".into()),
            false,
        ));
        assert_eq!(s.undo.len(), n + 1);
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.40.0.0/16"));
        let s = s.reduce(Action::Undo);
        assert_eq!(s.plan.pod_cidr.as_deref(), Some("10.10.0.0/16"));
        // A plan from elsewhere closes the estate: its steps are plans of their own.
        let s = s.reduce(Action::Replace(Box::new(mine()), Some("Loaded".into())));
        assert_eq!(s.estate, None);
        assert!(s.undo.iter().chain(&s.redo).all(|step| step.0.is_none()));
        let s = s.reduce(Action::Undo).reduce(Action::Undo);
        assert_eq!(s.estate, None);
    }

    #[test]
    fn a_replaced_estate_is_kept_and_restored_by_the_app() {
        let s = Rc::new(State::new(mine()))
            .reduce(Action::OpenCluster(cluster("a"), 0, None, true))
            .reduce(Action::Offer(
                Box::new(Plan::example()),
                "the example plan".into(),
            ))
            .reduce(Action::Accept);
        assert_eq!(s.estate, None);
        // The app keeps the closed estate's text.
        let s = s.reduce(Action::Keep(Some(Rc::new("{\"version\":2}".into()))));
        assert!(matches!(&s.previous, Some(Kept::Estate(t)) if t.contains("version")));
        // Restore of an estate is the app's (it opens it in the worker): it is no longer kept.
        let s = s.reduce(Action::Restore);
        assert!(s.previous.is_none());
        assert_eq!(*s.plan, Plan::example());
        // Opened over the example: nothing to keep.
        let s = s.reduce(Action::Keep(None));
        assert!(s.previous.is_none());
        // Opened over a plan of the user's: that plan is kept; over an estate, the app keeps it.
        let s = Rc::new(State::new(mine())).reduce(Action::Keep(None));
        assert_eq!(kept(&s).cluster.name, "bob-cluster-v2");
        let s = s
            .reduce(Action::OpenCluster(cluster("a"), 0, None, true))
            .reduce(Action::Keep(None));
        assert_eq!(
            kept(&s).cluster.name,
            "bob-cluster-v2",
            "no plan of its own"
        );
    }
}
