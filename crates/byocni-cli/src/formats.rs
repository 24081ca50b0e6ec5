//! `check`'s reports for machines: the stable JSON document, SARIF 2.1.0 for code scanning and
//! GitHub Actions workflow commands. When the plan came from a file, every finding carries the
//! line and column of its field in that file ([`byocni_core::locate`]).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use byocni_core::check::explain::explain;
use byocni_core::check::Report;
use byocni_core::{locate_all, Finding, Position, Rule, Severity};
use serde::Serialize;

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
    // Nothing to place: no pass over a file of 100,000s of networks.
    let positions = text.filter(|_| !findings.is_empty()).map(|text| {
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
/// serialises it, plus `line` and `column` when known. Streamed (a plan may have 100,000s of
/// findings).
pub(crate) fn json(out: &mut impl Write, report: &Report, placed: &[Placed<'_>]) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        version: u32,
        findings: Vec<JsonFinding<'a>>,
        capacity: &'a byocni_core::check::Capacity,
        summary: Summary,
    }
    #[derive(Serialize)]
    struct JsonFinding<'a> {
        #[serde(flatten)]
        finding: &'a Finding,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<usize>,
    }
    #[derive(Serialize)]
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
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// `check --format json` of an estate: as [`json`], with `clusters` (each checked cluster's name,
/// position and capacity) where a v1 plan has `capacity`.
pub(crate) fn json_estate(
    out: &mut impl Write,
    report: &byocni_core::check::EstateReport,
    placed: &[Placed<'_>],
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        version: u32,
        findings: Vec<JsonFinding<'a>>,
        clusters: &'a [byocni_core::check::ClusterCapacity],
        summary: Summary,
    }
    #[derive(Serialize)]
    struct JsonFinding<'a> {
        #[serde(flatten)]
        finding: &'a Finding,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<usize>,
    }
    #[derive(Serialize)]
    struct Summary {
        errors: usize,
        warnings: usize,
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
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
        clusters: &report.clusters,
        summary: Summary {
            errors,
            warnings: report.findings.len() - errors,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// A finding's message with its fix, for formats that have one text per finding.
fn message_with_fix(f: &Finding) -> String {
    match &f.fix {
        Some(fix) => format!("{}\nfix: {}", f.message, fix.summary),
        None => f.message.clone(),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The parts of a SARIF 2.1.0 log that byocni writes (names as in the standard, §3).
mod sarif {
    use std::borrow::Cow;

    use byocni_core::{Fix, Position};
    use serde::Serialize;

    #[derive(Serialize)]
    pub(super) struct Log<'a> {
        #[serde(rename = "$schema")]
        pub(super) schema: &'static str,
        pub(super) version: &'static str,
        pub(super) runs: [Run<'a>; 1],
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Run<'a> {
        pub(super) tool: Tool,
        pub(super) column_kind: &'static str,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub(super) artifacts: Vec<Artifact<'a>>,
        pub(super) results: Vec<Result<'a>>,
    }

    #[derive(Serialize)]
    pub(super) struct Tool {
        pub(super) driver: Driver,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Driver {
        pub(super) name: &'static str,
        pub(super) version: &'static str,
        pub(super) semantic_version: &'static str,
        pub(super) information_uri: &'static str,
        pub(super) rules: Vec<Rule>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Rule {
        pub(super) id: &'static str,
        pub(super) name: String,
        pub(super) short_description: Text<'static>,
        pub(super) full_description: Text<'static>,
        pub(super) help: Text<'static>,
        pub(super) help_uri: String,
        pub(super) default_configuration: Configuration,
    }

    #[derive(Serialize)]
    pub(super) struct Text<'a> {
        pub(super) text: Cow<'a, str>,
    }

    #[derive(Serialize)]
    pub(super) struct Configuration {
        pub(super) level: &'static str,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Artifact<'a> {
        pub(super) location: ArtifactLocation<'a>,
        pub(super) mime_type: &'static str,
    }

    #[derive(Serialize)]
    pub(super) struct ArtifactLocation<'a> {
        pub(super) uri: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) index: Option<usize>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Result<'a> {
        pub(super) rule_id: &'static str,
        pub(super) rule_index: usize,
        pub(super) level: &'static str,
        pub(super) message: Text<'a>,
        pub(super) locations: [Location<'a>; 1],
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub(super) related_locations: Vec<Location<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) properties: Option<Properties<'a>>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(clippy::struct_field_names)] // SARIF's names
    pub(super) struct Location<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) id: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) physical_location: Option<PhysicalLocation<'a>>,
        pub(super) logical_locations: [LogicalLocation<'a>; 1],
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) message: Option<Text<'a>>,
    }

    impl<'a> Location<'a> {
        /// The location of `field`: in the plan file (`uri`) at `at` when known, and always as
        /// a logical location (its JSON path). `id` and a message for related locations.
        pub(super) fn of(
            uri: Option<&'a str>,
            id: Option<usize>,
            field: &'a str,
            at: Option<Position>,
        ) -> Self {
            Location {
                id,
                physical_location: uri.map(|uri| PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri,
                        index: Some(0),
                    },
                    region: at.map(|at| Region {
                        start_line: at.line,
                        start_column: at.column,
                    }),
                }),
                logical_locations: [LogicalLocation {
                    fully_qualified_name: field,
                    kind: "member",
                }],
                message: id.map(|_| Text {
                    text: Cow::Borrowed(field),
                }),
            }
        }
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct PhysicalLocation<'a> {
        pub(super) artifact_location: ArtifactLocation<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) region: Option<Region>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Region {
        pub(super) start_line: usize,
        pub(super) start_column: usize,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct LogicalLocation<'a> {
        pub(super) fully_qualified_name: &'a str,
        pub(super) kind: &'static str,
    }

    #[derive(Serialize)]
    pub(super) struct Properties<'a> {
        pub(super) fix: &'a Fix,
    }
}

/// `check --format sarif`: a SARIF 2.1.0 log with one run. Every rule is a `reportingDescriptor`
/// (its `explain` text, a help URI into docs/rules.md); every finding a result at its field, with
/// the field's JSON path as a logical location and the other fields involved as related
/// locations. Streamed.
pub(crate) fn sarif(
    out: &mut impl Write,
    placed: &[Placed<'_>],
    file: Option<&Path>,
) -> io::Result<()> {
    let uri = file.map(uri_reference);
    let rules = Rule::ALL
        .iter()
        .map(|r| {
            let text = explain(*r);
            let short = text
                .split(". ")
                .next()
                .unwrap_or(text)
                .trim_end_matches('.');
            sarif::Rule {
                id: r.id(),
                name: format!("{r:?}"),
                short_description: sarif::Text {
                    text: Cow::Owned(format!("{short}.")),
                },
                full_description: sarif::Text {
                    text: Cow::Borrowed(text),
                },
                help: sarif::Text {
                    text: Cow::Borrowed(text),
                },
                help_uri: format!("{RULES_DOC}#{}", r.id()),
                default_configuration: sarif::Configuration {
                    level: level(r.severity()),
                },
            }
        })
        .collect();
    let results = placed
        .iter()
        .map(|p| {
            let f = p.finding;
            sarif::Result {
                rule_id: f.rule.id(),
                rule_index: Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0),
                level: level(f.severity),
                message: sarif::Text {
                    text: Cow::Owned(message_with_fix(f)),
                },
                locations: [sarif::Location::of(uri.as_deref(), None, &f.field, p.at)],
                related_locations: f
                    .related
                    .iter()
                    .zip(&p.related_at)
                    .enumerate()
                    .map(|(i, (field, at))| {
                        sarif::Location::of(uri.as_deref(), Some(i), field, *at)
                    })
                    .collect(),
                properties: f.fix.as_ref().map(|fix| sarif::Properties { fix }),
            }
        })
        .collect();
    let log = sarif::Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [sarif::Run {
            tool: sarif::Tool {
                driver: sarif::Driver {
                    name: "byocni",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            artifacts: uri
                .as_deref()
                .map(|uri| sarif::Artifact {
                    location: sarif::ArtifactLocation { uri, index: None },
                    mime_type: "application/json",
                })
                .into_iter()
                .collect(),
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
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
pub(crate) fn github(
    out: &mut impl Write,
    placed: &[Placed<'_>],
    file: Option<&str>,
) -> io::Result<()> {
    for p in placed {
        let f = p.finding;
        let mut props = Vec::new();
        if let Some(file) = file {
            props.push(format!("file={}", escape_property(file)));
            if let Some(at) = p.at {
                props.push(format!("line={}", at.line));
                props.push(format!("col={}", at.column));
            }
        }
        props.push(format!("title={}", escape_property(f.rule.id())));
        writeln!(
            out,
            "::{} {}::{}",
            level(f.severity),
            props.join(","),
            escape_data(&message_with_fix(f))
        )?;
    }
    Ok(())
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
