//! Where a plan field sits in the plan file's text: maps a finding's field path
//! (`nodePools[0].maxPods`, as in [`crate::Finding::field`]) to the line and column of its value,
//! so that `byocni check` can point editors and CI annotations at it.
//!
//! A tokenizer-level scan of the JSON text, written here rather than taken from a crate: the
//! JSON parsers the workspace has (serde_json) keep no positions in their values, and the
//! span-keeping parsers on crates.io either build a whole syntax tree (memory a plan of 1,000,000
//! connected networks cannot spare) or recurse (a stack overflow on deeply nested input). This
//! one is iterative, allocates only for the fields asked about, and resolves any number of fields
//! in one pass ([`locate_all`]): O(text + paths).
//!
//! It never panics, on any text and any path: malformed JSON ends the scan where it stops making
//! sense, and what was found before stays found. A field the text does not hold (a default, an
//! omitted object) maps to its nearest present parent, the whole document at worst.

use std::borrow::Cow;
use std::collections::HashMap;

/// A place in a text. Both count from 1; columns count Unicode code points (SARIF's
/// `unicodeCodePoints`), lines end at `\n`, `\r\n` or a lone `\r`. A leading byte-order mark is
/// not a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in code points.
    pub column: usize,
}

/// Where a field was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Located {
    /// The first character of the field's value (for an omitted field: of its nearest present
    /// parent's value).
    pub position: Position,
    /// `true` when the field itself is in the text; `false` when it is defaulted or absent and
    /// `position` is its nearest present parent's.
    pub exact: bool,
}

/// Locates one field. `None` only when the text holds no JSON value at all.
pub fn locate(text: &str, field: &str) -> Option<Located> {
    locate_all(text, &[field]).pop().flatten()
}

/// Locates many fields in one pass over the text, in the order given.
pub fn locate_all<S: AsRef<str>>(text: &str, fields: &[S]) -> Vec<Option<Located>> {
    let mut trie = Trie::default();
    let ends: Vec<(usize, bool)> = fields.iter().map(|f| trie.insert(f.as_ref())).collect();
    let offsets = scan(text, &trie);
    // Byte offsets to positions, in one forward pass.
    let mut found: Vec<(usize, usize)> = offsets
        .iter()
        .enumerate()
        .filter_map(|(node, o)| o.map(|o| (o, node)))
        .collect();
    found.sort_unstable();
    let mut positions: Vec<Option<Position>> = vec![None; trie.nodes.len()];
    let mut cursor = Cursor::new(text.as_bytes());
    for (offset, node) in found {
        positions[node] = Some(cursor.advance_to(offset));
    }
    ends.into_iter()
        .map(|(end, complete)| {
            let mut node = Some(end);
            while let Some(n) = node {
                if let Some(position) = positions[n] {
                    return Some(Located {
                        position,
                        exact: complete && n == end,
                    });
                }
                node = trie.nodes[n].parent;
            }
            None
        })
        .collect()
}

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
enum Segment<'p> {
    Key(&'p str),
    Index(usize),
}

/// Reads `a.b[2].c` leniently: a malformed piece ends the path (the field then maps to the part
/// before it, and `false` says so). `.` and the empty path are the document itself.
fn segments(path: &str) -> (Vec<Segment<'_>>, bool) {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let Some((index, after)) = r
                .split_once(']')
                .and_then(|(n, after)| Some((n.parse().ok()?, after)))
            else {
                return (out, false);
            };
            out.push(Segment::Index(index));
            rest = after;
        }
        if !rest.is_empty() {
            return (out, false);
        }
    }
    (out, true)
}

/// The fields asked about, as a tree of their segments; node 0 is the document.
struct Trie {
    nodes: Vec<Node>,
}

#[derive(Default)]
struct Node {
    parent: Option<usize>,
    keys: HashMap<String, usize>,
    indices: HashMap<usize, usize>,
}

impl Default for Trie {
    fn default() -> Self {
        Trie {
            nodes: vec![Node::default()],
        }
    }
}

impl Trie {
    /// Adds a path; returns its node, and whether the whole path read.
    fn insert(&mut self, path: &str) -> (usize, bool) {
        let (segments, complete) = segments(path);
        let mut node = 0;
        for seg in segments {
            let next = self.nodes.len();
            let child = match seg {
                Segment::Key(k) => *self.nodes[node].keys.entry(k.to_owned()).or_insert(next),
                Segment::Index(i) => *self.nodes[node].indices.entry(i).or_insert(next),
            };
            if child == next {
                self.nodes.push(Node {
                    parent: Some(node),
                    ..Node::default()
                });
            }
            node = child;
        }
        (node, complete)
    }

    fn key(&self, node: Option<usize>, key: &str) -> Option<usize> {
        self.nodes.get(node?)?.keys.get(key).copied()
    }

