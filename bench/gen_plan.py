#!/usr/bin/env python3
"""Writes a byocni plan with N connected networks, deterministically.

usage: gen_plan.py N OUT.json [--gaps]

The networks are /24s and /20s scattered over 10.0.0.0/9, 172.16.0.0/13 and public space (seeded
random, duplicates dropped), the way a large estate's on-premises and peered ranges look. The
plan's own ranges (the seed example's) stay clear of them. With --gaps the pod CIDR, service CIDR
and DNS IP are left out, for `suggest`.
"""
import json
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
gaps = "--gaps" in sys.argv
rng = random.Random(20261125)

def spans():
    # (start, size in addresses) of the areas the estate lives in
    return [
        (10 << 24, 1 << 23),                       # 10.0.0.0/9
        ((172 << 24) | (16 << 16), 1 << 19),       # 172.16.0.0/13
        (11 << 24, (100 - 11) << 24),              # 11.0.0.0 - 99.255.255.255 (public)
        (128 << 24, (168 - 128) << 24),            # 128.0.0.0 - 167.255.255.255 (public)
    ]

seen = set()
nets = []
areas = spans()
weights = [a[1] for a in areas]
while len(nets) < n:
    start, size = rng.choices(areas, weights=weights)[0]
    prefix = 24 if rng.random() < 0.9 else 20
    block = 1 << (32 - prefix)
    addr = start + rng.randrange(size // block) * block
    key = (addr, prefix)
    if key in seen:
        continue
    # keep the seed plan's own ranges free: 10.0.0.0/16 (services), 10.10.0.0/16 (pods)
    if (10 << 24) <= addr < (10 << 24) + (1 << 16) or ((10 << 24) | (10 << 16)) <= addr < ((10 << 24) | (11 << 16)):
        continue
    seen.add(key)
    nets.append({"name": f"net{len(nets)}", "cidr": f"{addr >> 24}.{(addr >> 16) & 255}.{(addr >> 8) & 255}.{addr & 255}/{prefix}"})

plan = {
    "version": 1,
    "cluster": {"name": "bench", "resourceGroup": "rg-bench", "location": "westeurope"},
    "vnet": {"name": "bench-vnet", "addressSpace": ["10.224.0.0/12"],
             "subnets": [{"name": "nodes", "cidr": "10.224.0.0/16", "role": "nodes"}]},
    "podCidr": "10.10.0.0/16",
    "serviceCidr": "10.0.0.0/16",
    "dnsServiceIP": "10.0.0.10",
    "nodePools": [{"name": "nodepool1", "count": 3, "maxCount": 10, "maxSurge": "33%"}],
    "cni": {"plugin": "cilium"},
    "connectedNetworks": nets,
}
if gaps:
    for k in ("podCidr", "serviceCidr", "dnsServiceIP"):
        del plan[k]
with open(out, "w") as f:
    json.dump(plan, f)
