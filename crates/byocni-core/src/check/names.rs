//! Rules 15-19 and 23: Azure's naming rules for the resource group, cluster, VNet, subnets, DNS
//! prefix and node pools, plus the location and VM size (which end up on the command line too),
//! and the length of the node resource group AKS derives from them.
//!
//! The allowed sets are ASCII on purpose: every name is later passed to az, ARM, Bicep and
//! Terraform, and a name the rules accept is inert in all of them.

use crate::estate::EstateVnet;
use crate::finding::{Finding, Rule};
use crate::plan::{ConnectedNetwork, Plan};

/// One naming rule.
struct NameRule {
    /// What the name is, for messages ("an AKS cluster name").
    what: &'static str,
    min: usize,
    max: usize,
    /// Characters allowed anywhere.
    allowed: fn(char) -> bool,
    /// Allowed as the first character.
    first: fn(char) -> bool,
    /// Allowed as the last character.
    last: fn(char) -> bool,
    /// The rule as a sentence.
    describe: &'static str,
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}
fn alnum_or_underscore(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
fn not_dot(c: char) -> bool {
    c != '.'
}
fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}
fn lower(c: char) -> bool {
    c.is_ascii_lowercase()
}
fn any(_: char) -> bool {
    true
}

const RESOURCE_GROUP: NameRule = NameRule {
    what: "a resource group name",
    min: 1,
    max: 90,
    allowed: |c| c.is_ascii_alphanumeric() || "_-.()".contains(c),
    first: any,
    last: not_dot,
    describe: "1-90 letters, digits, `_`, `-`, `.`, `(` and `)`, not ending in `.`",
};
const CLUSTER: NameRule = NameRule {
    what: "an AKS cluster name",
    min: 1,
    max: 63,
    allowed: |c| c.is_ascii_alphanumeric() || "_-".contains(c),
    first: alnum,
    last: alnum,
    describe: "1-63 letters, digits, `_` and `-`, starting and ending with a letter or digit",
};
const VNET: NameRule = NameRule {
    what: "a VNet name",
    min: 2,
    max: 64,
    allowed: |c| c.is_ascii_alphanumeric() || "_.-".contains(c),
    first: alnum,
    last: alnum_or_underscore,
    describe: "2-64 letters, digits, `_`, `.` and `-`, starting with a letter or digit and ending with a letter, digit or `_`",
};
const SUBNET: NameRule = NameRule {
    what: "a subnet name",
    min: 1,
    max: 80,
    allowed: |c| c.is_ascii_alphanumeric() || "_.-".contains(c),
    first: alnum,
    last: alnum_or_underscore,
    describe: "1-80 letters, digits, `_`, `.` and `-`, starting with a letter or digit and ending with a letter, digit or `_`",
};
const DNS_PREFIX: NameRule = NameRule {
    what: "a DNS prefix",
    min: 1,
    max: 54,
    allowed: |c| c.is_ascii_alphanumeric() || c == '-',
    first: alnum,
    last: alnum,
    describe: "1-54 letters, digits and `-`, starting and ending with a letter or digit",
};
const NODE_POOL: NameRule = NameRule {
    what: "a Linux node pool name",
    min: 1,
    max: 12,
    allowed: lower_alnum,
    first: lower,
    last: any,
    describe: "1-12 lowercase letters and digits, starting with a letter",
};
const LOCATION: NameRule = NameRule {
    what: "an Azure region name",
    min: 1,
    max: 40,
    allowed: lower_alnum,
    first: lower,
    last: any,
    describe: "the region's programmatic name: lowercase letters and digits, such as `westeurope` or `chinanorth3` (see `az account list-locations`)",
};
const VM_SIZE: NameRule = NameRule {
    what: "a VM size",
    min: 1,
    max: 64,
    allowed: |c| c.is_ascii_alphanumeric() || "_-".contains(c),
    first: alnum,
    last: alnum,
    describe: "a VM size name such as `Standard_D4s_v5`: letters, digits, `_` and `-`",
};

/// Describes a character for a message: printable ones in backticks, others by code point.
fn show_char(c: char) -> String {
    match c {
        '\n' => "a newline".into(),
        '\t' => "a tab".into(),
        ' ' => "a space".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        '`' => "a backtick".into(),
        c => format!("`{c}`"),
    }
}

