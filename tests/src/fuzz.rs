//! The fuzz harness shared by `fuzz/fuzz_targets/plan.rs` (libFuzzer, nightly) and the corpus
//! replay in the test suite (stable): one input drives parsing, check, fixes, suggest, every
//! renderer and the provisioning steps, and asserts the invariants that must hold for any plan.
//!
//! The first byte picks the mode: even = the rest is plan-file text (finds parser and shape
//! bugs); 1 mod 4 = the rest drives `arbitrary` edits of the seed example (reaches the rules,
//! suggestions and renderers with values JSON fuzzing rarely builds); 3 mod 4 = the same for a
//! version 2 estate, edits of the blue/green and mesh fixtures (the estate rules, projection,
//! suggest, the estate exports and the estate's provisioning steps).

use arbitrary::{Arbitrary, Unstructured};
use byocni_core::check::check_estate;
use byocni_core::cidr::Cidr;
use byocni_core::estate::{Estate, PlanFile};
use byocni_core::plan::{
    ApiServer, CniPlugin, ConnectedNetwork, LoadBalancerOutbound, MaxSurge, NatGateway, NodePool,
    Nsg, Outbound, OutboundType, PoolMode, RouteTable, Subnet, SubnetRole, Vnet, VnetIntegration,
};
use byocni_core::render::estate::render_estate;
use byocni_core::render::{render, Format, RenderOptions};
use byocni_core::{apply_edit, check, locate_all, steps, suggest, Plan};

/// Runs one fuzz input through the whole pipeline. Panics only when an invariant breaks.
pub fn fuzz_one(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            // The field locator reads any text, plan or not.
            let _ = locate_all(text, &["version", "vnet.subnets[1].cidr", "a[0]", "."]);
            readers(text);
            if let Ok(plan) = Plan::from_json(text) {
                pipeline(&plan);
            }
            if let Ok(estate) = Estate::from_json(text) {
                estate_pipeline(&estate);
            }
        }
    } else if mode % 4 == 1 {
        let mut u = Unstructured::new(rest);
        if let Ok(plan) = structured_plan(&mut u) {
            pipeline(&plan);
        }
    } else {
        let mut u = Unstructured::new(rest);
        if let Ok(estate) = structured_estate(&mut u) {
            estate_pipeline(&estate);
        }
    }
}

/// Everything the product does with an estate (plan version 2, issue 13): it round-trips, its
/// check places every finding in its own text, every new cluster's projection goes through the
/// v1 pipeline, and every format renders (forced) or is refused with a message, never a panic.
pub fn estate_pipeline(estate: &Estate) {
    let json = estate.to_json();
    let again = Estate::from_json(&json).expect("a serialised estate parses");
    assert_eq!(&again, estate, "estate JSON round trip");
    assert_eq!(
        PlanFile::from_json(&json).expect("either reader reads it"),
        PlanFile::V2(estate.clone())
    );
    let report = check_estate(estate, None);
    let fields: Vec<&str> = report.findings.iter().map(|f| f.field.as_str()).collect();
    for (field, at) in fields.iter().zip(locate_all(&json, &fields)) {
        assert!(at.is_some(), "{field} is not placed in the estate's text");
    }
    // The estate's provisioning steps: every step id unique, the network's destroy steps a
    // subset of its creates, nothing existing ever deleted.
    let network = steps::estate::network_steps(estate);
    let mut ids: Vec<String> = network.iter().map(|s| s.id.to_lowercase()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "network step ids are unique");
    for d in steps::estate::network_destroy_steps(estate) {
        assert!(
            ids.binary_search(&d.id.to_lowercase()).is_ok(),
            "{} is created",
            d.id
        );
    }
    for i in 0..estate.clusters.len().min(8) {
        if !estate.clusters[i].existing {
            let plan = estate.project(i).expect("a cluster projects");
            let own = steps::estate::cluster_steps(estate, i, &plan);
            assert!(!own.is_empty(), "a new cluster has steps");
            let existing_vnet = estate.vnet_of(i).is_some_and(|v| estate.vnets[v].existing);
            let gone = steps::estate::cluster_destroy_steps(estate, i, &plan);
            assert!(
                !(existing_vnet && gone.iter().any(|s| s.kind == steps::StepKind::Vnet)),
                "an existing VNet is never deleted"
            );
            pipeline(&plan);
        }
        let _ = check_estate(estate, Some(i));
    }
    for format in Format::ALL {
        let _ = render_estate(estate, format, None, RenderOptions { force: true });
    }
}

