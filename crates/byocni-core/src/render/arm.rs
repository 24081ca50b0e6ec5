//! The ARM JSON template: VNet and subnets, a user-assigned identity with Network Contributor on
//! the node subnet, and the managed cluster with `networkPlugin: none`. Built as a JSON value,
//! never by string concatenation; strings that start with `[` and end with `]` are escaped as
//! `[[...]` so that no user value becomes a template expression.

use serde_json::{json, Value};

use crate::plan::{Plan, PoolMode};
use crate::steps::identity_name;

/// The managedClusters API version: the newest GA one whose schema is held in
/// `../shared/iac-refs/arm/` (2022-06-01 or newer is needed for `networkPlugin: none`; 2026-01-01
/// is the first that reports `podCidr` back for it).
pub const AKS_API_VERSION: &str = "2026-05-01";
/// The managedClusters API version of a plan without kube-proxy (`cni.kubeProxy: false`):
/// `networkProfile.kubeProxyConfig` exists only in preview API versions (2022-08-02-preview and
/// later; Microsoft Learn, "Configure kube-proxy in AKS (preview)"), and no GA one has it. This
/// is the newest preview that `../shared/iac-refs/arm/catalog.json` lists for managedClusters;
/// its schema is not held there, so the reference test validates the cluster against the GA
/// [`AKS_API_VERSION`] schema plus the one documented `kubeProxyConfig` property.
pub const AKS_PREVIEW_API_VERSION: &str = "2026-05-02-preview";

/// The managedClusters API version a plan needs.
pub(crate) fn aks_api_version(plan: &Plan) -> &'static str {
    if plan.cni.kube_proxy {
        AKS_API_VERSION
    } else {
        AKS_PREVIEW_API_VERSION
    }
}

/// The Microsoft.Network API version of the VNet and its subnets.
pub const NETWORK_API_VERSION: &str = "2025-07-01";
/// The Microsoft.Resources API version of the nested deployment that makes an estate cluster's
/// subnets and role in its VNet's resource group, when that is not the cluster's.
pub(crate) const DEPLOYMENTS_API_VERSION: &str = "2022-09-01";
/// The Microsoft.ManagedIdentity API version of the cluster identity.
pub const IDENTITY_API_VERSION: &str = "2024-11-30";
/// The Microsoft.Authorization API version of the role assignment.
pub const AUTHORIZATION_API_VERSION: &str = "2022-04-01";
/// Network Contributor's role definition id.
pub const NETWORK_CONTRIBUTOR_ROLE_ID: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/// What the ARM and Bicep templates say about the preview they use.
pub(crate) const PREVIEW_NOTE: &str = "cni.kubeProxy is false: the cluster is created without kube-proxy (networkProfile.kubeProxyConfig, preview API 2026-05-02-preview). Register the subscription's preview feature first: az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview, then az provider register --namespace Microsoft.ContainerService. Install Cilium with kubeProxyReplacement and k8sServiceHost set to the cluster's API server FQDN.";

/// An ARM string literal. A string that starts with `[` and ends with `]` is an expression;
/// written `[[...]` it is the literal `[...]`. Any other string is itself, so only that shape is
/// escaped (`[[x` would stay `[[x`).
pub(crate) fn lit(s: &str) -> Value {
    if s.starts_with('[') && s.ends_with(']') {
        Value::String(format!("[{s}"))
    } else {
        Value::String(s.to_owned())
    }
}

