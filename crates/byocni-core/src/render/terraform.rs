//! Terraform (azurerm 4.x): resource group, VNet, subnets, identity, role assignment and the
//! cluster with `network_plugin = "none"`. The provider shows a permanent diff on `pod_cidr` with
//! plugin `none`, so the generated cluster ignores changes to it.

use std::fmt::Write as _;

use crate::plan::Plan;
use crate::steps::{identity_name, NETWORK_CONTRIBUTOR};

mod around;
pub(crate) mod network;

/// An HCL quoted string: `"`, `\`, control characters, and the template sequences `${` / `%{`.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An identifier for a Terraform resource label from a user name.
fn label(s: &str) -> String {
    let mut l: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !l.starts_with(|c: char| c.is_ascii_alphabetic()) {
        l.insert_str(0, "r_");
    }
    l
}

/// One item of an HCL body, written by [`write_body`] the way `terraform fmt` lays it out.
enum Item {
    /// `name = value` (value already in HCL syntax).
    Attr(&'static str, String),
    /// `header { ... }`; an empty body is written `header {}`.
    Block(String, Vec<Item>),
    /// `name = { ... }`, an object value over several lines.
    Object(&'static str, Vec<Item>),
    /// A `# ...` line (the text already one line).
    Comment(String),
    /// An empty line.
    Blank,
}

fn attr(name: &'static str, value: impl Into<String>) -> Item {
    Item::Attr(name, value.into())
}

/// Writes `items` at `depth` (two spaces a level). As `terraform fmt` does, the `=` of
/// consecutive one-line attributes line up; a blank line, a comment or a block ends the run.
fn write_body(out: &mut String, items: &[Item], depth: usize) {
    let pad = "  ".repeat(depth);
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Attr(..) => {
                let run_end = items[i..]
                    .iter()
                    .position(|it| !matches!(it, Item::Attr(..)))
                    .map_or(items.len(), |n| i + n);
                let width = items[i..run_end]
                    .iter()
                    .map(|it| match it {
                        Item::Attr(n, _) => n.len(),
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                for it in &items[i..run_end] {
                    if let Item::Attr(n, v) = it {
                        let _ = writeln!(out, "{pad}{n:width$} = {v}");
                    }
                }
                i = run_end;
                continue;
            }
            Item::Block(header, body) if body.is_empty() => {
                let _ = writeln!(out, "{pad}{header} {{}}");
            }
            Item::Block(header, body) => {
                let _ = writeln!(out, "{pad}{header} {{");
                write_body(out, body, depth + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Item::Object(name, body) => {
                let _ = writeln!(out, "{pad}{name} = {{");
                write_body(out, body, depth + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Item::Comment(text) => {
                let _ = writeln!(out, "{pad}# {text}");
            }
            Item::Blank => out.push('\n'),
        }
        i += 1;
    }
}

/// `resource "<kind>" "<name>"`.
fn resource(kind: &str, name: &str) -> String {
    format!("resource \"{kind}\" \"{name}\"")
}

/// Why a plan without kube-proxy has no Terraform export.
pub(crate) const NO_KUBE_PROXY: &str = "not exported: cni.kubeProxy is false, and Terraform's azurerm provider (4.x) has no argument that creates an AKS cluster without kube-proxy (networkProfile.kubeProxyConfig exists only in preview API versions of managedClusters). byocni does not write a configuration that would create the cluster with kube-proxy instead. Use the bash or PowerShell export or `byocni apply` (az aks create --kube-proxy-config, with the aks-preview extension), or the ARM or Bicep export (preview API 2026-05-02-preview); or keep kube-proxy (cni.kubeProxy: true) for Terraform.";

/// The configuration; refused for a plan without kube-proxy (azurerm cannot say it). With
/// `placement`, an estate cluster whose VNet is not a v1 plan's: an existing
/// VNet, or one another file creates, is read by `data "azurerm_virtual_network"` and its
/// subnets are named by id below it (`${data.azurerm_virtual_network.this.id}/subnets/<name>`);
/// the subnets the file creates (an existing VNet's node and API server subnets) go in the
/// VNet's resource group.
///
/// With `reads_group` (an estate cluster whose resource group an earlier new cluster's file
/// creates) the group is read by `data "azurerm_resource_group"` instead of created a second
/// time.
pub(crate) fn config_placed(
    plan: &Plan,
    notes: &[String],
    placement: Option<&super::Placement>,
    reads_group: bool,
) -> Result<String, super::RenderError> {
    use super::Made;
    if !plan.cni.kube_proxy {
        return Err(super::RenderError::Unsupported(NO_KUBE_PROXY.into()));
    }
    let c = &plan.cluster;
    let mut top: Vec<Item> = vec![Item::Comment(
        "Generated by byocni: the AKS cluster of this plan with a bring-your-own CNI.".into(),
    )];
    top.extend(
        super::summary(plan)
            .into_iter()
            .chain(placement.map(|p| p.notes(plan)).unwrap_or_default())
            .chain(notes.iter().cloned())
            .map(Item::Comment),
    );
    top.push(Item::Blank);
    top.push(Item::Block(
        "terraform".into(),
        vec![Item::Block(
            "required_providers".into(),
            vec![Item::Object(
                "azurerm",
                vec![
                    attr("source", "\"hashicorp/azurerm\""),
                    attr("version", around::provider_version(plan)),
                ],
            )],
        )],
    ));
    top.push(Item::Blank);
    top.push(Item::Block(
        "provider \"azurerm\"".into(),
        vec![Item::Block("features".into(), Vec::new())],
    ));
    top.push(Item::Blank);
    top.push(Item::Block(
        resource("azurerm_resource_group", "this"),
        vec![
            attr("name", q(&c.resource_group)),
            attr("location", q(&c.location)),
        ],
    ));
    let location = "azurerm_resource_group.this.location";
    let group = "azurerm_resource_group.this.name";
    let mut subnet_ref = None;
    let mut cluster_depends = Vec::new();
    // Whether the file reads the VNet instead of creating it.
    let reads = placement.is_some_and(|p| p.made != Made::Own);
    let creates_subnet = |i: usize| placement.is_none_or(|p| p.creates_subnet(plan, i));
    // Each subnet's id expression (empty for a subnet of an existing VNet the file leaves alone).
    let refs: Vec<String> = plan.vnet.as_ref().map_or_else(Vec::new, |v| {
        v.subnets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if creates_subnet(i) {
                    format!("azurerm_subnet.{}_{i}.id", label(&s.name))
                } else if placement.is_some() && super::Placement::own_subnet(plan, i) {
                    let quoted = q(&s.name);
                    format!(
                        "\"${{data.azurerm_virtual_network.this.id}}/subnets/{}\"",
                        &quoted[1..quoted.len() - 1]
                    )
                } else {
                    String::new()
                }
            })
            .collect()
    });
    let subnet_label = |i: usize| refs.get(i).cloned().unwrap_or_default();
    let (vnet_name, vnet_group) = if reads {
        (
            "data.azurerm_virtual_network.this.name",
            "data.azurerm_virtual_network.this.resource_group_name",
        )
    } else {
        ("azurerm_virtual_network.this.name", group)
    };
    if let Some(v) = &plan.vnet {
        let prefixes: Vec<String> = v.address_space.iter().map(|p| q(p.trim())).collect();
        top.push(Item::Blank);
        match placement {
            Some(p) if reads => top.push(Item::Block(
                "data \"azurerm_virtual_network\" \"this\"".to_owned(),
                vec![
                    attr("name", q(&v.name)),
                    attr("resource_group_name", q(&p.group)),
                ],
            )),
            _ => top.push(Item::Block(
                resource("azurerm_virtual_network", "this"),
                vec![
                    attr("name", q(&v.name)),
                    attr(
                        "location",
                        placement.map_or_else(|| location.to_owned(), |p| q(&p.location)),
                    ),
                    attr("resource_group_name", group),
                    attr("address_space", format!("[{}]", prefixes.join(", "))),
                ],
            )),
        }
        top.extend(around::network(
            plan,
            v.node_subnet().map(|s| s.cidr.trim()),
        ));
        let node = v.node_subnet_index();
        for (i, s) in v.subnets.iter().enumerate() {
            if Some(i) == node {
                subnet_ref = Some(subnet_label(i)).filter(|r| !r.is_empty());
            }
            if !creates_subnet(i) {
                continue;
            }
            let l = format!("{}_{i}", label(&s.name));
            let mut body = vec![
                attr("name", q(&s.name)),
                attr("resource_group_name", vnet_group),
                attr("virtual_network_name", vnet_name),
                attr("address_prefixes", format!("[{}]", q(s.cidr.trim()))),
            ];
            body.extend(around::subnet_body(plan, i));
            top.push(Item::Blank);
            top.push(Item::Block(resource("azurerm_subnet", &l), body));
        }
        if let Some(sref) = &subnet_ref {
            top.push(Item::Blank);
            top.push(Item::Block(
                resource("azurerm_user_assigned_identity", "aks"),
                vec![
                    attr("name", q(&identity_name(plan))),
                    attr("location", location),
                    attr("resource_group_name", group),
                ],
            ));
            top.push(Item::Blank);
            top.push(Item::Comment(
                "The cluster identity needs Network Contributor on the node subnet.".into(),
            ));
            top.push(Item::Block(
                resource("azurerm_role_assignment", "node_subnet"),
                vec![
                    attr("scope", sref.clone()),
                    attr("role_definition_name", q(NETWORK_CONTRIBUTOR)),
                    attr(
                        "principal_id",
                        "azurerm_user_assigned_identity.aks.principal_id",
                    ),
                    attr("principal_type", "\"ServicePrincipal\""),
                ],
            ));
            let (items, depends) = around::after_identity(plan, sref, &subnet_label);
            top.extend(items);
            cluster_depends = depends;
        }
    }
    let pools = plan.effective_node_pools();
    // An empty pool list is an error that check reports; a forced rendering uses AKS's default.
    let default_pool = crate::plan::NodePool::default_pool();
    let first = pools.first().unwrap_or(&default_pool);

    let mut default_node_pool = vec![
        attr("name", q(&first.name)),
        attr("node_count", first.count.to_string()),
        attr("vm_size", q(first.effective_vm_size())),
        attr("max_pods", first.effective_max_pods().to_string()),
    ];
    pool_extras(&mut default_node_pool, first, subnet_ref.as_deref());
    let identity = if subnet_ref.is_some() {
        vec![
            attr("type", "\"UserAssigned\""),
            attr("identity_ids", "[azurerm_user_assigned_identity.aks.id]"),
        ]
    } else {
        vec![attr("type", "\"SystemAssigned\"")]
    };
    let mut network = vec![attr("network_plugin", "\"none\"")];
    if let Some(pod) = plan
        .pod_cidr
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        network.push(attr("pod_cidr", q(pod)));
    }
    network.push(attr(
        "service_cidr",
        q(plan.effective_service_cidr().trim()),
    ));
    network.push(attr(
        "dns_service_ip",
        q(plan.effective_dns_service_ip().trim()),
    ));
    network.extend(around::network_profile(plan));
    let mut cluster = vec![
        attr("name", q(&c.name)),
        attr("location", location),
        attr("resource_group_name", group),
        attr("dns_prefix", q(&plan.effective_dns_prefix())),
    ];
    if let Some(g) = &c.node_resource_group {
        cluster.push(attr("node_resource_group", q(g)));
    }
    cluster.extend(around::cluster(plan, &subnet_label));
    cluster.extend([
        Item::Blank,
        Item::Block("default_node_pool".into(), default_node_pool),
        Item::Blank,
        Item::Block("identity".into(), identity),
        Item::Blank,
        Item::Block("network_profile".into(), network),
        Item::Blank,
        Item::Comment(
            "With network_plugin \"none\" azurerm reports a permanent diff on pod_cidr.".into(),
        ),
        Item::Block(
            "lifecycle".into(),
            vec![attr("ignore_changes", "[network_profile[0].pod_cidr]")],
        ),
    ]);
    if subnet_ref.is_some() {
        cluster.push(Item::Blank);
        cluster.push(attr(
            "depends_on",
            format!(
                "[{}]",
                std::iter::once("azurerm_role_assignment.node_subnet".to_owned())
                    .chain(cluster_depends)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    top.push(Item::Blank);
    top.push(Item::Block(
        resource("azurerm_kubernetes_cluster", "this"),
        cluster,
    ));
    for (i, p) in pools.iter().enumerate().skip(1) {
        let mode = if p.mode == crate::plan::PoolMode::System {
            "\"System\""
        } else {
            "\"User\""
        };
        let mut body = vec![
            attr("name", q(&p.name)),
            attr(
                "kubernetes_cluster_id",
                "azurerm_kubernetes_cluster.this.id",
            ),
            attr("mode", mode),
            attr("node_count", p.count.to_string()),
            attr("vm_size", q(p.effective_vm_size())),
            attr("max_pods", p.effective_max_pods().to_string()),
        ];
        pool_extras(&mut body, p, subnet_ref.as_deref());
        top.push(Item::Blank);
        top.push(Item::Block(
            resource(
                "azurerm_kubernetes_cluster_node_pool",
                &format!("{}_{i}", label(&p.name)),
            ),
            body,
        ));
    }
    if reads_group {
        read_group(&mut top);
    }
    let mut out = String::new();
    write_body(&mut out, &top, 0);
    Ok(out)
}

/// Turns the cluster's `azurerm_resource_group.this` into a `data` block and every reference
/// to it into one to the data source (the references are expressions the renderer wrote:
/// `azurerm_resource_group.this.<attr>`, or a quoted id that starts with its interpolation).
fn read_group(items: &mut [Item]) {
    const RESOURCE: &str = "azurerm_resource_group.this.";
    const ID: &str = "\"${azurerm_resource_group.this.id}";
    for item in items {
        match item {
            Item::Block(header, body) if *header == resource("azurerm_resource_group", "this") => {
                *header = "data \"azurerm_resource_group\" \"this\"".to_owned();
                body.retain(|i| matches!(i, Item::Attr("name", _)));
            }
            Item::Attr(_, v) if v.starts_with(RESOURCE) => v.insert_str(0, "data."),
            Item::Attr(_, v) if v.starts_with(ID) => v.insert_str(3, "data."),
            Item::Block(_, body) | Item::Object(_, body) => read_group(body),
            _ => {}
        }
    }
}

/// The attributes a pool has in both `default_node_pool` and `azurerm_kubernetes_cluster_node_pool`.
fn pool_extras(body: &mut Vec<Item>, p: &crate::plan::NodePool, subnet_ref: Option<&str>) {
    if let Some(s) = subnet_ref {
        body.push(attr("vnet_subnet_id", s));
    }
    if let Some(max) = p.max_count {
        body.push(attr("auto_scaling_enabled", "true"));
        body.push(attr("min_count", p.count.to_string()));
        body.push(attr("max_count", max.to_string()));
    }
    body.push(Item::Block(
        "upgrade_settings".into(),
        vec![attr("max_surge", q(p.effective_max_surge().trim()))],
    ));
}

#[cfg(test)]
mod tests {
    use super::q;

    #[test]
    fn escapes() {
        assert_eq!(q("a\"b"), r#""a\"b""#);
        assert_eq!(q("${x}"), r#""$${x}""#);
        assert_eq!(q("%{x}"), r#""%%{x}""#);
        assert_eq!(q("a\nb"), r#""a\nb""#);
    }
}
