//! The words the page uses for the plan's fields: findings name a field by the label of its
//! input ("Node pool 1 max pods"), not by its JSON path (`nodePools[0].maxPods`), and numbers
//! are written with grouped digits.

/// Labels of the fields that are not in a list.
const FIELDS: &[(&str, &str)] = &[
    ("cluster.name", "Cluster name"),
    ("cluster.resourceGroup", "Resource group"),
    ("cluster.location", "Location"),
    ("cluster.dnsPrefix", "DNS prefix"),
    ("vnet.name", "VNet name"),
    ("vnet.addressSpace", "VNet address space"),
    ("vnet.subnets", "Subnets"),
    ("vnet", "VNet"),
    ("podCidr", "Pod CIDR"),
    ("serviceCidr", "Service CIDR"),
    ("dnsServiceIP", "DNS service IP"),
    ("cni.plugin", "CNI plugin"),
    ("cni.perNodePrefix", "Per-node block prefix"),
    ("internalLoadBalancers", "Internal load balancers"),
    ("nodePools", "Node pools"),
    ("connectedNetworks", "Connected networks"),
    ("outbound.type", "Outbound type"),
    (
        "outbound.loadBalancer.managedOutboundIps",
        "Load balancer outbound IPs",
    ),
    ("outbound.loadBalancer", "Load balancer outbound"),
    ("outbound.natGateway.name", "NAT gateway name"),
    ("outbound.natGateway.existing", "NAT gateway exists"),
    (
        "outbound.natGateway.idleTimeoutMinutes",
        "NAT gateway idle timeout",
    ),
    (
        "outbound.natGateway.outboundIps",
        "NAT gateway outbound IPs",
    ),
    ("outbound.natGateway", "NAT gateway"),
    ("outbound.routeTable.name", "Route table name"),
    ("outbound.routeTable.existing", "Route table exists"),
    ("outbound.routeTable.nextHopIp", "Next hop IP"),
    ("outbound.routeTable", "Route table"),
    ("outbound", "Outbound"),
    ("apiServer.private", "Private cluster"),
    ("apiServer.vnetIntegration.subnet", "API server subnet"),
    ("apiServer.vnetIntegration", "API server subnet"),
    ("apiServer.authorizedIpRanges", "Authorized IP ranges"),
    ("apiServer", "API server"),
    ("nsg.name", "NSG name"),
    ("nsg.existing", "NSG exists"),
    ("nsg", "NSG"),
];

/// Lists, and the words for their items' fields.
const LISTS: &[(&str, &str)] = &[
    ("vnet.subnets[", "Subnet"),
    ("nodePools[", "Node pool"),
    ("connectedNetworks[", "Network"),
    ("vnet.addressSpace[", "VNet address space"),
    ("apiServer.authorizedIpRanges[", "Authorized IP range"),
];
const ITEM_FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("cidr", "CIDR"),
    ("role", "role"),
    ("mode", "mode"),
    ("count", "nodes"),
    ("maxCount", "max nodes"),
    ("maxSurge", "max surge"),
    ("maxPods", "max pods"),
    ("vmSize", "VM size"),
];

/// The label of the field at `path` as the page shows it (`nodePools[0].maxPods` -> "Node pool 1
/// max pods"); the path itself for a field the page has no words for.
pub fn label_of(path: &str) -> String {
    for (prefix, item) in LISTS {
        let Some((n, rest)) = path.strip_prefix(prefix).and_then(|r| r.split_once(']')) else {
            continue;
        };
        let n = n.parse::<usize>().map_or(0, |n| n + 1);
        let leaf = rest.trim_start_matches('.');
        let leaf = ITEM_FIELDS
            .iter()
            .find(|(k, _)| *k == leaf)
            .map_or(leaf, |(_, v)| v);
        return format!("{item} {n} {leaf}").trim_end().to_owned();
    }
    FIELDS
        .iter()
        .find(|(k, _)| *k == path)
        .map_or(path, |(_, v)| v)
        .to_owned()
}

/// `text` with each of `paths` written as its label, longest path first (so that `vnet` does
/// not eat into `vnet.name`).
pub fn relabel<'a>(text: &str, paths: impl Iterator<Item = &'a String>) -> String {
    let mut paths: Vec<&String> = paths.collect();
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    paths
        .into_iter()
        .fold(text.to_owned(), |t, p| t.replace(p.as_str(), &label_of(p)))
}

/// `n` with its digits grouped in threes: `16777216` -> `16,777,216`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_as_on_screen() {
        assert_eq!(label_of("nodePools[0].maxPods"), "Node pool 1 max pods");
        assert_eq!(label_of("vnet.subnets[2].cidr"), "Subnet 3 CIDR");
        assert_eq!(label_of("connectedNetworks[9]"), "Network 10");
        assert_eq!(label_of("podCidr"), "Pod CIDR");
        assert_eq!(label_of("somethingNew"), "somethingNew");
        assert_eq!(label_of("outbound.routeTable.nextHopIp"), "Next hop IP");
        assert_eq!(
            label_of("apiServer.authorizedIpRanges[1]"),
            "Authorized IP range 2"
        );
        assert_eq!(
            relabel(
                "outbound.routeTable.nextHopIp 10.0.0.4 is inside the node subnet",
                ["outbound.routeTable.nextHopIp".to_owned()].iter()
            ),
            "Next hop IP 10.0.0.4 is inside the node subnet"
        );
        let paths = ["podCidr".to_owned(), "vnet.subnets[0].cidr".to_owned()];
        assert_eq!(
            relabel(
                "podCidr 10.0.0.0/16 overlaps vnet.subnets[0].cidr",
                paths.iter()
            ),
            "Pod CIDR 10.0.0.0/16 overlaps Subnet 1 CIDR"
        );
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(16_777_216), "16,777,216");
    }
}
