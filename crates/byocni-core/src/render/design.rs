//! The design document: what an architect hands over for a plan, in Markdown
//! (`--format design-md`) and as a printable HTML page (`--format design-html`). Both carry the
//! same sections: the plan's purpose fields (cluster, resource group, location, DNS prefix,
//! VNet, CNI, node pools, outbound, API server), the ranges table (the rows of the ranges CSV),
//! the address map as SVG, the capacity, the findings (rule ids and fixes) and the az commands
//! (the bash export). Numbers are written with grouped digits.
//!
//! Every user text is escaped for its place: Markdown punctuation backslash-escaped (nothing
//! typed starts a link, emphasis, HTML or a table cell), HTML and SVG text as entities, code in
//! a fence longer than any backtick run in it. The HTML page is one complete document with its
//! stylesheet (print rules included) and the map inline: no script, nothing loaded from
//! elsewhere.
//!
//! Markdown cannot carry the map as a picture everywhere it is read: GitHub drops `data:` image
//! sources and inline `<svg>` from rendered Markdown, and Azure DevOps does not render them
//! either. So the Markdown shows the map as an image file beside it
//! (`![...](byocni-map.svg)`, which both render once the SVG is committed next to the
//! document) and carries the SVG's source in a collapsed block, from which the file can be
//! saved; the ranges table holds every range as text anyway.

use crate::check::Report;
use crate::finding::Severity;
use crate::plan::{Plan, PoolMode};
use crate::text::{grouped, markdown as md, xml};

use super::map_svg::map_svg;
use super::ranges::{rows, RangeRow};

/// The file name the Markdown expects the map under.
pub const MAP_FILE: &str = "byocni-map.svg";

/// The plan's purpose fields: (label, value), values as user text.
fn purpose(plan: &Plan) -> Vec<(&'static str, String)> {
    let c = &plan.cluster;
    let mut v = vec![
        ("Cluster name", c.name.clone()),
        ("Resource group", c.resource_group.clone()),
        ("Location", c.location.clone()),
        ("DNS prefix", plan.effective_dns_prefix()),
        ("Node resource group", plan.effective_node_resource_group()),
    ];
    v.push((
        "VNet",
        match &plan.vnet {
            Some(vn) => format!("{} ({})", vn.name, vn.address_space.join(", ")),
            None => "managed by AKS (10.224.0.0/12)".to_owned(),
        },
    ));
    v.push((
        "Network plugin",
        format!(
            "none (bring your own CNI: {}{})",
            plan.cni.plugin.as_str(),
            if plan.kube_proxy_replaced() {
                ", kube-proxy replaced"
            } else {
                ""
            }
        ),
    ));
    let pools: Vec<String> = plan
        .effective_node_pools()
        .iter()
        .map(|p| {
            format!(
                "{} ({}, {} to {} nodes of {}, max pods {})",
                p.name,
                match p.mode {
                    PoolMode::System => "system",
                    PoolMode::User => "user",
                },
                grouped(u64::from(p.count)),
                grouped(u64::from(p.max_nodes())),
                p.effective_vm_size(),
                grouped(u64::from(p.effective_max_pods()))
            )
        })
        .collect();
    v.push(("Node pools", pools.join("; ")));
    v.push((
        "Outbound",
        plan.effective_outbound_type().as_str().to_owned(),
    ));
    let api = match &plan.api_server {
        Some(a) => {
            let mut s = if a.private { "private" } else { "public" }.to_owned();
            if let Some(vi) = &a.vnet_integration {
                s += &format!(", VNet integration in subnet {}", vi.subnet);
            }
            if !a.authorized_ip_ranges.is_empty() {
                s += &format!(", authorized ranges {}", a.authorized_ip_ranges.join(", "));
            }
            s
        }
        None => "public".to_owned(),
    };
    v.push(("API server", api));
    v
}

/// A row of the ranges table: kind, name, CIDR, first, last, addresses (grouped).
fn range_cells(r: &RangeRow) -> [String; 6] {
    let (first, last, size) = r.span.map_or_else(
        || ("(invalid)".to_owned(), String::new(), String::new()),
        |c| {
            (
                c.network().to_string(),
                c.broadcast().to_string(),
                grouped(c.size()),
            )
        },
    );
    [
        r.kind.to_owned(),
        r.name.clone(),
        r.cidr.clone(),
        first,
        last,
        size,
    ]
}

