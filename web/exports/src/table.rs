//! The planner's subnet table (issue 12), rendered here so that its code is not in the page's
//! wasm: one row per subnet of the VNet and per free block, in address order
//! ([`byocni_core::subnets::vnet_rows`]), with its size, the addresses left after Azure's five
//! reserved, its role, a colour and a note; each row's Split, Join and Add buttons carry what
//! they do as data attributes (`data-op`, `data-arg`, and `data-at`, the row's first address,
//! which the page's client uses to keep the focus on a row's button across a redraw).
//!
//! Requests (`[id, kind, payload]`), answered `[id, body, null]`:
//! - `table`: a line of the free blocks the user split (the view's *cuts*, CIDRs separated by
//!   spaces), then the plan as JSON (its connected networks left out: the table needs none):
//!   `body` is the table's rows as HTML (every user text escaped), empty without a VNet.
//! - `table-edit`: a line `split`, `join` or `add`, a line of its argument (a subnet's index;
//!   two CIDRs separated by a space; a free block's CIDR), the cuts' line, then the plan as
//!   JSON: `body` is the core [`Edit`] as its path, a newline and its value as JSON (one line),
//!   which the page dispatches as any edit of the plan (undoable), then a newline and the rows
//!   of the plan so edited, which the page shows at once (one round trip from the click to the
//!   table updated); or `!` and why the edit cannot be made.
//!
//! Splitting a free block changes no plan: the page's client keeps the cuts and asks again.

use byocni_core::plan::SubnetRole;
use byocni_core::subnets::{
    add_subnet, halves, join_halves, parent_of, split_subnet, vnet_rows, Row, SMALLEST_SUBNET,
};
use byocni_core::{apply_edit, Cidr, Edit, Plan};

use crate::estate::{esc, grouped};

/// The request for the table's rows.
pub(crate) const TABLE: &str = "table";
/// The request for a button's edit.
pub(crate) const TABLE_EDIT: &str = "table-edit";

/// Answers `table` or `table-edit` (`kind`), as the module's doc says.
pub(crate) fn handle(kind: &str, payload: &str) -> String {
    if kind == TABLE {
        let (cuts, json) = payload.split_once('\n').unwrap_or(("", payload));
        return match Plan::from_json(json) {
            Ok(plan) => rows_html(&plan, &parse_cuts(cuts)),
            Err(e) => format!("<p class=\"hint\">{}</p>", esc(&e.to_string())),
        };
    }
    let mut parts = payload.splitn(4, '\n');
    let mut next = || parts.next().unwrap_or("");
    let (op, arg, cuts, json) = (next(), next(), next(), next());
    let made = Plan::from_json(json)
        .map_err(|e| e.to_string())
        .and_then(|plan| {
            let e = edit(op, arg, &plan)?;
            let edited = apply_edit(&plan, &e).map_err(|e| e.to_string())?;
            Ok((e, edited))
        });
    match made {
        Ok((e, edited)) => format!(
            "{}\n{}\n{}",
            e.path,
            serde_json::to_string(&e.value).unwrap_or_default(),
            rows_html(&edited, &parse_cuts(cuts))
        ),
        Err(why) => format!("!{why}"),
    }
}

/// The core edit of a table button, or why it cannot be made.
fn edit(op: &str, arg: &str, plan: &Plan) -> Result<Edit, String> {
    let cidr = |s: &str| {
        Cidr::parse(s.trim()).map_err(|_| format!("the subnet table sent `{s}`, not a CIDR"))
    };
    let made = match op {
        "split" => split_subnet(plan, arg.trim().parse().unwrap_or(usize::MAX)),
        "join" => {
            let (a, b) = arg.split_once(' ').unwrap_or((arg, ""));
            join_halves(plan, cidr(a)?, cidr(b)?)
        }
        "add" => add_subnet(plan, cidr(arg)?),
        _ => return Err(format!("the subnet table has no button `{op}`")),
    };
    made.map_err(|e| e.to_string())
}

/// The cuts' line: CIDRs separated by spaces (anything else is skipped).
fn parse_cuts(line: &str) -> Vec<Cidr> {
    line.split_whitespace()
        .filter_map(|c| Cidr::parse(c).ok())
        .collect()
}

/// The role column and the swatch's class.
fn role(plan: &Plan, row: &Row) -> (&'static str, &'static str) {
    let subnet = row.subnet.and_then(|i| plan.vnet.as_ref()?.subnets.get(i));
    match subnet.map(|s| s.role) {
        None => ("free", "sw-free"),
        Some(SubnetRole::Nodes) => ("nodes", "sw-nodes"),
        Some(SubnetRole::ApiServer) => ("API server", "sw-api"),
        Some(SubnetRole::Other) => ("other", "sw-other"),
    }
}

