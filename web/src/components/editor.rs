//! The plan editor: every part of the plan file as labelled inputs. Each change is one
//! `Edit { path, value }` that the core applies; lists are edited by replacing the array.

use byocni_core::plan::{CniPlugin, OutboundType};
use byocni_core::Edit;
use serde_json::{json, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::findings::{block_findings, field_findings, findings_id, unknown_region};
use super::StateHandle;
use crate::labels::{grouped, label_of};
use crate::state::Action;

/// How an input's text becomes a JSON value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text; empty means "omitted" (null).
    Text,
    /// Required text.
    Required,
    /// A whole number; empty means omitted.
    Number,
    /// A list, its items separated by commas, spaces or new lines.
    List,
}

/// The id of the input for the plan field at `path` (`vnet.subnets[0].cidr` ->
/// `vnet-subnets-0--cidr`).
pub fn id_of(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The value of a field's text, or why it is none, in plain words. A number may be typed as a
/// prefix length (`/24` is 24) and with grouped digits (`1,000`).
fn to_value(kind: Kind, label: &str, text: &str) -> Result<Value, String> {
    let t = text.trim();
    Ok(match kind {
        Kind::Text | Kind::Number if t.is_empty() => Value::Null,
        Kind::Required | Kind::Text => Value::String(text.to_owned()),
        Kind::List => t
            .split([',', ' ', '\n'])
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
            .collect(),
        Kind::Number => Value::from(
            t.trim_start_matches('/')
                .replace([',', '_', ' '], "")
                .parse::<u64>()
                .map_err(|_| {
                    format!(
                        "{label} takes a whole number, in digits (such as 3): `{t}` is not one."
                    )
                })?,
        ),
    })
}

fn set(state: &StateHandle, path: &str, value: Value) {
    state.dispatch(Action::Edit(Edit {
        path: path.to_owned(),
        value,
    }));
}

/// What a labelled input shows.
struct FieldProps {
    label: AttrValue,
    path: AttrValue,
    value: AttrValue,
    kind: Kind,
    placeholder: AttrValue,
}

/// A labelled input. A function, not a component (a component per field cost the first load
/// about a kilobyte): the editor re-renders with the state anyway.
fn field(state: &StateHandle, p: FieldProps) -> Html {
    let id = id_of(&p.path);
    let onchange = {
        let (state, path, kind) = (state.clone(), p.path.clone(), p.kind);
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            match to_value(kind, &label_of(&path), &input.value()) {
                Ok(v) => set(&state, &path, v),
                Err(why) => state.dispatch(Action::InputError(path.to_string(), why)),
            }
        })
    };
    let invalid = !state.findings_for(&p.path).is_empty()
        || state
            .input_error
            .as_ref()
            .is_some_and(|(at, _)| *at == *p.path);
    let described = invalid || unknown_region(state, &p.path).is_some();
    html! {
        <div class="field">
            <label for={id.clone()}>{ &p.label }</label>
            <input id={id} name={p.path.clone()} value={p.value.clone()} {onchange} placeholder={p.placeholder.clone()}
                   inputmode={if p.kind == Kind::Number { "numeric" } else { "text" }} aria-invalid={invalid.to_string()} spellcheck="false"
                   aria-describedby={described.then(|| findings_id(&p.path))}
                   list={(*p.path == *"cluster.location").then_some("azure-regions")} />
            { field_findings(state, &p.path) }
        </div>
    }
}

/// A labelled input for the plan field at `path` (empty `placeholder`: none).
fn input_field(
    state: &StateHandle,
    label: impl Into<AttrValue>,
    path: impl Into<AttrValue>,
    value: impl Into<AttrValue>,
    kind: Kind,
    placeholder: impl Into<AttrValue>,
) -> Html {
    field(
        state,
        FieldProps {
            label: label.into(),
            path: path.into(),
            value: value.into(),
            kind,
            placeholder: placeholder.into(),
        },
    )
}