    fn index(&self, node: Option<usize>, index: usize) -> Option<usize> {
        self.nodes.get(node?)?.indices.get(&index).copied()
    }
}

/// An open object or array; `node` is its place in the trie when a field asked about is in it.
enum Frame {
    Object { node: Option<usize> },
    Array { node: Option<usize>, index: usize },
}

enum State {
    /// A value starts here; `Some` when it is a node of the trie.
    Value(Option<usize>),
    /// After `{` or `,` in an object.
    Key,
    /// After `[`: a value or `]`.
    FirstElement,
    /// After a value: `,`, `}`, `]` or the end.
    After,
}

/// The byte offset of every trie node's value in the text (the last one, for a repeated key:
/// serde keeps the last too).
fn scan(text: &str, trie: &Trie) -> Vec<Option<usize>> {
    let b = text.as_bytes();
    let mut at: Vec<Option<usize>> = vec![None; trie.nodes.len()];
    let mut i = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut stack: Vec<Frame> = Vec::new();
    let mut state = State::Value(Some(0));
    loop {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        let Some(&c) = b.get(i) else { break };
        state = match state {
            State::Value(node) => {
                if let Some(n) = node {
                    at[n] = Some(i);
                }
                match c {
                    b'{' => {
                        i += 1;
                        stack.push(Frame::Object { node });
                        State::Key
                    }
                    b'[' => {
                        i += 1;
                        stack.push(Frame::Array { node, index: 0 });
                        State::FirstElement
                    }
                    b'"' => {
                        i = skip_string(b, i).1;
                        State::After
                    }
                    _ => {
                        let len = b[i..]
                            .iter()
                            .position(|c| {
                                matches!(
                                    c,
                                    b' ' | b'\t'
                                        | b'\n'
                                        | b'\r'
                                        | b','
                                        | b':'
                                        | b'"'
                                        | b'{'
                                        | b'}'
                                        | b'['
                                        | b']'
                                )
                            })
                            .unwrap_or(b.len() - i);
                        if len == 0 {
                            break;
                        }
                        i += len;
                        State::After
                    }
                }
            }
            State::Key => match c {
                b'}' => {
                    i += 1;
                    stack.pop();
                    State::After
                }
                b'"' => {
                    let (end, next) = skip_string(b, i);
                    let parent = match stack.last() {
                        Some(Frame::Object { node }) => *node,
                        _ => None,
                    };
                    let child = parent.and_then(|_| {
                        let key = decode_key(text, i, end)?;
                        trie.key(parent, &key)
                    });
                    i = next;
                    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                        i += 1;
                    }
                    if b.get(i) != Some(&b':') {
                        break;
                    }
                    i += 1;
                    State::Value(child)
                }
                _ => break,
            },
            State::FirstElement => {
                if c == b']' {
                    i += 1;
                    stack.pop();
                    State::After
                } else {
                    match stack.last() {
                        Some(Frame::Array { node, .. }) => State::Value(trie.index(*node, 0)),
                        _ => break,
                    }
                }
            }
            State::After => match (c, stack.last_mut()) {
                (b',', Some(Frame::Object { .. })) => {
                    i += 1;
                    State::Key
                }
                (b',', Some(Frame::Array { node, index })) => {
                    i += 1;
                    *index += 1;
                    State::Value(trie.index(*node, *index))
                }
                (b'}', Some(Frame::Object { .. })) | (b']', Some(Frame::Array { .. })) => {
                    i += 1;
                    stack.pop();
                    State::After
                }
                _ => break,
            },
        };
    }
    at
}

/// Skips the string whose opening quote is at `start`: (offset of its closing quote or of the
/// text's end, offset after it).
fn skip_string(b: &[u8], start: usize) -> (usize, usize) {
    let mut i = start + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => return (i, i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    (b.len(), b.len())
}

/// The key between the quotes at `open` and `close`, unescaped; `None` when it does not read.
fn decode_key(text: &str, open: usize, close: usize) -> Option<Cow<'_, str>> {
    let raw = text.get(open + 1..close)?;
    if !raw.contains('\\') {
        return Some(Cow::Borrowed(raw));
    }
    serde_json::from_str::<String>(text.get(open..=close)?)
        .ok()
        .map(Cow::Owned)
}

/// Counts lines and columns forward through a text.
struct Cursor<'t> {
    b: &'t [u8],
    i: usize,
    at: Position,
}

impl<'t> Cursor<'t> {
    fn new(b: &'t [u8]) -> Self {
        Cursor {
            b,
            i: if b.starts_with("\u{feff}".as_bytes()) {
                3
            } else {
                0
            },
            at: Position { line: 1, column: 1 },
        }
    }

