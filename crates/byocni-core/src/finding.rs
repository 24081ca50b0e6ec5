//! Findings: what [`crate::check`] says about a plan, each with a stable rule id, a severity, a
//! message naming the fields and values, and a fix where one exists.
//!
//! A [`Fix`] carries an [`Edit`] that the web planner applies with one click and the CLI can
//! print; [`apply_edit`] performs it on a plan through its JSON form.

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, PlanError};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Will fail or break the cluster: export refuses, `check` exits 1.
    Error,
    /// Worth a look; does not block.
    Warning,
}

/// Every rule the planner checks. The kebab-case id ([`Rule::id`]) is stable: scripts and CI
/// match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// Rules 1 and 25: not a valid IPv4 CIDR / address in plain dotted decimal.
    InvalidCidr,
    /// Rule 1: host bits set.
    HostBitsSet,
    /// Rule 2: overlaps a range AKS reserves.
    ReservedRange,
    /// Rule 3: a range Azure does not allow in a VNet.
    VnetForbiddenRange,
    /// Rule 4: no pod CIDR with BYO CNI.
    PodCidrMissing,
    /// Rule 4: pod CIDR overlaps something.
    PodCidrOverlap,
    /// Rule 5: service CIDR overlaps something.
    ServiceCidrOverlap,
    /// The VNet overlaps a connected network.
    VnetOverlapsConnected,
    /// Rule 6: service CIDR /12 or larger.
    ServiceCidrTooLarge,
    /// Rule 7: DNS IP outside the service CIDR.
    DnsIpOutsideServiceCidr,
    /// Rule 7: DNS IP is the network, `.1` or broadcast address.
    DnsIpReserved,
    /// Rule 8: subnet outside the VNet.
    SubnetOutsideVnet,
    /// Rule 8: subnets overlap each other.
    SubnetOverlap,
    /// Rule 10: subnet smaller than /29 or larger than /2.
    SubnetSize,
    /// Rule 11: node subnet too small for nodes, surge and ILBs.
    NodeSubnetTooSmall,
    /// Rule 11: no node subnet in a planned VNet.
    NodeSubnetMissing,
    /// Rules 11 and 24: max surge malformed, 0, or a percentage outside 1%-100%.
    MaxSurgeInvalid,
    /// Rule 12: max pods outside 10..=250.
    MaxPodsRange,
    /// Rule 13: pod CIDR cannot address the planned nodes or pods.
    PodCidrTooSmall,
    /// Rule 13: per-node prefix impossible for the pod CIDR.
    PerNodePrefixInvalid,
    /// Rule 14: node or pool count limits.
    NodeCountLimit,
    /// Rules 15-19 and 23: Azure naming rules, and the derived node resource group's length.
    InvalidName,
    /// Rule 9: public range for pods or services (warning).
    PublicRange,
    /// Rule 13: CNI that will not come up as is under BYO CNI (warning).
    CniUnsupported,
    /// Two names that Azure would treat as one (case-insensitive duplicates).
    DuplicateName,
    /// The VNet's address prefixes overlap each other.
    VnetSpaceOverlap,
    /// Outbound: the type and its blocks disagree, or the type needs the plan's own VNet.
    OutboundConfig,
    /// Outbound: managed outbound IPs or NAT gateway idle timeout out of range.
    OutboundIpCount,
    /// User-defined routing: the route table's next hop is missing or unreachable.
    UdrNextHop,
    /// User-defined routing: an existing route table has no 0.0.0.0/0 route to a virtual
    /// appliance (`apply`'s preflight).
    UdrDefaultRoute,
    /// A private cluster's endpoint leaves the node subnet one address short.
    PrivateEndpointIp,
    /// The API server subnet is smaller than /28.
    ApiserverSubnetSize,
    /// The API server subnet is missing, not role `apiServer`, or the node subnet.
    ApiserverSubnetRole,
    /// Authorized IP ranges given with a private cluster.
    AuthorizedRangesPrivate,
    /// An authorized IP range that is not a public IPv4 CIDR, or more than 200 of them.
    AuthorizedRangeInvalid,
    /// An existing NSG denies the CNI's overlay between nodes (`apply`'s preflight).
    NsgBlocksOverlay,
    /// Estate: two peered VNets' address spaces overlap (Azure refuses the peering).
    PeeringOverlap,
    /// Estate: a peering names a VNet the estate does not have, or one VNet twice.
    PeeringUnknown,
    /// Estate: two VNets overlap that are not peered (warning: they can never be peered).
    VnetOverlap,
    /// Estate: a cluster's `nodeSubnet` names no subnet of the estate.
    NodeSubnetUnknown,
    /// Estate: two clusters on one node subnet (warning; its capacity counts both).
    NodeSubnetShared,
    /// Estate: pod CIDRs of two meshed clusters overlap.
    MeshPodCidrOverlap,
    /// Estate: a meshed cluster's id is missing, out of range or used twice.
    MeshClusterId,
    /// Estate: `maxConnectedClusters` not 255 or 511, or more meshed clusters than it allows.
    MeshMaxClusters,
    /// Estate: a meshed cluster's name is not a valid Cilium cluster name.
    MeshClusterName,
    /// Estate: a meshed cluster not on Cilium.
    MeshCni,
    /// Estate: two meshed clusters whose VNets are not peered directly (warning).
    MeshUnreachable,
    /// Estate: node subnets of two meshed clusters overlap.
    MeshNodeSubnetOverlap,
    /// Rule 28: the plan uses an AKS preview feature (kube-proxy disabled; warning).
    PreviewFeature,
    /// Rule 28: kube-proxy disabled with a CNI that does not replace it.
    KubeProxyCni,
}

