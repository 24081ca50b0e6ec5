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

#[cfg(test)]
mod tests {
    use super::one_line;

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