    /// The position of byte `to` (at or after the cursor).
    fn advance_to(&mut self, to: usize) -> Position {
        let end = to.min(self.b.len());
        for (k, &c) in self
            .b
            .get(self.i..end)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            match c {
                b'\n' => {
                    self.at = Position {
                        line: self.at.line + 1,
                        column: 1,
                    }
                }
                b'\r' if self.b.get(self.i + k + 1) != Some(&b'\n') => {
                    self.at = Position {
                        line: self.at.line + 1,
                        column: 1,
                    };
                }
                b'\r' => {}
                c if c & 0xC0 == 0x80 => {}
                _ => self.at.column += 1,
            }
        }
        self.i = self.i.max(end);
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, field: &str) -> Option<(usize, usize, bool)> {
        locate(text, field).map(|l| (l.position.line, l.position.column, l.exact))
    }

    #[test]
    fn finds_values_in_the_example() {
        let t = crate::plan::EXAMPLE_JSON;
        assert_eq!(at(t, "version"), Some((2, 14, true)));
        assert_eq!(at(t, "cluster.name"), Some((4, 13, true)));
        assert_eq!(at(t, "vnet.addressSpace[0]"), Some((11, 22, true)));
        assert_eq!(at(t, "vnet.subnets[0].cidr"), Some((13, 34, true)));
        assert_eq!(at(t, "podCidr"), Some((16, 14, true)));
        assert_eq!(at(t, "dnsServiceIP"), Some((18, 19, true)));
        assert_eq!(at(t, "nodePools[0].maxPods"), Some((26, 18, true)));
        assert_eq!(at(t, "connectedNetworks[0].cidr"), Some((33, 34, true)));
        assert_eq!(at(t, "."), Some((1, 1, true)));
        assert_eq!(at(t, ""), Some((1, 1, true)));
    }

    #[test]
    fn absent_fields_map_to_their_nearest_present_parent() {
        let t = "{\n  \"nodePools\": [\n    {\"name\": \"p\", \"count\": 3}\n  ]\n}";
        assert_eq!(at(t, "nodePools[0].maxSurge"), Some((3, 5, false)));
        assert_eq!(at(t, "nodePools[1].maxSurge"), Some((2, 16, false)));
        assert_eq!(at(t, "vnet.subnets[0].cidr"), Some((1, 1, false)));
        assert_eq!(at(t, "nodePools[0].count"), Some((3, 28, true)));
        // Malformed paths keep the part that reads.
        assert_eq!(at(t, "nodePools[x].count"), Some((2, 16, false)));
        assert_eq!(at(t, "nodePools[0"), Some((2, 16, false)));
    }

    #[test]
    fn lines_columns_and_odd_texts() {
        // Code points, not bytes; CRLF and lone CR end lines; a BOM is no column.
        let t = "\u{feff}{\"a\": \"é\", \"b\": 1,\r\n\"c\":\r2}";
        assert_eq!(at(t, "a"), Some((1, 7, true)));
        assert_eq!(at(t, "b"), Some((1, 17, true)));
        assert_eq!(at(t, "c"), Some((3, 1, true)));
        // Escaped keys are the keys they spell; a repeated key is its last value (as serde).
        assert_eq!(
            at(r#"{"pod\u0043idr": 1, "x": 2}"#, "podCidr"),
            Some((1, 18, true))
        );
        assert_eq!(at(r#"{"a": 1, "a": 2}"#, "a"), Some((1, 15, true)));
        // Strings with quotes and brackets inside do not confuse the scan.
        let t = r#"{"n": "a\"]}[,", "m": [[1, {"x": "}"}], 2]}"#;
        assert_eq!(at(t, "m[1]"), Some((1, 41, true)));
        assert_eq!(at(t, "m[0][1].x"), Some((1, 34, true)));
        // Nothing at all, or garbage: the root or nothing, never a panic.
        assert_eq!(at("", "a"), None);
        assert_eq!(at("  \n ", "a"), None);
        assert_eq!(at("{\"a\": [1, 2", "a[1]"), Some((1, 11, true)));
        assert_eq!(at("{\"a\" 1}", "a"), Some((1, 1, false)));
        assert_eq!(at("{,}", "a"), Some((1, 1, false)));
        assert_eq!(at("\"\\", "a"), Some((1, 1, false)));
        assert_eq!(
            at("[".repeat(100_000).as_str(), "[0][0]"),
            Some((1, 3, true))
        );
    }

    #[test]
    fn many_fields_in_one_pass() {
        let t = crate::plan::EXAMPLE_JSON;
        let fields = ["podCidr", "cluster.name", "nope", "podCidr"];
        let all = locate_all(t, &fields);
        for (f, l) in fields.iter().zip(&all) {
            assert_eq!(*l, locate(t, f), "{f}");
        }
    }
}
