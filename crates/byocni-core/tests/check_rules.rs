//! Rule-by-rule tests of `check`, table-like, each starting from the seed example and changing
//! one thing, including the boundaries (/12 vs /13, .1 vs .2 vs broadcast, the 5 reserved).

use byocni_core::plan::{CniPlugin, ConnectedNetwork, NodePool, PoolMode, Subnet, SubnetRole};
use byocni_core::{apply_edit, check, Plan, Severity};

/// The (rule id, field) pairs `check` reports after `edit` is applied to the seed example.
fn findings(edit: impl FnOnce(&mut Plan)) -> Vec<(String, String)> {
    let mut p = Plan::example();
    edit(&mut p);
    check(&p)
        .findings
        .into_iter()
        .map(|f| (f.rule.id().to_owned(), f.field))
        .collect()
}

/// Asserts that exactly these rule ids fire (order-insensitive, duplicates collapsed).
#[track_caller]
fn expect(edit: impl FnOnce(&mut Plan), want: &[(&str, &str)]) {
    let mut got: Vec<(String, String)> = findings(edit);
    got.sort();
    got.dedup();
    let mut want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    want.sort();
    assert_eq!(got, want);
}

fn pool(p: &mut Plan) -> &mut NodePool {
    &mut p.node_pools.as_mut().unwrap()[0]
}

#[test]
fn the_seed_example_is_clean() {
    let r = check(&Plan::example());
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn cidr_syntax() {
    expect(
        |p| p.pod_cidr = Some("10.10.0.1/16".into()),
        &[("host-bits-set", "podCidr")],
    );
    expect(
        |p| p.pod_cidr = Some("10.10.0.0/33".into()),
        &[("invalid-cidr", "podCidr")],
    );
    expect(
        |p| p.pod_cidr = Some("fd00::/8".into()),
        &[("invalid-cidr", "podCidr")],
    );
    expect(
        |p| p.pod_cidr = Some("10.10.0.0".into()),
        &[("invalid-cidr", "podCidr")],
    );
    expect(|p| p.pod_cidr = None, &[("pod-cidr-missing", "podCidr")]);
    expect(
        |p| p.pod_cidr = Some("  ".into()),
        &[("pod-cidr-missing", "podCidr")],
    );
    expect(
        |p| p.dns_service_ip = Some("10.0.0.x".into()),
        &[("invalid-cidr", "dnsServiceIP")],
    );
    expect(
        |p| p.connected_networks[0].cidr = "192.168.0.0/99".into(),
        &[("invalid-cidr", "connectedNetworks[0].cidr")],
    );
}

#[test]
fn host_bits_fix_is_the_normalised_network() {
    let mut p = Plan::example();
    p.service_cidr = Some("10.0.5.7/16".into());
    let r = check(&p);
    let f = &r.findings[0];
    assert_eq!(f.rule.id(), "host-bits-set");
    assert!(f.message.contains("10.0.0.0/16"), "{}", f.message);
    assert_eq!(
        f.fix.as_ref().unwrap().edit.as_ref().unwrap().value,
        "10.0.0.0/16"
    );
}

#[test]
fn reserved_and_forbidden_ranges() {
    expect(
        |p| p.pod_cidr = Some("172.30.0.0/16".into()),
        &[("reserved-range", "podCidr")],
    );
    expect(
        |p| p.pod_cidr = Some("172.31.128.0/24".into()),
        &[
            ("reserved-range", "podCidr"),
            ("pod-cidr-too-small", "podCidr"),
        ],
    );
    expect(
        |p| p.service_cidr = Some("192.0.2.0/24".into()),
        &[
            ("reserved-range", "serviceCidr"),
            ("public-range", "serviceCidr"),
            ("dns-ip-outside-service-cidr", "dnsServiceIP"),
        ],
    );
    expect(
        |p| {
            let v = p.vnet.as_mut().unwrap();
            v.address_space.push("169.254.0.0/16".into());
        },
        &[("vnet-forbidden-range", "vnet.addressSpace[1]")],
    );
    expect(
        |p| {
            let v = p.vnet.as_mut().unwrap();
            v.address_space.push("127.0.0.0/8".into());
        },
        &[("vnet-forbidden-range", "vnet.addressSpace[1]")],
    );
    expect(
        |p| {
            p.vnet
                .as_mut()
                .unwrap()
                .address_space
                .push("172.30.0.0/16".into());
        },
        &[("reserved-range", "vnet.addressSpace[1]")],
    );
    // 172.29/16 is next to a reserved range, not in it.
    expect(
        |p| {
            p.vnet
                .as_mut()
                .unwrap()
                .address_space
                .push("172.29.0.0/16".into());
        },
        &[],
    );
}

#[test]
fn overlaps_name_both_ranges() {
    let mut p = Plan::example();
    p.pod_cidr = Some("10.0.0.0/16".into());
    let r = check(&p);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id() == "pod-cidr-overlap")
        .unwrap();
    assert!(
        f.message.contains("podCidr 10.0.0.0/16") && f.message.contains("serviceCidr 10.0.0.0/16"),
        "{}",
        f.message
    );
    assert_eq!(f.related, vec!["serviceCidr"]);
    expect(
        |p| p.pod_cidr = Some("10.224.0.0/16".into()),
        &[("pod-cidr-overlap", "podCidr")],
    );
    expect(
        |p| p.pod_cidr = Some("192.168.0.0/16".into()),
        &[("pod-cidr-overlap", "podCidr")],
    );
    expect(
        |p| p.service_cidr = Some("10.225.0.0/16".into()),
        &[
            ("service-cidr-overlap", "serviceCidr"),
            ("dns-ip-outside-service-cidr", "dnsServiceIP"),
        ],
    );
    expect(
        |p| {
            p.connected_networks.push(ConnectedNetwork {
                name: "hub".into(),
                cidr: "10.230.0.0/16".into(),
            });
        },
        &[("vnet-overlaps-connected", "vnet.addressSpace[0]")],
    );
    // Without a VNet, AKS's managed 10.224.0.0/12 is taken.
    expect(
        |p| {
            p.vnet = None;
            p.pod_cidr = Some("10.224.0.0/16".into());
        },
        &[("pod-cidr-overlap", "podCidr")],
    );
    expect(
        |p| {
            p.vnet = None;
            p.connected_networks.push(ConnectedNetwork {
                name: "x".into(),
                cidr: "10.239.0.0/24".into(),
            });
        },
        &[("vnet-overlaps-connected", "vnet")],
    );
}