/// The capacity rows: what, used, of, detail.
fn capacity(plan: &Plan, report: &Report) -> Vec<[String; 4]> {
    let c = &report.capacity;
    let mut v = Vec::new();
    if let Some(n) = &c.node_subnet {
        v.push([
            format!("Node subnet {}: IPs", n.cidr),
            grouped(n.needed.saturating_sub(5)),
            grouped(n.usable),
            format!(
                "{} nodes at most + {} surge + {} internal load balancers{}; Azure keeps 5 of {}",
                grouped(n.max_nodes),
                grouped(n.surge_nodes),
                grouped(n.internal_load_balancers),
                if n.private_endpoint > 0 {
                    " + the private API server endpoint"
                } else {
                    ""
                },
                grouped(n.total)
            ),
        ]);
    }
    if let Some(p) = &c.pods {
        v.push([
            format!("Pod CIDR {}: node blocks (/{})", p.cidr, p.per_node_prefix),
            grouped(p.nodes_planned),
            grouped(p.nodes_supported),
            format!(
                "{} pod IPs per node block; {} pods per node planned at most",
                grouped(p.pods_per_node_supported),
                grouped(p.pods_per_node_planned)
            ),
        ]);
        v.push([
            format!("Pod CIDR {}: pod IPs", p.cidr),
            grouped(p.pods_planned),
            grouped(p.pods_supported),
            "every node at its max pods".to_owned(),
        ]);
    }
    if let Some(s) = &c.services {
        let ilbs = u64::from(plan.effective_internal_load_balancers());
        v.push([
            format!("Service CIDR {}: ClusterIPs", s.cidr),
            grouped(1 + ilbs),
            grouped(s.usable),
            format!(
                "the DNS service IP and {} internal load balancers' services; {} addresses, of which the network, the kubernetes service (.1) and the broadcast address are not assignable",
                grouped(ilbs),
                grouped(s.total)
            ),
        ]);
    }
    if let Some(a) = &c.api_server_subnet {
        v.push([
            format!("API server subnet {}: free IPs", a.cidr),
            grouped(a.needed),
            grouped(a.usable),
            format!(
                "AKS needs {} free of {} usable; Azure keeps 5 of {}",
                grouped(a.needed),
                grouped(a.usable),
                grouped(a.total)
            ),
        ]);
    }
    v
}

