//! `check`'s reports for machines: the stable JSON document, SARIF 2.1.0 for code scanning and
//! GitHub Actions workflow commands. When the plan came from a file, every finding carries the
//! line and column of its field in that file ([`byocni_core::locate`]).

use std::fmt::Write as _;
use std::path::Path;

use byocni_core::check::explain::explain;
use byocni_core::check::Report;
use byocni_core::{locate_all, Finding, Position, Rule, Severity};
use serde_json::{json, Value};

/// Where each rule is documented: `docs/rules.md` in the repository, one heading per rule id.
pub(crate) const RULES_DOC: &str =
    concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

/// A finding and where its fields are in the plan file.
pub(crate) struct Placed<'a> {
    pub(crate) finding: &'a Finding,
    /// The field's value (or its nearest present parent's), when the plan came from a file.
    pub(crate) at: Option<Position>,
    /// The same for each of `finding.related`.
    pub(crate) related_at: Vec<Option<Position>>,
}

/// Places every finding in `text`, the plan file as read (`None`: the plan did not come from a
/// file, and nothing is placed). One pass over the text for all fields.
pub(crate) fn place<'a>(findings: &'a [Finding], text: Option<&str>) -> Vec<Placed<'a>> {
    let positions = text.map(|text| {
        let fields: Vec<&str> = findings
            .iter()
            .flat_map(|f| std::iter::once(&f.field).chain(&f.related))
            .map(String::as_str)
            .collect();
        locate_all(text, &fields)
    });
    let mut positions = positions.unwrap_or_default().into_iter();
    findings
        .iter()
        .map(|finding| {
            let mut next = || positions.next().flatten().map(|l| l.position);
            Placed {
                finding,
                at: next(),
                related_at: finding.related.iter().map(|_| next()).collect(),
            }
        })
        .collect()
}

/// `file:line:column` of a placed finding, for the terminal.
pub(crate) fn file_position(file: Option<&str>, at: Option<Position>) -> Option<String> {
    Some(format!("{}:{}:{}", file?, at?.line, at?.column))
}

