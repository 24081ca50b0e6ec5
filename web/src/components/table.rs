//! The subnet table, in the manner of visualsubnetcalc: one row per subnet of the VNet and per
//! free block, in address order ([`byocni_core::subnets::vnet_rows`]), with its size, the
//! addresses left after Azure's five reserved, its role, a colour and a note. Split a subnet or
//! a free block in two halves, join two adjacent halves back, make a subnet of a free block.
//!
//! Splitting or joining subnets, and making a subnet, are core [`byocni_core::Edit`]s dispatched
//! as [`Action::Edit`]: undone and redone like any edit. A free block is not in the plan, so
//! splitting one only shows its halves ([`Action::Cut`], view state): the user then makes a
//! subnet of a half, which is the edit. Plain rows, no component of their own: the table adds
//! about 3 KB (Brotli) to the first load. (Tried: the rows as one string of HTML with a
//! delegated click handler came out larger, and lost the focus on every redraw.)

use byocni_core::plan::SubnetRole;
use byocni_core::subnets::{
    add_subnet, halves, join_halves, parent_of, split_subnet, vnet_rows, Row, SubnetEditError,
    SMALLEST_SUBNET,
};
use byocni_core::{Cidr, Edit, Plan};
use yew::prelude::*;

use super::StateHandle;
use crate::labels::grouped;
use crate::state::Action;

/// The role column and the swatch's class.
fn role(plan: &Plan, row: &Row) -> (&'static str, &'static str) {
    let subnet = row.subnet.and_then(|i| plan.vnet.as_ref()?.subnets.get(i));
    match subnet.map(|s| s.role) {
        None => ("free", "swatch sw-free"),
        Some(SubnetRole::Nodes) => ("nodes", "swatch sw-nodes"),
        Some(SubnetRole::ApiServer) => ("API server", "swatch sw-api"),
        Some(SubnetRole::Other) => ("other", "swatch sw-other"),
    }
}

/// What the row is for, in words.
fn note(
    plan: &Plan,
    row: &Row,
    spaces: &[Cidr],
    hop: Option<(std::net::Ipv4Addr, String)>,
) -> String {
    let Some(i) = row.subnet else {
        return "free".into();
    };
    let Some(vnet) = &plan.vnet else {
        return String::new();
    };
    let mut notes = Vec::new();
    if vnet.node_subnet_index() == Some(i) {
        let pools: Vec<String> = plan
            .effective_node_pools()
            .into_iter()
            .map(|p| p.name)
            .collect();
        let s = if pools.len() == 1 { "" } else { "s" };
        notes.push(format!("node subnet of pool{s} {}", pools.join(", ")));
    }
    if plan.api_server_subnet().is_some_and(|(k, _)| k == i) {
        notes.push("API server VNet integration".into());
    } else if vnet.subnets[i].role == SubnetRole::ApiServer {
        notes.push("role API server, not named by apiServer.vnetIntegration.subnet".into());
    }
    if let Some((ip, table)) = hop.filter(|(ip, _)| row.cidr.contains_addr(*ip)) {
        notes.push(format!("next hop {ip} (route table {table})"));
    }
    if !spaces.iter().any(|s| s.contains(row.cidr)) {
        notes.push("outside the VNet's address space".into());
    }
    notes.join("; ")
}

/// The subnet table panel; nothing without a VNet of the plan's own.
pub fn subnet_table(state: &StateHandle) -> Html {
    let plan = &state.plan;
    let Some(vnet) = &plan.vnet else {
        return html! {};
    };
    let rows = vnet_rows(plan, &state.cuts);
    let spaces: Vec<Cidr> = vnet
        .address_space
        .iter()
        .filter_map(|s| Cidr::parse_lenient(s))
        .collect();
    let hop = plan
        .outbound
        .as_ref()
        .and_then(|o| o.route_table.as_ref()?.next_hop_ip.as_deref())
        .and_then(|h| byocni_core::cidr::parse_ipv4(h).ok())
        .map(|ip| (ip, plan.route_table_name()));
    // Each button's action, worked out as the table is drawn (a handful of subnets): an edit
    // of the core, why it cannot be made, or a view change for free blocks.
    let edit = |made: Result<Edit, SubnetEditError>| match made {
        Ok(edit) => Action::Edit(edit),
        Err(e) => Action::Notice(e.to_string(), true),
    };
    let button = |op: &'static str, label: String, text: &'static str, action: Action| {
        let state = state.clone();
        let onclick = Callback::from(move |_: MouseEvent| state.dispatch(action.clone()));
        html! { <button class={op} aria-label={label} {onclick}>{ text }</button> }
    };
    let name_of = |row: &Row| {
        row.subnet
            .and_then(|i| vnet.subnets.get(i))
            .map_or_else(|| "free".to_owned(), |s| s.name.clone())
    };
    html! {
        <section class="panel subnet-table" id="subnet-table" aria-labelledby="subnets-h">
            <h2 id="subnets-h">{ format!("Subnets of {}", vnet.name) }</h2>
            <p class="hint">{ "Split a block in two halves; Join puts two halves back together. A split free block is only shown halved: Add makes a subnet of it." }</p>
            <table>
                <thead><tr>
                    <th>{ "Subnet" }</th>
                    <th>{ "Addresses" }</th>
                    <th>{ "Role" }</th>
                    <th><span class="visually-hidden">{ "Actions" }</span></th>
                </tr></thead>
                <tbody>
                { for rows.iter().enumerate().map(|(k, row)| {
                    let (role, swatch) = role(plan, row);
                    let name = name_of(row);
                    let what = format!("{name} {}", row.cidr);
                    let mut buttons = Vec::new();
                    if let Some((l, _)) = halves(row.cidr).filter(|(l, _)| l.prefix_len() <= SMALLEST_SUBNET) {
                        let action = match row.subnet {
                            Some(i) => edit(split_subnet(plan, i)),
                            None => Action::Cut(row.cidr, true),
                        };
                        buttons.push(button("split", format!("Split {what} into two /{}", l.prefix_len()), "Split", action));
                    }
                    if let Some((n, parent)) = rows.get(k + 1).and_then(|n| Some((n, parent_of(row.cidr, n.cidr)?))) {
                        let action = if row.subnet.is_none() && n.subnet.is_none() {
                            Action::Cut(parent, false)
                        } else {
                            edit(join_halves(plan, row.cidr, n.cidr))
                        };
                        buttons.push(button("join", format!("Join {what} and {} {} into {parent}", name_of(n), n.cidr), "Join", action));
                    }
                    if row.subnet.is_none() {
                        buttons.push(button("add", format!("Add subnet on free {}", row.cidr), "Add", edit(add_subnet(plan, row.cidr))));
                    }
                    html! {
                        <tr class={if row.subnet.is_none() { "free" } else { "sub" }}>
                            <td><span class={swatch}></span><span class="name">{ name }</span><code class="cidr">{ row.cidr.to_string() }</code></td>
                            <td><span class="size">{ grouped(row.cidr.size()) }</span>{ " / " }<span class="usable">{ format!("{} usable", grouped(row.usable())) }</span></td>
                            <td><span class="role">{ role }</span><span class="note">{ note(plan, row, &spaces, hop.clone()) }</span></td>
                            <td class="do">{ buttons }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </section>
    }
}