/// How many errors and warnings, as a sentence.
fn verdict(report: &Report) -> String {
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count() as u64;
    let warnings = report.findings.len() as u64 - errors;
    if errors + warnings == 0 {
        "The plan passes every rule of byocni check.".to_owned()
    } else {
        format!(
            "byocni check finds {} error(s) and {} warning(s); they are listed under Findings{}.",
            grouped(errors),
            grouped(warnings),
            if errors > 0 {
                ": fix the errors before running the commands"
            } else {
                ""
            }
        )
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A Markdown table row of user texts.
fn md_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| md(c)).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// A fence of backticks longer than any run of them in `code` (at least three).
fn fence(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// The design document in Markdown (GitHub and Azure DevOps flavours); `script` is the bash
/// export of the plan.
pub fn markdown(plan: &Plan, report: &Report, script: &str) -> String {
    let mut out = format!("# Design: AKS cluster {}\n\n", md(&plan.cluster.name));
    out += &format!(
        "{}\n\n## Purpose\n\n| Field | Value |\n| --- | --- |\n",
        md(&verdict(report))
    );
    for (k, v) in purpose(plan) {
        out += &md_row(&[k.to_owned(), v]);
    }
    out += "\n## Address ranges\n\n| Kind | Name | CIDR | First | Last | Addresses |\n| --- | --- | --- | --- | --- | ---: |\n";
    for r in rows(plan) {
        out += &md_row(&range_cells(&r));
    }
    let svg = map_svg(plan, report);
    let f = fence(&svg);
    out += &format!(
        "\n## Address map\n\n![Address map of {}]({MAP_FILE})\n\n\
         The map is the file `{MAP_FILE}` beside this document (`byocni export PLAN --format map-svg`, \
         or the planner's Download map): GitHub and Azure DevOps show an SVG committed next to the \
         Markdown, not one embedded in it. Its source:\n\n\
         <details><summary>{MAP_FILE}</summary>\n\n{f}svg\n{svg}{f}\n\n</details>\n",
        md(&plan.cluster.name)
    );
    out += "\n## Capacity\n\n| Range | Used | Of | Detail |\n| --- | ---: | ---: | --- |\n";
    for row in capacity(plan, report) {
        out += &md_row(&row);
    }
    out += "\n## Findings\n\n";
    if report.findings.is_empty() {
        out += "None: the plan passes every rule.\n";
    } else {
        out += "| Severity | Rule | Field | Message | Fix |\n| --- | --- | --- | --- | --- |\n";
        for fi in &report.findings {
            out += &md_row(&[
                severity(fi.severity).to_owned(),
                fi.rule.id().to_owned(),
                fi.field.clone(),
                fi.message.clone(),
                fi.fix
                    .as_ref()
                    .map_or_else(String::new, |x| x.summary.clone()),
            ]);
        }
    }
    let f = fence(script);
    out += &format!(
        "\n## Commands\n\nThe az commands that create the cluster (`byocni export PLAN --format bash`):\n\n{f}bash\n{script}{}{f}\n",
        if script.ends_with('\n') { "" } else { "\n" }
    );
    out
}

/// The stylesheet of the HTML document: for the screen and for print (A4, no page break inside
/// a table row or the map, code wrapped instead of cut off).
const CSS: &str = "\
:root{color-scheme:light}\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0}\
main{max-width:1040px;margin:0 auto;padding:24px}\
h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%;font-size:.9em}\
th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.error{color:#a00018;font-weight:bold}.warning{color:#7a4d00;font-weight:bold}\
figure{margin:0}figure svg{max-width:100%;height:auto;border:1px solid #ccc}\
pre{background:#f5f5f5;border:1px solid #ccc;padding:8px;overflow:auto;font-size:.8em;white-space:pre-wrap;overflow-wrap:anywhere}\
@page{size:A4;margin:14mm}\
@media print{body{font-size:10.5pt}main{max-width:none;padding:0}\
h2{break-after:avoid}tr,figure,.capacity tr{break-inside:avoid}thead{display:table-header-group}\
pre{font-size:8pt;border:0;background:none}a{color:inherit;text-decoration:none}}";

/// A table in HTML; `numeric` marks the columns aligned right.
fn html_table(class: &str, head: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let mut out = format!("<table class=\"{class}\"><thead><tr>");
    for h in head {
        out += &format!("<th scope=\"col\">{h}</th>");
    }
    out += "</tr></thead><tbody>\n";
    for r in rows {
        out += "<tr>";
        for (i, c) in r.iter().enumerate() {
            if numeric.contains(&i) {
                out += &format!("<td class=\"num\">{}</td>", xml(c));
            } else {
                out += &format!("<td>{}</td>", xml(c));
            }
        }
        out += "</tr>\n";
    }
    out + "</tbody></table>\n"
}

/// The design document as one printable HTML page; `script` is the bash export of the plan.
pub fn html(plan: &Plan, report: &Report, script: &str) -> String {
    let name = xml(&plan.cluster.name);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Design: AKS cluster {name}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>Design: AKS cluster {name}</h1>\n<p>{}</p>\n<h2>Purpose</h2>\n",
        xml(&verdict(report))
    );
    let purpose: Vec<Vec<String>> = purpose(plan)
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect();
    out += &html_table("purpose", &["Field", "Value"], &purpose, &[]);
    out += "<h2>Address ranges</h2>\n";
    let ranges: Vec<Vec<String>> = rows(plan).iter().map(|r| range_cells(r).to_vec()).collect();
    out += &html_table(
        "ranges",
        &["Kind", "Name", "CIDR", "First", "Last", "Addresses"],
        &ranges,
        &[5],
    );
    out += &format!(
        "<h2>Address map</h2>\n<figure>\n{}</figure>\n<h2>Capacity</h2>\n",
        map_svg(plan, report)
    );
    let cap: Vec<Vec<String>> = capacity(plan, report).into_iter().map(Vec::from).collect();
    out += &html_table(
        "capacity",
        &["Range", "Used", "Of", "Detail"],
        &cap,
        &[1, 2],
    );
    out += "<h2>Findings</h2>\n";
    if report.findings.is_empty() {
        out += "<p>None: the plan passes every rule.</p>\n";
    } else {
        out += "<table class=\"findings\"><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Rule</th><th scope=\"col\">Field</th><th scope=\"col\">Message</th><th scope=\"col\">Fix</th></tr></thead><tbody>\n";
        for fi in &report.findings {
            let s = severity(fi.severity);
            out += &format!(
                "<tr><td class=\"{s}\">{s}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                fi.rule.id(),
                xml(&fi.field),
                xml(&fi.message),
                fi.fix.as_ref().map_or_else(String::new, |x| xml(&x.summary))
            );
        }
        out += "</tbody></table>\n";
    }
    out += &format!(
        "<h2>Commands</h2>\n<p>The az commands that create the cluster (<code>byocni export PLAN --format bash</code>):</p>\n<pre><code>{}</code></pre>\n</main>\n</body>\n</html>\n",
        escape_code(script)
    );
    out
}

/// Code for `<pre>`: `&`, `<` and `>` as entities; line breaks kept (the script's own escaping
/// already keeps user text on its line).
fn escape_code(code: &str) -> String {
    code.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fence_outruns_backticks_in_the_code() {
        assert_eq!(fence("echo hi"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }
}
