//! Long explanations of each rule, for `byocni explain RULE-ID` and the web planner's help.
//!
//! OWNER: the checks helper.

use crate::finding::Rule;

/// A paragraph or two on what the rule checks, why, and where the rule comes from.
pub fn explain(rule: Rule) -> &'static str {
    let _ = rule;
    ""
}
