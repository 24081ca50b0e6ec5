//! Escaping user text for the one-line comments and titles every export carries: one rule for
//! all formats, so that nothing a user typed can end a comment and become code.

/// Whether `c` must not appear raw in a one-line comment: control characters (C0, DEL, C1 with
/// U+0085 NEXT LINE), the Unicode line and paragraph separators (U+2028, U+2029: YAML 1.1
/// parsers, JavaScript and some editors break lines there), the invisible formatting characters
/// that reorder or hide text (bidi controls, zero-width characters, the BOM) and the
/// noncharacters (which YAML refuses).
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{FDD0}'..='\u{FDEF}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
}

/// Text made safe for a one-line comment in any export: every character of [`needs_escape`]
/// written as a Rust-style escape (`\n`, `\u{2028}`), so nothing a user typed can end the
/// comment or hide part of it.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `n` with its digits grouped in threes by commas (`16,777,216`), as every page and document
/// writes a count.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// User text for HTML or XML (SVG) text and attribute values: one line ([`one_line`]), with
/// `&`, `<`, `>`, `"` and `'` as entities, so nothing typed can open a tag or leave an
/// attribute, and no control character (which XML 1.0 refuses) gets through.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// User text for Markdown inline text (a table cell, or after the start of a line): one line
/// ([`one_line`]), every character that can start inline markup in CommonMark, GitHub or Azure
/// DevOps backslash-escaped (an escaped ASCII punctuation character is always literal): `\`,
/// code spans, emphasis, links and images, HTML and autolinks, table cells, entities,
/// strikethrough, math and headings. Addresses, dots and slashes stay as typed, so the raw text
/// stays readable.
pub(crate) fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '$' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{grouped, markdown, one_line, xml};

    #[test]
    fn digits_grouped_and_markup_escaped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(16_777_216), "16,777,216");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(
            xml("<a href=\"x\">'&'</a>\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\\n"
        );
        assert_eq!(
            markdown("| *a* [l](u) <b> 10.0.0.0/8 $x$\n"),
            r"\| \*a\* \[l\](u) \<b\> 10.0.0.0/8 \$x\$\\n"
        );
    }

    #[test]
    fn every_line_break_is_escaped() {
        for (raw, escaped) in [
            ("a\nb", r"a\nb"),
            ("a\rb", r"a\rb"),
            ("a\u{2028}b", r"a\u{2028}b"),
            ("a\u{2029}b", r"a\u{2029}b"),
            ("a\u{85}b", r"a\u{85}b"),
            ("a\u{b}\u{c}b", r"a\u{b}\u{c}b"),
            ("a\u{202e}b", r"a\u{202e}b"),
            ("a\u{feff}b", r"a\u{feff}b"),
        ] {
            assert_eq!(one_line(raw), escaped);
        }
        assert_eq!(one_line("naïve ‘quotes’ $x `y`"), "naïve ‘quotes’ $x `y`");
    }
}
