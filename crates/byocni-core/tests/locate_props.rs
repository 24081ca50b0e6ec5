//! Property tests of the field locator: it never panics, on any text and any path, and on any
//! JSON document it points every path at the first character of that path's value.

use byocni_core::{locate, locate_all};
use proptest::prelude::*;
use serde_json::Value;

/// JSON-like token soup: mostly structure, so the scanner's states are all reached, often
/// malformed.
fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"a\"".to_owned()),
            Just("\"\\".to_owned()),
            Just("\"".to_owned()),
            Just("\r\n".to_owned()),
            Just("\u{feff}".to_owned()),
            Just("é".to_owned()),
            Just("1".to_owned()),
            any::<String>(),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a.\\[\\]0-9]{0,12}",
        Just("a[0]".to_owned()),
        Just("a".to_owned()),
    ]
}

/// Any JSON value, keys of plain letters (a path cannot spell `.` or `[` in a key).
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z\"\\\\é\u{1F600}\n]{0,5}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Zé$]{1,6}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every path in a value, with the value there.
fn paths<'v>(v: &'v Value, at: String, out: &mut Vec<(String, &'v Value)>) {
    out.push((at.clone(), v));
    match v {
        Value::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                paths(e, format!("{at}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, e) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                paths(e, p, out);
            }
        }
        _ => {}
    }
}

/// The text from a line and column (1-based, code points) on.
fn from_position(text: &str, line: usize, column: usize) -> &str {
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = &text[start..];
    let skip: usize = rest.chars().take(column - 1).map(char::len_utf8).sum();
    &rest[skip..]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_text(text in any::<String>(), p in path()) {
        let _ = locate(&text, &p);
    }

    #[test]
    fn never_panics_on_json_like_soup(text in soup(), ps in prop::collection::vec(path(), 0..5)) {
        let all = locate_all(&text, &ps);
        prop_assert_eq!(all.len(), ps.len());
    }

    #[test]
    fn points_every_path_at_its_value(v in json(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            serde_json::to_string(&v).unwrap()
        };
        let mut all = Vec::new();
        paths(&v, String::new(), &mut all);
        let fields: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
        for ((p, value), found) in all.iter().zip(locate_all(&text, &fields)) {
            let found = found.unwrap();
            prop_assert!(found.exact, "{p}");
            let here = from_position(&text, found.position.line, found.position.column);
            let want = serde_json::to_string(value).unwrap();
            match value {
                Value::Array(_) => prop_assert!(here.starts_with('['), "{p}: {here}"),
                Value::Object(_) => prop_assert!(here.starts_with('{'), "{p}: {here}"),
                _ => prop_assert!(here.starts_with(&want), "{p}: {here} is not {want}"),
            }
            // A child that is not there maps to this value.
            let missing = format!("{p}{}zz9", if p.is_empty() { "" } else { "." });
            let parent = locate(&text, &missing).unwrap();
            prop_assert!(!parent.exact);
            prop_assert_eq!(parent.position, found.position);
        }
    }
}