#[test]
fn omitted_service_cidr_is_checked_as_the_default() {
    let mut p = Plan::example();
    p.service_cidr = None;
    p.dns_service_ip = None;
    p.pod_cidr = Some("10.0.0.0/16".into());
    let r = check(&p);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id() == "pod-cidr-overlap")
        .unwrap();
    assert!(f.message.contains("AKS's default"), "{}", f.message);
}

#[test]
fn service_cidr_size_boundary() {
    expect(|p| p.service_cidr = Some("10.0.0.0/13".into()), &[]);
    expect(
        |p| p.service_cidr = Some("10.0.0.0/12".into()),
        &[
            ("service-cidr-too-large", "serviceCidr"),
            ("pod-cidr-overlap", "podCidr"),
        ],
    );
}

#[test]
fn dns_ip_boundaries() {
    let set = |ip: &'static str| move |p: &mut Plan| p.dns_service_ip = Some(ip.into());
    expect(set("10.0.0.0"), &[("dns-ip-reserved", "dnsServiceIP")]);
    expect(set("10.0.0.1"), &[("dns-ip-reserved", "dnsServiceIP")]);
    expect(set("10.0.0.2"), &[]);
    expect(set("10.0.255.254"), &[]);
    expect(set("10.0.255.255"), &[("dns-ip-reserved", "dnsServiceIP")]);
    expect(
        set("10.1.0.10"),
        &[("dns-ip-outside-service-cidr", "dnsServiceIP")],
    );
}