/// The `aria-describedby` of the input of `path` when something is said about it.
fn described_by(state: &StateHandle, path: &str) -> Option<String> {
    (!state.findings_for(path).is_empty()).then(|| findings_id(path))
}

/// A labelled select of the plan field at `path` (`options`: value and words; `on`: the value
/// chosen), with the field's findings under it.
fn select_field(
    state: &StateHandle,
    label: &str,
    path: &str,
    options: Vec<(String, String)>,
    on: &str,
    onchange: Callback<Event>,
) -> Html {
    let id = id_of(path);
    html! {
        <div class="field">
            <label for={id.clone()}>{ label }</label>
            <select {id} {onchange} aria-describedby={described_by(state, path)}>
                { for options.into_iter().map(|(v, words)| html! { <option selected={v == on} value={v.clone()}>{ words }</option> }) }
            </select>
            { field_findings(state, path) }
        </div>
    }
}

/// A checkbox for the boolean field at `path` (`values`: what it sets when checked and when
/// not, else `true` and `false`); `about`: the field whose findings it is described by (the
/// block's own, shown under it).
fn checkbox(
    state: &StateHandle,
    label: &str,
    path: &'static str,
    on: bool,
    about: &str,
    values: Option<fn() -> (Value, Value)>,
) -> Html {
    let id = id_of(path);
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            let v = match values {
                Some(f) if on => f().0,
                Some(f) => f().1,
                None => Value::Bool(on),
            };
            set(&state, path, v);
        })
    };
    // Its own field: its findings and those it is the other side of (a private endpoint that
    // does not fit); a block: the block's own.
    let (own, shown) = if about == path && values.is_none() {
        (
            !state.findings_for(path).is_empty(),
            field_findings(state, path),
        )
    } else {
        let own = state.report.findings.iter().any(|f| f.field == about);
        (own, block_findings(state, about))
    };
    html! {
        <div class="check">
            <input type="checkbox" id={id.clone()} checked={on} {onchange}
                   aria-describedby={own.then(|| findings_id(about))} />
            <label for={id}>{ label }</label>
            { shown }
        </div>
    }
}

/// AKS's outbound types, as the plan, az and ARM spell them.
const OUTBOUND_TYPES: [&str; 4] = [
    "loadBalancer",
    "managedNATGateway",
    "userAssignedNATGateway",
    "userDefinedRouting",
];

