//! The address map (`#address-map`): one row per range of the plan (VNet, subnets, pods,
//! services, connected networks, the route table's next hop, and the reserved ranges that fall
//! where the plan is), each labelled with its name and CIDR, drawn to scale on an axis split
//! into bands, one per address block in use (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
//! 100.64.0.0/10, else the range's /8), each band scaled on its own: a pod CIDR in
//! 192.168.0.0/16 no longer shrinks everything else to a sliver of 0.0.0.0/0. Every range has a
//! minimum width. The VNet's free space has rows of its own ("free 10.225.0.0/16", the subnet
//! table's free blocks), and so do the largest gaps of each band between the ranges drawn
//! ("free 10.240.0.0/12", "free 192.168.1.0 - 192.168.255.255"; a run that is one block is
//! named as a CIDR). Two ranges that overlap (found by a sweep over the drawn ranges, not
//! only the findings) get an "overlap: A and B" row over the shared addresses, and both are
//! marked (hatched, ", overlaps" in their accessible names). Each range
//! is a button named with its lane, range and size: a click, Enter or Space zooms into it; "Zoom
//! out" goes back one level at a time. HTML rather than SVG, so that labels stay readable on a
//! phone.

use byocni_core::check::{AKS_RESERVED, VNET_FORBIDDEN};
use byocni_core::plan::SubnetRole;
use byocni_core::subnets::vnet_rows;
use byocni_core::Cidr;
use yew::prelude::*;

use super::{hundredths, StateHandle};
use crate::labels::grouped;
use crate::state::Action;

/// One drawn range.
struct Item {
    lane: usize,
    label: String,
    /// The block a click zooms into (for a merged run, the CIDR that holds it).
    cidr: Cidr,
    /// The addresses drawn, first and last (a merged run or a free run is no CIDR).
    span: (u32, u32),
    /// Plan field (for overlap marking).
    field: String,
}

const LANES: [&str; 9] = [
    "VNet",
    "Subnets",
    "Pods",
    "Services",
    "Connected",
    "Reserved",
    "Free",
    "Overlaps",
    "Outbound",
];
const FREE: usize = 6;
const OVERLAPS: usize = 7;
const OUTBOUND: usize = 8;
/// The order of the lanes on screen: the VNet, its subnets and free space first.
const LANE_ORDER: [usize; 8] = [0, 1, FREE, OUTBOUND, 2, 3, 4, 5];
/// Above this many connected networks, adjacent ones are merged into blocks.
const MERGE_ABOVE: usize = 300;
/// A free gap of a band gets a row when it is at least 1/GAP_MIN of the band: a band of 50
/// scattered networks has some 50 gaps, most of them slivers between the ranges drawn.
const GAP_MIN: u64 = 64;
/// At most this many overlaps get a row of their own (the findings list them all).
const OVERLAP_ROWS_MAX: usize = 50;

fn item(lane: usize, label: String, cidr: Cidr, field: String) -> Item {
    Item {
        lane,
        label,
        cidr,
        span: (cidr.start(), cidr.end()),
        field,
    }
}

/// The CIDR that holds the addresses `a..=b` (for a run's band and zoom).
fn holding(a: u32, b: u32) -> Option<Cidr> {
    Cidr::from_u32(a, (a ^ b).leading_zeros().min(32) as u8)
}

