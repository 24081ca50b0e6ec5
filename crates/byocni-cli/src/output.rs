//! Terminal output: findings, the capacity report and the summary line. Styles are ANSI codes
//! that `anstream` strips when the stream is not a terminal or `NO_COLOR` is set.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use byocni_core::check::Report;
use byocni_core::{Finding, Severity};

pub(crate) const BOLD: Style = Style::new().bold();
pub(crate) const ERROR: Style = AnsiColor::Red.on_default().bold();
pub(crate) const WARN: Style = AnsiColor::Yellow.on_default().bold();
pub(crate) const GOOD: Style = AnsiColor::Green.on_default().bold();
pub(crate) const DIM: Style = Style::new().dimmed();
pub(crate) const RESET: anstyle::Reset = anstyle::Reset;

/// One finding, rustc-style; `at` is `file:line:column` when the plan came from a file.
pub(crate) fn finding(out: &mut impl Write, f: &Finding, at: Option<&str>) -> io::Result<()> {
    let (style, word) = match f.severity {
        Severity::Error => (ERROR, "error"),
        Severity::Warning => (WARN, "warning"),
    };
    writeln!(
        out,
        "{style}{word}[{}]{RESET}{BOLD}: {}{RESET}",
        f.rule, f.message
    )?;
    let mut fields = f.field.clone();
    for r in &f.related {
        fields.push_str(", ");
        fields.push_str(r);
    }
    match at {
        Some(at) => writeln!(out, "  {DIM}-->{RESET} {at} {fields}")?,
        None => writeln!(out, "  {DIM}-->{RESET} {fields}")?,
    }
    if let Some(fix) = &f.fix {
        writeln!(out, "  {GOOD}fix{RESET}: {}", fix.summary)?;
    }
    writeln!(out)
}

fn bar(used: u64, total: u64) -> String {
    const W: u64 = 20;
    let filled = if total == 0 {
        W
    } else {
        (used.min(total) * W).div_ceil(total)
    };
    format!(
        "[{}{}]",
        "#".repeat(filled as usize),
        ".".repeat((W - filled) as usize)
    )
}

/// The whole report: findings (each at `places[i]`, `file:line:column`, when known), capacity,
/// the IPv6 connected networks (their CIDRs in `ipv6`, in the order of
/// `r.ipv6_connected_networks`), summary.
pub(crate) fn report(
    out: &mut impl Write,
    r: &Report,
    places: &[Option<String>],
    ipv6: &[String],
) -> io::Result<()> {
    for (i, f) in r.findings.iter().enumerate() {
        finding(out, f, places.get(i).and_then(Option::as_deref))?;
    }
    writeln!(out, "{BOLD}capacity{RESET}")?;
    capacity(out, &r.capacity)?;
    ipv6_lines(out, &r.ipv6_connected_networks, ipv6)?;
    let (errors, warnings) = r.counts();
    summary(out, errors, warnings)
}

/// `check`'s text report of an estate: the findings, then each checked cluster's capacity.
pub(crate) fn estate_report(
    out: &mut impl Write,
    r: &byocni_core::check::EstateReport,
    places: &[Option<String>],
    ipv6: &[String],
) -> io::Result<()> {
    for (i, f) in r.findings.iter().enumerate() {
        finding(out, f, places.get(i).and_then(Option::as_deref))?;
    }
    for c in &r.clusters {
        writeln!(
            out,
            "{BOLD}capacity of cluster {} (clusters[{}]){RESET}",
            crate::files::escape_control(&c.name),
            c.index
        )?;
        capacity(out, &c.capacity)?;
    }
    ipv6_lines(out, &r.ipv6_connected_networks, ipv6)?;
    let errors = r
        .findings
        .iter()
        .filter(|f| f.severity == byocni_core::Severity::Error)
        .count();
    summary(out, errors, r.findings.len() - errors)
}

fn capacity(out: &mut impl Write, c: &byocni_core::check::Capacity) -> io::Result<()> {
    if let Some(n) = &c.node_subnet {
        writeln!(
            out,
            "  node subnet {:<18} {} {} of {} usable IPs needed ({} nodes + {} surge + {} ILB{}; 5 reserved by Azure)",
            n.cidr.to_string(),
            bar(n.needed - 5, n.usable),
            n.needed - 5,
            n.usable,
            n.max_nodes,
            n.surge_nodes,
            n.internal_load_balancers,
            if n.private_endpoint > 0 {
                " + 1 private endpoint"
            } else {
                ""
            }
        )?;
    }
    if let Some(a) = &c.api_server_subnet {
        writeln!(
            out,
            "  API server subnet {:<12} {} {} of {} free IPs needed (VNet integration; 5 reserved by Azure)",
            a.cidr.to_string(),
            bar(a.needed, a.usable),
            a.needed,
            a.usable
        )?;
    }
    if let Some(p) = &c.pods {
        writeln!(
            out,
            "  pod CIDR    {:<18} {} {} of {} node blocks (/{} each, {} pods per node); {} of {} pod IPs",
            p.cidr.to_string(),
            bar(p.nodes_planned, p.nodes_supported),
            p.nodes_planned,
            p.nodes_supported,
            p.per_node_prefix,
            p.pods_per_node_supported,
            p.pods_planned,
            p.pods_supported
        )?;
    }
    if let Some(s) = &c.services {
        writeln!(
            out,
            "  service CIDR {:<17} {} ClusterIPs",
            s.cidr.to_string(),
            s.usable
        )?;
    }
    Ok(())
}

fn ipv6_lines(out: &mut impl Write, positions: &[usize], ipv6: &[String]) -> io::Result<()> {
    for (i, cidr) in positions.iter().zip(ipv6) {
        writeln!(
            out,
            "  IPv6         {} (connectedNetworks[{i}]) recorded, outside the IPv4 checks",
            cidr.trim().escape_debug()
        )?;
    }
    Ok(())
}

fn summary(out: &mut impl Write, errors: usize, warnings: usize) -> io::Result<()> {
    writeln!(out)?;
    if errors == 0 && warnings == 0 {
        writeln!(out, "{GOOD}ok{RESET}: no problems found")
    } else {
        let style = if errors > 0 { ERROR } else { WARN };
        writeln!(
            out,
            "{style}{errors} error{}, {warnings} warning{}{RESET}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        )
    }
}

/// Wraps prose at `width` columns.
pub(crate) fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}
