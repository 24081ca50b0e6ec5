//! Rules 12, 14 and 24: node pools (counts and cluster limits, the system pool, max surge, max
//! pods).

use crate::finding::{Finding, Rule};
use crate::plan::{parse_max_surge, Plan, PoolMode};

use super::names::show_value;

pub(super) fn check_pools(plan: &Plan, out: &mut Vec<Finding>) {
    let Some(pools) = &plan.node_pools else {
        return;
    };
    if pools.is_empty() {
        out.push(
            Finding::new(
                Rule::NodeCountLimit,
                "nodePools",
                "nodePools is empty; a cluster needs at least one system pool",
            )
            .fix_set(
                "add AKS's default pool",
                "nodePools",
                serde_json::json!([{"name": "nodepool1", "mode": "system", "count": 3}]),
            ),
        );
        return;
    }
    if pools.len() > 100 {
        out.push(Finding::new(
            Rule::NodeCountLimit,
            "nodePools",
            format!(
                "nodePools has {} pools; AKS allows 100 per cluster",
                pools.len()
            ),
        ));
    }
    if pools[0].mode != PoolMode::System {
        out.push(
            Finding::new(
                Rule::NodeCountLimit,
                "nodePools[0].mode",
                "nodePools[0] is the pool `az aks create` makes, and it must be a system pool",
            )
            .fix_set("make it a system pool", "nodePools[0].mode", "system"),
        );
    }
    let mut total: u64 = 0;
    for (i, p) in pools.iter().enumerate() {
        let f = |k: &str| format!("nodePools[{i}].{k}");
        if p.count > 1000 {
            out.push(
                Finding::new(
                    Rule::NodeCountLimit,
                    f("count"),
                    format!(
                        "{} is {}; a pool holds at most 1000 nodes",
                        f("count"),
                        p.count
                    ),
                )
                .fix_set("use 1000", f("count"), 1000),
            );
        }
        if let Some(m) = p.max_count {
            if m > 1000 {
                out.push(
                    Finding::new(
                        Rule::NodeCountLimit,
                        f("maxCount"),
                        format!("{} is {m}; a pool holds at most 1000 nodes", f("maxCount")),
                    )
                    .fix_set("use 1000", f("maxCount"), 1000),
                );
            }
            if m < p.count {
                out.push(
                    Finding::new(Rule::NodeCountLimit, f("maxCount"), format!("{} is {m}, below {} {}; the autoscaler maximum must be at least the node count", f("maxCount"), f("count"), p.count))
                        .fix_set(format!("use {}", p.count), f("maxCount"), p.count),
                );
            }
        }
        if p.mode == PoolMode::System && p.count == 0 {
            out.push(
                Finding::new(
                    Rule::NodeCountLimit,
                    f("count"),
                    format!("{} is 0; a system pool needs at least 1 node", f("count")),
                )
                .fix_set("use 1", f("count"), 1),
            );
        }
        if parse_max_surge(p.effective_max_surge()).is_none() {
            out.push(
                Finding::new(
                    Rule::MaxSurgeInvalid,
                    f("maxSurge"),
                    format!("{} `{}` is neither a node count of at least 1 (`3`) nor a percentage from 1% to 100% (`33%`), in plain digits", f("maxSurge"), show_value(p.effective_max_surge())),
                )
                .fix_set("use 10%, AKS's default", f("maxSurge"), "10%"),
            );
        }
        let mp = p.effective_max_pods();
        if !(10..=250).contains(&mp) {
            let to = mp.clamp(10, 250);
            out.push(
                Finding::new(
                    Rule::MaxPodsRange,
                    f("maxPods"),
                    format!(
                        "{} is {mp}; AKS allows 10 to 250 pods per node",
                        f("maxPods")
                    ),
                )
                .fix_set(format!("use {to}"), f("maxPods"), to),
            );
        } else if mp < 30 && u64::from(mp) * u64::from(p.count.max(1)) < 30 {
            out.push(
                Finding::new(
                    Rule::MaxPodsRange,
                    f("maxPods"),
                    format!("{} is {mp} with {} node(s): below 30 pods per node AKS needs the pool to hold at least 30 pods in all", f("maxPods"), p.count),
                )
                .fix_set("use 30", f("maxPods"), 30),
            );
        }
        total = total.saturating_add(u64::from(p.max_nodes()));
    }
    if total > 5000 {
        out.push(Finding::new(
            Rule::NodeCountLimit,
            "nodePools",
            format!(
                "the pools add up to {total} nodes at their maximum; AKS allows 5000 per cluster"
            ),
        ));
    }
}
