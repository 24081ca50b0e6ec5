//! Escaping user text for the one-line comments and titles every export carries: one rule for
//! all formats, so that nothing a user typed can end a comment and become code.

/// Text made safe for a one-line comment: control characters (newlines included) escaped, so
/// nothing a user typed can end the comment.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
