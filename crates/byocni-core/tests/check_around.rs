//! The rules around the cluster (issue 14), table-like: outbound type and its blocks, the
//! route table's next hop, the API server (private cluster, VNet integration, authorized
//! ranges) and the NSG, each from the seed example with one change, at its boundaries.

use byocni_core::check::explain::explain;
use byocni_core::plan::{
    ApiServer, LoadBalancerOutbound, NatGateway, Nsg, Outbound, OutboundType, RouteTable, Subnet,
    SubnetRole, VnetIntegration,
};
use byocni_core::{apply_edit, check, Plan, Rule};

/// The (rule id, field) pairs `check` reports after `edit` is applied to the seed example.
fn findings(edit: impl FnOnce(&mut Plan)) -> Vec<(String, String)> {
    let mut p = Plan::example();
    edit(&mut p);
    let mut got: Vec<(String, String)> = check(&p)
        .findings
        .into_iter()
        .map(|f| (f.rule.id().to_owned(), f.field))
        .collect();
    got.sort();
    got.dedup();
    got
}

#[track_caller]
fn expect(edit: impl FnOnce(&mut Plan), want: &[(&str, &str)]) {
    let mut want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    want.sort();
    assert_eq!(findings(edit), want);
}

fn outbound(kind: OutboundType) -> Outbound {
    Outbound {
        kind,
        ..Outbound::default()
    }
}

fn udr(next_hop: Option<&str>) -> Outbound {
    Outbound {
        route_table: Some(RouteTable {
            name: Some("rt-aks".into()),
            existing: false,
            next_hop_ip: next_hop.map(str::to_owned),
        }),
        ..outbound(OutboundType::UserDefinedRouting)
    }
}

fn nat(kind: OutboundType, ips: Option<u32>, idle: Option<u32>) -> Outbound {
    Outbound {
        nat_gateway: Some(NatGateway {
            outbound_ips: ips,
            idle_timeout_minutes: idle,
            ..NatGateway::default()
        }),
        ..outbound(kind)
    }
}

/// Adds an API server subnet `apiserver` of `cidr` (inside the seed's 10.224.0.0/12) and
/// integrates the API server into it.
fn integrate(p: &mut Plan, cidr: &str, role: SubnetRole) {
    p.vnet.as_mut().unwrap().subnets.push(Subnet {
        name: "apiserver".into(),
        cidr: cidr.into(),
        role,
    });
    p.api_server = Some(ApiServer {
        vnet_integration: Some(VnetIntegration {
            subnet: "apiserver".into(),
        }),
        ..ApiServer::default()
    });
}

#[test]
fn the_seed_plan_says_nothing_about_what_it_does_not_plan() {
    assert!(Plan::example().outbound.is_none());
    assert!(check(&Plan::example()).findings.is_empty());
    // Every outbound type with its defaults alone is clean on the seed (which has a VNet).
    for kind in [
        OutboundType::LoadBalancer,
        OutboundType::ManagedNatGateway,
        OutboundType::UserAssignedNatGateway,
    ] {
        expect(|p| p.outbound = Some(outbound(kind)), &[]);
    }
    expect(|p| p.nsg = Some(Nsg::default()), &[]);
    expect(|p| p.api_server = Some(ApiServer::default()), &[]);
}

