//! Property tests of `suggest` and of the address-space indexes it stands on, against
//! brute-force oracles on small spaces.

use byocni_core::plan::ConnectedNetwork;
use byocni_core::space::{CidrIndex, Taken};
use byocni_core::{
    apply_edit, check, check_with, suggest, Cidr, ConnectedIndex, Edit, Plan, SuggestError,
};
use proptest::prelude::*;

fn c(s: &str) -> Cidr {
    Cidr::parse(s).unwrap()
}

/// A random network inside `within` of prefix `lo..=hi`.
fn net_in(within: Cidr, lo: u8, hi: u8) -> impl Strategy<Value = Cidr> {
    (lo..=hi, any::<u32>()).prop_map(move |(p, r)| {
        let span = within.size();
        let start = u64::from(within.start()) + (u64::from(r) % span);
        Cidr::from_u32(start as u32, p.max(within.prefix_len())).unwrap()
    })
}

/// Connected networks scattered over private space (and some public).
fn estate() -> impl Strategy<Value = Vec<Cidr>> {
    prop::collection::vec(
        prop_oneof![
            net_in(c("10.0.0.0/8"), 8, 28),
            net_in(c("172.16.0.0/12"), 12, 28),
            net_in(c("192.168.0.0/16"), 16, 28),
            net_in(c("0.0.0.0/0"), 4, 24),
        ],
        0..60,
    )
}

