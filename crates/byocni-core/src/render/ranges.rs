//! The plan's ranges as rows (kind, name, CIDR, first and last address, size): the ranges table
//! of the design document and the ranges CSV (`--format ranges-csv`, the planner's "Download
//! ranges (CSV)") are the same rows.

use crate::cidr::Cidr;
use crate::plan::Plan;

/// One range of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRow {
    /// `vnet`, `subnet`, `pods`, `services` or `connected`.
    pub kind: &'static str,
    /// The range's name as the plan gives it (user text).
    pub name: String,
    /// The CIDR as written in the plan (user text: it may not parse).
    pub cidr: String,
    /// First address, last address and size, when the CIDR parses.
    pub span: Option<Cidr>,
}

/// The plan's ranges, in the plan's order: the VNet's address spaces (the managed VNet's when
/// the plan brings none), its subnets, the pod and service CIDRs, the connected networks.
pub fn rows(plan: &Plan) -> Vec<RangeRow> {
    let mut out = Vec::new();
    let mut row = |kind: &'static str, name: &str, cidr: &str| {
        out.push(RangeRow {
            kind,
            name: name.to_owned(),
            cidr: cidr.to_owned(),
            span: Cidr::parse_lenient(cidr),
        });
    };
    let vnet_name = plan.vnet.as_ref().map_or("managed", |v| v.name.as_str());
    for space in plan.vnet_address_space() {
        row("vnet", vnet_name, space);
    }
    for s in plan.vnet.iter().flat_map(|v| &v.subnets) {
        row("subnet", &s.name, &s.cidr);
    }
    if let Some(p) = &plan.pod_cidr {
        row("pods", "pod CIDR", p);
    }
    row("services", "service CIDR", plan.effective_service_cidr());
    for n in &plan.connected_networks {
        row("connected", &n.name, &n.cidr);
    }
    out
}

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or
/// `@` is prefixed with `'` so that a spreadsheet does not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The plan's ranges as CSV, one row each: kind, name, cidr, first, last, addresses (plain
/// digits: a spreadsheet reads a number, where grouped digits would be text).
pub fn csv(plan: &Plan) -> String {
    let mut out = String::from("kind,name,cidr,first,last,addresses\n");
    for r in rows(plan) {
        let (first, last, size) = r.span.map_or_else(Default::default, |c| {
            (
                c.network().to_string(),
                c.broadcast().to_string(),
                c.size().to_string(),
            )
        });
        out += &format!(
            "{},{},{},{first},{last},{size}\n",
            r.kind,
            csv_field(&r.name),
            csv_field(&r.cidr)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_as_csv_with_hostile_names_kept_as_text() {
        let mut plan = Plan::example();
        plan.connected_networks[0].name = "=cmd, \"x\"".into();
        let csv = csv(&plan);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "kind,name,cidr,first,last,addresses");
        assert!(
            lines.contains(&"pods,pod CIDR,10.10.0.0/16,10.10.0.0,10.10.255.255,65536"),
            "{csv}"
        );
        assert!(
            csv.contains("connected,\"'=cmd, \"\"x\"\"\",192.168.0.0/16,"),
            "{csv}"
        );
        assert_eq!(lines.len(), 1 + rows(&plan).len());
    }
}