#[test]
fn outbound_ip_counts_at_their_boundaries() {
    let lb = |n| {
        move |p: &mut Plan| {
            p.outbound = Some(Outbound {
                load_balancer: Some(LoadBalancerOutbound {
                    managed_outbound_ips: Some(n),
                }),
                ..outbound(OutboundType::LoadBalancer)
            });
        }
    };
    let field = "outbound.loadBalancer.managedOutboundIps";
    expect(lb(0), &[("outbound-ip-count", field)]);
    expect(lb(1), &[]);
    expect(lb(100), &[]);
    expect(lb(101), &[("outbound-ip-count", field)]);
    let ips = "outbound.natGateway.outboundIps";
    let idle = "outbound.natGateway.idleTimeoutMinutes";
    for kind in [
        OutboundType::ManagedNatGateway,
        OutboundType::UserAssignedNatGateway,
    ] {
        expect(
            |p| p.outbound = Some(nat(kind, Some(0), Some(3))),
            &[("outbound-ip-count", ips), ("outbound-ip-count", idle)],
        );
        expect(|p| p.outbound = Some(nat(kind, Some(1), Some(4))), &[]);
        expect(|p| p.outbound = Some(nat(kind, Some(16), Some(120))), &[]);
        expect(
            |p| p.outbound = Some(nat(kind, Some(17), Some(121))),
            &[("outbound-ip-count", ips), ("outbound-ip-count", idle)],
        );
    }
    // The fix is the nearest value in range.
    let mut p = Plan::example();
    p.outbound = Some(nat(OutboundType::ManagedNatGateway, Some(40), None));
    let f = check(&p).findings.remove(0);
    let edit = f.fix.unwrap().edit.unwrap();
    assert_eq!(edit.value, 16);
    assert!(check(&apply_edit(&p, &edit).unwrap()).findings.is_empty());
}

#[test]
fn outbound_blocks_belong_to_their_type() {
    expect(
        |p| p.outbound = Some(nat(OutboundType::LoadBalancer, None, None)),
        &[("outbound-config", "outbound.natGateway")],
    );
    expect(
        |p| {
            let mut o = udr(Some("10.224.0.0"));
            o.kind = OutboundType::ManagedNatGateway;
            p.outbound = Some(o);
        },
        &[("outbound-config", "outbound.routeTable")],
    );
    expect(
        |p| {
            p.outbound = Some(Outbound {
                load_balancer: Some(LoadBalancerOutbound::default()),
                ..outbound(OutboundType::UserAssignedNatGateway)
            });
        },
        &[("outbound-config", "outbound.loadBalancer")],
    );
    // A managed NAT gateway is AKS's: no name, not existing.
    expect(
        |p| {
            let mut o = nat(OutboundType::ManagedNatGateway, None, None);
            o.nat_gateway.as_mut().unwrap().name = Some("natgw".into());
            p.outbound = Some(o);
        },
        &[("outbound-config", "outbound.natGateway")],
    );
    // An existing NAT gateway keeps its own IPs and timeout.
    expect(
        |p| {
            let mut o = nat(OutboundType::UserAssignedNatGateway, Some(2), None);
            o.nat_gateway.as_mut().unwrap().existing = true;
            p.outbound = Some(o);
        },
        &[("outbound-config", "outbound.natGateway")],
    );
    // User-assigned NAT gateways and UDR attach to the plan's own node subnet.
    for o in [
        outbound(OutboundType::UserAssignedNatGateway),
        udr(Some("10.50.0.4")),
    ] {
        expect(
            |p| {
                p.vnet = None;
                p.connected_networks.clear();
                p.outbound = Some(o);
            },
            &[("outbound-config", "outbound.type")],
        );
    }
    expect(
        |p| {
            p.vnet = None;
            p.outbound = Some(outbound(OutboundType::ManagedNatGateway));
        },
        &[],
    );
}