#[test]
fn subnets() {
    let add = |cidr: &'static str| {
        move |p: &mut Plan| {
            p.vnet.as_mut().unwrap().subnets.push(Subnet {
                name: "extra".into(),
                cidr: cidr.into(),
                role: SubnetRole::Other,
            });
        }
    };
    expect(add("10.225.0.0/29"), &[]);
    expect(
        add("10.225.0.0/30"),
        &[("subnet-size", "vnet.subnets[1].cidr")],
    );
    expect(
        add("10.224.128.0/24"),
        &[("subnet-overlap", "vnet.subnets[1].cidr")],
    );
    expect(
        add("10.240.0.0/24"),
        &[("subnet-outside-vnet", "vnet.subnets[1].cidr")],
    );
    expect(
        |p| {
            let v = p.vnet.as_mut().unwrap();
            v.address_space = vec!["0.0.0.0/1".into()];
            p.pod_cidr = Some("172.16.0.0/16".into());
            p.service_cidr = Some("172.17.0.0/16".into());
            p.dns_service_ip = Some("172.17.0.10".into());
            p.connected_networks.clear();
        },
        // 0.0.0.0/1 is too large, and holds loopback 127.0.0.0/8 too.
        &[
            ("subnet-size", "vnet.addressSpace[0]"),
            ("vnet-forbidden-range", "vnet.addressSpace[0]"),
        ],
    );
    expect(
        |p| p.vnet.as_mut().unwrap().subnets.clear(),
        &[("node-subnet-missing", "vnet.subnets")],
    );
}

#[test]
fn node_subnet_capacity_counts_the_5_reserved() {
    // 10 max nodes + ceil(33% of 10) = 4 surge + 2 ILB + 5 reserved = 21 addresses.
    let sized = |prefix: &'static str, ilb: u32| {
        move |p: &mut Plan| {
            p.vnet.as_mut().unwrap().subnets[0].cidr = prefix.into();
            p.internal_load_balancers = Some(ilb);
        }
    };
    expect(sized("10.224.0.0/27", 2), &[]); // 32 >= 21
    expect(
        sized("10.224.0.0/28", 2),
        &[("node-subnet-too-small", "vnet.subnets[0].cidr")],
    ); // 16 < 21
       // Exactly full: a /27 holds 32; 10 + 4 + 13 + 5 = 32 fits, one more ILB does not.
    expect(sized("10.224.0.0/27", 13), &[]);
    expect(
        sized("10.224.0.0/27", 14),
        &[("node-subnet-too-small", "vnet.subnets[0].cidr")],
    );
    let mut p = Plan::example();
    sized("10.224.0.0/28", 2)(&mut p);
    let f = check(&p).findings.remove(0);
    assert_eq!(f.fix.unwrap().edit.unwrap().value, "10.224.0.0/27");
}

#[test]
fn max_pods_and_surge() {
    let pods = |n: u32| move |p: &mut Plan| pool(p).max_pods = Some(n);
    expect(pods(9), &[("max-pods-range", "nodePools[0].maxPods")]);
    expect(pods(10), &[]); // 3 nodes x 10 = 30 pods
    expect(pods(250), &[]);
    expect(pods(251), &[("max-pods-range", "nodePools[0].maxPods")]);
    expect(
        |p| {
            pool(p).max_pods = Some(10);
            pool(p).count = 2;
        },
        &[("max-pods-range", "nodePools[0].maxPods")],
    );
    expect(
        |p| pool(p).max_surge = Some("0%".into()),
        &[("max-surge-invalid", "nodePools[0].maxSurge")],
    );
    expect(
        |p| pool(p).max_surge = Some("lots".into()),
        &[("max-surge-invalid", "nodePools[0].maxSurge")],
    );
}

#[test]
fn pod_cidr_capacity() {
    // /24 blocks: a /20 pod CIDR gives 16 nodes; 10 max + 4 surge = 14 fits.
    expect(|p| p.pod_cidr = Some("10.10.0.0/20".into()), &[]);
    expect(
        |p| p.pod_cidr = Some("10.10.0.0/21".into()),
        &[("pod-cidr-too-small", "podCidr")],
    );
    expect(
        |p| p.cni.per_node_prefix = Some(25),
        &[("per-node-prefix-invalid", "cni.perNodePrefix")],
    );
    expect(
        |p| p.cni.per_node_prefix = Some(12),
        &[("per-node-prefix-invalid", "cni.perNodePrefix")],
    );
    // Calico borrows: a /26 block is no per-node limit.
    expect(
        |p| {
            p.cni.plugin = CniPlugin::Calico;
            p.cni.per_node_prefix = None;
        },
        &[],
    );
    expect(
        |p| p.cni.plugin = CniPlugin::Flannel,
        &[("cni-unsupported", "cni.plugin")],
    );
}

