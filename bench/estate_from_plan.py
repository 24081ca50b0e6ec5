#!/usr/bin/env python3
"""Writes an estate (plan version 2) of N meshed clusters, each on its own VNet (10.128.0.0/16,
10.129.0.0/16...), every VNet peered with every other, pods in 100.64.0.0/10, one repeated
service CIDR, and as connectedNetworks those of a v1 plan written by gen_plan.py (whose ranges
stay clear of these). Usage: estate_from_plan.py PLAN N OUT (docs/benchmarks.md)."""
import json
import sys

plan = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
vnets, clusters, peerings = [], [], []
for i in range(n):
    vnets.append({"name": f"vnet-{i}", "resourceGroup": "rg", "location": "westeurope",
                  "addressSpace": [f"10.{128 + i}.0.0/16"],
                  "subnets": [{"name": "nodes", "cidr": f"10.{128 + i}.0.0/20", "role": "nodes"}]})
    clusters.append({"name": f"c-{i}", "resourceGroup": "rg", "location": "westeurope",
                     "nodeSubnet": f"vnet-{i}/nodes", "podCidr": f"100.{64 + i}.0.0/16",
                     "serviceCidr": "172.24.0.0/16", "dnsServiceIP": "172.24.0.10",
                     "clusterMesh": {"id": i + 1}})
    for j in range(i):
        peerings.append({"between": [f"vnet-{j}", f"vnet-{i}"]})
json.dump({"version": 2, "name": "bench", "vnets": vnets, "peerings": peerings,
           "clusters": clusters, "connectedNetworks": plan["connectedNetworks"]},
          open(sys.argv[3], "w"))
