//! The address map: an SVG of the address space that holds the plan, drawn to scale, one lane
//! per kind of range (VNet, subnets, pods, services, connected networks, reserved), each range
//! labelled with its name and CIDR; ranges named in overlap findings are hatched; a click zooms
//! into a range. Each range is a button named with its lane, range and size (Enter and Space
//! press it, [`crate::keys`]).

use byocni_core::check::{AKS_RESERVED, VNET_FORBIDDEN};
use byocni_core::Cidr;
use yew::prelude::*;

use super::{hundredths, StateHandle};
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
    for r in AKS_RESERVED.iter().chain(VNET_FORBIDDEN.iter()) {
        push(5, format!("reserved {r}"), r, String::new());
    }
    v
}

/// The smallest CIDR that holds the plan's own ranges (VNet, subnets, pods, services);
/// connected networks and reserved ranges are drawn where they fall inside it.
fn frame(items: &[Item]) -> Cidr {
    let own: Vec<Cidr> = items
        .iter()
        .filter(|i| i.lane < 4)
        .map(|i| i.cidr)
        .collect();
    let (Some(lo), Some(hi)) = (
        own.iter().map(|c| c.start()).min(),
        own.iter().map(|c| c.end()).max(),
    ) else {
        return Cidr::parse("10.0.0.0/8").expect("constant");
    };
    let common = (lo ^ hi).leading_zeros().min(32) as u8;
    Cidr::from_u32(lo, common).expect("prefix <= 32")
}

/// The map panel. A function, not a component: the app re-renders with the state anyway, and
/// the zoom is in the state ([`Action::Zoom`]).
pub fn address_map(state: &StateHandle) -> Html {
    let zoom = state.zoom;
    let plan = &state.plan;
    let all = items(plan);
    let view = zoom.unwrap_or_else(|| frame(&all));
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
    // Coordinates are whole hundredths of the 1000-wide view box, computed in integers (the
    // wasm then carries no float formatting).
    let (w, lane_h, left) = (1000_u64, 34_u64, 90_u64);
    let span = u128::from(view.size());
    let x_of = |a: u64| -> u64 {
        let off = u128::from(a.saturating_sub(u64::from(view.start())));
        let track = u128::from((w - left) * 100);
        left * 100 + (off * track / span).min(track) as u64
    };
    let visible = |c: &Cidr| c.overlaps(view);
    // Many connected networks are drawn as the merged blocks of the state's index (built once,
    // not per edit).
    let merged: Vec<(u64, u64)> = if plan.connected_networks.len() > MERGE_ABOVE {
        state
            .connected
            .taken()
            .intervals()
            .iter()
            .copied()
            .filter(|&(s, e)| s <= u64::from(view.end()) && e >= u64::from(view.start()))
            .collect()
    } else {
        Vec::new()
    };
    let height = lane_h * LANES.len() as u64 + 30;
    let on_zoom = |to: Option<Cidr>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Zoom(to)))
    };
    html! {
        <section class="panel map" aria-labelledby="map-h">
            <h2 id="map-h">{ "Address map" }</h2>
            <div class="map-bar">
                <span>{ format!("Showing {view} ({} addresses) from {} to {}", crate::labels::grouped(view.size()), view.network(), view.broadcast()) }</span>
                if zoom.is_some() { <button onclick={on_zoom(None)}>{ "Zoom out" }</button> }
            </div>
            <svg viewBox={format!("0 0 {w} {height}")} role="group" aria-label={format!("Address map of {view}")} class="map-svg">
                <defs>
                    <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
                    </pattern>
                </defs>
                { for LANES.iter().enumerate().map(|(i, name)| html! {
                    <g class="lane">
                        <text x="4" y={(22 + i as u64 * lane_h).to_string()} class="lane-name">{ *name }</text>
                        <line x1={left.to_string()} x2={w.to_string()} y1={(30 + i as u64 * lane_h).to_string()} y2={(30 + i as u64 * lane_h).to_string()} class="lane-rule" />
                    </g>
                }) }
                { for all.iter().filter(|it| visible(&it.cidr)).map(|it| {
                    let x1 = x_of(u64::from(it.cidr.start()));
                    let x2 = x_of(u64::from(it.cidr.end()) + 1);
                    let y = 6 + it.lane as u64 * lane_h;
                    let bad = overlaps(&it.field);
                    // A button: Enter and Space press it too (crate::keys).
                    let onclick = on_zoom(Some(it.cidr));
                    let width = (x2 - x1).max(150);
                    let name = format!("{}: {}, {} addresses{}. Zoom in", LANES[it.lane], it.label, crate::labels::grouped(it.cidr.size()), if bad { ", overlaps" } else { "" });
                    html! {
                        <g class={classes!("range", format!("lane{}", it.lane), bad.then_some("overlap"))} tabindex="0" role="button" aria-label={name} {onclick}>
                            <rect x={hundredths(x1)} y={y.to_string()} width={hundredths(width)} height="24" rx="3" />
                            if bad { <rect x={hundredths(x1)} y={y.to_string()} width={hundredths(width)} height="24" fill="url(#hatch)" class="hatch" /> }
                            if width > 6000 { <text x={hundredths(x1 + 400)} y={(y + 16).to_string()} class="range-label">{ &it.label }</text> }
                        </g>
                    }
                }) }
                { for merged.iter().map(|&(s, e)| {
                    let (x1, x2) = (x_of(s), x_of(e + 1));
                    let y = 6 + 4 * lane_h;
                    html! {
                        <g class="range lane4 merged" role="img" aria-label={format!("Connected networks {} - {}", std::net::Ipv4Addr::from(s as u32), std::net::Ipv4Addr::from(e as u32))}>
                        <rect x={hundredths(x1)} y={y.to_string()} width={hundredths((x2 - x1).max(100))} height="24" /></g>
                    }
                }) }
                <text x={left.to_string()} y={(height - 4).to_string()} class="axis">{ view.network().to_string() }</text>
                <text x={w.to_string()} y={(height - 4).to_string()} class="axis" text-anchor="end">{ view.broadcast().to_string() }</text>
            </svg>
        </section>
    }
}