#[test]
fn node_limits() {
    expect(
        |p| {
            pool(p).count = 1000;
            pool(p).max_count = None;
            p.pod_cidr = Some("100.64.0.0/10".into());
            p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.0/16".into();
        },
        &[],
    );
    expect(
        |p| {
            pool(p).count = 1001;
            pool(p).max_count = None;
            p.pod_cidr = Some("100.64.0.0/10".into());
        },
        &[("node-count-limit", "nodePools[0].count")],
    );
    expect(
        |p| pool(p).max_count = Some(2),
        &[("node-count-limit", "nodePools[0].maxCount")],
    );
    expect(
        |p| {
            pool(p).count = 0;
            pool(p).max_count = None;
        },
        &[("node-count-limit", "nodePools[0].count")],
    );
    expect(
        |p| pool(p).mode = PoolMode::User,
        &[("node-count-limit", "nodePools[0].mode")],
    );
    expect(
        |p| p.node_pools = Some(Vec::new()),
        &[("node-count-limit", "nodePools")],
    );
    // u32::MAX nodes must not overflow anything.
    let got = findings(|p| {
        pool(p).count = u32::MAX;
        pool(p).max_count = Some(u32::MAX);
    });
    assert!(got.iter().any(|(r, _)| r == "node-count-limit"));
}

#[test]
fn hostile_names_are_errors() {
    for name in [
        "x; rm -rf /",
        "$(reboot)",
        "a\"b",
        "a'b",
        "a\nb",
        "a\u{7}b",
        "`id`",
    ] {
        let got = findings(|p| p.cluster.name = name.into());
        assert!(
            got.contains(&("invalid-name".into(), "cluster.name".into())),
            "{name:?}: {got:?}"
        );
        let got = findings(|p| p.cluster.resource_group = name.into());
        assert!(
            got.contains(&("invalid-name".into(), "cluster.resourceGroup".into())),
            "{name:?}: {got:?}"
        );
        let got = findings(|p| p.vnet.as_mut().unwrap().subnets[0].name = name.into());
        assert!(
            got.contains(&("invalid-name".into(), "vnet.subnets[0].name".into())),
            "{name:?}: {got:?}"
        );
    }
    expect(
        |p| pool(p).name = "NodePool1".into(),
        &[("invalid-name", "nodePools[0].name")],
    );
    expect(
        |p| p.cluster.location = "China North 3".into(),
        &[("invalid-name", "cluster.location")],
    );
}

#[test]
fn duplicate_names() {
    expect(
        |p| {
            p.vnet.as_mut().unwrap().subnets.push(Subnet {
                name: "Nodes".into(),
                cidr: "10.225.0.0/24".into(),
                role: SubnetRole::Other,
            });
        },
        &[("duplicate-name", "vnet.subnets[1].name")],
    );
}

#[test]
fn each_repeated_name_points_at_its_first_occurrence() {
    let mut p = Plan::example();
    let subnets = &mut p.vnet.as_mut().unwrap().subnets;
    for (i, name) in ["a", "NODES", "A", "Nodes"].into_iter().enumerate() {
        subnets.push(Subnet {
            name: name.into(),
            cidr: format!("10.225.{i}.0/24"),
            role: SubnetRole::Other,
        });
    }
    let found: Vec<(String, Vec<String>)> = check(&p)
        .findings
        .into_iter()
        .filter(|f| f.rule.id() == "duplicate-name")
        .map(|f| (f.field, f.related))
        .collect();
    let field = |i: usize| format!("vnet.subnets[{i}].name");
    assert_eq!(
        found,
        [
            (field(2), vec![field(0)]),
            (field(3), vec![field(1)]),
            (field(4), vec![field(0)])
        ]
    );
}