#[test]
fn udr_next_hop_must_be_reachable_and_outside_the_node_subnet() {
    let field = "outbound.routeTable.nextHopIp";
    // The seed: VNet 10.224.0.0/12, node subnet 10.224.0.0/16, connected 192.168.0.0/16.
    expect(|p| p.outbound = Some(udr(None)), &[("udr-next-hop", field)]);
    expect(
        |p| p.outbound = Some(outbound(OutboundType::UserDefinedRouting)),
        &[("udr-next-hop", "outbound.routeTable")],
    );
    // Inside the node subnet, at both ends of it.
    expect(
        |p| p.outbound = Some(udr(Some("10.224.0.4"))),
        &[("udr-next-hop", field)],
    );
    expect(
        |p| p.outbound = Some(udr(Some("10.224.255.255"))),
        &[("udr-next-hop", field)],
    );
    // Just past the node subnet, still in the VNet.
    expect(|p| p.outbound = Some(udr(Some("10.225.0.4"))), &[]);
    // The VNet's last address, and the first one past it.
    expect(|p| p.outbound = Some(udr(Some("10.239.255.254"))), &[]);
    expect(
        |p| p.outbound = Some(udr(Some("10.240.0.4"))),
        &[("udr-next-hop", field)],
    );
    // In a connected network (a peered hub).
    expect(|p| p.outbound = Some(udr(Some("192.168.1.4"))), &[]);
    // Not an address.
    expect(
        |p| p.outbound = Some(udr(Some("10.225.0.4/32"))),
        &[("udr-next-hop", field)],
    );
    expect(
        |p| p.outbound = Some(udr(Some("010.225.0.4"))),
        &[("udr-next-hop", field)],
    );
    // An existing table brings its own route: apply's preflight checks it.
    expect(
        |p| {
            let mut o = udr(None);
            o.route_table.as_mut().unwrap().existing = true;
            p.outbound = Some(o);
        },
        &[],
    );
    // The route table's name follows Azure's rules.
    expect(
        |p| {
            let mut o = udr(Some("10.225.0.4"));
            o.route_table.as_mut().unwrap().name = Some("rt;x".into());
            p.outbound = Some(o);
        },
        &[("invalid-name", "outbound.routeTable.name")],
    );
}

#[test]
fn a_private_endpoint_takes_one_node_subnet_ip() {
    // A /28 holds 16 addresses: 5 reserved + 11. One pool of 10 nodes with a surge of 1 (10%).
    let fit = |nodes: u32, private: bool| {
        move |p: &mut Plan| {
            p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.0/28".into();
            let pool = &mut p.node_pools.as_mut().unwrap()[0];
            pool.count = nodes;
            pool.max_count = None;
            pool.max_surge = Some("1".into());
            p.internal_load_balancers = Some(0);
            p.api_server = Some(ApiServer {
                private,
                ..ApiServer::default()
            });
        }
    };
    let node = "vnet.subnets[0].cidr";
    expect(fit(10, false), &[]);
    // 10 + 1 + 5 = 16 fits; the endpoint makes it 17.
    expect(fit(10, true), &[("private-endpoint-ip", node)]);
    expect(fit(9, true), &[]);
    // Too small even without the endpoint: the general rule, which counts the endpoint.
    expect(fit(11, true), &[("node-subnet-too-small", node)]);
    let mut p = Plan::example();
    fit(10, true)(&mut p);
    let r = check(&p);
    let ns = r.capacity.node_subnet.unwrap();
    assert_eq!((ns.private_endpoint, ns.needed), (1, 17));
    let f = &r.findings[0];
    assert!(f.message.contains("private cluster"), "{}", f.message);
    // The fix (a larger subnet) makes the plan clean.
    let q = apply_edit(&p, f.fix.as_ref().unwrap().edit.as_ref().unwrap()).unwrap();
    assert!(check(&q).findings.is_empty(), "{:?}", check(&q).findings);
    // The capacity JSON carries the endpoint only when there is one.
    let json = serde_json::to_value(check(&Plan::example()).capacity).unwrap();
    assert!(json["nodeSubnet"].get("privateEndpoint").is_none());
    assert!(json.get("apiServerSubnet").is_none());
}

