#!/usr/bin/env python3
"""Writes an estate (plan version 2) as discovery leaves one: VNETS existing VNets (one /24 each,
hub and spoke: every 100th VNet a hub, the others peered with their hub), CLUSTERS existing
clusters on spoke subnets, and one new meshed cluster on a new VNet peered with the first hub.
Usage: gen_estate.py VNETS CLUSTERS > estate.json (docs/benchmarks.md, "Checking a discovered
estate")."""
import json
import sys

vnets_n, clusters_n = int(sys.argv[1]), int(sys.argv[2])
vnets, peerings, clusters = [], [], []
for v in range(vnets_n):
    a, b = divmod(v, 256)
    vnets.append({
        "name": f"vnet-{v}", "resourceGroup": f"rg-{v // 10}", "location": "westeurope",
        "addressSpace": [f"10.{a}.{b}.0/24"],
        "subnets": [{"name": "nodes", "cidr": f"10.{a}.{b}.0/25", "role": "nodes"}],
        "existing": True,
    })
    hub = v - v % 100
    if v != hub:
        peerings.append({"between": [f"vnet-{hub}", f"vnet-{v}"]})
for c in range(clusters_n):
    v = c * max(1, vnets_n // max(1, clusters_n)) + 1
    clusters.append({
        "name": f"old-{c}", "resourceGroup": f"rg-{v // 10}", "location": "westeurope",
        "existing": True, "networkPlugin": "kubenet", "nodeSubnet": f"vnet-{v}/nodes",
        "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10",
    })
vnets.append({
    "name": "aks-blue", "resourceGroup": "blue-rg", "location": "westeurope",
    "addressSpace": ["172.16.0.0/16"],
    "subnets": [{"name": "nodes", "cidr": "172.16.0.0/20", "role": "nodes"}],
})
peerings.append({"between": ["vnet-0", "aks-blue"]})
clusters.append({
    "name": "blue", "resourceGroup": "blue-rg", "location": "westeurope",
    "nodeSubnet": "aks-blue/nodes", "podCidr": "100.64.0.0/16",
    "serviceCidr": "172.17.0.0/16", "dnsServiceIP": "172.17.0.10",
    "nodePools": [{"name": "system", "mode": "system", "count": 3}],
    "cni": {"plugin": "cilium"}, "clusterMesh": {"id": 1},
})
json.dump({"version": 2, "name": "discovered", "vnets": vnets, "peerings": peerings,
           "clusters": clusters}, sys.stdout, indent=1)