/// Shows a user value safely in a message: control characters escaped, long values cut.
pub(crate) fn show_value(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_debug).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Checks one name; returns the finding when it breaks the rule.
fn check_name(rule: &NameRule, field: &str, name: &str) -> Option<Finding> {
    let len = name.chars().count();
    let problem = if len < rule.min || len > rule.max {
        Some(format!(
            "is {len} character{} long",
            if len == 1 { "" } else { "s" }
        ))
    } else if let Some((i, c)) = name.char_indices().find(|&(_, c)| !(rule.allowed)(c)) {
        Some(format!("has {} at position {}", show_char(c), i + 1))
    } else if !name.chars().next().is_some_and(rule.first) {
        Some("starts with a character it may not start with".into())
    } else if !name.chars().last().is_some_and(rule.last) {
        Some("ends with a character it may not end with".into())
    } else {
        None
    }?;
    let mut f = Finding::new(
        Rule::InvalidName,
        field,
        format!(
            "{field} `{}` {problem}; {} is {}",
            show_value(name),
            rule.what,
            rule.describe
        ),
    );
    if let Some(fixed) = sanitise(rule, name) {
        f = f.fix_set(format!("rename it `{fixed}`"), field, fixed);
    } else {
        f = f.advice(format!("choose {} of {}", rule.what, rule.describe));
    }
    Some(f)
}

/// A valid name close to `name`, when one is easy to derive.
fn sanitise(rule: &NameRule, name: &str) -> Option<String> {
    // Lowercase-only rules (node pools, regions) fold case instead of dropping letters.
    let lowercase = (rule.allowed)('a') && !(rule.allowed)('A');
    let mut s: String = name
        .chars()
        .map(|c| if lowercase { c.to_ascii_lowercase() } else { c })
        .filter(|&c| (rule.allowed)(c))
        .take(rule.max)
        .collect();
    while s.chars().next().is_some_and(|c| !(rule.first)(c)) {
        s.remove(0);
    }
    while s.chars().last().is_some_and(|c| !(rule.last)(c)) {
        s.pop();
    }
    (s.chars().count() >= rule.min && s != name).then_some(s)
}

/// Every naming finding of the plan.
pub(crate) fn check(plan: &Plan, out: &mut Vec<Finding>) {
    let c = &plan.cluster;
    out.extend(check_name(&CLUSTER, "cluster.name", &c.name));
    out.extend(check_name(
        &RESOURCE_GROUP,
        "cluster.resourceGroup",
        &c.resource_group,
    ));
    out.extend(check_name(&LOCATION, "cluster.location", &c.location));
    if let Some(p) = &c.dns_prefix {
        out.extend(check_name(&DNS_PREFIX, "cluster.dnsPrefix", p));
    }
    match &c.node_resource_group {
        Some(g) => out.extend(check_name(&RESOURCE_GROUP, "cluster.nodeResourceGroup", g)),
        None => out.extend(derived_node_resource_group(plan)),
    }
    if let Some(v) = &plan.vnet {
        out.extend(check_name(&VNET, "vnet.name", &v.name));
        for (i, s) in v.subnets.iter().enumerate() {
            out.extend(check_name(
                &SUBNET,
                &format!("vnet.subnets[{i}].name"),
                &s.name,
            ));
        }
        duplicates(
            v.subnets.iter().map(|s| s.name.as_str()),
            |i| format!("vnet.subnets[{i}].name"),
            "subnet",
            out,
        );
    }
    if let Some(pools) = &plan.node_pools {
        for (i, p) in pools.iter().enumerate() {
            out.extend(check_name(
                &NODE_POOL,
                &format!("nodePools[{i}].name"),
                &p.name,
            ));
            if let Some(vm) = &p.vm_size {
                out.extend(check_name(&VM_SIZE, &format!("nodePools[{i}].vmSize"), vm));
            }
        }
        duplicates(
            pools.iter().map(|p| p.name.as_str()),
            |i| format!("nodePools[{i}].name"),
            "node pool",
            out,
        );
    }
}