#[test]
fn the_api_server_subnet_is_at_least_a_slash_28_of_its_own() {
    let size = "vnet.subnets[1].cidr";
    expect(
        |p| integrate(p, "10.225.0.0/28", SubnetRole::ApiServer),
        &[],
    );
    expect(
        |p| integrate(p, "10.225.0.0/27", SubnetRole::ApiServer),
        &[],
    );
    expect(
        |p| integrate(p, "10.225.0.0/29", SubnetRole::ApiServer),
        &[("apiserver-subnet-size", size)],
    );
    let mut p = Plan::example();
    integrate(&mut p, "10.225.0.0/29", SubnetRole::ApiServer);
    let r = check(&p);
    let cap = r.capacity.api_server_subnet.as_ref().unwrap();
    assert_eq!((cap.total, cap.usable, cap.needed), (8, 3, 9));
    let q = apply_edit(
        &p,
        r.findings[0].fix.as_ref().unwrap().edit.as_ref().unwrap(),
    )
    .unwrap();
    assert_eq!(q.vnet.as_ref().unwrap().subnets[1].cidr, "10.225.0.0/28");
    assert!(check(&q).findings.is_empty());
    // The role: fixed by setting it.
    expect(
        |p| integrate(p, "10.225.0.0/28", SubnetRole::Other),
        &[("apiserver-subnet-role", "vnet.subnets[1].role")],
    );
    let mut p = Plan::example();
    integrate(&mut p, "10.225.0.0/28", SubnetRole::Other);
    let f = check(&p).findings.remove(0);
    let q = apply_edit(&p, f.fix.unwrap().edit.as_ref().unwrap()).unwrap();
    assert!(check(&q).findings.is_empty());
    // A missing subnet, the node subnet, no VNet at all.
    let field = "apiServer.vnetIntegration.subnet";
    expect(
        |p| {
            integrate(p, "10.225.0.0/28", SubnetRole::ApiServer);
            p.api_server.as_mut().unwrap().vnet_integration = Some(VnetIntegration {
                subnet: "nope".into(),
            });
        },
        &[("apiserver-subnet-role", field)],
    );
    expect(
        |p| {
            let node = p.vnet.as_ref().unwrap().subnets[0].name.clone();
            p.api_server = Some(ApiServer {
                vnet_integration: Some(VnetIntegration { subnet: node }),
                ..ApiServer::default()
            });
        },
        &[("apiserver-subnet-role", field)],
    );
    expect(
        |p| {
            integrate(p, "10.225.0.0/28", SubnetRole::ApiServer);
            p.vnet = None;
        },
        &[("apiserver-subnet-role", field)],
    );
}

