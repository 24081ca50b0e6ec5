//! The address map: one row per range of the plan (VNet, subnets, pods, services, connected
//! networks, and the reserved ranges that fall where the plan is), each labelled with its name
//! and CIDR, drawn to scale on an axis split into bands, one per address block in use
//! (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, else the range's /8), each band
//! scaled on its own: a pod CIDR in 192.168.0.0/16 no longer shrinks everything else to a
//! sliver of 0.0.0.0/0. Every range has a minimum width. Ranges named in overlap findings are
//! hatched and say so. Each range is a button named with its lane, range and size: a click,
//! Enter or Space zooms into it; "Zoom out" goes back one level at a time. HTML rather than SVG,
//! so that labels stay readable on a phone.

use byocni_core::check::{AKS_RESERVED, VNET_FORBIDDEN};
use byocni_core::Cidr;
use yew::prelude::*;

use super::{hundredths, StateHandle};
use crate::labels::grouped;
use crate::state::Action;

/// One drawn range.
#[derive(Clone, PartialEq)]
struct Item {
    lane: usize,
    label: String,
    cidr: Cidr,
    /// Plan field (for overlap marking).
    field: String,
}

const LANES: [&str; 6] = [
    "VNet",
    "Subnets",
    "Pods",
    "Services",
    "Connected",
    "Reserved",
];
/// Above this many connected networks, adjacent ones are merged into blocks.
const MERGE_ABOVE: usize = 300;

fn items(plan: &byocni_core::Plan) -> Vec<Item> {
    let mut v = Vec::new();
    let mut push = |lane, label: String, text: &str, field: String| {
        if let Some(cidr) = Cidr::parse_lenient(text) {
            v.push(Item {
                lane,
                label,
                cidr,
                field,
            });
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
                push(
                    1,
                    format!("{} {}", s.name, s.cidr),
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
    v
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
            // A merged block as the CIDR that holds it (for the band and the zoom).
            let common = (a ^ b).leading_zeros().min(32) as u8;
            if let Some(cidr) = Cidr::from_u32(a, common) {
                all.push(Item {
                    lane: 4,
                    label: format!(
                        "connected {} - {}",
                        std::net::Ipv4Addr::from(a),
                        std::net::Ipv4Addr::from(b)
                    ),
                    cidr,
                    field: String::new(),
                });
            }
        }
    }
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
    // Reserved ranges only where the plan is; in a zoom, only what is in view.
    all.retain(|i| bands.iter().any(|b| b.overlaps(i.cidr)));
    all.sort_by_key(|i| (i.lane, i.cidr.start()));
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
    // wasm carries no float formatting).
    let place = |band: Cidr, c: Cidr| -> (u64, u64) {
        let span = u128::from(band.size());
        let from = u128::from(c.start().max(band.start()) - band.start());
        let to = u128::from(u64::from(c.end().min(band.end())) + 1 - u64::from(band.start()));
        (
            (from * 10_000 / span) as u64,
            ((to - from) * 10_000 / span) as u64,
        )
    };
    html! {
        <section class="panel map" aria-labelledby="map-h">
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
                { for all.iter().map(|it| {
                    let bad = overlaps(&it.field);
                    let name = format!("{}: {}, {} addresses{}. Zoom in", LANES[it.lane], it.label, grouped(it.cidr.size()), if bad { ", overlaps" } else { "" });
                    html! {
                        <div class={classes!("map-row", format!("lane{}", it.lane))}>
                            <span class="row-label">{ &it.label }</span>
                            <div class="track">
                                { for bands.iter().map(|b| html! {
                                    <span class="band">
                                        if b.overlaps(it.cidr) {
                                            <button class={classes!("range", bad.then_some("overlap"))} aria-label={name.clone()} onclick={on_zoom(Some(it.cidr))}
                                                style={let (x, w) = place(*b, it.cidr); format!("left:{}%;width:{}%", hundredths(x), hundredths(w))}></button>
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