/// The `readers` target: only the text readers, thousands of times faster than the pipeline.
pub fn fuzz_readers(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        readers(text);
        let _ = Plan::from_json(text);
    }
}

/// The readers of user text, against their oracles (rules 24 and 25): the address reader agrees
/// with the standard library's strict one, a CIDR or a max surge reads only in its canonical
/// spelling, and a plan read from text writes back to a plan that reads the same.
fn readers(text: &str) {
    use byocni_core::cidr::{parse_ipv4, CidrError};
    assert_eq!(
        parse_ipv4(text).ok(),
        text.trim().parse::<std::net::Ipv4Addr>().ok(),
        "address reader vs std on {text:?}"
    );
    match Cidr::parse(text) {
        Ok(c) => assert_eq!(c.to_string(), text.trim(), "non-canonical CIDR accepted"),
        Err(CidrError::LeadingZero { decimal, .. }) => assert!(
            !matches!(Cidr::parse(&decimal), Err(CidrError::LeadingZero { .. })),
            "{text:?}: the decimal spelling {decimal:?} still has a leading zero"
        ),
        Err(_) => {}
    }
    match byocni_core::plan::parse_max_surge(text) {
        Some(MaxSurge::Count(n)) => assert!(n >= 1 && n.to_string() == text, "{text:?}"),
        Some(MaxSurge::Percent(n)) => assert!(
            (1..=100).contains(&n) && format!("{n}%") == text,
            "{text:?}"
        ),
        None => {}
    }
}

/// Everything the product does with a plan, with the invariants that must hold.
pub fn pipeline(plan: &Plan) {
    // The plan file round-trips.
    let json = plan.to_json();
    let again = Plan::from_json(&json).expect("a serialised plan parses");
    assert_eq!(&again, plan, "plan JSON round trip");

    let report = check(plan);
    // Every finding is placed in the plan's own text: at its field, or at a present parent.
    let fields: Vec<&str> = report.findings.iter().map(|f| f.field.as_str()).collect();
    for (field, at) in fields.iter().zip(locate_all(&json, &fields)) {
        assert!(at.is_some(), "{field} is not placed in the plan's text");
    }
    for finding in &report.findings {
        assert!(
            !finding.message.is_empty(),
            "{} has no message",
            finding.rule
        );
        if let Some(edit) = finding.fix.as_ref().and_then(|f| f.edit.as_ref()) {
            // A fix may be refused, never panic.
            if let Ok(fixed) = apply_edit(plan, edit) {
                let _ = check(&fixed);
            }
        }
    }

    if !report.has_errors() {
        clean_plans_are_canonical(plan);
    }

    if let Ok(s) = suggest(plan) {
        let _ = check(&s.plan);
    }

    for format in Format::ALL {
        let forced = render(plan, format, RenderOptions { force: true });
        // The one refusal: Terraform cannot create a cluster without kube-proxy (azurerm has
        // no argument for it), forced or not.
        let refusable = format == Format::Terraform && !plan.cni.kube_proxy;
        assert!(
            forced.is_ok()
                || (refusable && matches!(forced, Err(byocni_core::RenderError::Unsupported(_)))),
            "forced {} render refused",
            format.id()
        );
        if let Ok(text) = render(plan, format, RenderOptions::default()) {
            // The design document, the map and the ranges describe a plan whatever check finds.
            assert!(
                !report.has_errors() || format.describes(),
                "{} rendered a plan with errors",
                format.id()
            );
            if format == Format::Bash {
                for line in text.lines().filter(|l| l.starts_with("az ")) {
                    assert!(
                        shlex::split(line).is_some(),
                        "unsplittable bash line: {line}"
                    );
                }
            }
        }
    }

    let _ = steps::provision_steps(plan);
    let _ = steps::destroy_steps(plan);
    let _ = steps::cni_steps(plan, "/tmp/kubeconfig");
}

