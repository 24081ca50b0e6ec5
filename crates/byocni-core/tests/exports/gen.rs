//! Generated plans: well-formed (names Azure accepts, CIDRs that parse) but otherwise free in
//! shape, so the sample covers what the fixtures do not: no VNet, many subnets, no node subnet,
//! pools with and without autoscaling and surge, every CNI.

use byocni_core::plan::{
    ApiServer, Cluster, Cni, CniPlugin, ConnectedNetwork, LoadBalancerOutbound, NatGateway,
    NodePool, Nsg, Outbound, OutboundType, PoolMode, RouteTable, Subnet, SubnetRole, Vnet,
    VnetIntegration,
};
use byocni_core::Plan;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

fn cidr() -> impl Strategy<Value = String> {
    (any::<u32>(), 8u8..=29).prop_map(|(a, p)| {
        let a = a & u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0);
        format!("{}/{p}", std::net::Ipv4Addr::from(a))
    })
}

fn subnet() -> impl Strategy<Value = Subnet> {
    (
        "[a-zA-Z][a-zA-Z0-9_.-]{0,20}[a-zA-Z0-9_]",
        cidr(),
        prop_oneof![
            Just(SubnetRole::Nodes),
            Just(SubnetRole::ApiServer),
            Just(SubnetRole::Other)
        ],
    )
        .prop_map(|(name, cidr, role)| Subnet { name, cidr, role })
}

fn pool() -> impl Strategy<Value = NodePool> {
    (
        "[a-z][a-z0-9]{0,11}",
        prop_oneof![Just(PoolMode::System), Just(PoolMode::User)],
        0u32..200,
        proptest::option::of(1u32..1000),
        proptest::option::of(prop_oneof![
            (1u32..100).prop_map(|n| n.to_string()),
            (1u32..=100).prop_map(|n| format!("{n}%")),
        ]),
        proptest::option::of(10u32..=250),
        proptest::option::of(prop_oneof![
            Just("Standard_D4s_v5".to_owned()),
            Just("Standard_F16s_v2".to_owned()),
            Just("Standard_B2ms".to_owned()),
        ]),
    )
        .prop_map(
            |(name, mode, count, extra, max_surge, max_pods, vm_size)| NodePool {
                name,
                mode,
                count,
                max_count: extra.map(|e| count + e),
                max_surge,
                max_pods,
                vm_size,
            },
        )
}

fn network_name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_.-]{0,20}[a-zA-Z0-9_]"
}

/// Any outbound type with its block (issue 14).
fn outbound() -> impl Strategy<Value = Outbound> {
    let ip = any::<u32>().prop_map(|a| std::net::Ipv4Addr::from(a).to_string());
    prop_oneof![
        proptest::option::of(1u32..=100).prop_map(|n| Outbound {
            kind: OutboundType::LoadBalancer,
            load_balancer: n.map(|n| LoadBalancerOutbound {
                managed_outbound_ips: Some(n),
            }),
            ..Outbound::default()
        }),
        (
            proptest::option::of(1u32..=16),
            proptest::option::of(4u32..=120)
        )
            .prop_map(|(ips, idle)| Outbound {
                kind: OutboundType::ManagedNatGateway,
                nat_gateway: Some(NatGateway {
                    outbound_ips: ips,
                    idle_timeout_minutes: idle,
                    ..NatGateway::default()
                }),
                ..Outbound::default()
            }),
        (
            proptest::option::of(network_name()),
            any::<bool>(),
            1u32..=16,
            4u32..=120
        )
            .prop_map(|(name, existing, ips, idle)| Outbound {
                kind: OutboundType::UserAssignedNatGateway,
                nat_gateway: Some(NatGateway {
                    name,
                    existing,
                    outbound_ips: (!existing).then_some(ips),
                    idle_timeout_minutes: (!existing).then_some(idle),
                }),
                ..Outbound::default()
            }),
        (
            proptest::option::of(network_name()),
            any::<bool>(),
            proptest::option::of(ip)
        )
            .prop_map(|(name, existing, next_hop_ip)| Outbound {
                kind: OutboundType::UserDefinedRouting,
                route_table: Some(RouteTable {
                    name,
                    existing,
                    next_hop_ip,
                }),
                ..Outbound::default()
            }),
    ]
}

