//! Issue 12: the design document (Markdown and HTML), the map (SVG) and the ranges (CSV) keep
//! hostile text inert. Hostile text goes into every string of a plan (as in `injection.rs`);
//! the Markdown is read back by pulldown-cmark (CommonMark with GitHub's tables, strikethrough
//! and math) and must have the markup of the harmless twin's, every table row its header's
//! number of cells; the HTML may hold only the tags the renderer writes; the SVG must be
//! well-formed XML (roxmltree) of the renderer's elements only.

use byocni_core::plan::CniPlugin;
use byocni_core::render::{ranges, Format};
use byocni_core::Plan;
use proptest::prelude::*;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::forced;
use crate::injection::{hostile_text, pair, HOSTILE};

/// The Markdown's markup, without the table rows' number (findings differ between the twins):
/// every tag opened and closed but rows and cells, the raw HTML blocks, and the number of cells
/// of each row (which must be its table's).
fn markdown_skeleton(md: &str) -> Vec<String> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_MATH;
    let mut out = Vec::new();
    let (mut columns, mut cells) = (0, 0);
    for e in Parser::new_ext(md, options) {
        match e {
            Event::Start(Tag::Table(a)) => {
                columns = a.len();
                out.push(format!("table {columns}"));
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => cells = 0,
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                assert_eq!(
                    cells, columns,
                    "a row of {cells} cells in a table of {columns}:\n{md}"
                );
            }
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableCell)
            | Event::Text(_)
            | Event::SoftBreak
            | Event::HardBreak => {}
            Event::Start(t) => out.push(format!("<{t:?}>")),
            Event::End(t) => out.push(format!("</{t:?}>")),
            Event::Html(h) | Event::InlineHtml(h) => out.push(format!("html {}", h.trim())),
            Event::InlineMath(_) | Event::DisplayMath(_) => out.push("math".into()),
            Event::Code(c) => out.push(format!("code {c}")),
            other => out.push(format!("{other:?}")),
        }
    }
    out
}

/// Tags the HTML document is made of.
const HTML_TAGS: &[&str] = &[
    "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "table",
    "thead", "tbody", "tr", "th", "td", "code", "figure", "pre", "svg", "defs", "pattern", "rect",
    "text",
];

/// Every tag of the HTML document (outside its stylesheet) is one the renderer writes, and
/// nothing a user typed opened one.
fn check_html(what: &str, html: &str) {
    let (head, rest) = html.split_once("<style>").expect("a stylesheet");
    let (_, body) = rest.split_once("</style>").expect("the stylesheet ends");
    for part in [head, body] {
        for tag in part.split('<').skip(1) {
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect();
            assert!(
                HTML_TAGS.contains(&name.as_str()),
                "{what}: tag <{name}> in\n{html}"
            );
            let inside = tag.split_once('>').map_or(tag, |(t, _)| t);
            assert!(
                !inside.contains(" on"),
                "{what}: an event handler in <{inside}>"
            );
        }
    }
    assert!(
        html.trim_end().ends_with("</html>"),
        "{what}: a complete document"
    );
}

/// The SVG is well-formed and made of the renderer's elements only.
fn check_svg(what: &str, svg: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{what}: {e}\n{svg}"));
    for n in doc.descendants().filter(roxmltree::Node::is_element) {
        let name = n.tag_name().name();
        assert!(
            ["svg", "title", "defs", "pattern", "rect", "text"].contains(&name),
            "{what}: <{name}>"
        );
        for a in n.attributes() {
            assert!(!a.name().starts_with("on"), "{what}: {}", a.name());
            assert!(!a.value().contains("javascript:"), "{what}: {}", a.value());
        }
    }
}

/// One hostile text through the three documents.
fn check_documents(h: &str, bad: &Plan, good: &Plan) {
    let md = |p: &Plan| forced(p, Format::DesignMarkdown);
    assert_eq!(
        markdown_skeleton(&md(bad)),
        markdown_skeleton(&md(good)),
        "Markdown with {h:?}:\n{}",
        md(bad)
    );
    check_html(
        &format!("HTML with {h:?}"),
        &forced(bad, Format::DesignHtml),
    );
    check_svg(&format!("SVG with {h:?}"), &forced(bad, Format::MapSvg));
    // A plan whose ranges parse, so that the map labels hostile names too.
    let mut drawn = Plan::example();
    drawn.cluster.name = format!("c{h}");
    drawn.connected_networks[0].name = format!("n{h}");
    check_svg(
        &format!("drawn SVG with {h:?}"),
        &forced(&drawn, Format::MapSvg),
    );
    check_html(
        &format!("drawn HTML with {h:?}"),
        &forced(&drawn, Format::DesignHtml),
    );
    // The HTML's text is the user's text: a name without control characters reads back as typed.
    if h.chars()
        .all(|c| !c.is_control() && !matches!(c, '\u{2000}'..='\u{206f}' | '\u{feff}'))
    {
        let html = forced(&drawn, Format::DesignHtml);
        let escaped = format!("c{h}")
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(html.contains(&format!("<td>{escaped}</td>")), "{h:?}");
    }
}

#[test]
fn design_documents_keep_hostile_text_inert() {
    for h in HOSTILE {
        let (bad, good) = pair(h, CniPlugin::Cilium);
        check_documents(h, &bad, &good);
    }
}

#[test]
fn the_design_documents_of_every_fixture_hold_every_range() {
    for (name, plan) in crate::fixtures() {
        let (md, html) = (
            forced(&plan, Format::DesignMarkdown),
            forced(&plan, Format::DesignHtml),
        );
        check_html(&name, &html);
        check_svg(&name, &forced(&plan, Format::MapSvg));
        for r in ranges::rows(&plan) {
            assert!(
                md.contains(&r.cidr) && html.contains(&r.cidr),
                "{name}: {}",
                r.cidr
            );
        }
        assert!(html.contains("az aks create"), "{name}");
        assert!(md.contains("az aks create"), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random mixes of the dangerous characters, in every field, through the documents.
    #[test]
    fn random_hostile_text_stays_inert_in_the_documents(h in hostile_text()) {
        let (bad, good) = pair(&h, CniPlugin::Cilium);
        check_documents(&h, &bad, &good);
    }
}