/// `check --format json`: a stable document, fields in this order; each finding as the core
/// serialises it, plus `line` and `column` when known.
pub(crate) fn json(report: &Report, placed: &[Placed<'_>]) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        version: u32,
        findings: Vec<JsonFinding<'a>>,
        capacity: &'a byocni_core::check::Capacity,
        summary: Summary,
    }
    #[derive(serde::Serialize)]
    struct JsonFinding<'a> {
        #[serde(flatten)]
        finding: &'a Finding,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<usize>,
    }
    #[derive(serde::Serialize)]
    struct Summary {
        errors: usize,
        warnings: usize,
    }
    let (errors, warnings) = report.counts();
    let doc = Doc {
        version: 1,
        findings: placed
            .iter()
            .map(|p| JsonFinding {
                finding: p.finding,
                line: p.at.map(|a| a.line),
                column: p.at.map(|a| a.column),
            })
            .collect(),
        capacity: &report.capacity,
        summary: Summary { errors, warnings },
    };
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// A finding's message with its fix, for formats that have one text per finding.
fn message_with_fix(f: &Finding) -> String {
    match &f.fix {
        Some(fix) => format!("{}\nfix: {}", f.message, fix.summary),
        None => f.message.clone(),
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `check --format sarif`: a SARIF 2.1.0 log with one run. Every rule is a `reportingDescriptor`
/// (its `explain` text, a help URI into docs/rules.md); every finding a result at its field, with
/// the field's JSON path as a logical location and the other fields involved as related locations.
pub(crate) fn sarif(placed: &[Placed<'_>], file: Option<&Path>) -> serde_json::Result<String> {
    let uri = file.map(uri_reference);
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            let text = explain(*r);
            let short = text
                .split(". ")
                .next()
                .unwrap_or(text)
                .trim_end_matches('.');
            json!({
                "id": r.id(),
                "name": format!("{r:?}"),
                "shortDescription": { "text": format!("{short}.") },
                "fullDescription": { "text": text },
                "help": { "text": text },
                "helpUri": format!("{RULES_DOC}#{}", r.id()),
                "defaultConfiguration": { "level": sarif_level(r.severity()) },
            })
        })
        .collect();
    let location = |field: &str, at: Option<Position>| {
        let mut loc = json!({
            "logicalLocations": [{ "fullyQualifiedName": field, "kind": "member" }],
        });
        if let Some(uri) = &uri {
            let mut physical = json!({ "artifactLocation": { "uri": uri, "index": 0 } });
            if let Some(at) = at {
                physical["region"] = json!({ "startLine": at.line, "startColumn": at.column });
            }
            loc["physicalLocation"] = physical;
        }
        loc
    };
    let results: Vec<Value> = placed
        .iter()
        .map(|p| {
            let f = p.finding;
            let mut result = json!({
                "ruleId": f.rule.id(),
                "ruleIndex": Rule::ALL.iter().position(|r| *r == f.rule),
                "level": sarif_level(f.severity),
                "message": { "text": message_with_fix(f) },
                "locations": [location(&f.field, p.at)],
            });
            if !f.related.is_empty() {
                result["relatedLocations"] = f
                    .related
                    .iter()
                    .zip(&p.related_at)
                    .enumerate()
                    .map(|(i, (field, at))| {
                        let mut loc = location(field, *at);
                        loc["id"] = json!(i);
                        loc["message"] = json!({ "text": field });
                        loc
                    })
                    .collect();
            }
            if let Some(fix) = &f.fix {
                result["properties"] = json!({ "fix": fix });
            }
            result
        })
        .collect();
    let mut run = json!({
        "tool": { "driver": {
            "name": "byocni",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": rules,
        } },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(uri) = &uri {
        run["artifacts"] = json!([{ "location": { "uri": uri }, "mimeType": "application/json" }]);
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    Ok(serde_json::to_string_pretty(&log)? + "\n")
}

/// A path as a URI reference: relative paths stay relative (code scanning resolves them against
/// the checkout), absolute ones become `file://` URIs; every byte but the unreserved ones and
/// `/` is percent-encoded.
fn uri_reference(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::new();
    if path.is_absolute() {
        out.push_str("file://");
        if !text.starts_with('/') {
            out.push('/');
        }
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `check --format github`: one workflow command per finding (`::error file=...,line=...,
/// col=...,title=RULE::message`), which GitHub Actions shows as an annotation on the plan file.
pub(crate) fn github(placed: &[Placed<'_>], file: Option<&str>) -> String {
    let mut out = String::new();
    for p in placed {
        let f = p.finding;
        let mut props = Vec::new();
        if let Some(file) = file {
            props.push(("file", file.to_owned()));
            if let Some(at) = p.at {
                props.push(("line", at.line.to_string()));
                props.push(("col", at.column.to_string()));
            }
        }
        props.push(("title", f.rule.id().to_owned()));
        let props: Vec<String> = props
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_property(v)))
            .collect();
        let _ = writeln!(
            out,
            "::{} {}::{}",
            match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            props.join(","),
            escape_data(&message_with_fix(f))
        );
    }
    out
}

/// A workflow command's message, escaped as `@actions/core` does (`escapeData`): `%`, CR, LF.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value, escaped as `@actions/core` does (`escapeProperty`): as
/// a message, plus `:` and `,`, which end a value.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping_is_actions_core_s() {
        assert_eq!(
            escape_data("50% of a\r\nb: c, d"),
            "50%25 of a%0D%0Ab: c, d"
        );
        assert_eq!(
            escape_property("50% of a\r\nb: c, d"),
            "50%25 of a%0D%0Ab%3A c%2C d"
        );
        // `%` first: an escape in the input is not read as one.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn uri_references() {
        assert_eq!(
            uri_reference(Path::new("plans/a b.json")),
            "plans/a%20b.json"
        );
        assert_eq!(
            uri_reference(Path::new("/tmp/x#1.json")),
            "file:///tmp/x%231.json"
        );
        assert_eq!(uri_reference(Path::new("c:d.json")), "c%3Ad.json");
    }
}