impl Rule {
    /// Every rule, in the order `explain` lists them.
    pub const ALL: &'static [Rule] = &[
        Rule::InvalidCidr,
        Rule::HostBitsSet,
        Rule::ReservedRange,
        Rule::VnetForbiddenRange,
        Rule::PodCidrMissing,
        Rule::PodCidrOverlap,
        Rule::ServiceCidrOverlap,
        Rule::VnetOverlapsConnected,
        Rule::ServiceCidrTooLarge,
        Rule::DnsIpOutsideServiceCidr,
        Rule::DnsIpReserved,
        Rule::SubnetOutsideVnet,
        Rule::SubnetOverlap,
        Rule::SubnetSize,
        Rule::NodeSubnetTooSmall,
        Rule::NodeSubnetMissing,
        Rule::MaxSurgeInvalid,
        Rule::MaxPodsRange,
        Rule::PodCidrTooSmall,
        Rule::PerNodePrefixInvalid,
        Rule::NodeCountLimit,
        Rule::InvalidName,
        Rule::PublicRange,
        Rule::CniUnsupported,
        Rule::DuplicateName,
        Rule::VnetSpaceOverlap,
        Rule::OutboundConfig,
        Rule::OutboundIpCount,
        Rule::UdrNextHop,
        Rule::UdrDefaultRoute,
        Rule::PrivateEndpointIp,
        Rule::ApiserverSubnetSize,
        Rule::ApiserverSubnetRole,
        Rule::AuthorizedRangesPrivate,
        Rule::AuthorizedRangeInvalid,
        Rule::NsgBlocksOverlay,
        Rule::PeeringOverlap,
        Rule::PeeringUnknown,
        Rule::VnetOverlap,
        Rule::NodeSubnetUnknown,
        Rule::NodeSubnetShared,
        Rule::MeshPodCidrOverlap,
        Rule::MeshClusterId,
        Rule::MeshMaxClusters,
        Rule::MeshClusterName,
        Rule::MeshCni,
        Rule::MeshUnreachable,
        Rule::MeshNodeSubnetOverlap,
        Rule::PreviewFeature,
        Rule::KubeProxyCni,
    ];

    /// The stable kebab-case id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::InvalidCidr => "invalid-cidr",
            Rule::HostBitsSet => "host-bits-set",
            Rule::ReservedRange => "reserved-range",
            Rule::VnetForbiddenRange => "vnet-forbidden-range",
            Rule::PodCidrMissing => "pod-cidr-missing",
            Rule::PodCidrOverlap => "pod-cidr-overlap",
            Rule::ServiceCidrOverlap => "service-cidr-overlap",
            Rule::VnetOverlapsConnected => "vnet-overlaps-connected",
            Rule::ServiceCidrTooLarge => "service-cidr-too-large",
            Rule::DnsIpOutsideServiceCidr => "dns-ip-outside-service-cidr",
            Rule::DnsIpReserved => "dns-ip-reserved",
            Rule::SubnetOutsideVnet => "subnet-outside-vnet",
            Rule::SubnetOverlap => "subnet-overlap",
            Rule::SubnetSize => "subnet-size",
            Rule::NodeSubnetTooSmall => "node-subnet-too-small",
            Rule::NodeSubnetMissing => "node-subnet-missing",
            Rule::MaxSurgeInvalid => "max-surge-invalid",
            Rule::MaxPodsRange => "max-pods-range",
            Rule::PodCidrTooSmall => "pod-cidr-too-small",
            Rule::PerNodePrefixInvalid => "per-node-prefix-invalid",
            Rule::NodeCountLimit => "node-count-limit",
            Rule::InvalidName => "invalid-name",
            Rule::PublicRange => "public-range",
            Rule::CniUnsupported => "cni-unsupported",
            Rule::DuplicateName => "duplicate-name",
            Rule::VnetSpaceOverlap => "vnet-space-overlap",
            Rule::OutboundConfig => "outbound-config",
            Rule::OutboundIpCount => "outbound-ip-count",
            Rule::UdrNextHop => "udr-next-hop",
            Rule::UdrDefaultRoute => "udr-default-route",
            Rule::PrivateEndpointIp => "private-endpoint-ip",
            Rule::ApiserverSubnetSize => "apiserver-subnet-size",
            Rule::ApiserverSubnetRole => "apiserver-subnet-role",
            Rule::AuthorizedRangesPrivate => "authorized-ranges-private",
            Rule::AuthorizedRangeInvalid => "authorized-range-invalid",
            Rule::NsgBlocksOverlay => "nsg-blocks-overlay",
            Rule::PeeringOverlap => "peering-overlap",
            Rule::PeeringUnknown => "peering-unknown",
            Rule::VnetOverlap => "vnet-overlap",
            Rule::NodeSubnetUnknown => "node-subnet-unknown",
            Rule::NodeSubnetShared => "node-subnet-shared",
            Rule::MeshPodCidrOverlap => "mesh-pod-cidr-overlap",
            Rule::MeshClusterId => "mesh-cluster-id",
            Rule::MeshMaxClusters => "mesh-max-clusters",
            Rule::MeshClusterName => "mesh-cluster-name",
            Rule::MeshCni => "mesh-cni",
            Rule::MeshUnreachable => "mesh-unreachable",
            Rule::MeshNodeSubnetOverlap => "mesh-node-subnet-overlap",
            Rule::PreviewFeature => "preview-feature",
            Rule::KubeProxyCni => "kube-proxy-cni",
        }
    }

    /// Looks a rule up by its id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }

    /// The severity findings of this rule carry.
    pub fn severity(self) -> Severity {
        match self {
            Rule::PublicRange
            | Rule::CniUnsupported
            | Rule::VnetOverlap
            | Rule::NodeSubnetShared
            | Rule::MeshUnreachable
            | Rule::PreviewFeature => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Rule::from_id(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown rule `{s}`")))
    }
}

/// One problem found in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The rule that fired.
    pub rule: Rule,
    /// Error or warning.
    pub severity: Severity,
    /// The plan field it is about, as a dotted JSON path (`vnet.subnets[0].cidr`).
    pub field: String,
    /// Other fields involved (the other side of an overlap), same notation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// A sentence naming the fields and values.
    pub message: String,
    /// How to fix it, when there is a way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// A suggested fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// What to do, as a sentence.
    pub summary: String,
    /// The edit that does it, when it is mechanical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<Edit>,
}