fn items(plan: &byocni_core::Plan) -> Vec<Item> {
    let mut v = Vec::new();
    let mut push = |lane, label: String, text: &str, field: String| {
        if let Some(cidr) = Cidr::parse_lenient(text) {
            v.push(item(lane, label, cidr, field));
        }
    };
    for (i, s) in plan.vnet_address_space().iter().enumerate() {
        let f = if plan.vnet.is_some() {
            format!("vnet.addressSpace[{i}]")
        } else {
            "vnet".into()
        };
        push(0, format!("VNet {s}"), s, f);
    }
    match &plan.vnet {
        Some(vn) => {
            for (i, s) in vn.subnets.iter().enumerate() {
                let role = if s.role == SubnetRole::ApiServer {
                    " (API server)"
                } else {
                    ""
                };
                push(
                    1,
                    format!("{} {}{role}", s.name, s.cidr),
                    &s.cidr,
                    format!("vnet.subnets[{i}].cidr"),
                );
            }
        }
        None => push(
            1,
            "managed nodes 10.224.0.0/16".into(),
            "10.224.0.0/16",
            "vnet".into(),
        ),
    }
    if let Some(p) = &plan.pod_cidr {
        push(2, format!("pods {p}"), p, "podCidr".into());
    }
    let svc = plan.effective_service_cidr();
    push(3, format!("services {svc}"), svc, "serviceCidr".into());
    if plan.connected_networks.len() <= MERGE_ABOVE {
        for (i, n) in plan.connected_networks.iter().enumerate() {
            push(
                4,
                format!("{} {}", n.name, n.cidr),
                &n.cidr,
                format!("connectedNetworks[{i}].cidr"),
            );
        }
    }
    let mut reserved: Vec<&str> = AKS_RESERVED
        .iter()
        .chain(VNET_FORBIDDEN.iter())
        .copied()
        .collect();
    reserved.sort_unstable();
    reserved.dedup();
    for r in reserved {
        push(5, format!("reserved {r}"), r, String::new());
    }
    // Issue 14: the route table's next hop, where the plan routes 0.0.0.0/0.
    let hop = plan
        .outbound
        .as_ref()
        .and_then(|o| o.route_table.as_ref())
        .and_then(|r| r.next_hop_ip.as_deref());
    if let Some(ip) = hop.and_then(|h| byocni_core::cidr::parse_ipv4(h).ok()) {
        if let Some(cidr) = Cidr::new(ip, 32) {
            v.push(item(
                OUTBOUND,
                format!("next hop {ip} (route table {})", plan.route_table_name()),
                cidr,
                "outbound.routeTable.nextHopIp".into(),
            ));
        }
    }
    v
}

/// The VNet's free space: its free blocks, as the subnet table lists them.
fn free_items(plan: &byocni_core::Plan) -> impl Iterator<Item = Item> {
    vnet_rows(plan, &[])
        .into_iter()
        .filter(|r| r.subnet.is_none())
        .map(|r| item(FREE, format!("free {}", r.cidr), r.cidr, String::new()))
}

/// Whether two ranges of these lanes overlapping is a problem: not a subnet in its VNet, nor
/// reserved or connected ranges among themselves (the rules are about the plan's own ranges).
fn clash(one: &Item, other: &Item) -> bool {
    let (low, high) = if one.lane <= other.lane {
        (one, other)
    } else {
        (other, one)
    };
    match (low.lane, high.lane) {
        (0, 1) => !(low.span.0 <= high.span.0 && high.span.1 <= low.span.1),
        (4 | 5, 5) | (4, 4) => false,
        (first, second) => first < FREE && second < FREE,
    }
}

/// The overlapping pairs among `all` (indices; `all` in address order), by a sweep; at most
/// [`OVERLAP_ROWS_MAX`].
fn overlaps(all: &[Item]) -> Vec<(usize, usize)> {
    let mut active: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for i in (0..all.len()).filter(|&i| all[i].lane < FREE) {
        active.retain(|&j| all[j].span.1 >= all[i].span.0);
        for &j in &active {
            if clash(&all[i], &all[j]) && out.len() < OVERLAP_ROWS_MAX {
                out.push((j, i));
            }
        }
        active.push(i);
    }
    out
}

/// The address blocks the axis is split into, in address order: the private and shared blocks
/// a plan's ranges fall in, else each range's /8 (or the range itself when larger).
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

