//! Exports around the cluster (issue 14), beside the snapshots: the NSG rules each CNI needs
//! between nodes in every format, the outbound and API server flags and properties, and the
//! associations with the node subnet.

use byocni_core::plan::{
    ApiServer, CniPlugin, LoadBalancerOutbound, NatGateway, Nsg, Outbound, OutboundType,
    RouteTable, Subnet, SubnetRole, VnetIntegration,
};
use byocni_core::render::{render, Format, RenderOptions};
use byocni_core::steps::{provision_steps, Arg, StepKind};
use byocni_core::{check, Plan};
use serde_json::Value;

fn rendered(plan: &Plan, f: Format) -> String {
    render(plan, f, RenderOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", f.id()))
}

fn with_nsg(plugin: CniPlugin) -> Plan {
    let mut p = Plan::example();
    p.cni.plugin = plugin;
    p.cni.per_node_prefix = None;
    p.nsg = Some(Nsg {
        name: Some("nsg-nodes".into()),
        existing: false,
    });
    assert!(check(&p).findings.is_empty(), "{:?}", check(&p).findings);
    p
}

/// The (protocol, port) of every NSG rule in an ARM template.
fn arm_rules(arm: &str) -> Vec<(String, String)> {
    let t: Value = serde_json::from_str(arm).unwrap();
    t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Network/networkSecurityGroups")
        .flat_map(|r| r["properties"]["securityRules"].as_array().unwrap().clone())
        .map(|r| {
            let p = &r["properties"];
            assert_eq!(p["access"], "Allow");
            assert_eq!(p["direction"], "Inbound");
            assert_eq!(p["sourceAddressPrefix"], "10.224.0.0/16");
            assert_eq!(p["destinationAddressPrefix"], "10.224.0.0/16");
            (
                p["protocol"].as_str().unwrap().to_owned(),
                p["destinationPortRange"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_cnis_overlay_ports_are_open_between_nodes_in_every_format() {
    for (plugin, want) in [
        (CniPlugin::Cilium, vec![("Udp", "8472"), ("Tcp", "4240")]),
        (CniPlugin::Calico, vec![("Udp", "4789")]),
    ] {
        let p = with_nsg(plugin);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(arm_rules(&rendered(&p, Format::Arm)), want, "{plugin:?}");
        let bash = rendered(&p, Format::Bash);
        let ps = rendered(&p, Format::Powershell);
        let bicep = rendered(&p, Format::Bicep);
        let tf = rendered(&p, Format::Terraform);
        for (proto, port) in &want {
            let rule = format!("--protocol {proto} --source-address-prefixes 10.224.0.0/16");
            assert!(bash.contains(&rule), "{bash}");
            assert!(bash.contains(&format!("--destination-port-ranges {port} ")));
            assert!(ps.contains(&format!("--destination-port-ranges {port} ")));
            assert!(bicep.contains(&format!("destinationPortRange: '{port}'")));
            let tf_has = |arg: &str, value: &str| {
                tf.lines().any(|l| {
                    l.trim()
                        .split_once(" = ")
                        .is_some_and(|(a, v)| a.trim() == arg && v == format!("\"{value}\""))
                })
            };
            assert!(tf_has("destination_port_range", port), "{tf}");
            assert!(tf_has("protocol", proto), "{tf}");
        }
        // Only this plugin's ports.
        let other = if plugin == CniPlugin::Cilium {
            "4789"
        } else {
            "8472"
        };
        for text in [&bash, &bicep, &tf] {
            assert!(!text.contains(other), "{plugin:?}");
        }
        // The node subnet is associated with it.
        assert!(bash.contains("--network-security-group nsg-nodes"));
        assert!(bicep.contains("networkSecurityGroup: {\n            id: nsg.id"));
        assert!(tf.contains("resource \"azurerm_subnet_network_security_group_association\""));
        // The NSG and its rules come before the subnet that uses them.
        let steps = provision_steps(&p);
        let pos = |k: StepKind| steps.iter().position(|s| s.kind == k).unwrap();
        assert!(pos(StepKind::Nsg) < pos(StepKind::NsgRule));
        assert!(pos(StepKind::NsgRule) < pos(StepKind::Subnet));
    }
    // An existing NSG is associated, not created.
    let mut p = with_nsg(CniPlugin::Cilium);
    p.nsg.as_mut().unwrap().existing = true;
    assert!(arm_rules(&rendered(&p, Format::Arm)).is_empty());
    assert!(!rendered(&p, Format::Bash).contains("nsg create"));
    assert!(rendered(&p, Format::Bash).contains("--network-security-group nsg-nodes"));
    assert!(rendered(&p, Format::Bicep)
        .contains("resource nsg 'Microsoft.Network/networkSecurityGroups@2025-07-01' existing"));
}

/// The `az aks create` words of a plan.
fn aks_create(p: &Plan) -> Vec<String> {
    provision_steps(p)
        .into_iter()
        .find(|s| s.id == "cluster")
        .unwrap()
        .create
        .args
        .into_iter()
        .map(|a| match a {
            Arg::Lit(s) => s,
            Arg::Var(v) => format!("${v}"),
        })
        .collect()
}

fn has_flag(words: &[String], flag: &str, value: Option<&str>) -> bool {
    words
        .iter()
        .enumerate()
        .any(|(i, w)| w == flag && value.is_none_or(|v| words.get(i + 1).is_some_and(|n| n == v)))
}

#[test]
fn outbound_and_api_server_flags_reach_az_and_the_templates() {
    // Load balancer with managed outbound IPs.
    let mut p = Plan::example();
    p.outbound = Some(Outbound {
        kind: OutboundType::LoadBalancer,
        load_balancer: Some(LoadBalancerOutbound {
            managed_outbound_ips: Some(3),
        }),
        ..Outbound::default()
    });
    let w = aks_create(&p);
    assert!(has_flag(&w, "--outbound-type", Some("loadBalancer")));
    assert!(has_flag(
        &w,
        "--load-balancer-managed-outbound-ip-count",
        Some("3")
    ));
    let arm: Value = serde_json::from_str(&rendered(&p, Format::Arm)).unwrap();
    let aks = arm["resources"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        aks["properties"]["networkProfile"]["loadBalancerProfile"]["managedOutboundIPs"]["count"],
        3
    );
    assert!(rendered(&p, Format::Terraform).contains("managed_outbound_ip_count = 3"));

    // Managed NAT gateway.
    p.outbound = Some(Outbound {
        kind: OutboundType::ManagedNatGateway,
        nat_gateway: Some(NatGateway {
            outbound_ips: Some(2),
            idle_timeout_minutes: Some(30),
            ..NatGateway::default()
        }),
        ..Outbound::default()
    });
    let w = aks_create(&p);
    assert!(has_flag(
        &w,
        "--nat-gateway-managed-outbound-ip-count",
        Some("2")
    ));
    assert!(has_flag(&w, "--nat-gateway-idle-timeout", Some("30")));
    let bicep = rendered(&p, Format::Bicep);
    assert!(bicep.contains("natGatewayProfile: {\n        managedOutboundIPProfile: {\n          count: 2\n        }\n        idleTimeoutInMinutes: 30"), "{bicep}");

    // User-defined routing: route table, route, association, role, flag.
    p.outbound = Some(Outbound {
        kind: OutboundType::UserDefinedRouting,
        route_table: Some(RouteTable {
            name: Some("rt-fw".into()),
            existing: false,
            next_hop_ip: Some("10.225.0.4".into()),
        }),
        ..Outbound::default()
    });
    assert!(check(&p).findings.is_empty(), "{:?}", check(&p).findings);
    let w = aks_create(&p);
    assert!(has_flag(&w, "--outbound-type", Some("userDefinedRouting")));
    let bash = rendered(&p, Format::Bash);
    assert!(bash.contains("az network route-table route create --resource-group myResourceGroup --route-table-name rt-fw --name default-via-appliance --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address 10.225.0.4"));
    assert!(bash.contains("--route-table rt-fw"));
    assert!(bash.contains("--scope \"$ROUTE_TABLE_ID\""));
    let tf = rendered(&p, Format::Terraform);
    assert!(tf.contains("next_hop_in_ip_address = \"10.225.0.4\""));
    assert!(tf.contains("azurerm_subnet_route_table_association.nodes"));
    assert!(tf.contains("resource \"azurerm_role_assignment\" \"route_table\""));
    // An existing route table is looked up, associated and granted, never created.
    p.outbound
        .as_mut()
        .unwrap()
        .route_table
        .as_mut()
        .unwrap()
        .existing = true;
    let steps = provision_steps(&p);
    let rt = steps.iter().find(|s| s.id == "route-table").unwrap();
    assert_eq!(rt.kind, StepKind::Lookup);
    assert_eq!(Some(&rt.create), rt.show.as_ref());
    assert!(!steps.iter().any(|s| s.kind == StepKind::Route));
    assert!(!rendered(&p, Format::Bash).contains("route-table create"));

    // Private cluster with API server VNet integration and no authorized ranges.
    let mut p = Plan::example();
    p.vnet.as_mut().unwrap().subnets.push(Subnet {
        name: "apiserver".into(),
        cidr: "10.225.0.0/28".into(),
        role: SubnetRole::ApiServer,
    });
    p.api_server = Some(ApiServer {
        private: true,
        vnet_integration: Some(VnetIntegration {
            subnet: "apiserver".into(),
        }),
        authorized_ip_ranges: Vec::new(),
    });
    assert!(check(&p).findings.is_empty(), "{:?}", check(&p).findings);
    let w = aks_create(&p);
    assert!(has_flag(&w, "--enable-private-cluster", None));
    assert!(has_flag(&w, "--enable-apiserver-vnet-integration", None));
    assert!(has_flag(
        &w,
        "--apiserver-subnet-id",
        Some("$APISERVER_SUBNET_ID")
    ));
    let bash = rendered(&p, Format::Bash);
    assert!(bash.contains("--delegations Microsoft.ContainerService/managedClusters"));
    assert!(bash.contains("The API server is private"));
    let arm: Value = serde_json::from_str(&rendered(&p, Format::Arm)).unwrap();
    let aks = arm["resources"].as_array().unwrap().last().unwrap().clone();
    let access = &aks["properties"]["apiServerAccessProfile"];
    assert_eq!(access["enablePrivateCluster"], true);
    assert_eq!(access["enableVnetIntegration"], true);
    assert!(access.get("authorizedIPRanges").is_none());
    let tf = rendered(&p, Format::Terraform);
    assert!(tf.contains("private_cluster_enabled = true"));
    assert!(tf.contains("virtual_network_integration_enabled = true"));
}

#[test]
fn no_new_fields_no_change() {
    // A plan that spells the defaults out (an empty apiServer, no NSG) is not the seed; the seed
    // itself renders with none of the new words.
    let seed = Plan::example();
    for f in Format::ALL {
        let text = rendered(&seed, f);
        for word in [
            "outbound",
            "nsg",
            "route-table",
            "routeTable",
            "apiServerAccessProfile",
            "private-cluster",
            "natGateway",
        ] {
            assert!(!text.contains(word), "{}: {word}", f.id());
        }
    }
}