/// Around the cluster: the outbound type with the block it needs, API server access and the
/// node subnet's NSG. Left alone, the plan keeps none of them (AKS's defaults).
fn around(state: &StateHandle) -> Html {
    let plan = &state.plan;
    let name = &plan.cluster.name;
    let o = plan.outbound.clone().unwrap_or_default();
    let kind = o.kind.as_str();
    let opt = |v: &Option<String>| AttrValue::from(v.clone().unwrap_or_default());
    let num = |v: Option<u32>| AttrValue::from(v.map(|n| n.to_string()).unwrap_or_default());
    // A new type keeps only the block it uses: the others would each be a finding.
    let on_type = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let t = e.target_unchecked_into::<HtmlSelectElement>().value();
            let block = match t.as_str() {
                "loadBalancer" => "loadBalancer",
                "userDefinedRouting" => "routeTable",
                _ => "natGateway",
            };
            let mut v = json!({ "type": t });
            // The whole plan's serialiser, which the page has anyway (a serialiser of the
            // outbound block alone cost the wasm 0.6 KB); an outbound type is seldom changed.
            if let Some(b) = serde_json::to_value(&*state.plan)
                .ok()
                .and_then(|p| p.get("outbound")?.get(block).cloned())
            {
                v[block] = b;
            }
            set(&state, "outbound", v);
        })
    };
    let types = OUTBOUND_TYPES
        .iter()
        .map(|t| ((*t).to_owned(), (*t).to_owned()))
        .collect();
    let block = match o.kind {
        OutboundType::LoadBalancer => {
            let lb = o.load_balancer.unwrap_or_default();
            input_field(
                state,
                "Load balancer outbound IPs",
                "outbound.loadBalancer.managedOutboundIps",
                num(lb.managed_outbound_ips),
                Kind::Number,
                "1",
            )
        }
        OutboundType::UserDefinedRouting => {
            let rt = o.route_table.unwrap_or_default();
            html! { <>
                <div class="row">
                    { input_field(state, "Route table name", "outbound.routeTable.name", opt(&rt.name), Kind::Text, format!("{name}-rt")) }
                    { input_field(state, "Next hop IP", "outbound.routeTable.nextHopIp", opt(&rt.next_hop_ip), Kind::Text, "10.0.0.4") }
                </div>
                { checkbox(state, "Route table exists (associate it, check its 0.0.0.0/0 route)", "outbound.routeTable.existing", rt.existing, "outbound.routeTable", None) }
            </> }
        }
        nat => {
            let ng = o.nat_gateway.unwrap_or_default();
            let user = nat == OutboundType::UserAssignedNatGateway;
            html! { <>
                <div class="row">
                    if user { { input_field(state, "NAT gateway name", "outbound.natGateway.name", opt(&ng.name), Kind::Text, format!("{name}-natgw")) } }
                    { input_field(state, "NAT gateway idle timeout (minutes)", "outbound.natGateway.idleTimeoutMinutes", num(ng.idle_timeout_minutes), Kind::Number, "4") }
                    { input_field(state, "NAT gateway outbound IPs", "outbound.natGateway.outboundIps", num(ng.outbound_ips), Kind::Number, "1") }
                </div>
                if user { { checkbox(state, "NAT gateway exists (associate it)", "outbound.natGateway.existing", ng.existing, "outbound.natGateway", None) } }
                else { { block_findings(state, "outbound.natGateway") } }
            </> }
        }
    };
    let api = plan.api_server.clone().unwrap_or_default();
    let on_subnet = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let s = e.target_unchecked_into::<HtmlSelectElement>().value();
            let v = if s.is_empty() {
                Value::Null
            } else {
                json!({ "subnet": s })
            };
            set(&state, "apiServer.vnetIntegration", v);
        })
    };
    let chosen = api.vnet_integration.map(|v| v.subnet).unwrap_or_default();
    let mut subnets: Vec<(String, String)> = vec![(String::new(), "none".into())];
    subnets.extend(
        plan.vnet
            .iter()
            .flat_map(|v| &v.subnets)
            .map(|s| (s.name.clone(), s.name.clone())),
    );
    if !subnets.iter().any(|(v, _)| *v == chosen) {
        subnets.push((chosen.clone(), chosen.clone()));
    }
    html! {
        <fieldset>
            <legend>{ "Around the cluster" }</legend>
            { select_field(state, "Outbound type", "outbound.type", types, kind, on_type) }
            { block_findings(state, "outbound.loadBalancer") }
            { block }
            { checkbox(state, "Private cluster (--enable-private-cluster)", "apiServer.private", api.private, "apiServer.private", None) }
            <div class="row">
                { select_field(state, "API server subnet (VNet integration)", "apiServer.vnetIntegration.subnet", subnets, &chosen, on_subnet) }
                { input_field(state, "Authorized IP ranges (comma-separated)", "apiServer.authorizedIpRanges", api.authorized_ip_ranges.join(", "), Kind::List, "203.0.113.0/24") }
            </div>
            { checkbox(state, "NSG on the node subnet, with the CNI's overlay rules", "nsg", plan.nsg.is_some(), "nsg", Some(|| (json!({}), Value::Null))) }
            if let Some(n) = &plan.nsg {
                { input_field(state, "NSG name", "nsg.name", opt(&n.name), Kind::Text, format!("{name}-nsg")) }
                { checkbox(state, "NSG exists (associate it, check its rules)", "nsg.existing", n.existing, "nsg.existing", None) }
            }
        </fieldset>
    }
}