/// A mechanical change to a plan: set the field at `path` to `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edit {
    /// Dotted JSON path, as in [`Finding::field`].
    pub path: String,
    /// The new value.
    pub value: serde_json::Value,
}

impl Finding {
    /// A finding of `rule` at `field`, with the rule's severity.
    pub fn new(rule: Rule, field: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity(),
            field: field.into(),
            related: Vec::new(),
            message: message.into(),
            fix: None,
        }
    }

    /// Adds a related field.
    #[must_use]
    pub fn related(mut self, field: impl Into<String>) -> Finding {
        self.related.push(field.into());
        self
    }

    /// Adds a fix that is only advice.
    #[must_use]
    pub fn advice(mut self, summary: impl Into<String>) -> Finding {
        self.fix = Some(Fix {
            summary: summary.into(),
            edit: None,
        });
        self
    }

    /// Adds a fix that sets `path` to `value`.
    #[must_use]
    pub fn fix_set(
        mut self,
        summary: impl Into<String>,
        path: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Finding {
        self.fix = Some(Fix {
            summary: summary.into(),
            edit: Some(Edit {
                path: path.into(),
                value: value.into(),
            }),
        });
        self
    }
}

/// Why an edit could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The path does not name a place in the plan.
    #[error("`{0}` is not a field of this plan")]
    NoSuchField(String),
    /// The edited plan no longer has a valid shape.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Applies `edit` to `plan`, returning the edited plan. Missing objects on the path are created.
