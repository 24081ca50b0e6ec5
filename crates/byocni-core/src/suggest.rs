//! `suggest`: fills in what a plan leaves out (pod CIDR, service CIDR, DNS IP, VNet space, node
//! subnet) with ranges that avoid the VNet, every connected network and every reserved range,
//! sized from the capacity the plan needs, preferring RFC 1918 space and AKS's conventional
//! choices when they are free.
//!
//! OWNER: the suggest helper.

use serde::Serialize;

use crate::plan::Plan;

/// A completed plan and what was filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// The plan with every gap filled.
    pub plan: Plan,
    /// What was filled, in order.
    pub filled: Vec<Filled>,
}

/// One filled-in field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filled {
    /// Dotted JSON path of the field.
    pub field: String,
    /// The value chosen.
    pub value: String,
    /// Why this value (size needed, conventional choice...).
    pub reason: String,
}

/// Why no suggestion could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SuggestError {
    /// No free block of the needed size is left in private space.
    #[error("{field}: no free /{prefix_len} is left in private address space ({needed}); free some space or plan smaller")]
    NoFreeSpace {
        /// The field that could not be filled.
        field: String,
        /// The block size that was needed.
        prefix_len: u8,
        /// What the size was computed from.
        needed: String,
    },
}

/// Fills the plan's gaps.
pub fn suggest(plan: &Plan) -> Result<Suggestion, SuggestError> {
    Ok(Suggestion {
        plan: plan.clone(),
        filled: Vec::new(),
    })
}
