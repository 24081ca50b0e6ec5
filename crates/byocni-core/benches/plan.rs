//! Criterion benchmarks of `check` and `suggest` on plans with 10,000 to 1,000,000 connected
//! networks (the in-process cost; `bench/compare.sh` measures the CLI end to end against netaddr),
//! and `check` of an estate of 1 and 50 clusters with the same networks, and of a discovered
//! estate of 2,000 and 20,000 VNets.
//!
//!     cargo bench -p byocni-core --bench plan

use byocni_core::check::check_estate;
use byocni_core::estate::Estate;
use byocni_core::plan::ConnectedNetwork;
use byocni_core::{check, suggest, Plan};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// The seed example with `n` scattered /24s and /20s (deterministic xorshift), clear of the plan.
fn plan_with(n: usize, gaps: bool) -> Plan {
    let mut p = Plan::example();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut nets = Vec::with_capacity(n);
    while nets.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let prefix = if x % 10 == 0 { 20 } else { 24 };
        let addr = (x >> 16) as u32 & (u32::MAX << (32 - prefix));
        let first = addr >> 24;
        // Keep to 11.0.0.0-99.255.255.255 and 10.128.0.0/9, away from the plan's own ranges.
        let addr = match first {
            11..=99 => addr,
            _ => (10 << 24) | (1 << 23) | (addr & 0x007f_ffff),
        };
        nets.push(ConnectedNetwork {
            name: format!("net{}", nets.len()),
            cidr: format!("{}/{prefix}", std::net::Ipv4Addr::from(addr)),
        });
    }
    p.connected_networks = nets;
    if gaps {
        p.pod_cidr = None;
        p.service_cidr = None;
        p.dns_service_ip = None;
    }
    p
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    for n in [10_000, 100_000, 1_000_000] {
        let full = plan_with(n, false);
        g.bench_with_input(BenchmarkId::new("check", n), &full, |b, p| {
            b.iter(|| check(p));
        });
        let gappy = plan_with(n, true);
        g.bench_with_input(BenchmarkId::new("suggest", n), &gappy, |b, p| {
            b.iter(|| suggest(p).expect("free space"));
        });
        g.bench_with_input(BenchmarkId::new("parse", n), &full.to_json(), |b, j| {
            b.iter(|| Plan::from_json(j).expect("parses"));
        });
    }
    g.finish();
}

/// An estate of `clusters` meshed clusters, each on its own VNet (10.1.0.0/16, 10.2.0.0/16...),
/// all peered with each other, pods in 100.64.0.0/10, one repeated service CIDR, and the
/// connected networks of [`plan_with`].
fn estate_with(clusters: usize, n: usize) -> Estate {
    let nets = plan_with(n, false).connected_networks;
    let vnets: Vec<serde_json::Value> = (0..clusters)
        .map(|i| {
            serde_json::json!({"name": format!("vnet-{i}"), "resourceGroup": "rg",
                "location": "westeurope", "addressSpace": [format!("10.{}.0.0/16", i + 1)],
                "subnets": [{"name": "nodes", "cidr": format!("10.{}.0.0/20", i + 1)}]})
        })
        .collect();
    let mut peerings = Vec::new();
    for a in 0..clusters {
        for b in a + 1..clusters {
            peerings
                .push(serde_json::json!({"between": [format!("vnet-{a}"), format!("vnet-{b}")]}));
        }
    }
    let cs: Vec<serde_json::Value> = (0..clusters)
        .map(|i| {
            serde_json::json!({"name": format!("c-{i}"), "resourceGroup": "rg",
                "location": "westeurope", "nodeSubnet": format!("vnet-{i}/nodes"),
                "podCidr": format!("100.{}.0.0/16", 64 + i), "serviceCidr": "172.16.0.0/16",
                "dnsServiceIP": "172.16.0.10", "clusterMesh": {"id": i + 1}})
        })
        .collect();
    let mut e = Estate::from_value(serde_json::json!({"version": 2, "name": "bench",
        "vnets": vnets, "peerings": peerings, "clusters": cs}))
    .expect("the bench estate reads");
    e.connected_networks = nets;
    e
}