/// A name of a network resource byocni creates beside the VNet (route table, NAT gateway,
/// NSG): Azure's rule for them is the subnet rule, 1-80 characters.
pub(super) fn check_network_name(what: &'static str, field: &str, name: &str) -> Option<Finding> {
    let rule = NameRule { what, ..SUBNET };
    check_name(&rule, field, name)
}

/// An estate VNet's names (issue 13): its name, resource group and region, and its subnets'
/// names, at their estate paths (`vnets[2].subnets[0].name`). They go into the shared
/// network's exports, so they are held to the same rules as a v1 plan's.
pub(super) fn check_estate_vnet(v: &EstateVnet, ix: usize, out: &mut Vec<Finding>) {
    out.extend(check_name(&VNET, &format!("vnets[{ix}].name"), &v.name));
    out.extend(check_name(
        &RESOURCE_GROUP,
        &format!("vnets[{ix}].resourceGroup"),
        &v.resource_group,
    ));
    out.extend(check_name(
        &LOCATION,
        &format!("vnets[{ix}].location"),
        &v.location,
    ));
    for (i, s) in v.subnets.iter().enumerate() {
        out.extend(check_name(
            &SUBNET,
            &format!("vnets[{ix}].subnets[{i}].name"),
            &s.name,
        ));
    }
    duplicates(
        v.subnets.iter().map(|s| s.name.as_str()),
        |i| format!("vnets[{ix}].subnets[{i}].name"),
        "subnet",
        out,
    );
}

/// Names used twice in an estate (VNets, clusters), compared as Azure compares them.
pub(super) fn estate_duplicates<'a>(
    names: impl Iterator<Item = &'a str>,
    field: impl Fn(usize) -> String,
    what: &str,
    out: &mut Vec<Finding>,
) {
    duplicates(names, field, what, out);
}

/// The most characters AKS allows in a node resource group name (rule 23).
const NODE_RESOURCE_GROUP_MAX: usize = 80;

/// Rule 23: the node resource group AKS derives, `MC_<resourceGroup>_<name>_<location>`, is at
/// most 80 characters. The fix names one explicitly (`cluster.nodeResourceGroup`): the derived
/// name cut to 80 characters, when that is a valid resource group name.
fn derived_node_resource_group(plan: &Plan) -> Option<Finding> {
    let derived = plan.effective_node_resource_group();
    let len = derived.chars().count();
    if len <= NODE_RESOURCE_GROUP_MAX {
        return None;
    }
    let f = Finding::new(
        Rule::InvalidName,
        "cluster.name",
        format!(
            "the node resource group AKS derives, `{}`, is {len} characters; AKS allows {NODE_RESOURCE_GROUP_MAX}: shorten cluster.resourceGroup or cluster.name by {}, or set cluster.nodeResourceGroup",
            show_value(&derived),
            len - NODE_RESOURCE_GROUP_MAX
        ),
    )
    .related("cluster.resourceGroup");
    let mut cut: String = derived.chars().take(NODE_RESOURCE_GROUP_MAX).collect();
    while cut.ends_with('.') {
        cut.pop();
    }
    Some(if check_name(&RESOURCE_GROUP, "", &cut).is_none() {
        f.fix_set(
            format!("set cluster.nodeResourceGroup to `{cut}`"),
            "cluster.nodeResourceGroup",
            cut,
        )
    } else {
        f.advice("shorten cluster.resourceGroup or cluster.name, or set cluster.nodeResourceGroup")
    })
}

/// Connected networks' names: free text, but one line of printable characters (they become
/// labels and comments in the exports).
pub(super) fn check_connected(networks: &[ConnectedNetwork], out: &mut Vec<Finding>) {
    for (i, n) in networks.iter().enumerate() {
        if let Some(c) = n.name.chars().find(|c| c.is_control()) {
            out.push(
                Finding::new(
                    Rule::InvalidName,
                    format!("connectedNetworks[{i}].name"),
                    format!(
                        "connectedNetworks[{i}].name `{}` has {}; a label is one line of printable text",
                        show_value(&n.name),
                        show_char(c)
                    ),
                )
                .fix_set(
                    "remove the control characters",
                    format!("connectedNetworks[{i}].name"),
                    n.name.chars().filter(|c| !c.is_control()).collect::<String>(),
                ),
            );
        }
    }
}