/// What a plan without errors holds is what the exports write as is (rules 23-25): every range
/// in its one canonical spelling, max surges in plain digits, a node resource group AKS takes.
fn clean_plans_are_canonical(plan: &Plan) {
    let canonical = |t: &str| {
        let c = Cidr::parse(t).unwrap_or_else(|e| panic!("clean plan holds `{t}`: {e}"));
        assert_eq!(
            c.to_string(),
            t.trim(),
            "clean plan holds a non-canonical CIDR"
        );
    };
    let mut ranges: Vec<&str> = plan.vnet_address_space();
    if let Some(v) = &plan.vnet {
        ranges.extend(v.subnets.iter().map(|s| s.cidr.as_str()));
    }
    ranges.extend(plan.pod_cidr.as_deref());
    ranges.push(plan.effective_service_cidr());
    for t in ranges {
        canonical(t);
    }
    for n in &plan.connected_networks {
        if !byocni_core::cidr::is_ipv6_network(&n.cidr) {
            canonical(&n.cidr);
        }
    }
    let dns = plan.effective_dns_service_ip();
    let a = byocni_core::cidr::parse_ipv4(dns).expect("clean plan has a DNS IP");
    assert_eq!(
        a.to_string(),
        dns.trim(),
        "clean plan holds a non-canonical DNS IP"
    );
    for p in plan.effective_node_pools() {
        let s = p.effective_max_surge();
        match byocni_core::plan::parse_max_surge(s) {
            Some(MaxSurge::Count(n)) => assert!(n >= 1 && n.to_string() == s, "{s:?}"),
            Some(MaxSurge::Percent(n)) => assert_eq!(format!("{n}%"), s),
            None => panic!("clean plan holds max surge {s:?}"),
        }
    }
    assert!(plan.effective_node_resource_group().chars().count() <= 90);
    if plan.cluster.node_resource_group.is_none() {
        assert!(plan.effective_node_resource_group().chars().count() <= 80);
    }
}

/// A text that is usually CIDR-shaped and sometimes anything at all.
fn cidr_text(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0 => String::arbitrary(u)?,
        // Rule 25's traps: a leading zero, a sign or a space before a number.
        4 => {
            let mut parts: Vec<String> = u32::arbitrary(u)?
                .to_be_bytes()
                .iter()
                .map(ToString::to_string)
                .collect();
            parts.push(u.int_in_range(0u8..=32)?.to_string());
            let i = u.choose_index(parts.len())?;
            parts[i].insert_str(0, u.choose(&["0", "00", "+", " ", "-"])?);
            let prefix = parts.pop().unwrap_or_default();
            format!("{}/{prefix}", parts.join("."))
        }
        // The IPv6 half of a dual-stack VNet.
        5 => format!(
            "{:x}:{:x}::/{}",
            u16::arbitrary(u)?,
            u16::arbitrary(u)?,
            u.int_in_range(0..=129)?
        ),
        1 => {
            let octets = u32::arbitrary(u)?.to_be_bytes();
            format!(
                "{}/{}",
                std::net::Ipv4Addr::from(octets),
                u.int_in_range(0..=33)?
            )
        }
        _ => {
            let prefix: u8 = u.int_in_range(0..=32)?;
            let addr =
                u32::arbitrary(u)? & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            format!("{}/{prefix}", std::net::Ipv4Addr::from(addr))
        }
    })
}

/// An outbound block of any type, with any of its blocks.
fn outbound(u: &mut Unstructured<'_>) -> arbitrary::Result<Outbound> {
    let kind = *u.choose(&[
        OutboundType::LoadBalancer,
        OutboundType::ManagedNatGateway,
        OutboundType::UserAssignedNatGateway,
        OutboundType::UserDefinedRouting,
    ])?;
    let load_balancer = Option::<u32>::arbitrary(u)?.map(|n| LoadBalancerOutbound {
        managed_outbound_ips: Some(n),
    });
    let nat_gateway = if bool::arbitrary(u)? {
        Some(NatGateway {
            name: Option::<String>::arbitrary(u)?,
            existing: bool::arbitrary(u)?,
            idle_timeout_minutes: Option::<u32>::arbitrary(u)?,
            outbound_ips: Option::<u32>::arbitrary(u)?,
        })
    } else {
        None
    };
    let route_table = if bool::arbitrary(u)? {
        let hop = cidr_text(u)?;
        Some(RouteTable {
            name: Option::<String>::arbitrary(u)?,
            existing: bool::arbitrary(u)?,
            // An address, usually: the CIDR text without its prefix.
            next_hop_ip: Some(hop.split('/').next().unwrap_or_default().to_owned()),
        })
    } else {
        None
    };
    Ok(Outbound {
        kind,
        load_balancer,
        nat_gateway,
        route_table,
    })
}