/// The map panel. A function, not a component: the app re-renders with the state anyway, and
/// the zoom is in the state ([`Action::Zoom`]).
pub fn address_map(state: &StateHandle) -> Html {
    let plan = &state.plan;
    let mut all = items(plan);
    // Many connected networks are drawn as the merged blocks of the state's index (built once,
    // not per edit).
    if plan.connected_networks.len() > MERGE_ABOVE {
        for &(s, e) in state.connected.taken().intervals() {
            let (a, b) = (s as u32, e as u32);
            if let Some(cidr) = holding(a, b) {
                all.push(Item {
                    lane: 4,
                    label: format!(
                        "connected {} - {}",
                        std::net::Ipv4Addr::from(a),
                        std::net::Ipv4Addr::from(b)
                    ),
                    cidr,
                    span: (a, b),
                    field: String::new(),
                });
            }
        }
    }
    all.extend(free_items(plan));
    let mut bands: Vec<Cidr> = match state.zoom.last() {
        Some(z) => vec![*z],
        None => all
            .iter()
            .filter(|i| i.lane < 5)
            .map(|i| band_of(i.cidr))
            .collect(),
    };
    bands.sort_unstable();
    bands.dedup();
    let in_band = |b: &Cidr, span: (u32, u32)| b.start() <= span.1 && span.0 <= b.end();
    // Reserved ranges only where the plan is; in a zoom, only what is in view.
    all.retain(|i| bands.iter().any(|b| in_band(b, i.span)));
    all.sort_by_key(|i| i.span);
    // Free gaps: in each band, the runs of addresses no drawn range takes, at least
    // 1/GAP_MIN of the band ("free 10.240.0.0/12", "free 192.168.1.0 - 192.168.255.255").
    let mut gaps = Vec::new();
    for b in &bands {
        let mut at = u64::from(b.start());
        let mut gap = |s: u64, e: u64| {
            if (e + 1 - s) * GAP_MIN >= b.size() {
                gaps.push((s as u32, e as u32));
            }
        };
        for it in all.iter().filter(|i| i.lane < FREE) {
            let (s, e) = (it.span.0.max(b.start()), it.span.1.min(b.end()));
            if s <= e {
                if u64::from(s) > at {
                    gap(at, u64::from(s) - 1);
                }
                at = at.max(u64::from(e) + 1);
            }
        }
        if at <= u64::from(b.end()) {
            gap(at, u64::from(b.end()));
        }
    }
    for (a, z) in gaps {
        if let Some(cidr) = holding(a, z) {
            let (x, y) = (std::net::Ipv4Addr::from(a), std::net::Ipv4Addr::from(z));
            all.push(Item {
                lane: FREE,
                label: if (cidr.start(), cidr.end()) == (a, z) {
                    format!("free {cidr}")
                } else {
                    format!("free {x} - {y}")
                },
                cidr,
                span: (a, z),
                field: String::new(),
            });
        }
    }
    all.sort_by_key(|i| i.span);
    // Overlaps: a row each over the shared addresses, named after both ranges; both ranges
    // are marked.
    let pairs = overlaps(&all);
    let mut clashing = vec![false; all.len()];
    let mut overlap_rows = Vec::new();
    for &(a, b) in &pairs {
        clashing[a] = true;
        clashing[b] = true;
        let (x, y) = (&all[a], &all[b]);
        let span = (x.span.0.max(y.span.0), x.span.1.min(y.span.1));
        if let Some(cidr) = holding(span.0, span.1) {
            overlap_rows.push(Item {
                lane: OVERLAPS,
                label: format!("overlap: {} and {}", x.label, y.label),
                cidr,
                span,
                field: String::new(),
            });
        }
    }
    let mut rows: Vec<(&Item, bool)> = Vec::new();
    for lane in LANE_ORDER {
        rows.extend(
            all.iter()
                .zip(&clashing)
                .filter(|(it, _)| it.lane == lane)
                .map(|(it, c)| (it, *c)),
        );
    }
    // Overlaps last, in address order (the sweep finds them by the later range's start).
    rows.extend(overlap_rows.iter().map(|o| (o, true)));
    // The fields that overlap something, sorted for binary search.
    let mut overlapping: Vec<&str> = state
        .report
        .findings
        .iter()
        .filter(|f| {
            f.rule.id().contains("overlap")
                || f.rule.id() == "reserved-range"
                || f.rule.id() == "vnet-forbidden-range"
        })
        .flat_map(|f| std::iter::once(f.field.as_str()).chain(f.related.iter().map(String::as_str)))
        .collect();
    overlapping.sort_unstable();
    let overlaps = |field: &str| !field.is_empty() && overlapping.binary_search(&field).is_ok();
    let on_zoom = |to: Option<Cidr>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Zoom(to)))
    };
    // The CSV comes from the export worker (loaded for it if it is not yet).
    let download_csv = {
        let state = state.clone();
        Callback::from(move |_| {
            let plan = state.plan.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(csv) = crate::exports::ranges_csv(&plan).await {
                    super::export::download("byocni-ranges.csv", &csv, "text/csv");
                }
            });
        })
    };
    // Where a range sits in its band, in hundredths of a percent of the band (integers: the
    // wasm carries no float formatting). At most 2^32 addresses times 10,000 fits a u64.
    let place = |band: Cidr, (a, b): (u32, u32)| -> (u64, u64) {
        let span = band.size();
        let from = u64::from(a.max(band.start()) - band.start());
        let to = u64::from(b.min(band.end())) + 1 - u64::from(band.start());
        (from * 10_000 / span, (to - from) * 10_000 / span)
    };
    html! {
        <section class="panel map" id="address-map" aria-labelledby="map-h">
            <h2 id="map-h">{ "Address map" }</h2>
            <div class="map-bar">
                <span>{ match state.zoom.last() {
                    Some(z) => format!("Showing {z} ({} addresses) from {} to {}", grouped(z.size()), z.network(), z.broadcast()),
                    None => format!("Showing {} address blocks, each to its own scale", bands.len()),
                } }</span>
                if !state.zoom.is_empty() { <button onclick={on_zoom(None)}>{ "Zoom out" }</button> }
            </div>
            <button id="download-ranges" onclick={download_csv}>{ "Download ranges (CSV)" }</button>
            <p class="hint">{ "Click a range, press Enter on it, or pinch (Ctrl+wheel) over it to zoom in; Zoom out (or -) goes back one level." }</p>
            <div class="map-rows">
                <div class="map-row map-head">
                    <span class="row-label">{ "Range" }</span>
                    <div class="track">{ for bands.iter().map(|b| html! { <span class="band band-name">{ b.to_string() }</span> }) }</div>
                </div>
                { for rows.iter().map(|&(it, clash)| {
                    let bad = clash || overlaps(&it.field);
                    let size = u64::from(it.span.1 - it.span.0) + 1;
                    let flag = if bad && it.lane != OVERLAPS { ", overlaps" } else { "" };
                    let name = format!("{}: {}, {} addresses{flag}. Zoom in", LANES[it.lane], it.label, grouped(size));
                    html! {
                        <div class={classes!("map-row", format!("lane{}", it.lane))}>
                            <span class="row-label">{ &it.label }</span>
                            <div class="track">
                                { for bands.iter().map(|b| html! {
                                    <span class="band">
                                        if in_band(b, it.span) {
                                            <button class={classes!("range", bad.then_some("overlap"))} aria-label={name.clone()} onclick={on_zoom(Some(it.cidr))}
                                                style={let (x, w) = place(*b, it.span); format!("left:{}%;width:{}%", hundredths(x), hundredths(w))}></button>
                                        }
                                    </span>
                                }) }
                            </div>
                        </div>
                    }
                }) }
            </div>
        </section>
    }
}
