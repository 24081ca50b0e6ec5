//! The estate session of the planner (plan version 2, issue 13), kept in this worker so that the
//! page's wasm carries no estate code: the page edits one cluster at a time as a v1 plan (its
//! projection, [`Estate::project`]) with its own fast check; this worker holds the estate,
//! writes each edit back ([`Estate::absorb`]), checks the whole estate (every v1 rule per
//! cluster and the estate rules: peerings, VNet overlaps, node subnets, the ClusterMesh), and
//! answers what the page shows of the estate: its clusters (the picker), findings grouped by
//! cluster and the map of every VNet, cluster and peering, a cluster's projection when the page
//! switches to it, and the estate file's text (autosave, share links, download).
//!
//! The panel's findings and map are rendered here, as HTML the page shows as it is (every user
//! text escaped), so that neither their code nor an estate reader is in the page's first load.
//!
//! Requests (`[id, kind, payload]`, kind starting with `estate-`), answered `[id, meta, plan,
//! text, html]` (`plan` empty when the page keeps its own; on error `meta` is empty and `text`
//! says why):
//! - `estate-open`, a plan file's text: reads it as version 2 and opens the first new cluster;
//! - `estate-cluster`, `i`: the projection of cluster `i`;
//! - `estate-edit`, `i`, a line `1` or `0` (whether the plan carries its connected networks),
//!   then cluster `i`'s edited projection as JSON: absorbed, checked;
//! - `estate-add`, `i`: a new cluster like cluster `i`, opened;
//! - `estate-suggest`, `i`: the estate's gaps filled (VNets, subnets, mesh ids, ranges), cluster
//!   `i` reopened;
//! - `estate-fill`, `i`: cluster `i`'s missing pod CIDR filled as the estate's suggest fills it
//!   (clear of every VNet, every other cluster's pod CIDR and the estate's networks), nothing
//!   else; cluster `i` reopened. The page's Fix for `pod-cidr-missing` in an estate: v1's
//!   suggest on the projection alone knows no other cluster's pods.
//! - `estate-subnets`, `i`, a line with a VNet's position, one with a table button's `data-op`
//!   and one with its `data-arg`: a subnet of that (new) VNet split, joined or added, checked
//!   (a refusal is the answer's notice), or a free block split or joined back in the view.
//!
//! The panel shows every VNet's subnet table (the rows of `crate::table`): read-only for an
//! `existing` VNet, with Split, Join and Add for a new one without a cluster; the edited
//! cluster's VNet is edited in the page's own table, and a new VNet with another cluster on it
//! with that cluster (an "Edit NAME" button opens it), so that the page's Undo, which takes a
//! cluster's edits back with its VNet, never silently takes back a panel edit. These edits are the estate's, not the page's: the panel's own Undo
//! (`data-op="undo"`) takes them back, one at a time (the page's undo takes back its clusters' edits);
//! a step is dropped when the page opens or edits a cluster on that VNet, and all on Suggest.

use std::cell::RefCell;

use byocni_core::check::estate::{check_estate_with, EstateReport};
use byocni_core::check::{AKS_RESERVED, VNET_FORBIDDEN};
use byocni_core::estate::{Estate, EstateSubnet, PlanFile};
use byocni_core::estate_suggest::suggest_estate;
use byocni_core::estate_table::TableEdit;
use byocni_core::plan::SubnetRole;
use byocni_core::{Cidr, ConnectedIndex, Plan, Severity};

/// The open estate and its connected networks, indexed once; the free blocks the user split in
/// the VNets' tables (a view: VNet position and block); and the VNets' subnets before each table
/// edit, the last first out ([`Session::forget`] drops what another edit may have changed).
struct Session {
    estate: Estate,
    connected: ConnectedIndex,
    cuts: Vec<(usize, Cidr)>,
    undo: Vec<(usize, Vec<EstateSubnet>)>,
}

/// At most this many table edits are kept for undo.
const UNDO_MAX: usize = 50;

