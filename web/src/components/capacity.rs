//! Capacity bars from the core's capacity report: node subnet IPs (a private cluster's endpoint
//! among them), the API server subnet's free IPs, pod CIDR node blocks and pod IPs, service CIDR
//! size.

use yew::prelude::*;

use super::hundredths;
use crate::labels::grouped;
use crate::state::State;

/// One bar: `used` of `total`, a label and a detail line. A function, not a component: the
/// capacity panel re-renders with the state anyway.
fn bar(label: String, used: u64, total: u64, detail: String) -> Html {
    // The fill in hundredths of a percent, in integers (no float formatting in the wasm), and
    // in u64 (u128 division would bring its own routine into the wasm): `used * 10_000` only
    // overflows past 1.8e15, where `total / 10_000` is exact enough.
    let bp = if used >= total {
        10_000
    } else {
        used.checked_mul(10_000)
            .map_or_else(|| used / (total / 10_000), |x| x / total)
    };
    let over = used > total;
    html! {
        <div class="bar">
            <div class="bar-label"><span>{ &label }</span><span class="bar-num">{ format!("{} / {}", grouped(used), grouped(total)) }</span></div>
            <div class={classes!("bar-track", over.then_some("over"))} role="meter" aria-label={label}
                 aria-valuemin="0" aria-valuemax={total.to_string()} aria-valuenow={used.to_string()}>
                <div class="bar-fill" style={format!("width:{}%", hundredths(bp))}></div>
            </div>
            <div class="bar-detail">{ detail }</div>
        </div>
    }
}

/// The capacity panel. A function, not a component: the app re-renders with the state anyway.
pub fn capacity(state: &State) -> Html {
    let c = &state.report.capacity;
    let ilbs = state.plan.effective_internal_load_balancers();
    html! {
        <section class="panel capacity" aria-labelledby="capacity-h">
            <h2 id="capacity-h">{ "Capacity" }</h2>
            if let Some(n) = &c.node_subnet {
                { bar(format!("Node subnet {}: IPs", n.cidr), n.needed - 5, n.usable,
                     format!("{} nodes at most + {} surge + {} internal load balancers{}; Azure keeps 5 of {}", grouped(n.max_nodes), n.surge_nodes, n.internal_load_balancers,
                             if n.private_endpoint > 0 { " + 1 private endpoint (private cluster)" } else { "" }, grouped(n.total))) }
            }
            if let Some(a) = &c.api_server_subnet {
                { bar(format!("API server subnet {}: free IPs", a.cidr), a.needed, a.usable,
                     format!("VNet integration needs at least /28 with {} free IPs; Azure keeps 5 of {}", a.needed, grouped(a.total))) }
            }
            if let Some(p) = &c.pods {
                { bar(format!("Pod CIDR {}: node blocks (/{})", p.cidr, p.per_node_prefix), p.nodes_planned, p.nodes_supported,
                     format!("{} pod IPs per node block; {} of {} pod IPs at max pods", grouped(p.pods_per_node_supported), grouped(p.pods_planned), grouped(p.pods_supported))) }
            }
            if let Some(s) = &c.services {
                { bar(format!("Service CIDR {}: ClusterIPs", s.cidr), 1 + u64::from(ilbs), s.usable,
                     format!("the DNS service IP and {ilbs} internal load balancers' services; {} addresses, of which the network, `kubernetes` (.1) and broadcast are not assignable", grouped(s.total))) }
            }
        </section>
    }
}