/// The seed example with a run of arbitrary edits (also the generator of the schema's
/// property test).
pub fn structured_plan(u: &mut Unstructured<'_>) -> arbitrary::Result<Plan> {
    let mut p = Plan::example();
    let edits = u.int_in_range(0..=24)?;
    for _ in 0..edits {
        match u.int_in_range(0..=23)? {
            0 => p.cluster.name = String::arbitrary(u)?,
            1 => p.cluster.resource_group = String::arbitrary(u)?,
            2 => p.cluster.location = String::arbitrary(u)?,
            3 => p.cluster.dns_prefix = Option::<String>::arbitrary(u)?,
            4 => {
                p.pod_cidr = if bool::arbitrary(u)? {
                    Some(cidr_text(u)?)
                } else {
                    None
                }
            }
            5 => {
                p.service_cidr = if bool::arbitrary(u)? {
                    Some(cidr_text(u)?)
                } else {
                    None
                }
            }
            6 => p.dns_service_ip = Option::<String>::arbitrary(u)?,
            7 => p.vnet = None,
            8 => {
                let v = p.vnet.get_or_insert_with(|| Vnet {
                    name: "v".into(),
                    address_space: Vec::new(),
                    subnets: Vec::new(),
                });
                v.address_space.push(cidr_text(u)?);
            }
            9 => {
                if let Some(v) = p.vnet.as_mut() {
                    v.subnets.push(Subnet {
                        name: String::arbitrary(u)?,
                        cidr: cidr_text(u)?,
                        role: *u.choose(&[
                            SubnetRole::Nodes,
                            SubnetRole::ApiServer,
                            SubnetRole::Other,
                        ])?,
                    });
                }
            }
            10 => {
                if let Some(v) = p.vnet.as_mut() {
                    v.subnets.clear();
                }
            }
            11 => p.connected_networks.push(ConnectedNetwork {
                name: String::arbitrary(u)?,
                cidr: cidr_text(u)?,
            }),
            12 => {
                let pools = p.node_pools.get_or_insert_with(Vec::new);
                pools.push(NodePool {
                    name: String::arbitrary(u)?,
                    mode: *u.choose(&[PoolMode::System, PoolMode::User])?,
                    count: u32::arbitrary(u)?,
                    max_count: Option::<u32>::arbitrary(u)?,
                    max_surge: Option::<String>::arbitrary(u)?,
                    max_pods: Option::<u32>::arbitrary(u)?,
                    vm_size: Option::<String>::arbitrary(u)?,
                });
            }
            13 => p.node_pools = None,
            14 => p.node_pools = Some(Vec::new()),
            15 => {
                if let Some(pool) = p.node_pools.as_mut().and_then(|v| v.first_mut()) {
                    pool.count = u32::arbitrary(u)?;
                    pool.max_count = Option::<u32>::arbitrary(u)?;
                    pool.max_pods = Option::<u32>::arbitrary(u)?;
                    pool.max_surge = Option::<String>::arbitrary(u)?;
                }
            }
            16 => p.internal_load_balancers = Option::<u32>::arbitrary(u)?,
            17 => p.cni.plugin = *u.choose(&CniPlugin::ALL)?,
            18 => p.cni.per_node_prefix = Option::<u8>::arbitrary(u)?,
            19 => p.cluster.node_resource_group = Option::<String>::arbitrary(u)?,
            // Around the cluster (issue 14).
            21 => p.outbound = Some(outbound(u)?),
            22 => {
                let mut ranges = Vec::new();
                for _ in 0..u.int_in_range(0..=3)? {
                    ranges.push(cidr_text(u)?);
                }
                p.api_server = Some(ApiServer {
                    private: bool::arbitrary(u)?,
                    vnet_integration: Option::<String>::arbitrary(u)?
                        .map(|subnet| VnetIntegration { subnet }),
                    authorized_ip_ranges: ranges,
                });
            }
            23 => {
                p.nsg = Some(Nsg {
                    name: Option::<String>::arbitrary(u)?,
                    existing: bool::arbitrary(u)?,
                });
            }
            _ => p.connected_networks.clear(),
        }
    }
    Ok(p)
}

/// The estate fixtures: blue/green beside a hub, and a three-cluster mesh.
const ESTATES: [&str; 2] = [
    include_str!("../fixtures/estate-bluegreen.json"),
    include_str!("../fixtures/estate-mesh3.json"),
];