impl Session {
    /// Drops the undo steps of VNet `v` (the VNet of the cluster the page opens or edits: the
    /// page's edits change its subnets, which an older step would silently take back).
    fn forget(&mut self, v: Option<usize>) {
        self.undo.retain(|(w, _)| Some(*w) != v);
    }
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// What the page gets back: the meta lines ([`meta`]; empty on error), a projection to show
/// (or empty), the estate file's text (or, on error, why), the panel's HTML ([`html`]).
pub(crate) struct Answer {
    pub(crate) meta: String,
    pub(crate) plan: String,
    pub(crate) text: String,
    pub(crate) html: String,
}

fn error(why: String) -> Answer {
    Answer {
        meta: String::new(),
        plan: String::new(),
        text: why,
        html: String::new(),
    }
}

/// Answers an `estate-*` request.
pub(crate) fn handle(kind: &str, payload: &str) -> Answer {
    SESSION.with(|s| {
        let mut session = s.borrow_mut();
        if kind == "estate-open" {
            return match PlanFile::from_json(payload) {
                Ok(PlanFile::V2(estate)) => {
                    let connected = ConnectedIndex::new(&estate.connected_networks);
                    let first = estate.clusters.iter().position(|c| !c.existing);
                    let sess = session.insert(Session {
                        estate,
                        connected,
                        cuts: Vec::new(),
                        undo: Vec::new(),
                    });
                    answer(sess, first.unwrap_or(0), true, None)
                }
                Ok(PlanFile::V1(_)) => error("this is a version 1 plan".into()),
                Err(e) => error(e.to_string()),
            };
        }
        let Some(sess) = session.as_mut() else {
            return error("no estate is open".into());
        };
        let (head, rest) = payload.split_once('\n').unwrap_or((payload, ""));
        let i: usize = head.trim().parse().unwrap_or(0);
        match kind {
            "estate-cluster" => {
                sess.forget(sess.estate.vnet_of(i));
                answer(sess, i, true, None)
            }
            "estate-edit" => {
                let (flag, plan) = rest.split_once('\n').unwrap_or(("0", rest));
                let plan = match Plan::from_json(plan) {
                    Ok(p) => p,
                    Err(e) => return error(e.to_string()),
                };
                let connected = flag == "1";
                sess.estate.absorb(i, &plan, connected);
                sess.forget(sess.estate.vnet_of(i));
                if connected {
                    sess.connected = ConnectedIndex::new(&sess.estate.connected_networks);
                }
                answer(sess, i, false, None)
            }
            "estate-add" => {
                let n = sess.estate.add_cluster(i);
                let name = sess.estate.clusters[n].name.clone();
                let msg = format!("Added cluster {name} on a new VNet: Suggest fills its ranges.");
                answer(sess, n, true, Some(msg))
            }
            "estate-suggest" => match suggest_estate(&sess.estate) {
                Ok(s) if s.filled.is_empty() => answer(
                    sess,
                    i,
                    true,
                    Some("Nothing to fill: the estate names every range.".into()),
                ),
                Ok(s) => {
                    let msg = s
                        .filled
                        .iter()
                        .map(|f| format!("{} = {}", f.field, f.value))
                        .collect::<Vec<_>>()
                        .join("; ");
                    sess.estate = s.estate;
                    sess.undo.clear();
                    answer(sess, i, true, Some(format!("Filled: {msg}")))
                }
                Err(e) => error(e.to_string()),
            },
            "estate-subnets" => {
                let notice = subnets(sess, rest).err();
                answer(sess, i, false, notice)
            }
            "estate-fix-all" => match fix_all(sess, i) {
                Ok(notice) => answer(sess, i, true, Some(notice)),
                Err(e) => error(e),
            },
            "estate-fill" => match fill_pods(&sess.estate, i) {
                Ok(Some((field, value))) => {
                    let msg = format!("Filled: {field} = {value}");
                    if let Some(c) = sess.estate.clusters.get_mut(i) {
                        c.pod_cidr = Some(value);
                    }
                    answer(sess, i, true, Some(msg))
                }
                Ok(None) => answer(
                    sess,
                    i,
                    true,
                    Some("Nothing to fill: the cluster has a pod CIDR.".into()),
                ),
                Err(e) => error(e.to_string()),
            },
            _ => error(format!("byocni has no request `{kind}`")),
        }
    })
}

/// A button of a VNet's table (`estate-subnets`: a line with the VNet's position, one with
/// the button's `data-op`, one with its `data-arg`): a free block split or joined back in the
/// view, or a subnet split, joined or added in the estate ([`Estate::edit_vnet_subnets`]);
/// `Err` says why not.
fn subnets(sess: &mut Session, request: &str) -> Result<(), String> {
    let mut lines = request.lines();
    let mut next = || lines.next().unwrap_or_default().trim();
    let (v, op, arg) = (next().parse().unwrap_or(usize::MAX), next(), next());
    let cidr =
        |s: &str| Cidr::parse(s).map_err(|_| format!("the subnet table sent `{s}`, not a CIDR"));
    let edit = match op {
        "cut" | "uncut" => {
            let c = cidr(arg)?;
            sess.cuts.retain(|&x| x != (v, c));
            if op == "cut" {
                sess.cuts.push((v, c));
            }
            return Ok(());
        }
        "split" => TableEdit::Split(arg.parse().unwrap_or(usize::MAX)),
        "join" => {
            let (a, b) = arg.split_once(' ').unwrap_or((arg, ""));
            TableEdit::Join(cidr(a)?, cidr(b)?)
        }
        "add" => TableEdit::Add(cidr(arg)?),
        "undo" => {
            if let Some((w, subnets)) = sess.undo.pop() {
                sess.estate.vnets[w].subnets = subnets;
            }
            return Ok(());
        }
        _ => return Err(format!("the subnet table has no button `{op}`")),
    };
    // A VNet with a cluster on it is edited with that cluster (the page's table, whose edits
    // the page's Undo takes back in order): two ways to edit it would let an undo of the
    // cluster's edits silently take back the panel's.
    let estate = &sess.estate;
    if let Some(c) = (0..estate.clusters.len()).find(|&c| estate.vnet_of(c) == Some(v)) {
        return Err(format!(
            "VNet {}'s subnets are edited with its cluster: pick cluster {} (Edit {}) and use its subnet table",
            estate.vnets[v].name, estate.clusters[c].name, estate.clusters[c].name
        ));
    }
    let before = sess.estate.vnets.get(v).map(|x| x.subnets.clone());
    sess.estate
        .edit_vnet_subnets(v, edit)
        .map_err(|e| e.to_string())?;
    if sess.undo.len() == UNDO_MAX {
        sess.undo.remove(0);
    }
    sess.undo.extend(before.map(|b| (v, b)));
    Ok(())
}

/// Cluster `i`'s pod CIDR as the estate's suggest picks it, and its estate path; none when the
/// cluster has one (or is an existing one). The suggest is run on the estate with every other
/// cluster and every VNet marked existing, so that it fills cluster `i` alone and never fails
/// for want of room elsewhere.
fn fill_pods(
    estate: &Estate,
    i: usize,
) -> Result<Option<(String, String)>, byocni_core::SuggestError> {
    let mut only = estate.clone();
    for (k, c) in only.clusters.iter_mut().enumerate() {
        c.existing |= k != i;
    }
    for v in &mut only.vnets {
        v.existing = true;
    }
    let s = suggest_estate(&only)?;
    let field = format!("clusters[{i}].podCidr");
    Ok(s.filled
        .into_iter()
        .find(|f| f.field == field)
        .map(|f| (field, f.value)))
}

/// **Fix all** for cluster `i` of an estate: the page's Fix all ([`crate::fix::fix_all`]) on the
/// cluster's projection, which for the while also takes as connected networks what the cluster
/// must stay clear of in the estate: every other VNet's prefixes (the estate's suggest keeps new
/// space clear of them all) and, for a meshed cluster, the other meshed clusters' pod CIDRs
/// (`mesh-pod-cidr-overlap`). A missing pod CIDR is filled first by the estate's suggest
/// ([`fill_pods`]). The fixed plan is written back with the estate's own connected networks.
/// Returns the notice, or why nothing was done.
fn fix_all(sess: &mut Session, i: usize) -> Result<String, String> {
    let Some(c) = sess.estate.clusters.get(i) else {
        return Err(format!("the estate has no cluster {i}"));
    };
    if c.existing {
        return Err(format!(
            "cluster {} is existing: byocni never changes it",
            c.name
        ));
    }
    let mut filled = 0;
    if let Some((_, pods)) = fill_pods(&sess.estate, i).map_err(|e| e.to_string())? {
        sess.estate.clusters[i].pod_cidr = Some(pods);
        filled = 1;
    }
    let estate = &sess.estate;
    let Some(mut plan) = estate.project(i) else {
        return Err(format!("the estate has no cluster {i}"));
    };
    let own = plan.connected_networks.clone();
    let ipv4 = |t: &String| Cidr::parse(t).is_ok();
    let own_vnet = estate.vnet_of(i);
    let peers: Vec<usize> = own_vnet.map_or_else(Vec::new, |v| {
        estate.peers_of(v).into_iter().map(|(w, _)| w).collect()
    });
    for (w, vn) in estate.vnets.iter().enumerate() {
        if Some(w) != own_vnet && !peers.contains(&w) {
            plan.connected_networks
                .extend(vn.address_space.iter().filter(|t| ipv4(t)).map(|t| {
                    byocni_core::plan::ConnectedNetwork {
                        name: format!("vnet {}", vn.name),
                        cidr: t.clone(),
                    }
                }));
        }
    }
    if estate.clusters[i].cluster_mesh.is_some() {
        for (k, other) in estate.clusters.iter().enumerate() {
            if k == i || other.cluster_mesh.is_none() {
                continue;
            }
            if let Some(pods) = other.pod_cidr.as_ref().filter(|t| ipv4(t)) {
                plan.connected_networks
                    .push(byocni_core::plan::ConnectedNetwork {
                        name: format!("pods of cluster {}", other.name),
                        cidr: pods.clone(),
                    });
            }
        }
    }
    let (mut fixed, n) = crate::fix::fix_all(&plan);
    fixed.connected_networks = own;
    sess.estate.absorb(i, &fixed, false);
    sess.forget(sess.estate.vnet_of(i));
    let report = check_estate_with(&sess.estate, &sess.connected, Some(i));
    let (errors, warnings) = report.findings.iter().fold((0, 0), |(e, w), f| {
        if f.severity == Severity::Error {
            (e + 1, w)
        } else {
            (e, w + 1)
        }
    });
    let left = if errors + warnings == 0 {
        "no problems left in the estate for this cluster.".to_owned()
    } else {
        format!("{errors} errors and {warnings} warnings in the estate for this cluster need a decision of yours.")
    };
    Ok(format!(
        "Fix all applied {} fixes, clear of the estate's other clusters and VNets; {left}",
        n + filled
    ))
}

/// The answer for cluster `i` (the projection too when `open`).
fn answer(sess: &Session, i: usize, open: bool, notice: Option<String>) -> Answer {
    let i = i.min(sess.estate.clusters.len().saturating_sub(1));
    let report = check_estate_with(&sess.estate, &sess.connected, None);
    let plan = if open {
        sess.estate
            .project(i)
            .map(|p| p.to_json_compact())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mut text = serde_json::to_string(&sess.estate).unwrap_or_default();
    text.push('\n');
    Answer {
        meta: meta(&sess.estate, &report, i, notice),
        html: html(sess, &report, i),
        plan,
        text,
    }
}

/// The cluster a finding is about: `clusters[i]...`, or the first cluster on `vnets[v]...`.
fn cluster_of(estate: &Estate, field: &str) -> Option<usize> {
    let index = |rest: &str| rest.split(']').next()?.parse::<usize>().ok();
    if let Some(rest) = field.strip_prefix("clusters[") {
        return index(rest);
    }
    let v = index(field.strip_prefix("vnets[")?)?;
    (0..estate.clusters.len()).find(|&c| estate.vnet_of(c) == Some(v))
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped (names are the user's text).
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `12345` as `12,345`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The page's meta lines: the cluster shown, the notice, the estate's name, the summary, then
/// one label per cluster (the picker's options). Names are on one line each (line breaks in a
/// name are shown as spaces).
fn meta(estate: &Estate, report: &EstateReport, current: usize, notice: Option<String>) -> String {
    let one = |t: &str| t.replace(['\n', '\r'], " ");
    let mut out = format!(
        "{current}\n{}\n{}\n{}",
        one(notice.as_deref().unwrap_or_default()),
        one(&estate.name),
        summary(estate, report),
    );
    for c in &estate.clusters {
        out.push('\n');
        out += &one(&c.name);
        if c.existing {
            out += " (existing)";
        }
    }
    out
}

/// Clusters, VNets, peerings, connected networks and the estate's counts, in a sentence.
fn summary(estate: &Estate, report: &EstateReport) -> String {
    let (errors, warnings) = report.findings.iter().fold((0, 0), |(e, w), f| {
        if f.severity == Severity::Error {
            (e + 1, w)
        } else {
            (e, w + 1)
        }
    });
    format!(
        "{} clusters, {} VNets, {} peerings, {} connected networks: {errors} errors, {warnings} warnings in the estate",
        estate.clusters.len(),
        estate.vnets.len(),
        estate.peered_pairs().len(),
        grouped(estate.connected_networks.len() as u64),
    )
}

/// The address block a range is drawn in (the address map's bands).
fn band_of(c: Cidr) -> Cidr {
    [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    ]
    .iter()
    .filter_map(|b| Cidr::parse(b).ok())
    .find(|b| b.contains(c))
    .or_else(|| c.supernet(8))
    .unwrap_or(c)
}

/// Where a range sits in its band, in hundredths of a percent (as the address map).
fn place(band: Cidr, c: Cidr) -> (u64, u64) {
    place_span(band, (u64::from(c.start()), u64::from(c.end())))
}

/// [`place`] for the addresses `a..=z` (a free gap is no CIDR).
fn place_span(band: Cidr, (a, z): (u64, u64)) -> (u64, u64) {
    let span = u128::from(band.size());
    let start = u64::from(band.start());
    let from = u128::from(a.max(start) - start);
    let to = u128::from(z.min(u64::from(band.end())) + 1 - start);
    (
        (from * 10_000 / span) as u64,
        ((to - from) * 10_000 / span) as u64,
    )
}

/// A free gap of a band is drawn when it is at least 1/GAP_MIN of the band (the page's map
/// draws the same): the rest are slivers between the ranges drawn.
const GAP_MIN: u64 = 64;

/// The free gaps of `band` (inclusive runs of addresses), in address order: what none of
/// `taken` (inclusive runs, in any order) covers, at least 1/[`GAP_MIN`] of the band.
fn gaps(band: Cidr, taken: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let (first, last) = (u64::from(band.start()), u64::from(band.end()));
    let mut inside: Vec<(u64, u64)> = taken
        .iter()
        .filter(|(s, e)| *s <= last && first <= *e)
        .map(|&(s, e)| (s.max(first), e.min(last)))
        .collect();
    inside.sort_unstable();
    let mut out = Vec::new();
    let mut at = first;
    for (s, e) in inside.into_iter().chain([(last + 1, last + 1)]) {
        if s > at && (s - at) * GAP_MIN >= band.size() {
            out.push((at, s - 1));
        }
        at = at.max(e + 1);
    }
    out
}

/// A gap's label: its CIDR when it is one block, else its first and last address.
fn gap_label((a, z): (u64, u64)) -> String {
    let ip = |n: u64| std::net::Ipv4Addr::from(n as u32);
    match Cidr::from_u32(a as u32, 32 - (z + 1 - a).trailing_zeros().min(32) as u8) {
        Some(c) if u64::from(c.start()) == a && u64::from(c.end()) == z => format!("free {c}"),
        _ => format!("free {} - {}", ip(a), ip(z)),
    }
}

/// The ranges AKS and Azure reserve (no cluster may use them), as the address map has them.
fn reserved() -> Vec<Cidr> {
    AKS_RESERVED
        .iter()
        .chain(VNET_FORBIDDEN)
        .filter_map(|r| Cidr::parse(r).ok())
        .collect()
}

fn pct(v: u64) -> String {
    format!("{}.{:02}%", v / 100, v % 100)
}

/// A row of the estate map: lane (the address map's colours), label, ranges, estate field.
struct Row {
    lane: usize,
    label: String,
    cidrs: Vec<Cidr>,
    field: String,
}

const LANES: [&str; 5] = ["VNet", "Subnet", "Pods", "Services", "Peering"];
/// Above this many VNets (a discovered estate may hold thousands), the rest get no table.
const VNETS_TABLED: usize = 60;
/// Above this many peerings, the rest are counted, not drawn.
const PEERINGS_DRAWN: usize = 60;

/// The map's lane groups: one per cluster (its VNet, subnets, pods, services; a VNet shared by
/// clusters is drawn in the first one's group), one per VNet no cluster uses, and the peerings.
fn groups(estate: &Estate) -> Vec<(String, Vec<Row>)> {
    let parse = |t: &str| Cidr::parse_lenient(t);
    let vnet_rows = |v: usize, rows: &mut Vec<Row>| {
        let vn = &estate.vnets[v];
        rows.push(Row {
            lane: 0,
            label: format!("VNet {} {}", vn.name, vn.address_space.join(", ")),
            cidrs: vn.address_space.iter().filter_map(|s| parse(s)).collect(),
            field: format!("vnets[{v}].addressSpace"),
        });
        for (k, sub) in vn.subnets.iter().enumerate() {
            rows.push(Row {
                lane: 1,
                label: format!("{} {}", sub.name, sub.cidr),
                cidrs: parse(&sub.cidr).into_iter().collect(),
                field: format!("vnets[{v}].subnets[{k}]"),
            });
        }
    };
    let mut used = vec![false; estate.vnets.len()];
    let mut out = Vec::new();
    for (i, c) in estate.clusters.iter().enumerate() {
        let mut rows = Vec::new();
        let v = estate.vnet_of(i);
        match v {
            Some(v) if !used[v] => {
                used[v] = true;
                vnet_rows(v, &mut rows);
            }
            Some(_) => {}
            None => rows.push(Row {
                lane: 0,
                label: "managed VNet 10.224.0.0/12".into(),
                cidrs: parse("10.224.0.0/12").into_iter().collect(),
                field: String::new(),
            }),
        }
        if let Some(p) = &c.pod_cidr {
            rows.push(Row {
                lane: 2,
                label: format!("pods {p}"),
                cidrs: parse(p).into_iter().collect(),
                field: format!("clusters[{i}].podCidr"),
            });
        }
        let svc = c.service_cidr.as_deref().unwrap_or("10.0.0.0/16");
        rows.push(Row {
            lane: 3,
            label: format!("services {svc}"),
            cidrs: parse(svc).into_iter().collect(),
            field: format!("clusters[{i}].serviceCidr"),
        });
        let mut title = format!("Cluster {}", c.name);
        if let Some(v) = v {
            title += &format!(" on VNet {}", estate.vnets[v].name);
        }
        if c.existing {
            title += " (existing)";
        }
        if let Some(m) = c.cluster_mesh {
            title += &m.id.map_or_else(
                || ", ClusterMesh (no id)".to_owned(),
                |id| format!(", ClusterMesh id {id}"),
            );
        }
        out.push((title, rows));
    }
    for (v, _) in used.iter().enumerate().filter(|(_, u)| !**u) {
        let mut rows = Vec::new();
        vnet_rows(v, &mut rows);
        let vn = &estate.vnets[v];
        let existing = if vn.existing { " (existing)" } else { "" };
        out.push((format!("VNet {}{existing}, no cluster", vn.name), rows));
    }
    let peered = estate.peered_pairs();
    let peerings: Vec<Row> = peered
        .iter()
        .take(PEERINGS_DRAWN)
        .map(|&(a, b)| {
            let (va, vb) = (&estate.vnets[a], &estate.vnets[b]);
            Row {
                lane: 4,
                label: format!("{} ↔ {}", va.name, vb.name),
                cidrs: va
                    .address_space
                    .iter()
                    .chain(&vb.address_space)
                    .filter_map(|s| parse(s))
                    .collect(),
                field: String::new(),
            }
        })
        .collect();
    if !peerings.is_empty() {
        out.push((format!("Peerings ({})", peered.len()), peerings));
    }
    out
}

/// The estate panel as HTML (the page shows it as it is): the name, the cluster picker, Add
/// cluster, the summary, the findings by cluster and the map.
fn html(sess: &Session, report: &EstateReport, current: usize) -> String {
    let estate = &sess.estate;
    let n = estate.clusters.len();
    let mut by: Vec<Vec<&byocni_core::Finding>> = vec![Vec::new(); n + 1];
    for f in &report.findings {
        by[cluster_of(estate, &f.field).unwrap_or(n)].push(f);
    }
    // The head: the name, the cluster picker (a native select), Add cluster, the summary.
    let mut out = format!(
        r#"<h2 id="estate-h">Estate {}</h2><div class="estate-bar"><label for="cluster-picker">Cluster</label><select id="cluster-picker">"#,
        esc(&estate.name)
    );
    for (k, c) in estate.clusters.iter().enumerate() {
        out += &format!(
            r#"<option value="{k}"{}>{}{}</option>"#,
            if k == current { " selected" } else { "" },
            esc(&c.name),
            if c.existing { " (existing)" } else { "" }
        );
    }
    out += &format!(
        r#"</select><button id="add-cluster" type="button">Add cluster</button></div><p id="estate-summary">{}</p><p class="hint">The editor below edits the cluster picked here; Suggest fills the whole estate. The estate is checked in the background after each edit.</p><div id="estate-findings">"#,
        summary(estate, report)
    );
    for (g, found) in by.iter().enumerate() {
        if found.is_empty() {
            continue;
        }
        let s = if found.len() == 1 { "" } else { "s" };
        if g < n {
            let name = esc(&estate.clusters[g].name);
            out += &format!(
                r#"<section class="estate-group" data-cluster="{name}"><h3>Cluster {name}: {} finding{s}"#,
                found.len()
            );
            if g != current {
                out += &format!(
                    r#" <button class="open-cluster" type="button" data-cluster-index="{g}">Edit {name}</button>"#
                );
            }
            out += "</h3>";
        } else {
            out += &format!(
                r#"<section class="estate-group" data-cluster=""><h3>The estate (VNets, peerings, mesh): {} finding{s}</h3>"#,
                found.len()
            );
        }
        out += r#"<ol class="finding-list">"#;
        for f in found.iter().take(50) {
            let kind = if f.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            out += &format!(
                r#"<li class="finding {kind}"><div class="finding-head"><span class="badge">{kind}</span><code class="rule">{}</code><code>{}</code></div><p class="message">{}</p></li>"#,
                f.rule.id(),
                esc(&f.field),
                esc(&f.message)
            );
        }
        if found.len() > 50 {
            out += &format!("<li>... and {} more.</li>", found.len() - 50);
        }
        out += "</ol></section>";
    }
    out += "</div>";
    out += &vnet_tables(sess, current);

    // The map.
    let groups = groups(estate);
    let mut bands: Vec<Cidr> = groups
        .iter()
        .flat_map(|(_, rows)| {
            rows.iter()
                .flat_map(|r| r.cidrs.iter().map(|c| band_of(*c)))
        })
        .collect();
    bands.sort_unstable();
    bands.dedup();
    let mut overlapping: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule.id().contains("overlap"))
        .flat_map(|f| std::iter::once(f.field.as_str()).chain(f.related.iter().map(String::as_str)))
        .collect();
    overlapping.sort_unstable();
    let overlaps =
        |field: &str| !field.is_empty() && overlapping.iter().any(|f| f.starts_with(field));
    out += r#"<h3 id="estate-map-h">Estate map</h3><div class="estate-rows" id="estate-map" role="list" aria-labelledby="estate-map-h">"#;
    out += r#"<div class="map-row map-head" role="presentation"><span class="row-label">Range</span><div class="track">"#;
    for b in &bands {
        out += &format!(r#"<span class="band band-name">{b}</span>"#);
    }
    out += "</div></div>";
    for (title, rows) in &groups {
        out += &format!(
            r#"<div class="lane-group" role="listitem" aria-label="{t}"><h4 class="lane-title">{t}</h4>"#,
            t = esc(title)
        );
        for r in rows {
            let bad = overlaps(&r.field);
            out += &format!(
                r#"<div class="map-row lane{}{}"><span class="row-label">{}<span class="visually-hidden">, {}{}</span></span><div class="track">"#,
                r.lane,
                if r.lane == 4 { " peering" } else { "" },
                esc(&r.label),
                LANES[r.lane],
                if bad { ", overlaps" } else { "" }
            );
            for b in &bands {
                out += r#"<span class="band">"#;
                let inside: Vec<Cidr> =
                    r.cidrs.iter().copied().filter(|c| b.overlaps(*c)).collect();
                if r.lane == 4 && inside.len() > 1 {
                    let from = inside.iter().map(|c| place(*b, *c).0).min().unwrap_or(0);
                    let to = inside
                        .iter()
                        .map(|c| {
                            let (x, w) = place(*b, *c);
                            x + w
                        })
                        .max()
                        .unwrap_or(0);
                    out += &format!(
                        r#"<span class="peer-line" style="left:{};width:{}"></span>"#,
                        pct(from),
                        pct(to - from)
                    );
                }
                for c in inside {
                    let (x, w) = place(*b, c);
                    out += &format!(
                        r#"<span class="range{}" title="{c}, {} addresses" style="left:{};width:{}"></span>"#,
                        if bad { " overlap" } else { "" },
                        grouped(c.size()),
                        pct(x),
                        pct(w)
                    );
                }
                out += "</span>";
            }
            out += "</div></div>";
        }
        out += "</div>";
    }
    // The free gaps of each band: what no VNet, subnet, pod or service range, connected
    // network or reserved range takes.
    let mut taken: Vec<(u64, u64)> = groups
        .iter()
        .flat_map(|(_, rows)| rows.iter().flat_map(|r| &r.cidrs))
        .chain(&reserved())
        .map(|c| (u64::from(c.start()), u64::from(c.end())))
        .collect();
    taken.extend_from_slice(sess.connected.taken().intervals());
    let free: Vec<(Cidr, (u64, u64))> = bands
        .iter()
        .flat_map(|b| gaps(*b, &taken).into_iter().map(|g| (*b, g)))
        .collect();
    if !free.is_empty() {
        out += r#"<div class="lane-group" role="listitem" aria-label="Free address space"><h4 class="lane-title">Free address space</h4>"#;
        for (band, g) in free {
            let label = gap_label(g);
            let (x, w) = place_span(band, g);
            out += &format!(
                r#"<div class="map-row lane6"><span class="row-label">{label}<span class="visually-hidden">, Free</span></span><div class="track">"#
            );
            for b in &bands {
                out += r#"<span class="band">"#;
                if *b == band {
                    out += &format!(
                        r#"<span class="range" title="{label}, {} addresses" style="left:{};width:{}"></span>"#,
                        grouped(g.1 + 1 - g.0),
                        pct(x),
                        pct(w)
                    );
                }
                out += "</span>";
            }
            out += "</div></div>";
        }
        out += "</div>";
    }
    let peered = estate.peered_pairs().len();
    if peered > PEERINGS_DRAWN {
        out += &format!("<p>... and {} more peerings.</p>", peered - PEERINGS_DRAWN);
    }
    out += "</div>";
    out
}

/// The subnet table of every VNet (issue 12): the edited cluster's new VNet is edited in the
/// page's own table (a link to it here); an `existing` VNet's table is read-only (the edited
/// cluster's marked `data-edited`: the page's client then hides the page's table); a new VNet
/// with another cluster on it is read-only here, with a button that opens that cluster (its
/// subnets are edited with it, so the page's Undo takes every edit of them back in order); every
/// other new VNet's has Split, Join and Add, whose buttons carry `data-vnet` and go to the worker
/// as `estate-subnets` (an edit of the estate, re-checked and autosaved like any).
fn vnet_tables(sess: &Session, current: usize) -> String {
    let estate = &sess.estate;
    let here = estate.vnet_of(current);
    let mut out = String::from(
        r#"<h3 id="estate-vnets-h">Subnets of every VNet</h3><p class="hint">byocni never changes an existing VNet: its table is read-only. A new VNet with a cluster on it is edited with that cluster.</p>"#,
    );
    if let Some((v, _)) = sess.undo.last() {
        out += &format!(
            r#"<button type="button" id="undo-subnets" data-vnet="{v}" data-op="undo" data-arg="">Undo the last table edit (VNet {})</button>"#,
            esc(&estate.vnets[*v].name)
        );
    }
    for (v, vn) in estate.vnets.iter().enumerate() {
        if v == VNETS_TABLED {
            out += &format!(
                "<p>... and {} more VNets, whose tables are left out here.</p>",
                estate.vnets.len() - v
            );
            break;
        }
        let Some(plan) = estate.vnet_plan(v) else {
            continue;
        };
        let on_ix: Vec<usize> = (0..estate.clusters.len())
            .filter(|&c| estate.vnet_of(c) == Some(v))
            .collect();
        let on: Vec<String> = on_ix
            .iter()
            .map(|&c| esc(&estate.clusters[c].name))
            .collect();
        let clusters = match on.len() {
            0 => "no cluster".to_owned(),
            1 => format!("cluster {}", on[0]),
            _ => format!("clusters {}", on.join(", ")),
        };
        // The edited cluster's existing VNet: the page hides its own (editable) table.
        let edited = if here == Some(v) && vn.existing {
            " data-edited"
        } else {
            ""
        };
        out += &format!(
            r#"<section class="subnet-table vnet-table" data-vnet="{v}"{edited} aria-labelledby="vnet-h{v}" style="content-visibility:auto;contain-intrinsic-size:auto 20rem"><h4 id="vnet-h{v}" class="lane-title">VNet {} ({}, resource group {}; {clusters})</h4>"#,
            esc(&vn.name),
            if vn.existing { "existing" } else { "new" },
            esc(&vn.resource_group),
        );
        if here == Some(v) && !vn.existing {
            out += &format!(
                r##"<p class="hint">The cluster being edited is on it: its table, with Split, Join and Add, is <a href="#subnet-table">Subnets of {}</a>.</p></section>"##,
                esc(&vn.name)
            );
            continue;
        }
        if vn.address_space.is_empty() {
            out += r#"<p class="hint">No address space yet: Suggest fills it.</p></section>"#;
            continue;
        }
        // A new VNet with a cluster on it (not the one on screen): edited with that cluster.
        let with = on_ix.first().filter(|_| !vn.existing);
        if let Some(&c) = with {
            out += &format!(
                r#"<p class="hint">Its subnets are edited with its cluster, in the page's table (Undo then takes them back in order): <button class="open-cluster" type="button" data-cluster-index="{c}">Edit {}</button></p>"#,
                esc(&estate.clusters[c].name)
            );
        }
        let cuts: Vec<Cidr> = sess
            .cuts
            .iter()
            .filter(|(w, _)| *w == v)
            .map(|(_, c)| *c)
            .collect();
        let notes = |s: usize, _: Cidr| {
            let mut said: Vec<String> = estate
                .clusters_on_subnet(v, s)
                .into_iter()
                .map(|c| format!("node subnet of cluster {}", estate.clusters[c].name))
                .collect();
            if vn.subnets[s].role == SubnetRole::ApiServer {
                said.push("API server subnet".into());
            }
            said
        };
        let attrs = format!(r#" data-vnet="{v}""#);
        out += &crate::table::table_html(
            &plan,
            &cuts,
            &notes,
            (!vn.existing && with.is_none()).then_some(attrs.as_str()),
        );
        out += "</section>";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESH3: &str = include_str!("../../../tests/fixtures/estate-mesh3.json");

    #[test]
    fn open_edit_add_suggest() {
        let opened = handle("estate-open", MESH3);
        let meta: Vec<&str> = opened.meta.lines().collect();
        assert_eq!(meta[0], "0");
        assert_eq!(&meta[4..], ["mesh-a", "mesh-b", "mesh-c"]);
        assert!(meta[3].contains(": 0 errors"), "{}", meta[3]);
        let plan = Plan::from_json(&opened.plan).unwrap();
        assert_eq!(plan.cluster.name, "mesh-a");
        assert!(Estate::from_json(&opened.text).is_ok());
        assert!(opened
            .html
            .contains("Cluster mesh-b on VNet aks-b, ClusterMesh id 2"));
        assert!(opened.html.contains("aks-a ↔ aks-b"));
        // Cluster 1's pod CIDR onto cluster 0's: the mesh rule fires, grouped by cluster.
        let second = handle("estate-cluster", "1");
        let mut p = Plan::from_json(&second.plan).unwrap();
        p.pod_cidr = Some("10.100.0.0/16".into());
        let edited = handle("estate-edit", &format!("1\n0\n{}", p.to_json_compact()));
        assert!(
            edited.html.contains("mesh-pod-cidr-overlap"),
            "{}",
            edited.html
        );
        assert!(edited.html.contains("range overlap"));
        assert!(edited.plan.is_empty());
        let added = handle("estate-add", "0");
        assert!(
            added.meta.starts_with("3\nAdded cluster cluster-4"),
            "{}",
            added.meta
        );
        assert_eq!(
            Plan::from_json(&added.plan).unwrap().cluster.name,
            "cluster-4"
        );
        let filled = handle("estate-suggest", "3");
        let p = Plan::from_json(&filled.plan).unwrap();
        assert!(p.pod_cidr.is_some());
        assert!(filled.meta.lines().nth(1).unwrap().starts_with("Filled:"));
        let bad = handle("estate-open", "{");
        assert!(bad.meta.is_empty() && !bad.text.is_empty());
    }

    const BLUEGREEN: &str = include_str!("../../../tests/fixtures/estate-bluegreen.json");

    /// The `<section>` of VNet `v`'s table in the panel.
    fn vnet_section(html: &str, v: usize) -> &str {
        let from = html
            .find(&format!(
                r#"<section class="subnet-table vnet-table" data-vnet="{v}""#
            ))
            .unwrap_or_else(|| panic!("VNet {v}'s table in {html}"));
        let rest = &html[from..];
        &rest[..rest.find("</section>").unwrap()]
    }

    #[test]
    fn every_vnet_has_its_table_existing_ones_read_only() {
        let opened = handle("estate-open", BLUEGREEN);
        let hub = vnet_section(&opened.html, 0);
        assert!(
            hub.contains("VNet hub (existing, resource group net-rg; no cluster)"),
            "{hub}"
        );
        assert!(hub.contains("<code class=\"cidr\">10.0.0.0/27</code>"));
        assert!(hub.contains("<code class=\"cidr\">10.0.2.0/23</code>"));
        assert!(hub.contains("<span class=\"usable\">27 usable</span>"));
        assert!(!hub.contains("<button"), "read-only: {hub}");
        assert!(!opened.html.contains(" data-edited "), "blue's VNet is new");
        let green = vnet_section(&opened.html, 1);
        assert!(green.contains("(existing, resource group green-rg; cluster green)"));
        assert!(green.contains("node subnet of cluster green"), "{green}");
        assert!(!green.contains("<button"));
        // Blue is being edited: its table is the page's.
        let blue = vnet_section(&opened.html, 2);
        assert!(blue.contains("href=\"#subnet-table\""), "{blue}");
        assert!(!blue.contains("<table"));
        // Blue's table moves here, read-only, when another cluster is opened (it is edited
        // with blue); green's is marked edited.
        let other = handle("estate-cluster", "0");
        assert!(vnet_section(&other.html, 1).contains(r#"data-vnet="1" data-edited "#));
        let blue = vnet_section(&other.html, 2);
        assert!(
            blue.contains("<table") && !blue.contains("data-op="),
            "{blue}"
        );
        assert!(blue.contains("node subnet of cluster blue"));
    }

    #[test]
    fn a_large_estate_tables_its_first_vnets() {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        for k in 0..70 {
            let mut v = e.vnets[0].clone();
            v.name = format!("spoke-{k}");
            v.address_space = vec![format!("172.16.{k}.0/24")];
            v.subnets.clear();
            e.vnets.push(v);
        }
        let opened = handle("estate-open", &e.to_json());
        assert_eq!(
            opened
                .html
                .matches("<section class=\"subnet-table vnet-table\"")
                .count(),
            VNETS_TABLED
        );
        assert!(opened
            .html
            .contains("... and 13 more VNets, whose tables are left out here."));
    }

    #[test]
    fn a_new_vnets_table_edits_the_estate_which_is_rechecked() {
        // Blue/green with a new spoke VNet that no cluster is on, peered with blue's.
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        e.vnets.push(byocni_core::estate::EstateVnet {
            name: "spoke".into(),
            resource_group: "spoke-rg".into(),
            location: "westeurope".into(),
            address_space: vec!["10.30.0.0/16".into()],
            subnets: vec![EstateSubnet {
                name: "apps".into(),
                cidr: "10.30.0.0/20".into(),
                role: SubnetRole::Other,
            }],
            existing: false,
        });
        e.peerings.push(byocni_core::estate::Peering {
            between: ["spoke".into(), "aks-blue".into()],
        });
        let opened = handle("estate-open", &serde_json::to_string(&e).unwrap());
        assert!(!opened.meta.is_empty(), "{}", opened.text);
        // Blue (1) open; the spoke is edited from the panel, an edit of the estate.
        let split = handle("estate-subnets", "1\n3\nsplit\n0");
        assert!(split.meta.starts_with("1\n\n"), "no notice: {}", split.meta);
        let e = Estate::from_json(&split.text).unwrap();
        assert_eq!(e.vnets[3].subnets[1].name, "apps-2");
        assert_eq!(e.vnets[3].subnets[1].cidr, "10.30.8.0/21");
        assert!(vnet_section(&split.html, 3).contains("apps-2"));
        assert!(split.plan.is_empty(), "the page keeps its cluster");
        // Re-checked and summed up after the edit.
        assert!(split.meta.contains(": 0 errors"), "{}", split.meta);
        let joined = handle("estate-subnets", "1\n3\njoin\n10.30.0.0/21 10.30.8.0/21");
        assert_eq!(
            Estate::from_json(&joined.text).unwrap().vnets[3]
                .subnets
                .len(),
            1
        );
        // A free block split in the view, then a subnet made of a half.
        let cut = handle("estate-subnets", "1\n3\ncut\n10.30.128.0/17");
        assert!(vnet_section(&cut.html, 3).contains("10.30.192.0/18"));
        assert_eq!(cut.text, joined.text, "a view, not an edit");
        let refused = handle("estate-subnets", "1\n0\nsplit\n0");
        assert!(
            refused
                .meta
                .lines()
                .nth(1)
                .unwrap()
                .contains("never changes"),
            "{}",
            refused.meta
        );
        assert_eq!(refused.text, joined.text);
        // Undo takes the last table edit back.
        let made = handle("estate-subnets", "1\n3\nadd\n10.30.192.0/18");
        assert!(made
            .html
            .contains(r#"id="undo-subnets" data-vnet="3" data-op="undo""#));
        assert!(made.html.contains("Undo the last table edit (VNet spoke)"));
        let undone = handle("estate-subnets", "1\n3\nundo\n");
        assert_eq!(undone.text, joined.text);
        let bad = handle("estate-subnets", "1\n3\nadd\nnope");
        assert!(bad.meta.contains("the subnet table sent `nope`"));
    }

    /// A new VNet with a cluster on it is edited with that cluster, never from the panel: the
    /// page's Undo, which writes a cluster's older plan back with its VNet, would otherwise take
    /// back a later panel edit of that VNet without a word.
    #[test]
    fn a_vnet_with_a_cluster_is_edited_with_its_cluster() {
        handle("estate-open", BLUEGREEN);
        // Green (existing) open: blue's new VNet is in the panel, read-only, with "Edit blue".
        let green = handle("estate-cluster", "0");
        let blue_vnet = vnet_section(&green.html, 2);
        assert!(!blue_vnet.contains("data-op=\"split\""), "{blue_vnet}");
        assert!(
            blue_vnet.contains(r#"data-cluster-index="1">Edit blue</button>"#),
            "{blue_vnet}"
        );
        let refused = handle("estate-subnets", "0\n2\nsplit\n0");
        assert!(
            refused
                .meta
                .lines()
                .nth(1)
                .unwrap()
                .contains("edited with its cluster: pick cluster blue"),
            "{}",
            refused.meta
        );
        assert_eq!(refused.text, green.text, "nothing changed");
        // A second new cluster on a new VNet: the same for blue's VNet while it is open.
        let added = handle("estate-add", "1");
        assert!(!vnet_section(&added.html, 2).contains("data-op=\"split\""));
        assert!(handle("estate-subnets", "2\n2\nsplit\n0")
            .meta
            .contains("edited with its cluster"));
    }

    #[test]
    fn free_gaps_per_band_on_the_estate_map() {
        let band = Cidr::parse("192.168.0.0/16").unwrap();
        let at = |s: &str| u64::from(u32::from(s.parse::<std::net::Ipv4Addr>().unwrap()));
        // 192.168.0.0/24 taken: one gap, the rest of the band; a sliver under 1/64 is left out.
        let taken = [(at("192.168.0.0"), at("192.168.0.255"))];
        assert_eq!(
            gaps(band, &taken),
            [(at("192.168.1.0"), at("192.168.255.255"))]
        );
        let sliver = [
            (at("192.168.0.0"), at("192.168.0.255")),
            (at("192.168.2.0"), at("192.168.255.255")),
        ];
        assert_eq!(gaps(band, &sliver), []);
        assert_eq!(
            gaps(band, &[]),
            [(at("192.168.0.0"), at("192.168.255.255"))]
        );
        assert_eq!(
            gap_label((at("192.168.1.0"), at("192.168.255.255"))),
            "free 192.168.1.0 - 192.168.255.255"
        );
        assert_eq!(
            gap_label((at("192.168.128.0"), at("192.168.255.255"))),
            "free 192.168.128.0/17"
        );
        assert_eq!(
            gap_label((at("192.168.64.0"), at("192.168.191.255"))),
            "free 192.168.64.0 - 192.168.191.255"
        );
        let opened = handle("estate-open", BLUEGREEN);
        let map = &opened.html[opened.html.find("id=\"estate-map\"").unwrap()..];
        let free = &map[map.find("aria-label=\"Free address space\"").expect(map)..];
        for want in [
            "free 10.3.0.0 - 10.99.255.255",
            "free 10.101.0.0 - 10.223.255.255",
            "free 10.245.0.0 - 10.255.255.255",
        ] {
            assert!(
                free.contains(&format!("<span class=\"row-label\">{want}<")),
                "{want}: {free}"
            );
        }
    }

    /// The Fix for a missing pod CIDR in an estate: clear of the other clusters' pods (here one
    /// has v1's own pick, 10.244.0.0/16), so the mesh gets no overlap; nothing else filled.
    #[test]
    fn fix_all_keeps_clear_of_the_meshs_pods_and_the_other_vnets() {
        // mesh-a's pods where v1's suggest and fixes look first; mesh-b without pods and with a
        // service CIDR on its own VNet; mesh-c's pods on mesh-a's.
        let text = MESH3
            .replace("10.100.0.0/16", "10.244.0.0/16")
            .replace("\"podCidr\": \"10.101.0.0/16\",", "")
            .replace("10.102.0.0/16", "10.244.0.0/16");
        let opened = handle("estate-open", &text);
        assert!(!opened.meta.is_empty(), "{}", opened.text);
        for i in [1, 2] {
            let fixed = handle("estate-fix-all", &i.to_string());
            assert!(!fixed.meta.is_empty(), "{}", fixed.text);
            let notice = fixed.meta.lines().nth(1).unwrap();
            assert!(notice.starts_with("Fix all applied "), "{notice}");
            assert!(
                !fixed.html.contains("mesh-pod-cidr-overlap") || i == 1,
                "{}",
                fixed.html
            );
        }
        let e = Estate::from_json(&handle("estate-cluster", "0").text).unwrap();
        let pods: Vec<Cidr> = e
            .clusters
            .iter()
            .map(|c| Cidr::parse(c.pod_cidr.as_deref().unwrap()).unwrap())
            .collect();
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            assert!(
                !pods[a].overlaps(pods[b]),
                "{} overlaps {}",
                pods[a],
                pods[b]
            );
        }
        for v in &e.vnets {
            for t in &v.address_space {
                let t = Cidr::parse(t).unwrap();
                assert!(
                    pods.iter().all(|p| !p.overlaps(t)),
                    "{t} under pods {pods:?}"
                );
            }
        }
        let report = byocni_core::check::estate::check_estate(&e, None);
        assert_eq!(report.findings.len(), 0, "{:#?}", report.findings);
        // An existing cluster is never fixed.
        let bluegreen = include_str!("../../../tests/fixtures/estate-bluegreen.json");
        handle("estate-open", bluegreen);
        let refused = handle("estate-fix-all", "0");
        assert!(
            refused.meta.is_empty() && refused.text.contains("existing"),
            "{}",
            refused.text
        );
    }

    #[test]
    fn fill_takes_a_pod_cidr_clear_of_the_mesh() {
        let text = MESH3
            .replace("10.100.0.0/16", "10.244.0.0/16")
            .replace("\"podCidr\": \"10.101.0.0/16\",", "");
        let opened = handle("estate-open", &text);
        assert!(!opened.meta.is_empty(), "{}", opened.text);
        // v1's suggest on the projection alone would collide with mesh-a's pods.
        let alone = byocni_core::suggest(&Estate::from_json(&text).unwrap().project(1).unwrap());
        assert_eq!(
            alone.unwrap().plan.pod_cidr.as_deref(),
            Some("10.244.0.0/16")
        );
        let filled = handle("estate-fill", "1");
        let p = Plan::from_json(&filled.plan).unwrap();
        let pods = Cidr::parse(p.pod_cidr.as_deref().unwrap()).unwrap();
        for other in [
            "10.244.0.0/16",
            "10.102.0.0/16",
            "10.10.0.0/16",
            "10.11.0.0/16",
            "10.12.0.0/16",
        ] {
            assert!(
                !pods.overlaps(Cidr::parse(other).unwrap()),
                "{pods} overlaps {other}"
            );
        }
        assert!(
            !filled.html.contains("mesh-pod-cidr-overlap"),
            "{}",
            filled.html
        );
        assert!(
            filled
                .meta
                .lines()
                .nth(1)
                .unwrap()
                .starts_with("Filled: clusters[1].podCidr = "),
            "{}",
            filled.meta
        );
        let e = Estate::from_json(&filled.text).unwrap();
        assert_eq!(e.clusters[1].pod_cidr, p.pod_cidr);
        assert_eq!(
            e.clusters[0].cluster_mesh,
            Estate::from_json(&text).unwrap().clusters[0].cluster_mesh
        );
        let again = handle("estate-fill", "1");
        assert!(again.meta.contains("Nothing to fill"), "{}", again.meta);
    }

    #[test]
    fn user_text_is_escaped() {
        assert_eq!(esc(r#"<b a="1">&'"#), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
        let text = MESH3.replace("\"name\": \"mesh3\"", "\"name\": \"<script>x\\n</script>\"");
        let a = handle("estate-open", &text);
        assert_eq!(a.meta.lines().nth(2), Some("<script>x </script>"));
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