/// A list of the plan as JSON values, built when a button is clicked (not at every render: a
/// plan may hold 10,000 connected networks).
fn list_of<T: serde::Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// The editor panel. A function, not a component: the app re-renders with the state anyway.
pub fn editor(state: &StateHandle) -> Html {
    let plan = &state.plan;
    let c = &plan.cluster;
    let opt = |v: &Option<String>| AttrValue::from(v.clone().unwrap_or_default());
    let num = |v: Option<u32>| AttrValue::from(v.map(|n| n.to_string()).unwrap_or_default());

    let toggle_vnet = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            let v = if on {
                json!({ "name": format!("{}-vnet", state.plan.cluster.name), "addressSpace": ["10.224.0.0/12"],
                        "subnets": [{ "name": "nodes", "cidr": "10.224.0.0/16", "role": "nodes" }] })
            } else {
                Value::Null
            };
            set(&state, "vnet", v);
        })
    };

    let vnet = plan.vnet.as_ref().map(|v| {
        let add_subnet = {
            let state = state.clone();
            Callback::from(move |_| {
                let mut list = list_of(state.plan.vnet.as_ref().map_or(&[][..], |v| &v.subnets));
                list.push(json!({ "name": format!("subnet{}", list.len() + 1), "cidr": "", "role": "other" }));
                set(&state, "vnet.subnets", Value::Array(list));
            })
        };
        html! {
            <fieldset>
                <legend>{ "Virtual network" }</legend>
                { input_field(state, "VNet name", "vnet.name", v.name.clone(), Kind::Required, "") }
                { input_field(state, "Address space (comma-separated)", "vnet.addressSpace", v.address_space.join(", "), Kind::List, "") }
                { field_findings(state, "vnet.subnets") }
                { for v.subnets.iter().enumerate().map(|(i, s)| {
                    let remove = {
                        let state = state.clone();
                        Callback::from(move |_| {
                            let mut list = list_of(state.plan.vnet.as_ref().map_or(&[][..], |v| &v.subnets));
                            if i < list.len() { list.remove(i); }
                            set(&state, "vnet.subnets", Value::Array(list));
                        })
                    };
                    let on_role = {
                        let state = state.clone();
                        Callback::from(move |e: Event| {
                            let r = e.target_unchecked_into::<HtmlSelectElement>().value();
                            set(&state, &format!("vnet.subnets[{i}].role"), Value::String(r));
                        })
                    };
                    let role_id = format!("subnet-role-{i}");
                    let role = serde_json::to_value(s.role).ok().and_then(|r| r.as_str().map(str::to_owned)).unwrap_or_default();
                    html! {
                        <div class="row subnet" key={i}>
                            { input_field(state, format!("Subnet {} name", i + 1), format!("vnet.subnets[{i}].name"), s.name.clone(), Kind::Required, "") }
                            { input_field(state, format!("Subnet {} CIDR", i + 1), format!("vnet.subnets[{i}].cidr"), s.cidr.clone(), Kind::Required, "10.224.0.0/16") }
                            <div class="field">
                                <label for={role_id.clone()}>{ "Role" }</label>
                                <select id={role_id} onchange={on_role}>
                                    { for ["nodes", "apiServer", "other"].iter().map(|r| html! { <option value={*r} selected={role == *r}>{ *r }</option> }) }
                                </select>
                            </div>
                            <button class="remove" onclick={remove} aria-label={format!("Remove subnet {}", s.name)}>{ "Remove" }</button>
                        </div>
                    }
                }) }
                <button onclick={add_subnet}>{ "Add subnet" }</button>
            </fieldset>
        }
    });

    let pools = plan.effective_node_pools();
    let set_pools = {
        let state = state.clone();
        move |list: Vec<Value>| set(&state, "nodePools", Value::Array(list))
    };
    let add_pool = {
        let (set_pools, pools) = (set_pools.clone(), pools.clone());
        Callback::from(move |_| {
            let mut list = list_of(&pools);
            list.push(
                json!({ "name": format!("pool{}", list.len() + 1), "mode": "user", "count": 1 }),
            );
            set_pools(list);
        })
    };
    let pools_html = pools.iter().enumerate().map(|(i, p)| {
        let remove = {
            let (set_pools, pools) = (set_pools.clone(), pools.clone());
            Callback::from(move |_| {
                let mut list = list_of(&pools);
                if i < list.len() { list.remove(i); }
                set_pools(list);
            })
        };
        let on_mode = {
            let state = state.clone();
            Callback::from(move |e: Event| {
                let m = e.target_unchecked_into::<HtmlSelectElement>().value();
                set(&state, &format!("nodePools[{i}].mode"), Value::String(m));
            })
        };
        let mode_id = format!("pool-mode-{i}");
        let system = p.mode == byocni_core::plan::PoolMode::System;
        html! {
            <fieldset class="pool" key={i}>
                <legend>{ format!("Node pool {}", i + 1) }</legend>
                <div class="row">
                    { input_field(state, "Name", format!("nodePools[{i}].name"), p.name.clone(), Kind::Required, "") }
                    <div class="field">
                        <label for={mode_id.clone()}>{ "Mode" }</label>
                        <select id={mode_id} onchange={on_mode}>
                            <option value="system" selected={system}>{ "system" }</option>
                            <option value="user" selected={!system}>{ "user" }</option>
                        </select>
                    </div>
                    { input_field(state, "Nodes (count)", format!("nodePools[{i}].count"), p.count.to_string(), Kind::Number, "") }
                    { input_field(state, "Max nodes (autoscaler, nodes)", format!("nodePools[{i}].maxCount"), num(p.max_count), Kind::Number, "") }
                </div>
                <div class="row">
                    { input_field(state, "Max surge (nodes or %)", format!("nodePools[{i}].maxSurge"), opt(&p.max_surge), Kind::Text, "10%") }
                    { input_field(state, "Max pods (per node)", format!("nodePools[{i}].maxPods"), num(p.max_pods), Kind::Number, "250") }
                    { input_field(state, "VM size", format!("nodePools[{i}].vmSize"), opt(&p.vm_size), Kind::Text, "Standard_D4s_v5") }
                </div>
                <button class="remove" onclick={remove} aria-label={format!("Remove pool {}", p.name)}>{ "Remove pool" }</button>
            </fieldset>
        }
    });

    let on_plugin = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            set(&state, "cni.plugin", Value::String(v));
        })
    };

    let add_many = {
        let state = state.clone();
        Callback::from(move |_| {
            let Some(area) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("paste-networks"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlTextAreaElement>(e).ok())
            else {
                return;
            };
            let mut list = list_of(&state.plan.connected_networks);
            let start = list.len();
            for (k, line) in area
                .value()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                let (name, cidr) = match line.split_once([' ', '\t', ',']) {
                    Some((a, b)) if a.contains('/') => (b.trim().to_owned(), a.to_owned()),
                    Some((a, b)) => (a.to_owned(), b.trim().to_owned()),
                    None => (format!("network {}", start + k + 1), line.to_owned()),
                };
                list.push(json!({ "name": name, "cidr": cidr }));
            }
            area.set_value("");
            set(&state, "connectedNetworks", Value::Array(list));
        })
    };
    let n_connected = plan.connected_networks.len();

    html! {
        <section class="panel editor" aria-labelledby="editor-h">
            <h2 id="editor-h">{ "Plan" }</h2>
            <fieldset>
                <legend>{ "Cluster" }</legend>
                <div class="row">
                    { input_field(state, "Cluster name", "cluster.name", c.name.clone(), Kind::Required, "") }
                    { input_field(state, "Resource group", "cluster.resourceGroup", c.resource_group.clone(), Kind::Required, "") }
                </div>
                <div class="row">
                    { input_field(state, "Location", "cluster.location", c.location.clone(), Kind::Required, "westeurope") }
                    { input_field(state, "DNS prefix", "cluster.dnsPrefix", opt(&c.dns_prefix), Kind::Text, plan.effective_dns_prefix()) }
                </div>
            </fieldset>
            <div class="check">
                <input type="checkbox" id="plan-vnet" checked={plan.vnet.is_some()} onchange={toggle_vnet} />
                <label for="plan-vnet">{ "Plan the VNet (unchecked: AKS creates a managed VNet 10.224.0.0/12)" }</label>
            </div>
            { vnet.unwrap_or_default() }
            <fieldset>
                <legend>{ "Pods and services" }</legend>
                <div class="row">
                    { input_field(state, "Pod CIDR (--pod-cidr)", "podCidr", opt(&plan.pod_cidr), Kind::Text, "required") }
                    { input_field(state, "Service CIDR", "serviceCidr", opt(&plan.service_cidr), Kind::Text, "10.0.0.0/16") }
                    { input_field(state, "DNS service IP", "dnsServiceIP", opt(&plan.dns_service_ip), Kind::Text, "10.0.0.10") }
                </div>
                <div class="row">
                    <div class="field">
                        <label for="cni-plugin">{ "CNI plugin" }</label>
                        <select id="cni-plugin" onchange={on_plugin}>
                            { for CniPlugin::ALL.iter().map(|p| html! { <option value={p.as_str()} selected={*p == plan.cni.plugin}>{ p.as_str() }</option> }) }
                        </select>
                        { field_findings(state, "cni.plugin") }
                    </div>
                    { input_field(state, "Per-node block prefix (/bits)", "cni.perNodePrefix", plan.cni.per_node_prefix.map(|p| p.to_string()).unwrap_or_default(), Kind::Number, plan.cni.plugin.default_per_node_prefix().to_string()) }
                    { input_field(state, "Internal load balancers (count)", "internalLoadBalancers", num(plan.internal_load_balancers), Kind::Number, "0") }
                </div>
            </fieldset>
            { field_findings(state, "nodePools") }
            { for pools_html }
            <button onclick={add_pool}>{ "Add node pool" }</button>
            { around(state) }
            <fieldset>
                <legend>{ format!("Connected networks ({})", grouped(n_connected as u64)) }</legend>
                { field_findings(state, "connectedNetworks") }
                <ul class="connected">
                    { for plan.connected_networks.iter().enumerate().take(20).map(|(i, n)| {
                        let remove = {
                            let state = state.clone();
                            Callback::from(move |_| {
                                let mut list = list_of(&state.plan.connected_networks);
                                if i < list.len() { list.remove(i); }
                                set(&state, "connectedNetworks", Value::Array(list));
                            })
                        };
                        html! {
                            <li key={i} class="row">
                                { input_field(state, format!("Network {} name", i + 1), format!("connectedNetworks[{i}].name"), n.name.clone(), Kind::Required, "") }
                                { input_field(state, format!("Network {} CIDR", i + 1), format!("connectedNetworks[{i}].cidr"), n.cidr.clone(), Kind::Required, "") }
                                <button class="remove" onclick={remove} aria-label={format!("Remove connected network {}", n.name)}>{ "Remove" }</button>
                            </li>
                        }
                    }) }
                </ul>
                if n_connected > 20 { <p>{ format!("... and {} more (all are checked).", grouped(n_connected as u64 - 20)) }</p> }
                <div class="field">
                    <label for="paste-networks">{ "Add networks: paste CIDRs, one a line (optionally with a name)" }</label>
                    <textarea id="paste-networks" rows="3" placeholder={"192.168.0.0/16 on-prem\n10.50.0.0/16 hub"}></textarea>
                </div>
                <button onclick={add_many}>{ "Add networks" }</button>
            </fieldset>
        </section>
    }
}