/// API server access: private or not, VNet integration into a subnet by name (often one of
/// the generated ones, which may or may not be role `apiServer`), authorized ranges.
fn api_server() -> impl Strategy<Value = ApiServer> {
    (
        any::<bool>(),
        proptest::option::of(network_name()),
        prop::collection::vec(cidr(), 0..3),
    )
        .prop_map(|(private, subnet, authorized_ip_ranges)| ApiServer {
            private,
            vnet_integration: subnet.map(|subnet| VnetIntegration { subnet }),
            authorized_ip_ranges,
        })
}

fn nsg() -> impl Strategy<Value = Nsg> {
    (proptest::option::of(network_name()), any::<bool>())
        .prop_map(|(name, existing)| Nsg { name, existing })
}

/// A well-formed plan of any shape.
pub(crate) fn plan() -> impl Strategy<Value = Plan> {
    let cluster = (
        "[a-z][a-z0-9-]{0,30}[a-z0-9]",
        "[a-zA-Z0-9_()-][a-zA-Z0-9_().-]{0,30}[a-zA-Z0-9_()-]",
        prop_oneof![
            Just("westeurope".to_owned()),
            Just("eastus2".to_owned()),
            Just("swedencentral".to_owned())
        ],
        proptest::option::of("[a-z][a-z0-9-]{0,20}[a-z0-9]"),
        proptest::option::of("[a-zA-Z0-9_()-][a-zA-Z0-9_().-]{0,20}[a-zA-Z0-9_()-]"),
    )
        .prop_map(
            |(name, resource_group, location, dns_prefix, node_resource_group)| Cluster {
                name,
                resource_group,
                location,
                dns_prefix,
                node_resource_group,
            },
        );
    let vnet = proptest::option::of(
        (
            "[a-zA-Z][a-zA-Z0-9_.-]{0,30}[a-zA-Z0-9_]",
            prop::collection::vec(cidr(), 1..4),
            prop::collection::vec(subnet(), 0..5),
        )
            .prop_map(|(name, address_space, subnets)| Vnet {
                name,
                address_space,
                subnets,
            }),
    );
    let cni = (
        prop_oneof![
            Just(CniPlugin::Cilium),
            Just(CniPlugin::Calico),
            Just(CniPlugin::Flannel),
            Just(CniPlugin::Other)
        ],
        proptest::option::of(16u8..=28),
    )
        .prop_map(|(plugin, per_node_prefix)| Cni {
            plugin,
            per_node_prefix,
        });
    (
        cluster,
        vnet,
        proptest::option::of(cidr()),
        proptest::option::of(cidr()),
        proptest::option::of(any::<u32>().prop_map(|a| std::net::Ipv4Addr::from(a).to_string())),
        proptest::option::of(prop::collection::vec(pool(), 0..4)),
        proptest::option::of(0u32..20),
        cni,
        prop::collection::vec(
            ("[a-z ]{1,12}", cidr()).prop_map(|(name, cidr)| ConnectedNetwork { name, cidr }),
            0..4,
        ),
        proptest::option::of(outbound()),
        proptest::option::of(api_server()),
        proptest::option::of(nsg()),
    )
        .prop_map(
            |(
                cluster,
                vnet,
                pod_cidr,
                service_cidr,
                dns_service_ip,
                node_pools,
                internal_load_balancers,
                cni,
                connected_networks,
                outbound,
                api_server,
                nsg,
            )| {
                // Point VNet integration at a generated subnet, when there is one to name.
                let mut api_server: Option<ApiServer> = api_server;
                if let (Some(a), Some(v)) = (api_server.as_mut(), vnet.as_ref()) {
                    if let (Some(vi), Some(s)) = (a.vnet_integration.as_mut(), v.subnets.last()) {
                        vi.subnet = s.name.clone();
                    }
                }
                Plan {
                    schema: None,
                    version: byocni_core::plan::PLAN_VERSION,
                    cluster,
                    vnet,
                    pod_cidr,
                    service_cidr,
                    dns_service_ip,
                    node_pools,
                    internal_load_balancers,
                    cni,
                    connected_networks,
                    outbound,
                    api_server,
                    nsg,
                }
            },
        )
}

/// `n` generated plans, the same on every run (for checks that run an external tool per plan).
pub(crate) fn sample(n: usize) -> Vec<Plan> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = plan();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}