/// An ARM expression argument: a single-quoted string with `'` doubled.
pub(crate) fn arg(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn pool_profile(plan: &Plan, i: usize, subnet_id: Option<&str>) -> Value {
    let pools = plan.effective_node_pools();
    let p = &pools[i];
    let mut v = json!({
        "name": lit(&p.name),
        "mode": if p.mode == PoolMode::System { "System" } else { "User" },
        "count": p.count,
        "vmSize": lit(p.effective_vm_size()),
        "maxPods": p.effective_max_pods(),
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
        "upgradeSettings": { "maxSurge": lit(p.effective_max_surge().trim()) },
    });
    if let Some(max) = p.max_count {
        v["enableAutoScaling"] = json!(true);
        v["minCount"] = json!(p.count);
        v["maxCount"] = json!(max);
    }
    if let Some(id) = subnet_id {
        v["vnetSubnetID"] = json!(id);
    }
    v
}

/// The deployment template. With `placement`, an estate cluster whose VNet is not a v1 plan's,
/// in the cluster's resource group: an existing VNet, or one another file creates, is not a
/// resource of the template (referenced by `resourceId`); an existing VNet's node and API
/// server subnets are created as `Microsoft.Network/virtualNetworks/subnets`, one after another.
pub(crate) fn template(
    plan: &Plan,
    notes: &[String],
    placement: Option<&super::Placement>,
) -> String {
    let c = &plan.cluster;
    let reads = placement.is_some_and(|p| p.made != super::Made::Own);
    let mut resources = Vec::new();
    let mut cluster_depends = Vec::new();
    let mut subnet_id = None;
    let mut identity = json!({ "type": "SystemAssigned" });
    if let Some(v) = &plan.vnet {
        let vnet_id = format!(
            "[resourceId('Microsoft.Network/virtualNetworks', {})]",
            arg(&v.name)
        );
        resources.extend(
            super::around::network_resources(plan)
                .iter()
                .filter_map(super::around::Res::arm),
        );
        let mut vnet = json!({
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": NETWORK_API_VERSION,
            "name": lit(&v.name),
            "location": "[parameters('location')]",
            "properties": {
                "addressSpace": { "addressPrefixes": v.address_space.iter().map(|s| lit(s.trim())).collect::<Vec<_>>() },
                "subnets": v.subnets.iter().enumerate().map(|(i, s)| {
                    let mut props = json!({ "addressPrefix": lit(s.cidr.trim()) });
                    for (k, val) in super::around::subnet_properties(plan, i) {
                        props[k] = val.arm();
                    }
                    json!({ "name": lit(&s.name), "properties": props })
                }).collect::<Vec<_>>(),
            },
        });
        let depends = super::around::vnet_depends(plan);
        if !depends.is_empty() {
            vnet["dependsOn"] = Value::Array(depends);
        }
        // The subnets the template creates when it reads the VNet, and their ids; in a nested
        // deployment (`inner`) when the VNet is in another resource group.
        let mut made_subnets: Vec<Value> = Vec::new();
        let cross = placement
            .filter(|p| reads && !p.group.eq_ignore_ascii_case(&c.resource_group))
            .map(|p| p.group.clone());
        let mut inner: Vec<Value> = Vec::new();
        if let Some(p) = placement.filter(|_| reads) {
            for (i, s) in v.subnets.iter().enumerate() {
                if !p.creates_subnet(plan, i) {
                    continue;
                }
                let mut props = json!({ "addressPrefix": lit(s.cidr.trim()) });
                for (k, val) in super::around::subnet_properties(plan, i) {
                    props[k] = val.arm();
                }
                // One subnet of a VNet at a time: Azure refuses concurrent subnet writes.
                let mut depends = super::around::vnet_depends(plan);
                depends.extend(made_subnets.last().cloned());
                let into = if cross.is_some() {
                    &mut inner
                } else {
                    &mut resources
                };
                into.push(json!({
                    "type": "Microsoft.Network/virtualNetworks/subnets",
                    "apiVersion": NETWORK_API_VERSION,
                    "name": format!("[format('{{0}}/{{1}}', {}, {})]", arg(&v.name), arg(&s.name)),
                    "dependsOn": depends,
                    "properties": props,
                }));
                made_subnets.push(json!(format!(
                    "[resourceId('Microsoft.Network/virtualNetworks/subnets', {}, {})]",
                    arg(&v.name),
                    arg(&s.name)
                )));
            }
        } else {
            if let Some(p) = placement {
                vnet["location"] = lit(&p.location);
            }
            resources.push(vnet);
        }
        // What waits for the VNet waits for the subnets made here instead.
        let on_vnet = |depends: &mut Value| {
            if let Some(list) = depends.as_array_mut().filter(|_| reads) {
                list.retain(|d| *d != json!(vnet_id));
                list.extend(made_subnets.iter().cloned());
            }
        };
        if let Some(node) = v.node_subnet() {
            let sid = match &cross {
                Some(g) => format!(
                    "[resourceId({}, 'Microsoft.Network/virtualNetworks/subnets', {}, {})]",
                    arg(g),
                    arg(&v.name),
                    arg(&node.name)
                ),
                None => format!(
                    "[resourceId('Microsoft.Network/virtualNetworks/subnets', {}, {})]",
                    arg(&v.name),
                    arg(&node.name)
                ),
            };
            let id_name = identity_name(plan);
            let identity_id = format!(
                "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', {})]",
                arg(&id_name)
            );
            resources.push(json!({
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                "apiVersion": IDENTITY_API_VERSION,
                "name": lit(&id_name),
                "location": "[parameters('location')]",
                // Required (and empty) since 2024-11-30.
                "properties": {},
            }));
            let role_name = format!("{}-{}", c.name, node.name);
            let mut role = json!({
                "type": "Microsoft.Authorization/roleAssignments",
                "apiVersion": AUTHORIZATION_API_VERSION,
                "scope": format!("[format('Microsoft.Network/virtualNetworks/{{0}}/subnets/{{1}}', {}, {})]", arg(&v.name), arg(&node.name)),
                "name": format!("[guid({}, {}, {})]", sid.trim_start_matches('[').trim_end_matches(']'), identity_id.trim_start_matches('[').trim_end_matches(']'), arg(NETWORK_CONTRIBUTOR_ROLE_ID)),
                "dependsOn": [vnet_id, identity_id],
                "properties": {
                    "roleDefinitionId": format!("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {})]", arg(NETWORK_CONTRIBUTOR_ROLE_ID)),
                    "principalId": format!("[reference({}, '{IDENTITY_API_VERSION}').principalId]", identity_id.trim_start_matches('[').trim_end_matches(']')),
                    "principalType": "ServicePrincipal",
                    "description": format!("byocni: Network Contributor for AKS cluster {role_name} on its node subnet"),
                },
            });
            on_vnet(&mut role["dependsOn"]);
            identity = json!({
                "type": "UserAssigned",
                "userAssignedIdentities": { identity_id.clone(): {} },
            });
            if let Some(g) = &cross {
                // In the VNet's group: the subnets, then the role on the node subnet, for the
                // identity's principal passed in (names resolve in the inner scope).
                let inner_sid = format!(
                    "resourceId('Microsoft.Network/virtualNetworks/subnets', {}, {})",
                    arg(&v.name),
                    arg(&node.name)
                );
                role["name"] = json!(format!(
                    "[guid({inner_sid}, parameters('principalId'), {})]",
                    arg(NETWORK_CONTRIBUTOR_ROLE_ID)
                ));
                role["properties"]["principalId"] = json!("[parameters('principalId')]");
                role["dependsOn"] = json!(made_subnets);
                inner.push(role);
                let name: String = format!("byocni-{}-vnet", c.name).chars().take(64).collect();
                resources.push(json!({
                    "type": "Microsoft.Resources/deployments",
                    "apiVersion": DEPLOYMENTS_API_VERSION,
                    "name": lit(&name),
                    "resourceGroup": lit(g),
                    "dependsOn": [identity_id],
                    "properties": {
                        "mode": "Incremental",
                        "expressionEvaluationOptions": { "scope": "inner" },
                        "parameters": {
                            "principalId": { "value": format!("[reference({}, '{IDENTITY_API_VERSION}').principalId]", identity_id.trim_start_matches('[').trim_end_matches(']')) },
                        },
                        "template": {
                            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                            "contentVersion": "1.0.0.0",
                            "parameters": { "principalId": { "type": "string" } },
                            "resources": std::mem::take(&mut inner),
                        },
                    },
                }));
                cluster_depends.push(format!(
                    "[resourceId({}, 'Microsoft.Resources/deployments', {})]",
                    arg(g),
                    arg(&name)
                ));
            } else {
                resources.push(role);
                cluster_depends.push(format!(
                    "[extensionResourceId({}, 'Microsoft.Authorization/roleAssignments', guid({}, {}, {}))]",
                    sid.trim_start_matches('[').trim_end_matches(']'),
                    sid.trim_start_matches('[').trim_end_matches(']'),
                    identity_id.trim_start_matches('[').trim_end_matches(']'),
                    arg(NETWORK_CONTRIBUTOR_ROLE_ID)
                ));
            }
            subnet_id = Some(sid);
            let (roles, arm_depends, _) = super::around::role_resources(plan);
            resources.extend(
                roles
                    .iter()
                    .filter_map(super::around::Res::arm)
                    .map(|mut r| {
                        on_vnet(&mut r["dependsOn"]);
                        r
                    }),
            );
            cluster_depends.extend(arm_depends.into_iter().map(|d| format!("[{d}]")));
        }
    }
    let pools = plan.effective_node_pools();
    let mut network = json!({
        "networkPlugin": "none",
        "serviceCidr": lit(plan.effective_service_cidr().trim()),
        "dnsServiceIP": lit(plan.effective_dns_service_ip().trim()),
    });
    if let Some(pod) = plan
        .pod_cidr
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        network["podCidr"] = lit(pod);
    }
    for (k, val) in super::around::network_profile(plan) {
        network[k] = val.arm();
    }
    if !plan.cni.kube_proxy {
        network["kubeProxyConfig"] = json!({ "enabled": false });
    }
    let mut properties = json!({
        "dnsPrefix": lit(&plan.effective_dns_prefix()),
        "agentPoolProfiles": (0..pools.len()).map(|i| pool_profile(plan, i, subnet_id.as_deref())).collect::<Vec<_>>(),
        "networkProfile": network,
    });
    if let Some(g) = &c.node_resource_group {
        properties["nodeResourceGroup"] = lit(g);
    }
    for (k, val) in super::around::api_server_profile(plan) {
        properties[k] = val.arm();
    }
    resources.push(json!({
        "type": "Microsoft.ContainerService/managedClusters",
        "apiVersion": aks_api_version(plan),
        "name": lit(&c.name),
        "location": "[parameters('location')]",
        "dependsOn": cluster_depends,
        "identity": identity,
        "properties": properties,
    }));
    let mut summary = super::summary(plan);
    summary.extend(placement.map(|p| p.notes(plan)).unwrap_or_default());
    let mut meta = json!({ "generator": "byocni", "summary": summary });
    if !plan.cni.kube_proxy {
        meta["preview"] = json!(PREVIEW_NOTE);
    }
    if !notes.is_empty() {
        meta["warnings"] = json!(notes);
    }
    let t = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": meta,
        "parameters": {
            "location": { "type": "string", "defaultValue": lit(&c.location), "metadata": { "description": "Azure region of every resource." } },
        },
        "resources": resources,
        "outputs": {
            "clusterName": { "type": "string", "value": lit(&c.name) },
        },
    });
    let mut s = serde_json::to_string_pretty(&t).expect("JSON values serialise");
    s.push('\n');
    s
}