/// What the row is for, in words.
fn note(
    plan: &Plan,
    i: usize,
    cidr: Cidr,
    hop: Option<&(std::net::Ipv4Addr, String)>,
) -> Vec<String> {
    let Some(vnet) = &plan.vnet else {
        return Vec::new();
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
    if let Some((ip, table)) = hop.filter(|(ip, _)| cidr.contains_addr(*ip)) {
        notes.push(format!("next hop {ip} (route table {table})"));
    }
    notes
}

/// The plan's table (hint, head and rows) as HTML, with its buttons; empty without a VNet of
/// the plan's own.
fn rows_html(plan: &Plan, cuts: &[Cidr]) -> String {
    let hop = plan
        .outbound
        .as_ref()
        .and_then(|o| o.route_table.as_ref()?.next_hop_ip.as_deref())
        .and_then(|h| byocni_core::cidr::parse_ipv4(h).ok())
        .map(|ip| (ip, plan.route_table_name()));
    table_html(
        plan,
        cuts,
        &|i, cidr| note(plan, i, cidr, hop.as_ref()),
        Some(""),
    )
}

/// The table (head and rows) of the VNet of `plan` as HTML: `notes` says what subnet `i` at
/// `cidr` is for (the table adds when it lies outside the address space). With `buttons`
/// (attributes every button also carries, as ` data-vnet="2"`), each row's Split, Join and
/// Add and the hint that explains them; without, a read-only table. Empty without a VNet.
pub(crate) fn table_html(
    plan: &Plan,
    cuts: &[Cidr],
    notes: &dyn Fn(usize, Cidr) -> Vec<String>,
    buttons: Option<&str>,
) -> String {
    let Some(vnet) = &plan.vnet else {
        return String::new();
    };
    let rows = vnet_rows(plan, cuts);
    let spaces: Vec<Cidr> = vnet
        .address_space
        .iter()
        .filter_map(|s| Cidr::parse_lenient(s))
        .collect();
    let name_of = |row: &Row| {
        row.subnet
            .and_then(|i| vnet.subnets.get(i))
            .map_or_else(|| "free".to_owned(), |s| s.name.clone())
    };
    let mut out = String::new();
    if buttons.is_some() {
        out += "<p class=\"hint\">Split a block in two halves; Join puts two halves back together. A split free block is only shown halved: Add makes a subnet of it.</p>";
    }
    out += "<table><thead><tr><th>Subnet</th><th>Addresses</th><th>Role</th>";
    if buttons.is_some() {
        out += "<th><span class=\"visually-hidden\">Actions</span></th>";
    }
    out += "</tr></thead><tbody>";
    for (k, row) in rows.iter().enumerate() {
        let (role, swatch) = role(plan, row);
        let name = name_of(row);
        let what = format!("{name} {}", row.cidr);
        let at = row.cidr.network();
        let mut html = String::new();
        let attrs = buttons.unwrap_or_default();
        let mut button = |class: &str, op: &str, arg: String, label: String, text: &str| {
            html.push_str(&format!(
                "<button class=\"{class}\" data-op=\"{op}\" data-arg=\"{}\" data-at=\"{at}\"{attrs} aria-label=\"{}\">{text}</button>",
                esc(&arg),
                esc(&label)
            ));
        };
        if let Some((l, _)) =
            halves(row.cidr).filter(|(l, _)| buttons.is_some() && l.prefix_len() <= SMALLEST_SUBNET)
        {
            let label = format!("Split {what} into two /{}", l.prefix_len());
            match row.subnet {
                Some(i) => button("split", "split", i.to_string(), label, "Split"),
                None => button("split", "cut", row.cidr.to_string(), label, "Split"),
            }
        }
        if let Some((n, parent)) = rows
            .get(k + 1)
            .filter(|_| buttons.is_some())
            .and_then(|n| Some((n, parent_of(row.cidr, n.cidr)?)))
        {
            let label = format!("Join {what} and {} {} into {parent}", name_of(n), n.cidr);
            if row.subnet.is_none() && n.subnet.is_none() {
                button("join", "uncut", parent.to_string(), label, "Join");
            } else {
                button(
                    "join",
                    "join",
                    format!("{} {}", row.cidr, n.cidr),
                    label,
                    "Join",
                );
            }
        }
        if row.subnet.is_none() && buttons.is_some() {
            let label = format!("Add subnet on free {}", row.cidr);
            button("add", "add", row.cidr.to_string(), label, "Add");
        }
        let note = match row.subnet {
            None => "free".to_owned(),
            Some(i) => {
                let mut said = notes(i, row.cidr);
                if !spaces.iter().any(|s| s.contains(row.cidr)) {
                    said.push("outside the VNet's address space".into());
                }
                said.join("; ")
            }
        };
        out.push_str(&format!(
            "<tr class=\"{}\"><td><span class=\"swatch {swatch}\"></span><span class=\"name\">{}</span><code class=\"cidr\">{}</code></td>\
             <td><span class=\"size\">{}</span> / <span class=\"usable\">{} usable</span></td>\
             <td><span class=\"role\">{role}</span><span class=\"note\">{}</span></td>",
            if row.subnet.is_none() { "free" } else { "sub" },
            esc(&name),
            row.cidr,
            grouped(row.cidr.size()),
            grouped(row.usable()),
            esc(&note),
        ));
        if buttons.is_some() {
            out += &format!("<td class=\"do\">{html}</td>");
        }
        out += "</tr>";
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cuts: &str, plan: &Plan) -> String {
        handle(TABLE, &format!("{cuts}\n{}", plan.to_json_compact()))
    }

    #[test]
    fn a_row_per_subnet_and_free_block_with_its_buttons() {
        let html = table("", &Plan::example());
        assert_eq!(html.matches("<tr class=").count(), 5, "{html}");
        assert!(
            html.contains(
                "<span class=\"name\">nodes</span><code class=\"cidr\">10.224.0.0/16</code>"
            ),
            "{html}"
        );
        assert!(html.contains(
            "<span class=\"size\">65,536</span> / <span class=\"usable\">65,531 usable</span>"
        ));
        assert!(html.contains("<span class=\"note\">node subnet of pool nodepool1</span>"));
        assert!(html.contains("data-op=\"split\" data-arg=\"0\" data-at=\"10.224.0.0\" aria-label=\"Split nodes 10.224.0.0/16 into two /17\""), "{html}");
        assert!(html.contains("data-op=\"join\" data-arg=\"10.224.0.0/16 10.225.0.0/16\""));
        assert!(html.contains("data-op=\"cut\" data-arg=\"10.232.0.0/13\""));
        assert!(html.contains("data-op=\"add\" data-arg=\"10.232.0.0/13\""));
    }

    #[test]
    fn a_split_free_block_shows_its_halves_which_join_back_as_a_view() {
        let html = table("10.232.0.0/13", &Plan::example());
        assert_eq!(html.matches("<tr class=").count(), 6, "{html}");
        assert!(html.contains("data-op=\"uncut\" data-arg=\"10.232.0.0/13\" data-at=\"10.232.0.0\" aria-label=\"Join free 10.232.0.0/14 and free 10.236.0.0/14 into 10.232.0.0/13\""), "{html}");
        assert_eq!(
            table("not-a-cidr", &Plan::example()),
            table("", &Plan::example())
        );
    }

    #[test]
    fn user_text_is_escaped() {
        let mut plan = Plan::example();
        plan.vnet.as_mut().unwrap().subnets[0].name = "<b>\"x\"</b>".into();
        let html = table("", &plan);
        assert!(html.contains("&lt;b&gt;&quot;x&quot;&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn no_vnet_no_table() {
        let mut plan = Plan::example();
        plan.vnet = None;
        assert_eq!(table("", &plan), "");
    }

    #[test]
    fn buttons_answer_the_core_edit_and_the_edited_rows_or_why_not() {
        let plan = Plan::example().to_json_compact();
        let split = handle(TABLE_EDIT, &format!("split\n0\n\n{plan}"));
        let want = split_subnet(&Plan::example(), 0).unwrap();
        let edited = apply_edit(&Plan::example(), &want).unwrap();
        let value = serde_json::to_string(&want.value).unwrap();
        assert_eq!(
            split,
            format!("{}\n{value}\n{}", want.path, table("", &edited))
        );
        assert!(
            split.contains("<span class=\"name\">nodes-2</span>"),
            "{split}"
        );
        let add = handle(
            TABLE_EDIT,
            &format!("add\n10.236.0.0/14\n10.232.0.0/13\n{plan}"),
        );
        assert!(add.starts_with("vnet.subnets\n"), "{add}");
        assert!(
            add.contains("<code class=\"cidr\">10.232.0.0/14</code>"),
            "the cuts kept: {add}"
        );
        let mut two = Plan::example();
        let vnet = two.vnet.as_mut().unwrap();
        vnet.subnets[0].cidr = "10.224.128.0/17".into();
        vnet.subnets.insert(
            0,
            byocni_core::plan::Subnet {
                name: "apps".into(),
                cidr: "10.224.0.0/17".into(),
                role: SubnetRole::Other,
            },
        );
        let refused = handle(
            TABLE_EDIT,
            &format!(
                "join\n10.224.0.0/17 10.224.128.0/17\n\n{}",
                two.to_json_compact()
            ),
        );
        assert!(
            refused.starts_with("!`nodes` cannot be joined into `apps`: it is the node subnet"),
            "{refused}"
        );
        assert!(handle(TABLE_EDIT, &format!("add\nnope\n\n{plan}"))
            .starts_with("!the subnet table sent `nope`"));
        assert!(handle(TABLE_EDIT, &format!("drop\n0\n\n{plan}"))
            .starts_with("!the subnet table has no button `drop`"));
    }
}
