#!/usr/bin/env python3
"""The job `byocni check` / `byocni suggest` do, scripted with netaddr.IPSet, as an architect
would otherwise do it: read the plan, build the set of connected networks, test the plan's
ranges against it (and each other), and for suggest find free ranges for what is missing.

usage: netaddr_job.py check|suggest PLAN.json
"""
import json
import sys

from netaddr import IPNetwork, IPSet

mode, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    plan = json.load(f)

connected = IPSet(IPNetwork(n["cidr"]) for n in plan.get("connectedNetworks", []))
reserved = IPSet(IPNetwork(c) for c in ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24",
                                         "224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "168.63.129.16/32"])
vnet = IPSet(IPNetwork(c) for c in plan["vnet"]["addressSpace"])
subnets = [IPNetwork(s["cidr"]) for s in plan["vnet"]["subnets"]]

findings = []
def overlaps(name, net, against, label):
    if IPSet([net]) & against:
        findings.append(f"{name} {net} overlaps {label}")

for s in subnets:
    if s not in vnet:
        findings.append(f"subnet {s} outside the VNet")
for c in plan["vnet"]["addressSpace"]:
    overlaps("vnet", IPNetwork(c), connected, "a connected network")
    overlaps("vnet", IPNetwork(c), reserved, "a reserved range")

taken = connected | reserved | vnet
if mode == "suggest":
    free = IPSet(IPNetwork(c) for c in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]) - taken
    def first_free(prefix):
        for cidr in free.iter_cidrs():
            if cidr.prefixlen <= prefix:
                return IPNetwork(f"{cidr.network}/{prefix}")
        raise SystemExit(f"no free /{prefix}")
    svc = first_free(16)
    free.remove(svc)
    pod = first_free(16)
    free.remove(pod)
    plan["serviceCidr"], plan["dnsServiceIP"], plan["podCidr"] = str(svc), str(svc[10]), str(pod)
    print(json.dumps({k: plan[k] for k in ("podCidr", "serviceCidr", "dnsServiceIP")}))
else:
    pod, svc = IPNetwork(plan["podCidr"]), IPNetwork(plan["serviceCidr"])
    for name, net in (("podCidr", pod), ("serviceCidr", svc)):
        overlaps(name, net, connected, "a connected network")
        overlaps(name, net, reserved, "a reserved range")
        overlaps(name, net, vnet, "the VNet")
    if pod in svc or svc in pod:
        findings.append("pod and service CIDRs overlap")
    print(f"{len(findings)} findings")