#[test]
fn authorized_ranges_are_public_cidrs_and_not_for_a_private_cluster() {
    let ranges = |r: &[&str], private: bool| {
        let r: Vec<String> = r.iter().map(|s| (*s).to_owned()).collect();
        move |p: &mut Plan| {
            p.api_server = Some(ApiServer {
                private,
                authorized_ip_ranges: r,
                ..ApiServer::default()
            });
        }
    };
    let field = "apiServer.authorizedIpRanges";
    expect(ranges(&["131.107.0.0/16", "20.62.128.7/32"], false), &[]);
    expect(
        ranges(&["131.107.0.0/16"], true),
        &[("authorized-ranges-private", field)],
    );
    expect(ranges(&[], true), &[]);
    for bad in [
        "10.0.0.0/8",
        "100.64.0.0/10",
        "192.168.1.0/24",
        "127.0.0.1/32",
        "0.0.0.0/0",
        "224.0.0.0/4",
        "203.0.113.0/24",
        "198.51.100.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "131.107.0.0/33",
        "131.107.0.1/16",
        "131.107.0.1",
        "131.107.000.0/16",
        "nope",
    ] {
        expect(
            ranges(&["20.62.0.0/16", bad], false),
            &[(
                "authorized-range-invalid",
                "apiServer.authorizedIpRanges[1]",
            )],
        );
    }
    // A bare address is fixed to /32, host bits to the network.
    let mut p = Plan::example();
    ranges(&["131.107.0.1", "131.107.0.1/16"], false)(&mut p);
    let mut q = p.clone();
    for f in check(&p).findings {
        q = apply_edit(&q, f.fix.unwrap().edit.as_ref().unwrap()).unwrap();
    }
    assert_eq!(
        q.api_server.unwrap().authorized_ip_ranges,
        ["131.107.0.1/32", "131.107.0.0/16"]
    );
    // At most 200.
    let many: Vec<String> = (0..201).map(|i| format!("131.107.{i}.0/32")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    // 201 entries (0..=200) are one too many.
    expect(ranges(&many, false), &[("authorized-range-invalid", field)]);
    expect(ranges(&many[..200], false), &[]);
}

#[test]
fn network_resource_names_follow_azure() {
    expect(
        |p| {
            p.nsg = Some(Nsg {
                name: Some("nsg nodes".into()),
                existing: false,
            });
        },
        &[("invalid-name", "nsg.name")],
    );
    expect(
        |p| {
            let mut o = nat(OutboundType::UserAssignedNatGateway, None, None);
            o.nat_gateway.as_mut().unwrap().name = Some("-natgw".into());
            p.outbound = Some(o);
        },
        &[("invalid-name", "outbound.natGateway.name")],
    );
}

#[test]
fn the_new_rules_are_explained_with_their_numbers() {
    for (rule, needle) in [
        (Rule::OutboundIpCount, "1 to 100"),
        (Rule::OutboundIpCount, "4 to 120"),
        (Rule::UdrNextHop, "0.0.0.0/0"),
        (Rule::UdrDefaultRoute, "VirtualAppliance"),
        (Rule::PrivateEndpointIp, "one IP"),
        (Rule::ApiserverSubnetSize, "/28"),
        (Rule::ApiserverSubnetSize, "9 free IPs"),
        (
            Rule::ApiserverSubnetRole,
            "Microsoft.ContainerService/managedClusters",
        ),
        (Rule::AuthorizedRangesPrivate, "private cluster"),
        (Rule::AuthorizedRangeInvalid, "200"),
        (Rule::NsgBlocksOverlay, "8472/udp"),
        (Rule::NsgBlocksOverlay, "4789/udp"),
        (Rule::OutboundConfig, "userDefinedRouting"),
    ] {
        assert!(explain(rule).contains(needle), "{}: {needle}", rule.id());
    }
    // Stable ids.
    for id in [
        "udr-next-hop",
        "udr-default-route",
        "outbound-ip-count",
        "outbound-config",
        "private-endpoint-ip",
        "apiserver-subnet-size",
        "apiserver-subnet-role",
        "authorized-ranges-private",
        "authorized-range-invalid",
        "nsg-blocks-overlay",
    ] {
        assert_eq!(Rule::from_id(id).map(Rule::id), Some(id));
    }
}

#[test]
fn the_plan_file_reads_and_writes_the_new_fields() {
    let text = r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"westeurope"},
      "outbound":{"type":"userDefinedRouting","routeTable":{"name":"rt","nextHopIp":"10.0.0.4"}},
      "apiServer":{"private":true,"vnetIntegration":{"subnet":"apiserver"}},
      "nsg":{"name":"nsg","existing":true}}"#;
    let p = Plan::from_json(text).unwrap();
    assert_eq!(
        p.effective_outbound_type(),
        OutboundType::UserDefinedRouting
    );
    assert!(p.is_private_cluster());
    assert_eq!(Plan::from_json(&p.to_json()).unwrap(), p);
    let json = p.to_value();
    assert_eq!(json["outbound"]["type"], "userDefinedRouting");
    assert!(json["outbound"]["routeTable"].get("existing").is_none());
    assert_eq!(json["nsg"]["existing"], true);
    // Unknown fields and unknown types are refused with their path.
    for (bad, path) in [
        (
            r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"outbound":{"type":"internet"}}"#,
            "outbound.type",
        ),
        (
            r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"nsg":{"rules":[]}}"#,
            "nsg.rules",
        ),
        (
            r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"apiServer":{"vnetIntegration":{}}}"#,
            "apiServer.vnetIntegration",
        ),
    ] {
        let e = Plan::from_json(bad).unwrap_err().to_string();
        assert!(e.contains(path), "{e}");
    }
    // No new fields, no change: the seed's JSON has none of them.
    let seed = Plan::example().to_json();
    for key in ["outbound", "apiServer", "nsg"] {
        assert!(!seed.contains(key), "{key}");
    }
}

fn existing_udr(next_hop: Option<&str>) -> Plan {
    let mut p = Plan::example();
    p.outbound = Some(Outbound {
        route_table: Some(RouteTable {
            name: Some("rt-hub".into()),
            existing: true,
            next_hop_ip: next_hop.map(str::to_owned),
        }),
        ..outbound(OutboundType::UserDefinedRouting)
    });
    p
}