pub fn apply_edit(plan: &Plan, edit: &Edit) -> Result<Plan, EditError> {
    // The edit goes through the plan's JSON form. Connected networks (possibly 10,000s) make no
    // round trip unless the edit is about them: an edit in the web planner stays cheap.
    if !edit.path.starts_with("connectedNetworks") && !plan.connected_networks.is_empty() {
        let light = plan.without_connected_networks();
        let mut edited = apply_edit(&light, edit)?;
        edited.connected_networks = plan.connected_networks.clone();
        return Ok(edited);
    }
    let mut root = serde_json::to_value(plan).expect("a plan always serialises");
    let segments =
        parse_path(&edit.path).ok_or_else(|| EditError::NoSuchField(edit.path.clone()))?;
    let (last, parents) = segments
        .split_last()
        .ok_or_else(|| EditError::NoSuchField(edit.path.clone()))?;
    let mut cur = &mut root;
    for seg in parents {
        cur = match seg {
            Segment::Key(k) => {
                let obj = cur
                    .as_object_mut()
                    .ok_or_else(|| EditError::NoSuchField(edit.path.clone()))?;
                obj.entry(k.clone())
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()))
            }
            Segment::Index(i) => cur
                .as_array_mut()
                .and_then(|a| a.get_mut(*i))
                .ok_or_else(|| EditError::NoSuchField(edit.path.clone()))?,
        };
    }
    match last {
        Segment::Key(k) => {
            cur.as_object_mut()
                .ok_or_else(|| EditError::NoSuchField(edit.path.clone()))?
                .insert(k.clone(), edit.value.clone());
        }
        Segment::Index(i) => {
            *cur.as_array_mut()
                .and_then(|a| a.get_mut(*i))
                .ok_or_else(|| EditError::NoSuchField(edit.path.clone()))? = edit.value.clone();
        }
    }
    Ok(Plan::from_value(root)?)
}

enum Segment {
    Key(String),
    Index(usize),
}

/// Parses `a.b[2].c` into segments.
fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key.to_owned()));
        } else if rest.is_empty() {
            return None;
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(Segment::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.id()), "duplicate id {}", r.id());
            assert_eq!(Rule::from_id(r.id()), Some(*r));
        }
    }

    #[test]
    fn edits_apply() {
        let p = Plan::example();
        let q = apply_edit(
            &p,
            &Edit {
                path: "vnet.subnets[0].cidr".into(),
                value: "10.225.0.0/16".into(),
            },
        )
        .unwrap();
        assert_eq!(q.vnet.unwrap().subnets[0].cidr, "10.225.0.0/16");
        let mut bare = p.clone();
        bare.pod_cidr = None;
        let q = apply_edit(
            &bare,
            &Edit {
                path: "podCidr".into(),
                value: "10.244.0.0/16".into(),
            },
        )
        .unwrap();
        assert_eq!(q.pod_cidr.as_deref(), Some("10.244.0.0/16"));
        assert!(apply_edit(
            &p,
            &Edit {
                path: "vnet.subnets[9].cidr".into(),
                value: "x".into()
            }
        )
        .is_err());
        assert!(apply_edit(
            &p,
            &Edit {
                path: "nope".into(),
                value: "x".into()
            }
        )
        .is_err());
    }

    #[test]
    fn edits_keep_the_connected_networks() {
        let mut p = Plan::example();
        p.connected_networks.push(crate::plan::ConnectedNetwork {
            name: "hub".into(),
            cidr: "10.50.0.0/16".into(),
        });
        let q = apply_edit(
            &p,
            &Edit {
                path: "podCidr".into(),
                value: "10.20.0.0/16".into(),
            },
        )
        .unwrap();
        assert_eq!(q.connected_networks, p.connected_networks);
        assert_eq!(q.pod_cidr.as_deref(), Some("10.20.0.0/16"));
        let q = apply_edit(
            &p,
            &Edit {
                path: "connectedNetworks[1].cidr".into(),
                value: "10.51.0.0/16".into(),
            },
        )
        .unwrap();
        assert_eq!(q.connected_networks[1].cidr, "10.51.0.0/16");
        assert!(apply_edit(
            &p,
            &Edit {
                path: "nodePools[0].count".into(),
                value: "x".into()
            }
        )
        .is_err());
    }
}