#[test]
fn public_range_is_a_warning() {
    let mut p = Plan::example();
    p.pod_cidr = Some("20.0.0.0/16".into());
    let r = check(&p);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].rule.id(), "public-range");
    assert_eq!(r.findings[0].severity, Severity::Warning);
    assert!(!r.has_errors());
}

#[test]
fn errors_come_first() {
    let mut p = Plan::example();
    p.pod_cidr = Some("20.0.0.0/16".into());
    p.cluster.name = "bad name".into();
    let r = check(&p);
    assert_eq!(r.findings.first().unwrap().severity, Severity::Error);
    assert_eq!(r.findings.last().unwrap().severity, Severity::Warning);
}

#[test]
fn capacity_report() {
    let c = check(&Plan::example()).capacity;
    let ns = c.node_subnet.unwrap();
    assert_eq!(
        (ns.total, ns.usable, ns.max_nodes, ns.surge_nodes, ns.needed),
        (65536, 65531, 10, 4, 21)
    );
    let pods = c.pods.unwrap();
    assert_eq!(
        (
            pods.nodes_supported,
            pods.nodes_planned,
            pods.pods_per_node_supported
        ),
        (256, 14, 254)
    );
    assert_eq!(pods.pods_planned, 2500);
    let svc = c.services.unwrap();
    assert_eq!((svc.total, svc.usable), (65536, 65533));
}

#[test]
fn many_connected_overlaps_are_capped_and_summed() {
    let mut p = Plan::example();
    p.connected_networks = (0..100)
        .map(|i| ConnectedNetwork {
            name: format!("n{i}"),
            cidr: format!("10.10.{i}.0/24"),
        })
        .collect();
    let r = check(&p);
    let pod: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.id() == "pod-cidr-overlap")
        .collect();
    assert_eq!(pod.len(), 21);
    assert!(
        pod.iter().any(|f| f.message.contains("80 more")),
        "{pod:#?}"
    );
}

