//! `check`: every rule of `shared/domain.md` (1-19) over a plan, returning all findings at once,
//! plus the capacity report.
//!
//! OWNER: the checks helper. Fill in; keep the public types stable (the CLI and the web use them).

use serde::Serialize;

use crate::finding::Finding;
use crate::plan::Plan;

pub mod capacity;
pub mod explain;

pub use capacity::{Capacity, NodeSubnetCapacity, PodCapacity, ServiceCapacity};

/// What `check` says about a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Every finding, errors first, then by field.
    pub findings: Vec<Finding>,
    /// How full each range will be.
    pub capacity: Capacity,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == crate::finding::Severity::Error)
    }
}

/// Checks a plan against every rule.
pub fn check(plan: &Plan) -> Report {
    Report {
        findings: Vec::new(),
        capacity: capacity::capacity(plan),
    }
}
