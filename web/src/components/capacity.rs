//! Capacity bars from the core's capacity report: node subnet IPs, pod CIDR node blocks and pod
//! IPs, service CIDR size.

use yew::prelude::*;

use super::{hundredths, use_state_handle};

#[derive(Properties, PartialEq)]
struct BarProps {
    label: AttrValue,
    used: u64,
    total: u64,
    detail: AttrValue,
}

#[function_component(Bar)]
fn bar(p: &BarProps) -> Html {
    // The fill in hundredths of a percent, in integers (no float formatting in the wasm).
    let bp = if p.total == 0 {
        10_000
    } else {
        (u128::from(p.used) * 10_000 / u128::from(p.total)).min(10_000) as u64
    };
    let over = p.used > p.total;
    html! {
        <div class="bar">
            <div class="bar-label"><span>{ &p.label }</span><span class="bar-num">{ format!("{} / {}", p.used, p.total) }</span></div>
            <div class={classes!("bar-track", over.then_some("over"))} role="meter" aria-label={p.label.clone()}
                 aria-valuemin="0" aria-valuemax={p.total.to_string()} aria-valuenow={p.used.to_string()}>
                <div class="bar-fill" style={format!("width:{}%", hundredths(bp))}></div>
            </div>
            <div class="bar-detail">{ &p.detail }</div>
        </div>
    }
}

/// The capacity panel.
#[function_component(Capacity)]
pub fn capacity() -> Html {
    let state = use_state_handle();
    let c = &state.report.capacity;
    html! {
        <section class="panel capacity" aria-labelledby="capacity-h">
            <h2 id="capacity-h">{ "Capacity" }</h2>
            if let Some(n) = &c.node_subnet {
                <Bar label={format!("Node subnet {}: IPs", n.cidr)} used={n.needed - 5} total={n.usable}
                     detail={format!("{} nodes at most + {} surge + {} internal load balancers; Azure keeps 5 of {}", n.max_nodes, n.surge_nodes, n.internal_load_balancers, n.total)} />
            }
            if let Some(p) = &c.pods {
                <Bar label={format!("Pod CIDR {}: node blocks (/{})", p.cidr, p.per_node_prefix)} used={p.nodes_planned} total={p.nodes_supported}
                     detail={format!("{} pod IPs per node block; {} of {} pod IPs at max pods", p.pods_per_node_supported, p.pods_planned, p.pods_supported)} />
            }
            if let Some(s) = &c.services {
                <Bar label={format!("Service CIDR {}: ClusterIPs", s.cidr)} used={0} total={s.usable}
                     detail={format!("{} addresses; network, `kubernetes` (.1) and broadcast are not assignable", s.total)} />
            }
        </section>
    }
}