/// Every mechanical fix, applied and re-checked, removes the finding it fixes.
#[test]
fn fixes_fix() {
    type Case = Box<dyn Fn(&mut Plan)>;
    let cases: Vec<Case> = vec![
        Box::new(|p| p.pod_cidr = Some("10.10.0.1/16".into())),
        Box::new(|p| p.pod_cidr = Some("10.0.0.0/16".into())),
        Box::new(|p| p.pod_cidr = Some("172.30.0.0/16".into())),
        Box::new(|p| p.pod_cidr = Some("10.10.0.0/22".into())),
        Box::new(|p| p.service_cidr = Some("10.224.0.0/16".into())),
        Box::new(|p| p.service_cidr = Some("10.0.0.0/12".into())),
        Box::new(|p| p.dns_service_ip = Some("10.0.0.1".into())),
        Box::new(|p| p.dns_service_ip = Some("10.9.0.1".into())),
        Box::new(|p| p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.0/28".into()),
        Box::new(|p| p.vnet.as_mut().unwrap().subnets[0].cidr = "10.250.0.0/24".into()),
        Box::new(|p| p.vnet.as_mut().unwrap().subnets.clear()),
        Box::new(|p| p.cluster.name = "my cluster!".into()),
        Box::new(|p| pool(p).max_pods = Some(300)),
        Box::new(|p| pool(p).max_surge = Some("x".into())),
        Box::new(|p| p.cni.per_node_prefix = Some(27)),
        Box::new(|p| p.node_pools = Some(Vec::new())),
    ];
    for (n, case) in cases.iter().enumerate() {
        let mut p = Plan::example();
        case(&mut p);
        let before = check(&p);
        let f = before
            .findings
            .iter()
            .find(|f| f.fix.as_ref().is_some_and(|x| x.edit.is_some()));
        let f =
            f.unwrap_or_else(|| panic!("case {n}: no mechanical fix in {:#?}", before.findings));
        let fixed = apply_edit(&p, f.fix.as_ref().unwrap().edit.as_ref().unwrap()).unwrap();
        let after = check(&fixed);
        assert!(
            !after
                .findings
                .iter()
                .any(|g| g.rule == f.rule && g.field == f.field),
            "case {n}: fix {:?} left {:#?}",
            f.fix,
            after.findings
        );
    }
}

/// The message of the first finding of `rule` after `edit`.
#[track_caller]
fn message(edit: impl FnOnce(&mut Plan), rule: &str) -> String {
    let mut p = Plan::example();
    edit(&mut p);
    check(&p)
        .findings
        .into_iter()
        .find(|f| f.rule.id() == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
        .message
}

/// Issue 11, case 1 (rule 23): `MC_<resourceGroup>_<name>_<location>` longer than 80 characters.
#[test]
fn node_resource_group_is_at_most_80_characters() {
    let names = |rg: usize, name: usize| {
        move |p: &mut Plan| {
            p.cluster.resource_group = "r".repeat(rg);
            p.cluster.name = "c".repeat(name);
            p.cluster.dns_prefix = None;
        }
    };
    // MC_ + 40 + _ + 30 + _ + chinanorth3 = 86.
    expect(names(40, 30), &[("invalid-name", "cluster.name")]);
    // Exactly 80 passes, 81 does not.
    expect(names(40, 24), &[]);
    expect(names(40, 25), &[("invalid-name", "cluster.name")]);
    let m = message(names(40, 30), "invalid-name");
    assert!(m.contains("86 characters") && m.contains("80"), "{m}");
    // The fix sets an explicit node resource group, which then passes.
    let mut p = Plan::example();
    names(40, 30)(&mut p);
    let f = check(&p).findings.remove(0);
    let edit = f.fix.unwrap().edit.unwrap();
    assert_eq!(edit.path, "cluster.nodeResourceGroup");
    let fixed = apply_edit(&p, &edit).unwrap();
    assert!(
        check(&fixed).findings.is_empty(),
        "{:#?}",
        check(&fixed).findings
    );
    // An explicit nodeResourceGroup is checked with the resource-group rules (rule 15) instead.
    expect(
        |p| {
            names(40, 30)(p);
            p.cluster.node_resource_group = Some("my-nodes".into());
        },
        &[],
    );
    expect(
        |p| p.cluster.node_resource_group = Some("nodes.".into()),
        &[("invalid-name", "cluster.nodeResourceGroup")],
    );
    expect(
        |p| p.cluster.node_resource_group = Some("n".repeat(91)),
        &[("invalid-name", "cluster.nodeResourceGroup")],
    );
}

/// Issue 11, cases 2 and 4 (rule 24): a surge count is at least 1, written as plain digits.
#[test]
fn max_surge_is_a_count_of_at_least_one_or_a_percentage() {
    let surge = |s: &'static str| move |p: &mut Plan| pool(p).max_surge = Some(s.into());
    for bad in [
        "0", "+5", " 5", "5 ", "-1", "05", "5 %", "+5%", "1.5", "", "%", "0%", "101%",
    ] {
        expect(
            surge(bad),
            &[("max-surge-invalid", "nodePools[0].maxSurge")],
        );
    }
    for good in ["1", "3", "100%", "1%", "33%"] {
        expect(surge(good), &[]);
    }
    let m = message(surge("0"), "max-surge-invalid");
    assert!(m.contains("at least 1"), "{m}");
}

/// Issue 11, case 3 (rule 24): a surge count larger than the pool surges the pool's nodes.
#[test]
fn a_surge_larger_than_the_pool_surges_the_pool() {
    // 3..10 nodes with maxSurge 300: 10 + 10 = 20 nodes, not 310; a /20 gives 16 /24s.
    expect(
        |p| {
            pool(p).max_surge = Some("300".into());
            p.pod_cidr = Some("10.10.0.0/19".into());
        },
        &[],
    );
    expect(
        |p| {
            pool(p).max_surge = Some("300".into());
            p.pod_cidr = Some("10.10.0.0/20".into());
        },
        &[("pod-cidr-too-small", "podCidr")],
    );
    let m = message(
        |p| {
            pool(p).max_surge = Some("300".into());
            p.pod_cidr = Some("10.10.0.0/20".into());
        },
        "pod-cidr-too-small",
    );
    assert!(m.contains("reach 20 nodes"), "{m}");
    // A /27 node subnet, 3 nodes, no maxCount: 3 + min(50, 3) + 2 ILB + 5 = 13 <= 32, as 100%.
    for s in ["50", "100%"] {
        expect(
            |p| {
                pool(p).max_surge = Some(s.into());
                pool(p).max_count = None;
                p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.0/27".into();
            },
            &[],
        );
    }
}

/// Issue 11, case 4 (rule 25): one IPv4 parser for every field, refusing leading zeros, signs
/// and inner spaces.
#[test]
fn ipv4_text_is_strict_dotted_decimal() {
    for bad in [
        "010.20.0.0/16",
        "10.020.0.0/16",
        "10.20.0.0/016",
        "+10.20.0.0/16",
        "10.+20.0.0/16",
        "10. 20.0.0/16",
        "10.20.0.0/ 16",
        "10.20.0.0 /16",
        "10.20.0/16",
        "10.20.0.0.0/16",
        "10.20.0.256/16",
        "10.20.0.0/+16",
        "0x0a.20.0.0/16",
        "１0.20.0.0/16",
    ] {
        expect(
            |p| p.pod_cidr = Some(bad.into()),
            &[("invalid-cidr", "podCidr")],
        );
    }
    let m = message(
        |p| p.pod_cidr = Some("010.20.0.0/16".into()),
        "invalid-cidr",
    );
    assert!(
        m.contains("leading zero") && m.contains("10.20.0.0/16"),
        "{m}"
    );
    for bad in ["10.0.0.010", "10.0.0.+10", "10.0.0. 10", "010.0.0.10"] {
        expect(
            |p| p.dns_service_ip = Some(bad.into()),
            &[("invalid-cidr", "dnsServiceIP")],
        );
    }
    let m = message(
        |p| p.dns_service_ip = Some("10.0.0.010".into()),
        "invalid-cidr",
    );
    assert!(m.contains("leading zero") && m.contains("10.0.0.10"), "{m}");
    // Zero itself is fine, in any octet and as a prefix.
    expect(
        |p| p.connected_networks[0].cidr = "0.0.0.0/0".into(),
        &[
            ("vnet-overlaps-connected", "vnet.addressSpace[0]"),
            ("pod-cidr-overlap", "podCidr"),
            ("service-cidr-overlap", "serviceCidr"),
        ],
    );
    expect(|p| p.dns_service_ip = Some("10.0.0.100".into()), &[]);
}

/// Issue 11, case 9: a bad DNS service IP is called an address, not a CIDR.
#[test]
fn a_bad_dns_service_ip_is_not_an_address() {
    for bad in ["10.0.0.x", "banana", "10.0.0.10/32"] {
        let m = message(|p| p.dns_service_ip = Some(bad.into()), "invalid-cidr");
        assert!(m.contains("IPv4 address"), "{bad}: {m}");
        assert!(
            !m.contains("CIDR") && !m.contains("address/prefix"),
            "{bad}: {m}"
        );
    }
}

/// Issue 11, case 8: IPv6 prefixes of dual-stack VNets in connectedNetworks are recorded, never
/// an error; a malformed one still is.
#[test]
fn ipv6_connected_networks_are_kept_out_of_the_ipv4_checks() {
    expect(
        |p| {
            p.connected_networks.push(ConnectedNetwork {
                name: "vnet hub".into(),
                cidr: "fd00:db8:deca::/48".into(),
            });
            p.connected_networks.push(ConnectedNetwork {
                name: "vnet hub".into(),
                cidr: "2001:db8::/32".into(),
            });
        },
        &[],
    );
    expect(
        |p| {
            p.connected_networks.push(ConnectedNetwork {
                name: "vnet hub".into(),
                cidr: "fd00:db8:zz::/48".into(),
            });
        },
        &[("invalid-cidr", "connectedNetworks[1].cidr")],
    );
    // IPv6 elsewhere stays an error.
    expect(
        |p| p.pod_cidr = Some("fd00::/8".into()),
        &[("invalid-cidr", "podCidr")],
    );
}

/// Rule 26: pod CIDRs overlapping 172.30.0.0/16 or 172.31.0.0/16 are refused, at the edges.
#[test]
fn pod_cidr_next_to_the_aks_reserved_172_ranges() {
    let pod = |c: &'static str| move |p: &mut Plan| p.pod_cidr = Some(c.into());
    expect(pod("172.16.0.0/12"), &[("reserved-range", "podCidr")]);
    expect(pod("172.28.0.0/14"), &[("reserved-range", "podCidr")]);
    expect(pod("172.29.0.0/16"), &[]);
    expect(pod("172.28.0.0/15"), &[]);
    expect(pod("172.29.255.0/24"), &[("pod-cidr-too-small", "podCidr")]);
    expect(
        pod("172.30.0.0/24"),
        &[
            ("reserved-range", "podCidr"),
            ("pod-cidr-too-small", "podCidr"),
        ],
    );
    expect(
        pod("172.31.255.0/24"),
        &[
            ("reserved-range", "podCidr"),
            ("pod-cidr-too-small", "podCidr"),
        ],
    );
    expect(pod("172.30.0.0/15"), &[("reserved-range", "podCidr")]);
    // 172.32/16 is past both (and outside RFC 1918: a warning only).
    expect(pod("172.32.0.0/16"), &[("public-range", "podCidr")]);
}

/// Rule 28 (issue 10, kube-proxy-free Cilium): disabling kube-proxy is a preview (a warning that
/// names the extension and the feature flag); with a CNI that does not replace kube-proxy it is
/// an error whose fix keeps kube-proxy; the default plan says nothing.
#[test]
fn kube_proxy_disabled() {
    expect(
        |p| p.cni.kube_proxy = false,
        &[("preview-feature", "cni.kubeProxy")],
    );
    let mut p = Plan::example();
    p.cni.kube_proxy = false;
    let r = check(&p);
    assert!(!r.has_errors());
    let f = &r.findings[0];
    assert_eq!(f.severity, Severity::Warning);
    for needle in [
        "aks-preview",
        "az extension add --name aks-preview",
        "az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview",
    ] {
        assert!(f.message.contains(needle), "{needle}: {}", f.message);
    }
    for plugin in [CniPlugin::Calico, CniPlugin::Other] {
        expect(
            |p| {
                p.cni.kube_proxy = false;
                p.cni.plugin = plugin;
            },
            &[("kube-proxy-cni", "cni.kubeProxy")],
        );
        let mut p = Plan::example();
        p.cni.kube_proxy = false;
        p.cni.plugin = plugin;
        let r = check(&p);
        assert!(r.has_errors());
        let f = r
            .findings
            .iter()
            .find(|f| f.rule.id() == "kube-proxy-cni")
            .unwrap();
        assert!(f.message.contains(plugin.as_str()), "{}", f.message);
        assert!(f.message.contains("Cilium only"), "{}", f.message);
        let fixed = apply_edit(&p, f.fix.as_ref().unwrap().edit.as_ref().unwrap()).unwrap();
        assert!(fixed.cni.kube_proxy);
    }
    expect(|_| {}, &[]);
}

/// `cni.kubeProxy` is read with the default true and written only when false, so existing plan
/// files round-trip byte for byte.
#[test]
fn kube_proxy_is_written_only_when_false() {
    let p = Plan::example();
    assert!(p.cni.kube_proxy);
    assert!(!p.to_json().contains("kubeProxy"));
    let mut v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
    v["cni"]["kubeProxy"] = serde_json::json!(true);
    let read = Plan::from_json(&v.to_string()).unwrap();
    assert!(read.cni.kube_proxy);
    assert!(!read.to_json().contains("kubeProxy"));
    v["cni"]["kubeProxy"] = serde_json::json!(false);
    let read = Plan::from_json(&v.to_string()).unwrap();
    assert!(!read.cni.kube_proxy);
    assert!(read.to_json().contains("\"kubeProxy\": false"));
    v["cni"]["kubeProxy"] = serde_json::json!("no");
    let e = Plan::from_json(&v.to_string()).unwrap_err().to_string();
    assert!(e.contains("cni.kubeProxy"), "{e}");
}