fn gappy_plan(nets: &[Cidr], keep_vnet: bool) -> Plan {
    let mut p = Plan::example();
    p.pod_cidr = None;
    p.service_cidr = None;
    p.dns_service_ip = None;
    if keep_vnet {
        let v = p.vnet.as_mut().unwrap();
        v.address_space.clear();
        v.subnets.clear();
    } else {
        p.vnet = None;
    }
    p.connected_networks = nets
        .iter()
        .enumerate()
        .map(|(i, n)| ConnectedNetwork {
            name: format!("n{i}"),
            cidr: n.to_string(),
        })
        .collect();
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// An index of the connected networks built once and reused across edits that leave them
    /// alone (as the web planner does) gives the same report as checking from scratch; an index
    /// of other networks is not trusted.
    #[test]
    fn a_reused_connected_index_checks_like_check(
        nets in estate(),
        keep_vnet in any::<bool>(),
        pod in net_in(c("0.0.0.0/0"), 8, 24),
        svc in net_in(c("10.0.0.0/8"), 12, 24),
        other in estate(),
    ) {
        let mut plan = gappy_plan(&nets, keep_vnet);
        plan.connected_networks.push(ConnectedNetwork { name: "bad\tname".into(), cidr: "10.1.2.3/8".into() });
        let index = ConnectedIndex::new(&plan.connected_networks);
        prop_assert_eq!(check_with(&plan, &index), check(&plan));
        for (path, value) in [("podCidr", pod.to_string()), ("serviceCidr", svc.to_string())] {
            plan = apply_edit(&plan, &Edit { path: path.into(), value: value.into() }).unwrap();
            prop_assert_eq!(check_with(&plan, &index), check(&plan));
        }
        // An index of another number of networks (the only mismatch `check_with` can see).
        let mut other = gappy_plan(&other, keep_vnet).connected_networks;
        if other.len() == plan.connected_networks.len() {
            other.pop();
        }
        let stale = ConnectedIndex::new(&other);
        prop_assert_eq!(check_with(&plan, &stale), check(&plan));
    }

    /// Filled ranges never overlap a connected network, a reserved range, or each other, and the
    /// completed plan has no overlap findings.
    #[test]
    fn suggestions_avoid_everything(nets in estate(), keep_vnet in any::<bool>()) {
        let plan = gappy_plan(&nets, keep_vnet);
        match suggest(&plan) {
            Ok(s) => {
                let p = &s.plan;
                let mut mine: Vec<Cidr> = vec![
                    c(p.pod_cidr.as_deref().unwrap()),
                    c(p.service_cidr.as_deref().unwrap()),
                ];
                if let Some(v) = &p.vnet {
                    mine.extend(v.address_space.iter().map(|t| c(t)));
                }
                for m in &mine {
                    for n in &nets {
                        prop_assert!(!m.overlaps(*n), "{m} overlaps connected {n}");
                    }
                    for r in byocni_core::check::AKS_RESERVED.iter().chain(byocni_core::check::VNET_FORBIDDEN) {
                        prop_assert!(!m.overlaps(c(r)), "{m} overlaps reserved {r}");
                    }
                }
                prop_assert!(!mine[0].overlaps(mine[1]));
                let report = check(p);
                let bad: Vec<_> = report.findings.iter().filter(|f| {
                    matches!(f.rule.id(), "pod-cidr-overlap" | "service-cidr-overlap" | "reserved-range" | "vnet-forbidden-range" | "subnet-outside-vnet" | "subnet-overlap" | "pod-cidr-missing" | "node-subnet-missing" | "dns-ip-outside-service-cidr" | "dns-ip-reserved")
                }).collect();
                prop_assert!(bad.is_empty(), "{bad:#?}");
                // Deterministic.
                prop_assert_eq!(&suggest(&plan).unwrap(), &s);
            }
            Err(SuggestError::NoFreeSpace { .. }) => {
                // Only acceptable when private space really is exhausted for the size asked.
                let t = Taken::new(nets.iter().copied());
                prop_assert!(t.first_free(c("10.0.0.0/8"), 16).is_none() || t.first_free(c("172.16.0.0/12"), 16).is_none() || !keep_vnet);
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    /// `Taken::first_free` agrees with scanning every aligned block of a /20.
    #[test]
    fn first_free_matches_brute_force(blocks in prop::collection::vec(net_in(c("10.1.0.0/20"), 22, 30), 0..25), prefix in 20u8..=30) {
        let within = c("10.1.0.0/20");
        let t = Taken::new(blocks.iter().copied());
        let size = 1u32 << (32 - u32::from(prefix));
        let brute = (0..(within.size() as u32 / size))
            .map(|i| Cidr::from_u32(within.start() + i * size, prefix).unwrap())
            .find(|cand| !blocks.iter().any(|b| b.overlaps(*cand)));
        prop_assert_eq!(t.first_free(within, prefix), brute);
        for b in &blocks {
            prop_assert!(t.overlaps(*b));
        }
    }

    /// `CidrIndex::overlapping` agrees with comparing every pair.
    #[test]
    fn overlapping_matches_brute_force(nets in prop::collection::vec(net_in(c("10.0.0.0/14"), 14, 26), 0..60), q in net_in(c("10.0.0.0/14"), 12, 28)) {
        let idx = CidrIndex::new(nets.iter().enumerate().map(|(i, n)| (*n, i)));
        let mut got: Vec<usize> = idx.overlapping(q).iter().map(|(_, i)| *i).collect();
        got.sort_unstable();
        let want: Vec<usize> = nets.iter().enumerate().filter(|(_, n)| n.overlaps(q)).map(|(i, _)| i).collect();
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(idx.any_overlap(q), !want.is_empty());
    }
}

#[test]
fn conventional_choices_when_free() {
    let s = suggest(&gappy_plan(&[], true)).unwrap();
    let p = s.plan;
    assert_eq!(
        p.vnet.as_ref().unwrap().address_space,
        vec!["10.224.0.0/12"]
    );
    assert_eq!(p.vnet.as_ref().unwrap().subnets[0].cidr, "10.224.0.0/16");
    assert_eq!(p.service_cidr.as_deref(), Some("10.0.0.0/16"));
    assert_eq!(p.dns_service_ip.as_deref(), Some("10.0.0.10"));
    assert_eq!(p.pod_cidr.as_deref(), Some("10.244.0.0/16"));
    assert!(!check(&p).has_errors(), "{:#?}", check(&p).findings);
    assert_eq!(s.filled.len(), 5);
}

#[test]
fn moves_away_from_taken_defaults() {
    let nets = [c("10.0.0.0/16"), c("10.244.0.0/14"), c("10.224.0.0/12")];
    let s = suggest(&gappy_plan(&nets, false)).unwrap();
    let p = &s.plan;
    assert_ne!(p.service_cidr.as_deref(), Some("10.0.0.0/16"));
    assert_ne!(p.pod_cidr.as_deref(), Some("10.244.0.0/16"));
    assert!(
        p.vnet.is_some(),
        "the managed VNet collides, so a VNet is planned"
    );
    assert!(!check(p).has_errors(), "{:#?}", check(p).findings);
}

#[test]
fn pod_cidr_grows_with_the_cluster() {
    let mut p = gappy_plan(&[], true);
    let pool = &mut p.node_pools.as_mut().unwrap()[0];
    pool.count = 1000;
    pool.max_count = Some(1000);
    pool.max_surge = Some("10%".into());
    let s = suggest(&p).unwrap();
    // 1100 nodes x /24 needs 2048 blocks: a /13.
    assert_eq!(c(s.plan.pod_cidr.as_deref().unwrap()).prefix_len(), 13);
    assert!(
        !check(&s.plan).has_errors(),
        "{:#?}",
        check(&s.plan).findings
    );
}

#[test]
fn no_free_space_is_an_error_not_a_loop() {
    let p = gappy_plan(&[c("0.0.0.0/0")], true);
    let e = suggest(&p).unwrap_err();
    assert!(e.to_string().contains("no free"), "{e}");
}

#[test]
fn filled_values_are_kept_when_given() {
    let p = Plan::example();
    let s = suggest(&p).unwrap();
    assert_eq!(s.plan, p);
    assert!(s.filled.is_empty());
}
