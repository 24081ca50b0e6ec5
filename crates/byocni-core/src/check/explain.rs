//! Long explanations of each rule, for `byocni explain RULE-ID` and the web planner's help.

use crate::finding::Rule;

/// What the rule checks, why it matters for AKS with a bring-your-own CNI, the exact numbers,
/// where the rule comes from, and how to fix it.
pub fn explain(rule: Rule) -> &'static str {
    match rule {
        Rule::InvalidCidr => "Every range in a plan (VNet prefixes, subnets, pod CIDR, service CIDR, connected networks) must be an IPv4 network written as address/prefix, such as 10.224.0.0/12, and the DNS service IP a single IPv4 address such as 10.0.0.10. AKS with --network-plugin none plans IPv4 here; IPv6, a bare address without a prefix, or a prefix above /32 is refused. The text is plain dotted decimal: four numbers 0-255 and a prefix 0-32, ASCII digits only, with no sign, no space inside and no leading zero (010.0.0.0/8 is refused: inet_aton reads 010 as octal 8, Python and Go refuse it, so tools would disagree on what it means). IPv6 prefixes in connectedNetworks (the IPv6 half of dual-stack VNets, as `byocni discover` finds them) are recorded and skipped by the IPv4 rules, never an error. Fix: write the network as address/prefix in plain decimal; for a leading zero the finding proposes the decimal form.",
        Rule::HostBitsSet => "A CIDR whose address has bits set below its prefix (10.0.0.1/16) denotes the network 10.0.0.0/16, but az and ARM either refuse it or silently normalise it, so what gets created is not what was written. The finding names the normalised network; the fix writes it.",
        Rule::ReservedRange => "AKS reserves 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 (the AKS BYO CNI article, prerequisites): none of them may be used for the VNet, its subnets, the pod CIDR or the service CIDR. AKS refuses a pod CIDR that overlaps 172.30.0.0/16 or 172.31.0.0/16, so 172.16.0.0/12 as a whole is no pod CIDR (172.16.0.0/13 or 172.28.0.0/15 are). Pods and services also may not use loopback (127.0.0.0/8), multicast (224.0.0.0/4), broadcast or Azure's platform address 168.63.129.16. Fix: move the range to a free one of the same size; the finding proposes one.",
        Rule::VnetForbiddenRange => "Azure does not allow these in a VNet at all (Azure VNet FAQ): 224.0.0.0/4 (multicast), 255.255.255.255/32 (broadcast), 127.0.0.0/8 (loopback), 169.254.0.0/16 (link-local) and 168.63.129.16/32 (the platform's DNS, DHCP and health probe address). A VNet prefix or subnet overlapping them fails to deploy. Fix: choose private space such as 10.224.0.0/12.",
        Rule::PodCidrMissing => "With --network-plugin none AKS still needs --pod-cidr: the control plane routes to it and the CNI you install allocates pod IPs from it (the AKS BYO CNI article). Without it the CNI falls back to its own default pool, and Cilium's default 10.0.0.0/8 collides with AKS's default service CIDR 10.0.0.0/16. Fix: run `byocni suggest` to pick a free range sized for your nodes.",
        Rule::PodCidrOverlap => "The pod CIDR must not overlap the VNet, any subnet, the service CIDR, any connected network (on-premises, peered VNets, VPN ranges) or the reserved ranges (AKS BYO CNI article). Overlaps make traffic to pods and to those networks ambiguous: packets go to the wrong place or nowhere. Fix: move the pod CIDR to a free range of the same size; the finding proposes one.",
        Rule::ServiceCidrOverlap => "The service CIDR is virtual, but it must not overlap the VNet, any subnet or any connected network, nor the pod CIDR (AKS BYO CNI article): ClusterIPs inside a routable range shadow real addresses. When the plan omits it, AKS's default 10.0.0.0/16 is checked. Fix: move it to a free /16; the finding proposes one.",
        Rule::VnetOverlapsConnected => "The VNet (or AKS's managed VNet 10.224.0.0/12 when the plan has none) must not overlap any connected network: peering and VPN gateways refuse overlapping spaces, and routes to the overlap break. Fix: choose a VNet space clear of the whole estate; `byocni discover` adds the VNets you can see to connectedNetworks.",
        Rule::ServiceCidrTooLarge => "The service CIDR must be smaller than /12 (AKS BYO CNI article): a /12 or larger is refused (kube-apiserver rejects IPv4 service ranges larger than /12), /13 and smaller are fine. Fix: use a /16, which holds 65,533 services.",
        Rule::DnsIpOutsideServiceCidr => "The DNS service IP (kube-dns's ClusterIP) must lie inside the service CIDR (AKS BYO CNI article). With the defaults that is 10.0.0.10 in 10.0.0.0/16. Fix: use the .10 of the service CIDR.",
        Rule::DnsIpReserved => "The DNS service IP must not be the service CIDR's network address, its first address (.1, taken by the `kubernetes` service) or its broadcast address: it must lie in [network + 2, broadcast - 1]. AKS's default is the .10 of the range. Fix: use the .10.",
        Rule::SubnetOutsideVnet => "Every subnet must lie wholly inside one of the VNet's address prefixes (Azure VNet rules); az fails to create it otherwise. Fix: move it inside the VNet (the finding proposes a free block) or add a VNet prefix that holds it.",
        Rule::SubnetOverlap => "Subnets of one VNet must not overlap each other (Azure VNet rules). Fix: move one to a free range of the VNet.",
        Rule::SubnetSize => "Azure subnets and VNet prefixes are /2 to /29: /29 is the smallest (8 addresses, of which Azure keeps 5: network, gateway, two for DNS, broadcast), /2 the largest (Azure VNet FAQ). Fix: use a prefix in that range.",
        Rule::NodeSubnetTooSmall => "Under BYO CNI pods take no subnet IPs, but the node subnet must hold, for every pool, its maximum node count (the autoscaler max when set), plus the surge nodes of an upgrade (max surge: a count, at most the pool's nodes, or a percentage of the pool rounded up; 10% when omitted), plus one IP per internal load balancer front end, plus the 5 addresses Azure keeps in every subnet. Fix: the finding proposes the smallest prefix that fits.",
        Rule::NodeSubnetMissing => "A planned VNet needs exactly one node subnet, passed to az aks create as --vnet-subnet-id: the subnet with role `nodes`, or the first subnet. It must not be delegated, and an NSG on it must allow traffic within the node CIDR. Fix: add a subnet with role `nodes`; the finding proposes one sized for the pools.",
        Rule::MaxSurgeInvalid => "A pool's maxSurge is either a node count of at least 1 (\"3\"; AKS refuses 0) or a percentage of the pool from 1% to 100% (\"33%\"), rounded up, written in plain digits (no sign, space or leading zero: the text goes to az and the templates as written). It decides how many extra nodes an upgrade adds, and so how many node-subnet IPs and pod blocks to keep free; a count larger than the pool surges at most the pool's nodes (AKS upgrade docs), and the capacity rules count min(count, nodes). Fix: use a count or a percentage; AKS's default is 10%.",
        Rule::MaxPodsRange => "maxPods per node is 10 to 250 (250 is the default with --network-plugin none). Below 30, the pool must still hold at least 30 pods in all (nodes x maxPods >= 30). Under BYO CNI it only limits scheduling density: whether the pod CIDR can hold that many is checked by pod-cidr-too-small and per-node-prefix-invalid. Fix: use a value in range.",
        Rule::PodCidrTooSmall => "The CNI hands each node one block of the pod CIDR: Cilium's cluster-pool IPAM a /24 by default (clusterPoolIPv4MaskSize), Calico a /26 (blockSize). The pod CIDR supports 2^(per-node prefix - pod prefix) nodes, and must hold every node the pools can reach, including upgrade surge; for Calico the whole CIDR must also hold every pod the pools allow. Fix: a larger pod CIDR (the finding proposes a free one) or a smaller per-node block.",
        Rule::PerNodePrefixInvalid => "cni.perNodePrefix is the size of each node's block of the pod CIDR (Cilium clusterPoolIPv4MaskSize, Calico blockSize). It must be at least as long as the pod CIDR's prefix and at most /30, and for Cilium a block must hold the pool's maxPods (a /24 gives 254 pod IPs). Fix: use the plugin's default (Cilium /24, Calico /26) or the largest block maxPods needs.",
        Rule::NodeCountLimit => "AKS limits: 1000 nodes per pool, 100 pools per cluster, 5000 nodes per cluster; a system pool has at least 1 node, the first pool (the one az aks create makes) is a system pool, and an autoscaler maximum is at least the node count. Fix: stay within the limits.",
        Rule::InvalidName => "Names follow Azure's naming rules, where a letter is an ASCII letter (a-z, A-Z: no accented or other non-ASCII letters) and a digit is 0-9: resource group 1-90 letters, digits, _ - . ( ) not ending in a dot; cluster 1-63 letters, digits, _ and -, starting and ending with a letter or digit; VNet 2-64 and subnet 1-80 letters, digits, _ . -, starting with a letter or digit and ending with a letter, digit or _; DNS prefix 1-54 letters, digits and -; Linux node pool 1-12 lowercase letters and digits starting with a letter; region names lowercase letters and digits. The node resource group AKS creates, MC_<resourceGroup>_<name>_<location>, must be at most 80 characters (AKS naming rules): shorten the resource group or cluster name, or set cluster.nodeResourceGroup, which is then checked as a resource group name instead. byocni checks them before rendering anything, so no name can carry shell metacharacters, quotes or control characters into a script. Fix: the finding proposes the nearest valid name.",
        Rule::PublicRange => "Pods and services normally use private space: RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or shared space (100.64.0.0/10). A public range works, but it shadows the real owners of those addresses for everything in the cluster. A warning, not an error.",
        Rule::CniUnsupported => "Flannel's default kube subnet manager reads each node's spec.podCIDR, which AKS does not assign with --network-plugin none, so Flannel will not come up as is. Cilium (cluster-pool IPAM) and Calico (its own IPAM) allocate from the pod CIDR themselves. A warning, not an error.",
        Rule::DuplicateName => "Azure compares resource names case-insensitively: two subnets or node pools named `nodes` and `Nodes` are one resource, and the second create fails or overwrites the first. Fix: give each its own name.",
        Rule::VnetSpaceOverlap => "A VNet's address prefixes must be disjoint; Azure refuses overlapping prefixes in one VNet. Fix: remove one or choose a disjoint prefix.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_explained() {
        for r in Rule::ALL {
            assert!(explain(*r).len() > 80, "{} is not explained", r.id());
        }
    }

    /// Issue 11, case 9: `explain invalid-name` says which letters are meant; the rules of
    /// issue 11 are explained (23, 24, 25).
    #[test]
    fn explanations_say_what_is_meant() {
        assert!(explain(Rule::InvalidName).contains("ASCII letter (a-z, A-Z"));
        assert!(explain(Rule::InvalidName).contains("at most 80 characters"));
        assert!(explain(Rule::MaxSurgeInvalid).contains("at least 1"));
        assert!(explain(Rule::MaxSurgeInvalid).contains("min(count, nodes)"));
        assert!(explain(Rule::InvalidCidr).contains("leading zero"));
        assert!(explain(Rule::InvalidCidr).contains("IPv6 prefixes in connectedNetworks"));
        assert!(explain(Rule::ReservedRange).contains("172.16.0.0/12 as a whole is no pod CIDR"));
    }
}