/// Issue 13: `check` of an estate of 50 clusters costs at most 2x one cluster with the same
/// connected networks (the index is built once).
fn bench_estate(c: &mut Criterion) {
    let mut g = c.benchmark_group("estate");
    g.sample_size(10);
    for n in [100_000, 1_000_000] {
        for clusters in [1, 50] {
            let e = estate_with(clusters, n);
            assert!(
                !check_estate(&e, None).has_errors(),
                "the bench estate is clean"
            );
            g.bench_with_input(
                BenchmarkId::new(format!("check {clusters} clusters"), n),
                &e,
                |b, e| b.iter(|| check_estate(e, None)),
            );
        }
    }
    g.finish();
}

/// An estate as discovery leaves one (as `bench/gen_estate.py` writes it): `vnets` existing
/// VNets, one /24 each, hub and spoke (every 100th a hub, the others peered with it),
/// `clusters` existing kubenet clusters on spoke subnets, and one new meshed cluster on a new
/// VNet peered with the first hub.
fn discovered(vnets: usize, clusters: usize) -> Estate {
    let mut vs = Vec::with_capacity(vnets + 1);
    let mut ps = Vec::with_capacity(vnets);
    for v in 0..vnets {
        let (a, b) = (v / 256, v % 256);
        vs.push(serde_json::json!({"name": format!("vnet-{v}"), "resourceGroup": format!("rg-{}", v / 10),
            "location": "westeurope", "addressSpace": [format!("10.{a}.{b}.0/24")],
            "subnets": [{"name": "nodes", "cidr": format!("10.{a}.{b}.0/25"), "role": "nodes"}],
            "existing": true}));
        let hub = v - v % 100;
        if v != hub {
            ps.push(serde_json::json!({"between": [format!("vnet-{hub}"), format!("vnet-{v}")]}));
        }
    }
    let step = (vnets / clusters.max(1)).max(1);
    let mut cs: Vec<serde_json::Value> = (0..clusters)
        .map(|c| {
            let v = c * step + 1;
            serde_json::json!({"name": format!("old-{c}"), "resourceGroup": format!("rg-{}", v / 10),
                "location": "westeurope", "existing": true, "networkPlugin": "kubenet",
                "nodeSubnet": format!("vnet-{v}/nodes"), "podCidr": "10.244.0.0/16",
                "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10"})
        })
        .collect();
    vs.push(
        serde_json::json!({"name": "aks-blue", "resourceGroup": "blue-rg", "location": "westeurope",
        "addressSpace": ["172.16.0.0/16"],
        "subnets": [{"name": "nodes", "cidr": "172.16.0.0/20", "role": "nodes"}]}),
    );
    ps.push(serde_json::json!({"between": ["vnet-0", "aks-blue"]}));
    cs.push(
        serde_json::json!({"name": "blue", "resourceGroup": "blue-rg", "location": "westeurope",
        "nodeSubnet": "aks-blue/nodes", "podCidr": "100.64.0.0/16", "serviceCidr": "172.17.0.0/16",
        "dnsServiceIP": "172.17.0.10", "clusterMesh": {"id": 1}}),
    );
    Estate::from_value(
        serde_json::json!({"version": 2, "name": "discovered", "vnets": vs,
        "peerings": ps, "clusters": cs}),
    )
    .expect("the discovered estate reads")
}

/// Issue 13: `check` of a discovered estate of 20,000 VNets (19,801 peerings) and 2,000 existing
/// clusters beside one new cluster: names are looked up through one index, never by scanning the
/// VNets per peering or per cluster (which took seconds).
fn bench_discovered(c: &mut Criterion) {
    let mut g = c.benchmark_group("estate");
    g.sample_size(10);
    for vnets in [2_000, 20_000] {
        let e = discovered(vnets, vnets / 10);
        assert!(
            !check_estate(&e, None).has_errors(),
            "the discovered estate is clean"
        );
        g.bench_with_input(
            BenchmarkId::new("check discovered VNets", vnets),
            &e,
            |b, e| b.iter(|| check_estate(e, None)),
        );
    }
    g.finish();
}

criterion_group!(benches, bench, bench_estate, bench_discovered);
criterion_main!(benches);