/// Case-insensitive duplicate names: Azure treats `Nodes` and `nodes` as one resource.
fn duplicates<'a>(
    names: impl Iterator<Item = &'a str>,
    field: impl Fn(usize) -> String,
    what: &str,
    out: &mut Vec<Finding>,
) {
    // Sorted (lowercased name, index) pairs put each name's occurrences side by side, the first
    // one first (no hash map: the planner's wasm carries none of its own).
    let names: Vec<&str> = names.collect();
    let mut keyed: Vec<(String, usize)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_ascii_lowercase(), i))
        .collect();
    keyed.sort_unstable();
    let mut repeats: Vec<(usize, usize)> = keyed
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|run| run[1..].iter().map(|&(_, i)| (i, run[0].1)))
        .collect();
    repeats.sort_unstable();
    for (i, first) in repeats {
        let n = names[i];
        out.push(
                Finding::new(
                    Rule::DuplicateName,
                    field(i),
                    format!(
                        "{} `{}` repeats {} (Azure compares names case-insensitively); each {what} needs its own name",
                        field(i),
                        show_value(n),
                        field(first)
                    ),
                )
                .related(field(first))
                .advice(format!("rename one of the two {what}s")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names() {
        assert!(check_name(&CLUSTER, "f", "myAKSCluster").is_none());
        assert!(check_name(&CLUSTER, "f", "a").is_none());
        assert!(check_name(&CLUSTER, "f", &"a".repeat(63)).is_none());
        assert!(check_name(&CLUSTER, "f", &"a".repeat(64)).is_some());
        assert!(check_name(&CLUSTER, "f", "-a").is_some());
        assert!(check_name(&CLUSTER, "f", "a_").is_some());
        let f = check_name(&CLUSTER, "cluster.name", "x; rm -rf /").unwrap();
        assert!(f.message.contains("`;` at position 2"), "{}", f.message);
        let f = check_name(&CLUSTER, "cluster.name", "a\nb").unwrap();
        assert!(f.message.contains("a newline"), "{}", f.message);
        assert!(!f.message.contains('\n'));
    }

    /// A one-character name is "1 character long", not "1 characters long".
    #[test]
    fn a_length_reads_in_the_singular_and_the_plural() {
        let one = check_name(&VNET, "f", "a").unwrap();
        assert!(
            one.message.contains("is 1 character long"),
            "{}",
            one.message
        );
        let long = check_name(&CLUSTER, "f", &"a".repeat(64)).unwrap();
        assert!(
            long.message.contains("is 64 characters long"),
            "{}",
            long.message
        );
    }

    #[test]
    fn other_names() {
        assert!(check_name(&RESOURCE_GROUP, "f", "rg.(prod)_1").is_none());
        assert!(check_name(&RESOURCE_GROUP, "f", "rg.").is_some());
        assert!(check_name(&VNET, "f", "v").is_some());
        assert!(check_name(&VNET, "f", "vn_").is_none());
        assert!(check_name(&VNET, "f", "vn-").is_some());
        assert!(check_name(&SUBNET, "f", "s").is_none());
        assert!(check_name(&NODE_POOL, "f", "nodepool1").is_none());
        assert!(check_name(&NODE_POOL, "f", "nodepool12345").is_some());
        assert!(check_name(&NODE_POOL, "f", "Nodepool").is_some());
        assert!(check_name(&NODE_POOL, "f", "1pool").is_some());
        assert!(check_name(&DNS_PREFIX, "f", "my-prefix").is_none());
        assert!(check_name(&DNS_PREFIX, "f", "my_prefix").is_some());
        assert!(check_name(&LOCATION, "f", "chinanorth3").is_none());
        assert!(check_name(&LOCATION, "f", "East US").is_some());
    }

    #[test]
    fn fixes_are_valid_names() {
        let f = check_name(&NODE_POOL, "p", "Node-Pool").unwrap();
        let v = f.fix.unwrap().edit.unwrap().value;
        assert_eq!(v, "nodepool");
        assert!(check_name(&NODE_POOL, "p", v.as_str().unwrap()).is_none());
    }
}