/// A name from a small set (so that references between VNets, subnets, peerings and clusters
/// meet often), or arbitrary text.
fn estate_name(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    if u.ratio(1, 8)? {
        return String::arbitrary(u);
    }
    Ok((*u.choose(&[
        "hub",
        "aks-blue",
        "aks-green",
        "aks-a",
        "aks-b",
        "aks-c",
        "nodes",
        "blue",
        "green",
        "mesh-a",
        "default",
    ])?)
    .to_owned())
}

/// One of the estate fixtures with a run of arbitrary edits: VNets, subnets and peerings added
/// or dropped, clusters moved, made existing or meshed, mesh ids and limits changed.
pub fn structured_estate(u: &mut Unstructured<'_>) -> arbitrary::Result<Estate> {
    use byocni_core::estate::{EstateSubnet, EstateVnet, MeshMember, MeshSettings, Peering};
    let mut e = Estate::from_json(u.choose(&ESTATES)?).expect("the estate fixtures read");
    let edits = u.int_in_range(0..=16)?;
    for _ in 0..edits {
        let nv = e.vnets.len();
        let nc = e.clusters.len();
        match u.int_in_range(0..=17)? {
            0 => e.vnets.push(EstateVnet {
                name: estate_name(u)?,
                resource_group: estate_name(u)?,
                location: (*u.choose(&["westeurope", "northeurope"])?).to_owned(),
                address_space: Vec::new(),
                subnets: Vec::new(),
                existing: bool::arbitrary(u)?,
            }),
            1 if nv > 0 => {
                let v = u.choose_index(nv)?;
                e.vnets[v].address_space.push(cidr_text(u)?);
            }
            2 if nv > 0 => {
                let v = u.choose_index(nv)?;
                e.vnets[v].subnets.push(EstateSubnet {
                    name: estate_name(u)?,
                    cidr: if bool::arbitrary(u)? {
                        cidr_text(u)?
                    } else {
                        String::new()
                    },
                    role: *u.choose(&[
                        SubnetRole::Nodes,
                        SubnetRole::ApiServer,
                        SubnetRole::Other,
                    ])?,
                });
            }
            3 if nv > 0 => {
                let v = u.choose_index(nv)?;
                e.vnets[v].existing = !e.vnets[v].existing;
            }
            4 if nv > 0 => {
                let v = u.choose_index(nv)?;
                e.vnets.remove(v);
            }
            5 => e.peerings.push(Peering {
                between: [estate_name(u)?, estate_name(u)?],
            }),
            6 if !e.peerings.is_empty() => {
                let p = u.choose_index(e.peerings.len())?;
                e.peerings.remove(p);
            }
            7 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].existing = !e.clusters[c].existing;
            }
            8 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].node_subnet = if bool::arbitrary(u)? {
                    Some(format!("{}/{}", estate_name(u)?, estate_name(u)?))
                } else {
                    None
                };
            }
            9 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].pod_cidr = Some(cidr_text(u)?);
            }
            10 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].cluster_mesh = if bool::arbitrary(u)? {
                    Some(MeshMember {
                        id: Option::<u32>::arbitrary(u)?.map(|i| i % 600),
                    })
                } else {
                    None
                };
            }
            11 => {
                e.cluster_mesh = Some(MeshSettings {
                    max_connected_clusters: Some(*u.choose(&[255, 511, 0, 256, 1])?),
                });
            }
            12 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].name = estate_name(u)?;
            }
            13 if nc > 0 => {
                let c = u.choose_index(nc)?;
                let mut copy = e.clusters[c].clone();
                copy.name = estate_name(u)?;
                copy.existing = bool::arbitrary(u)?;
                e.clusters.push(copy);
            }
            14 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters.remove(c);
            }
            15 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].cni = Some(byocni_core::plan::Cni {
                    plugin: *u.choose(&CniPlugin::ALL)?,
                    ..Default::default()
                });
            }
            16 if nc > 0 => {
                let c = u.choose_index(nc)?;
                e.clusters[c].service_cidr = Some(cidr_text(u)?);
            }
            17 => e.connected_networks.push(ConnectedNetwork {
                name: String::arbitrary(u)?,
                cidr: cidr_text(u)?,
            }),
            _ => {}
        }
    }
    Ok(e)
}