fn ids(f: &[byocni_core::Finding]) -> Vec<&str> {
    f.iter().map(|f| f.rule.id()).collect()
}

#[test]
fn udr_default_route_is_read_from_the_existing_route_table() {
    use byocni_core::check::around::route_table_findings;
    use serde_json::json;
    let p = existing_udr(None);
    let good = json!({"name": "rt-hub", "routes": [
        {"name": "to-onprem", "addressPrefix": "192.168.0.0/16", "nextHopType": "VirtualNetworkGateway"},
        {"name": "default", "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.50.1.4"}
    ]});
    assert!(route_table_findings(&p, &good).is_empty());
    // The ARM shape (under `properties`) reads alike.
    let arm = json!({"routes": [{"name": "default", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.50.1.4"}}]});
    assert!(route_table_findings(&p, &arm).is_empty());
    for bad in [
        json!({"routes": []}),
        json!({}),
        json!({"routes": [{"name": "default", "addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}]}),
        json!({"routes": [{"name": "default", "addressPrefix": "0.0.0.0/1", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.50.1.4"}]}),
    ] {
        let f = route_table_findings(&p, &bad);
        assert_eq!(ids(&f), ["udr-default-route"], "{bad}");
        assert_eq!(f[0].field, "outbound.routeTable");
    }
    let internet = json!({"routes": [{"name": "default", "addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}]});
    assert!(route_table_findings(&p, &internet)[0]
        .message
        .contains("next hop type Internet"));
    // A planned next hop must be the one the table has.
    let p = existing_udr(Some("10.50.1.5"));
    let f = route_table_findings(&p, &good);
    assert_eq!(ids(&f), ["udr-default-route"]);
    assert_eq!(
        f[0].fix.as_ref().unwrap().edit.as_ref().unwrap().value,
        "10.50.1.4"
    );
    assert!(route_table_findings(&existing_udr(Some("10.50.1.4")), &good).is_empty());
}

#[test]
fn nsg_blocks_overlay_is_read_from_the_existing_nsg() {
    use byocni_core::check::around::nsg_findings;
    use byocni_core::plan::CniPlugin;
    use serde_json::json;
    let mut p = Plan::example();
    p.nsg = Some(Nsg {
        name: Some("nsg-corp".into()),
        existing: true,
    });
    // Azure's defaults alone (as az prints them, or absent) let the overlay through.
    assert!(nsg_findings(&p, &json!({"securityRules": []})).is_empty());
    let deny = |priority: u32, protocol: &str, ports: &str, source: &str| {
        json!({"securityRules": [{
            "name": "deny-vxlan", "priority": priority, "direction": "Inbound", "access": "Deny",
            "protocol": protocol, "sourceAddressPrefix": source, "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": ports
        }]})
    };
    // Cilium: VXLAN 8472/udp blocked by an exact, a ranged or a wildcard rule.
    for (protocol, ports, source) in [
        ("Udp", "8472", "VirtualNetwork"),
        ("*", "8000-9000", "10.224.0.0/16"),
        ("Udp", "*", "10.224.5.0/24"),
        ("Udp", "8472", "*"),
    ] {
        let f = nsg_findings(&p, &deny(100, protocol, ports, source));
        assert_eq!(
            ids(&f),
            ["nsg-blocks-overlay"],
            "{protocol} {ports} {source}"
        );
        assert!(f[0].message.contains("8472/udp"), "{}", f[0].message);
        assert_eq!(f[0].field, "nsg");
    }
    // Not the overlay: another protocol, port, or a source outside the node subnet.
    for (protocol, ports, source) in [
        ("Tcp", "8472", "*"),
        ("Udp", "8473", "*"),
        ("Udp", "8472", "10.225.0.0/16"),
        ("Udp", "8472", "Internet"),
    ] {
        assert!(
            nsg_findings(&p, &deny(100, protocol, ports, source)).is_empty(),
            "{protocol} {ports} {source}"
        );
    }
    // An Allow at a lower priority number wins over the Deny.
    let mut both = deny(200, "Udp", "8472", "*");
    both["securityRules"].as_array_mut().unwrap().push(json!({
        "name": "allow-vxlan", "properties": {"priority": 150, "direction": "Inbound", "access": "Allow",
        "protocol": "Udp", "sourceAddressPrefixes": ["10.224.0.0/16"], "destinationAddressPrefix": "VirtualNetwork",
        "destinationPortRanges": ["8472", "4240"]}
    }));
    assert!(nsg_findings(&p, &both).is_empty());
    // Cilium's health port too; Calico's VXLAN is 4789.
    assert_eq!(
        ids(&nsg_findings(&p, &deny(100, "Tcp", "4240", "*"))),
        ["nsg-blocks-overlay"]
    );
    p.cni.plugin = CniPlugin::Calico;
    p.cni.per_node_prefix = None;
    assert!(nsg_findings(&p, &deny(100, "Udp", "8472", "*")).is_empty());
    let f = nsg_findings(&p, &deny(100, "Udp", "4789", "*"));
    assert_eq!(ids(&f), ["nsg-blocks-overlay"]);
    assert!(
        f[0].message.contains("Calico VXLAN 4789/udp"),
        "{}",
        f[0].message
    );
    // Outbound rules count too.
    let out = json!({"securityRules": [{"name": "deny-out", "priority": 300, "direction": "Outbound",
        "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
        "destinationPortRange": "*"}]});
    assert_eq!(ids(&nsg_findings(&p, &out)), ["nsg-blocks-overlay"]);
}

/// Plan version 2 alike: an estate's cluster carries `outbound`, `apiServer` and `nsg`; they are
/// checked through its projection, at the estate's paths, and a next hop in a VNet peered with
/// the cluster's (the hub) is reachable.
#[test]
fn estate_clusters_carry_the_same_fields() {
    use byocni_core::check::estate::check_estate;
    use byocni_core::estate::Estate;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/estate-bluegreen.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let with_hop = |v: &mut serde_json::Value, hop: &str| {
        v["clusters"][1]["outbound"] = serde_json::json!({
            "type": "userDefinedRouting",
            "routeTable": { "name": "rt-blue", "nextHopIp": hop }
        });
        v["clusters"][1]["apiServer"] = serde_json::json!({ "private": true });
        v["clusters"][1]["nsg"] = serde_json::json!({ "name": "nsg-blue" });
        Estate::from_json(&v.to_string()).unwrap()
    };
    let base: Vec<(String, String)> = check_estate(&with_hop(&mut v.clone(), "10.0.0.4"), None)
        .findings
        .into_iter()
        .map(|f| (f.rule.id().to_owned(), f.field))
        .collect();
    assert!(
        !base
            .iter()
            .any(|(r, _)| r.starts_with("udr") || r.starts_with("outbound")),
        "{base:?}"
    );
    let e = with_hop(&mut v, "10.50.0.4");
    let got: Vec<(String, String)> = check_estate(&e, None)
        .findings
        .into_iter()
        .map(|f| (f.rule.id().to_owned(), f.field))
        .collect();
    assert!(
        got.contains(&(
            "udr-next-hop".to_owned(),
            "clusters[1].outbound.routeTable.nextHopIp".to_owned()
        )),
        "{got:?}"
    );
    let blue = e.project(1).unwrap();
    assert!(blue.is_private_cluster());
    assert_eq!(blue.nsg_name(), "nsg-blue");
    assert_eq!(blue.route_table_name(), "rt-blue");
    // A v1 plan with the fields becomes an estate and back unchanged.
    let mut p = Plan::example();
    p.outbound = Some(udr(Some("10.225.0.4")));
    p.nsg = Some(Nsg::default());
    let back = Estate::from_v1(p.clone()).project(0).unwrap();
    assert_eq!(back.outbound, p.outbound);
    assert_eq!(back.nsg, p.nsg);
}
