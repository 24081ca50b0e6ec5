//! Exports of an estate (plan version 2): one file per new cluster, rendered from its v1
//! projection by the v1 renderers (Cilium values of a meshed cluster carry its mesh identity),
//! plus the shared network as a bash script (`network.sh`) or a PowerShell one (`network.ps1`,
//! the same az commands), or a Terraform root module (`network.tf`, written by
//! `render/terraform/network.rs`), or ARM or Bicep templates, one per resource group and kind,
//! with `network.deploy.sh` (written by `render/estate_templates.rs`): the new VNets that no
//! cluster file creates, and every peering created both ways (`az network vnet peering create`,
//! `azurerm_virtual_network_peering`, `virtualNetworkPeerings`).
//!
//! A cluster's file agrees with `byocni apply` about its VNet. When the VNet is new, in the
//! cluster's group and region and no other new cluster is on it, the file creates it as a v1
//! plan's. Otherwise the scripts run the cluster's steps placed on the VNet
//! ([`crate::steps::estate::cluster_script_steps`]): an existing VNet looked up, what may
//! already be there created only when missing; the IaC formats get a `Placement` (`render/mod.rs`):
//! an existing VNet read and only the cluster's node and API server subnets created in it, a
//! new VNet created by the first new cluster of its group on it (`vnet_owner`, in the VNet's
//! region) or else by the network's file, the others reading it; across resource groups ARM
//! nests a deployment and Bicep adds a module (`<cluster>.vnet.bicep`). Refused
//! ([`EstateRenderError::Unsupported`]): what apply refuses (an NSG, route table or NAT gateway
//! on a node subnet of another group, [`cluster_plan`]), and in ARM and Bicep an API server
//! subnet in a VNet of another group.

use crate::check::estate::check_estate;
use crate::cni_values::{cilium_mesh_values, MeshValues};
use crate::estate::Estate;
use crate::finding::{Finding, Severity};
use crate::plan::CniPlugin;
use crate::steps::{Arg, Command, Program};
use crate::text::one_line;

use super::script::{bash_line, ps_line};
use super::{Format, RenderError, RenderOptions};

/// The shared network's file name.
pub const NETWORK_FILE: &str = "network.sh";
/// The shared network's file name in PowerShell.
pub const NETWORK_PS_FILE: &str = "network.ps1";
/// The shared network's file name in Terraform (a root module of its own).
pub const NETWORK_TF_FILE: &str = "network.tf";

/// One file of an estate export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstateFile {
    /// File name: `network.sh`, or the cluster's name and the format's extension
    /// (`blue.sh`, `blue.cilium-values.yaml`).
    pub name: String,
    /// Its text.
    pub text: String,
    /// Whether it is a script to mark executable.
    pub executable: bool,
}

/// Why an estate is not exported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EstateRenderError {
    /// The estate has errors; fix them or force.
    #[error("the estate has {} error(s); fix them (byocni check) or render anyway with --force", .0.len())]
    Findings(Vec<Finding>),
    /// Something the estate export cannot write yet.
    #[error("{0}")]
    Unsupported(String),
}

fn lit(s: &str) -> Arg {
    Arg::Lit(s.to_owned())
}

fn az(words: &[&str]) -> Command {
    Command {
        program: Program::Az,
        args: words.iter().map(|w| lit(w)).collect(),
    }
}

/// `--tags` as `byocni apply` tags the network's groups and VNets
/// ([`crate::steps::estate::estate_id`]).
fn tags(estate: &Estate) -> [Arg; 3] {
    [
        lit("--tags"),
        lit(&format!("{}=managed", crate::steps::TAG_MANAGED)),
        lit(&format!(
            "{}={}",
            crate::steps::TAG_PLAN,
            crate::steps::estate::estate_id(estate)
        )),
    ]
}

/// Why an ARM or Bicep export of cluster `i` is refused: its VNet is in another resource group
/// and the cluster integrates its API server into a subnet of it (the nested deployment that
/// makes the cluster's side of such a VNet holds its subnets and the node subnet's role only).
fn template_refusal(estate: &Estate, i: usize) -> Option<String> {
    let p = placement(estate, i)?;
    let c = &estate.clusters[i];
    if p.made == super::Made::Own || p.group.eq_ignore_ascii_case(&c.resource_group) {
        return None;
    }
    let plan = estate.project(i)?;
    let n = plan.vnet.as_ref().map_or(0, |v| v.subnets.len());
    if !(0..n).any(|k| crate::steps::around::is_api_server_subnet(&plan, k)) {
        return None;
    }
    let vn = &estate.vnets[estate.vnet_of(i)?];
    Some(format!(
        "cluster `{}` is on VNet `{}` of resource group {}, not the cluster's {}, and integrates its API server into a subnet of it: the ARM and Bicep exports do not write that role across resource groups yet. Export this estate with --format bash, powershell or terraform, or run byocni apply; or put the cluster in resource group {} (clusters[{i}].resourceGroup)",
        one_line(&c.name),
        one_line(&vn.name),
        one_line(&vn.resource_group),
        one_line(&c.resource_group),
        one_line(&vn.resource_group),
    ))
}

/// The new cluster whose IaC file creates new VNet `v` (with all its subnets): the first in
/// file order in the VNet's resource group. Any other new VNet is created by the shared
/// network's file; the other clusters on it read it.
fn vnet_owner(estate: &Estate, v: usize) -> Option<usize> {
    let vn = &estate.vnets[v];
    if vn.existing {
        return None;
    }
    (0..estate.clusters.len()).find(|&i| {
        let c = &estate.clusters[i];
        !c.existing
            && estate.vnet_of(i) == Some(v)
            && c.resource_group.eq_ignore_ascii_case(&vn.resource_group)
    })
}

/// Where cluster `i`'s IaC file finds its VNet, unless it creates it as a v1 plan's (new, in the
/// cluster's group and region, `None`).
fn placement(estate: &Estate, i: usize) -> Option<super::Placement> {
    use super::{Made, Placement};
    let v = estate.vnet_of(i)?;
    let (c, vn) = (&estate.clusters[i], &estate.vnets[v]);
    let owner = vnet_owner(estate, v);
    let (made, made_by) = if vn.existing {
        (Made::Existing, "nothing: it exists".to_owned())
    } else if owner == Some(i) {
        if vn.location.eq_ignore_ascii_case(&c.location) {
            return None;
        }
        (Made::Own, "this file".to_owned())
    } else if let Some(o) = owner {
        (
            Made::Elsewhere,
            format!("cluster {}'s file", estate.clusters[o].name),
        )
    } else {
        (Made::Elsewhere, "the shared network's file".to_owned())
    };
    Some(Placement {
        group: vn.resource_group.clone(),
        location: vn.location.clone(),
        made,
        made_by,
        module_file: format!("{}.vnet.bicep", file_stem(&c.name)),
    })
}

/// One line of the shared network's script: a command, or a value captured from one.
enum Line {
    Run(Command),
    Capture(String, Command),
}

/// The shared network's steps, as titled lists of lines (one source for bash and PowerShell):
/// VNets no cluster file creates (new ones only), then every peering with a new VNet on one
/// side, both ways, between VNets looked up by id.
fn network_lines(estate: &Estate, created_by_clusters: &[usize]) -> Vec<(String, Vec<Line>)> {
    let mut out: Vec<(String, Vec<Line>)> = Vec::new();
    let step = |out: &mut Vec<(String, Vec<Line>)>, title: String, lines: Vec<Line>| {
        out.push((title, lines));
    };
    // A new cluster's file creates its resource group (the network runs after the cluster
    // files): `az group create` over it again would replace its tags.
    let cluster_group = |rg: &str| {
        estate
            .clusters
            .iter()
            .any(|c| !c.existing && c.resource_group.eq_ignore_ascii_case(rg))
    };
    for (v, vn) in estate.vnets.iter().enumerate() {
        if vn.existing || created_by_clusters.contains(&v) {
            continue;
        }
        let mut lines = Vec::new();
        if !cluster_group(&vn.resource_group) {
            lines.push(Line::Run({
                let mut c = az(&["group", "create", "--name"]);
                c.args.push(lit(&vn.resource_group));
                c.args.push(lit("--location"));
                c.args.push(lit(&vn.location));
                c.args.extend(tags(estate));
                c.args.extend([lit("--output"), lit("json")]);
                c
            }));
        }
        let mut c = az(&["network", "vnet", "create", "--resource-group"]);
        c.args.push(lit(&vn.resource_group));
        c.args.extend([
            lit("--name"),
            lit(&vn.name),
            lit("--location"),
            lit(&vn.location),
        ]);
        c.args.push(lit("--address-prefixes"));
        c.args
            .extend(vn.address_space.iter().map(|p| lit(p.trim())));
        c.args.extend(tags(estate));
        c.args.extend([lit("--output"), lit("json")]);
        lines.push(Line::Run(c));
        for s in &vn.subnets {
            let mut c = az(&["network", "vnet", "subnet", "create", "--resource-group"]);
            c.args.push(lit(&vn.resource_group));
            c.args.extend([
                lit("--vnet-name"),
                lit(&vn.name),
                lit("--name"),
                lit(&s.name),
                lit("--address-prefixes"),
                lit(s.cidr.trim()),
                lit("--output"),
                lit("json"),
            ]);
            lines.push(Line::Run(c));
        }
        step(
            &mut out,
            format!("Create VNet {} ({})", vn.name, vn.address_space.join(", ")),
            lines,
        );
    }
    // Two existing VNets' peering, if any, is already there; each pair once.
    let pairs = crate::steps::estate::peering_pairs(estate);
    let mut looked_up = vec![false; estate.vnets.len()];
    for &(a, b) in &pairs {
        let mut lines = Vec::new();
        for v in [a, b] {
            if !looked_up[v] {
                looked_up[v] = true;
                let vn = &estate.vnets[v];
                let mut c = az(&["network", "vnet", "show", "--resource-group"]);
                c.args
                    .extend([lit(&vn.resource_group), lit("--name"), lit(&vn.name)]);
                c.args
                    .extend([lit("--query"), lit("id"), lit("--output"), lit("tsv")]);
                lines.push(Line::Capture(format!("VNET_{v}_ID"), c));
            }
        }
        for (from, to) in [(a, b), (b, a)] {
            let (f, t) = (&estate.vnets[from], &estate.vnets[to]);
            let mut c = az(&["network", "vnet", "peering", "create", "--resource-group"]);
            c.args.extend([
                lit(&f.resource_group),
                lit("--name"),
                lit(&peering_name(&f.name, &t.name)),
                lit("--vnet-name"),
                lit(&f.name),
                lit("--remote-vnet"),
                Arg::Var(format!("VNET_{to}_ID")),
                lit("--allow-vnet-access"),
                lit("true"),
                lit("--output"),
                lit("json"),
            ]);
            lines.push(Line::Run(c));
        }
        step(
            &mut out,
            format!(
                "Peer VNets {} and {} (both ways)",
                estate.vnets[a].name, estate.vnets[b].name
            ),
            lines,
        );
    }
    out
}

const NOTHING: &str = "\n# Nothing to create: every VNet is created by its cluster's file or exists, and there are no peerings.\n";

/// The shared network as bash (`network.sh`): see [`network_lines`].
pub fn network_script(estate: &Estate, created_by_clusters: &[usize]) -> String {
    let mut out = format!(
        "#!/usr/bin/env bash\n# Generated by byocni: the shared network of estate {}.\n# Run it after the cluster files that create their own VNets: peerings need both VNets.\nset -euo pipefail\n",
        one_line(&estate.name)
    );
    let steps = network_lines(estate, created_by_clusters);
    for (n, (title, lines)) in steps.iter().enumerate() {
        out.push_str(&format!("\n# {}. {}\n", n + 1, one_line(title)));
        for l in lines {
            match l {
                Line::Run(c) => out.push_str(&bash_line(c)),
                Line::Capture(var, c) => out.push_str(&format!("{var}=$({})", bash_line(c))),
            }
            out.push('\n');
        }
    }
    if steps.is_empty() {
        out.push_str(NOTHING);
    }
    out
}

/// The shared network as PowerShell (`network.ps1`), the same az commands as
/// [`network_script`], stopping at the first that fails.
pub fn network_powershell(estate: &Estate, created_by_clusters: &[usize]) -> String {
    let mut out = format!(
        "# Generated by byocni: the shared network of estate {}.\n# Run it after the cluster files that create their own VNets: peerings need both VNets.\n$ErrorActionPreference = 'Stop'\nfunction Assert-LastExit([string]$What) {{\n    if ($LASTEXITCODE -ne 0) {{ throw \"$What failed with exit code $LASTEXITCODE\" }}\n}}\n",
        one_line(&estate.name)
    );
    let steps = network_lines(estate, created_by_clusters);
    for (n, (title, lines)) in steps.iter().enumerate() {
        out.push_str(&format!(
            "\n# {}. {}\n",
            n + 1,
            one_line(title).replace('"', "'")
        ));
        for l in lines {
            match l {
                Line::Run(c) => out.push_str(&format!(
                    "{}\nAssert-LastExit \"step {}\"\n",
                    ps_line(c),
                    n + 1
                )),
                Line::Capture(var, c) => out.push_str(&format!(
                    "${var} = {}\nAssert-LastExit \"reading {var}\"\n",
                    ps_line(c)
                )),
            }
        }
    }
    if steps.is_empty() {
        out.push_str(NOTHING);
    }
    out
}

/// A cluster's name as a file name: letters, digits, `-` and `_` kept, anything else `_` (a
/// forced export of a badly named cluster still writes inside the output directory).
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s == NETWORK_FILE.trim_end_matches(".sh") {
        format!("cluster-{s}")
    } else {
        s
    }
}

/// Cluster `i` of an estate as the v1 plan `apply`, `destroy` and `status` run (through
/// [`crate::steps::estate::cluster_steps`], which places it on its estate VNet): its
/// projection, when the cluster is new and (with `checked`, for apply) the estate has no error
/// that involves it. Its VNet may be `existing` (looked up, only the missing subnets created)
/// or in another resource group or region, unless the node subnet takes an NSG, route table or
/// NAT gateway, which apply creates in the cluster's group and az associates by name.
pub fn cluster_plan(
    estate: &Estate,
    i: usize,
    checked: bool,
) -> Result<crate::plan::Plan, EstateRenderError> {
    let Some(c) = estate.clusters.get(i) else {
        return Err(EstateRenderError::Unsupported(format!(
            "the estate has no cluster {i}"
        )));
    };
    if c.existing {
        return Err(EstateRenderError::Unsupported(format!(
            "cluster `{}` is existing: byocni never creates or removes what is already there",
            one_line(&c.name)
        )));
    }
    if let Some(v) = estate.vnet_of(i) {
        let vn = &estate.vnets[v];
        let around = c.nsg.is_some()
            || c.outbound.as_ref().is_some_and(|o| {
                matches!(
                    o.kind,
                    crate::plan::OutboundType::UserDefinedRouting
                        | crate::plan::OutboundType::UserAssignedNatGateway
                )
            });
        if around && !vn.resource_group.eq_ignore_ascii_case(&c.resource_group) {
            return Err(EstateRenderError::Unsupported(format!(
                "cluster `{}` is on VNet `{}` of resource group {}, and its node subnet takes an NSG, route table or NAT gateway, which byocni creates in the cluster's group {}: put the cluster in resource group {} (clusters[{i}].resourceGroup)",
                one_line(&c.name),
                one_line(&vn.name),
                one_line(&vn.resource_group),
                one_line(&c.resource_group),
                one_line(&vn.resource_group)
            )));
        }
    }
    let errors: Vec<Finding> = if checked {
        check_estate(estate, Some(i)).findings
    } else {
        Vec::new()
    }
    .into_iter()
    .filter(|f| f.severity == Severity::Error)
    .collect();
    if !errors.is_empty() {
        return Err(EstateRenderError::Findings(errors));
    }
    estate
        .project(i)
        .ok_or_else(|| EstateRenderError::Unsupported(format!("the estate has no cluster {i}")))
}

pub use super::estate_templates::NETWORK_DEPLOY_FILE;
pub use crate::steps::estate::peering_name;

/// Renders an estate: one file per new cluster (or only cluster `only`) in `format`, plus
/// `network.sh` with bash, `network.ps1` with PowerShell, `network.tf` with Terraform, and
/// with ARM or Bicep one template per resource group and kind (`network.<group>.vnets.json`,
/// `network.<group>.peerings.json`) and `network.deploy.sh` that deploys them in order
/// (`render/estate_templates.rs`). Errors of `check_estate` refuse the export unless forced.
pub fn render_estate(
    estate: &Estate,
    format: Format,
    only: Option<usize>,
    options: RenderOptions,
) -> Result<Vec<EstateFile>, EstateRenderError> {
    let report = check_estate(estate, only);
    let errors: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() && !options.force && !format.describes() {
        return Err(EstateRenderError::Findings(errors));
    }
    let mut files = Vec::new();
    let mut created = Vec::new();
    for (i, c) in estate.clusters.iter().enumerate() {
        if c.existing || only.is_some_and(|o| o != i) {
            continue;
        }
        let scripts = matches!(
            format,
            Format::Bash | Format::Powershell | Format::DesignMarkdown | Format::DesignHtml
        );
        if matches!(format, Format::Arm | Format::Bicep) {
            if let Some(why) = template_refusal(estate, i) {
                return Err(EstateRenderError::Unsupported(why));
            }
        }
        if matches!(format, Format::Terraform | Format::Arm | Format::Bicep) {
            if let Some(v) = estate
                .vnet_of(i)
                .filter(|&v| vnet_owner(estate, v) == Some(i))
            {
                created.push(v);
            }
        } else if let Some(v) = estate.vnet_of(i).filter(|&v| !estate.vnets[v].existing) {
            // The cluster's script creates its new VNet, plainly or only when missing.
            if !created.contains(&v) {
                created.push(v);
            }
        }
        // What creates resources refuses what apply refuses (an NSG, route table or NAT
        // gateway on a node subnet of another group).
        let plan = if scripts || matches!(format, Format::Terraform | Format::Arm | Format::Bicep) {
            cluster_plan(estate, i, false)?
        } else {
            let Some(plan) = estate.project(i) else {
                continue;
            };
            plan
        };
        // The estate's findings gate the export (above); the projection renders as is.
        let cluster_report = crate::check::check(&plan);
        let text = match (format, c.cluster_mesh) {
            (Format::CiliumValues, Some(m)) if estate.plugin_of(i) == CniPlugin::Cilium => {
                cilium_mesh_values(
                    &plan,
                    &MeshValues {
                        name: c.name.clone(),
                        id: m.id.unwrap_or(0),
                        max_connected_clusters: estate.max_connected_clusters(),
                    },
                )
            }
            _ => match super::render_steps(
                &plan,
                &cluster_report,
                format,
                RenderOptions { force: true },
                scripts.then(|| crate::steps::estate::cluster_script_steps(estate, i, &plan)),
                placement(estate, i).as_ref(),
                // An earlier new cluster's file creates the group (Terraform would refuse to
                // create it twice).
                estate.clusters[..i].iter().any(|o| {
                    !o.existing && o.resource_group.eq_ignore_ascii_case(&c.resource_group)
                }),
            ) {
                Ok(t) => t,
                Err(RenderError::Findings(f)) => return Err(EstateRenderError::Findings(f)),
                Err(RenderError::Unsupported(why)) => {
                    return Err(EstateRenderError::Unsupported(why))
                }
            },
        };
        let ext = match format {
            Format::CiliumValues => "cilium-values.yaml".to_owned(),
            Format::Calico => "calico-installation.yaml".to_owned(),
            other => other
                .file_name()
                .rsplit_once('.')
                .map_or("txt", |(_, e)| e)
                .to_owned(),
        };
        files.push(EstateFile {
            name: format!("{}.{ext}", file_stem(&c.name)),
            text,
            executable: format == Format::Bash,
        });
        // Bicep: the cluster's side of a VNet in another group is a module of its own.
        if let Some(p) = placement(estate, i).filter(|p| {
            format == Format::Bicep
                && p.made != super::Made::Own
                && !p.group.eq_ignore_ascii_case(&c.resource_group)
        }) {
            files.push(EstateFile {
                name: p.module_file.clone(),
                text: super::bicep::vnet_module(&plan, &p),
                executable: false,
            });
        }
    }
    if format == Format::Bash && only.is_none() {
        files.push(EstateFile {
            name: NETWORK_FILE.into(),
            text: network_script(estate, &created),
            executable: true,
        });
    }
    if format == Format::Powershell && only.is_none() {
        files.push(EstateFile {
            name: NETWORK_PS_FILE.into(),
            text: network_powershell(estate, &created),
            executable: false,
        });
    }
    if matches!(format, Format::Arm | Format::Bicep) && only.is_none() {
        files.extend(super::estate_templates::network_templates(
            estate,
            &created,
            format == Format::Bicep,
        ));
    }
    if format == Format::Terraform && only.is_none() {
        let groups: Vec<&str> = estate
            .clusters
            .iter()
            .filter(|c| !c.existing)
            .map(|c| c.resource_group.as_str())
            .collect();
        files.push(EstateFile {
            name: NETWORK_TF_FILE.into(),
            text: super::terraform::network::network_config(estate, &created, &groups),
            executable: false,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLUEGREEN: &str = include_str!("../../../../tests/fixtures/estate-bluegreen.json");

    /// The network's new groups and VNets carry the tags apply gives them, in bash and
    /// PowerShell alike.
    #[test]
    fn the_network_scripts_tag_what_they_create_as_apply_does() {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        e.vnets.push(crate::estate::EstateVnet {
            name: "spoke".into(),
            resource_group: "spoke-rg".into(),
            location: "westeurope".into(),
            address_space: vec!["10.30.0.0/16".into()],
            ..e.vnets[2].clone()
        });
        let sh = network_script(&e, &[2]);
        let tagged = "--tags 'byocni=managed' 'byocni-plan=estate.contoso-prod' --output json";
        assert!(
            sh.contains(&format!(
                "az group create --name spoke-rg --location westeurope {tagged}"
            )),
            "{sh}"
        );
        assert!(
            sh.contains(&format!("--address-prefixes 10.30.0.0/16 {tagged}")),
            "{sh}"
        );
        let ps = network_powershell(&e, &[2]);
        assert_eq!(
            ps.matches("byocni-plan=estate.contoso-prod").count(),
            2,
            "{ps}"
        );
    }
}

#[cfg(test)]
mod foreign_tests {
    use super::*;

    const BLUEGREEN: &str = include_str!("../../../../tests/fixtures/estate-bluegreen.json");

    /// blue on a new subnet of the existing hub (net-rg), as in
    /// `steps::estate`'s `a_cluster_on_an_existing_vnet_looks_it_up_in_its_group_and_creates_only_its_subnet`.
    pub(crate) fn on_hub() -> Estate {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        e.vnets[0].subnets.push(crate::estate::EstateSubnet {
            name: "blue-nodes".into(),
            cidr: "10.0.2.0/23".into(),
            role: crate::plan::SubnetRole::Nodes,
        });
        e.clusters[1].node_subnet = Some("hub/blue-nodes".into());
        e
    }

    /// blue's VNet aks-blue is new, in resource group net-blue-rg (no cluster's) in
    /// northeurope.
    pub(crate) fn in_other_group() -> Estate {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        e.vnets[2].resource_group = "net-blue-rg".into();
        e.vnets[2].location = "northeurope".into();
        e
    }

    /// A second new cluster, teal (blue-rg), on blue's new VNet aks-blue, on a node subnet of
    /// its own.
    pub(crate) fn shared() -> Estate {
        let mut e = Estate::from_json(BLUEGREEN).unwrap();
        e.vnets[2].subnets.push(crate::estate::EstateSubnet {
            name: "teal-nodes".into(),
            cidr: "10.224.16.0/20".into(),
            role: crate::plan::SubnetRole::Nodes,
        });
        let mut teal = e.clusters[1].clone();
        teal.name = "teal".into();
        teal.dns_prefix = Some("teal".into());
        teal.node_subnet = Some("aks-blue/teal-nodes".into());
        teal.pod_cidr = Some("10.101.0.0/16".into());
        e.clusters.push(teal);
        e
    }

    fn file(e: &Estate, format: Format, name: &str) -> String {
        render_estate(e, format, None, RenderOptions::default())
            .unwrap()
            .into_iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .text
    }

    /// The guarded block of a bash script that creates `create` (its first words) only when
    /// missing: the lookup comes first, the create inside `if [ "$BYOCNI_RC" = 3 ]`.
    fn guarded(sh: &str, show: &str, create: &str) -> bool {
        let Some(at) = sh.find(&format!("BYOCNI_HAVE=$({show} ")) else {
            return false;
        };
        sh[at..].contains(&format!(
            "|| BYOCNI_RC=$?\nif [ \"$BYOCNI_RC\" = 3 ]; then\n  {create} "
        ))
    }

    #[test]
    fn a_new_cluster_on_an_existing_vnet_is_scripted_with_the_vnet_looked_up_and_its_subnets_guarded(
    ) {
        let e = on_hub();
        let sh = file(&e, Format::Bash, "blue.sh");
        assert!(
            sh.contains(
                "\naz network vnet show --resource-group net-rg --name hub --output json\n"
            ),
            "{sh}"
        );
        assert!(!sh.contains("az network vnet create"), "{sh}");
        assert!(
            !sh.contains("--name net-rg"),
            "the hub's group is not touched\n{sh}"
        );
        assert!(guarded(
            &sh,
            "az network vnet subnet show --resource-group net-rg --vnet-name hub --name blue-nodes --query addressPrefix --output tsv",
            "az network vnet subnet create --resource-group net-rg --vnet-name hub --name blue-nodes --address-prefixes 10.0.2.0/23"
        ), "{sh}");
        assert!(sh.contains("already exists with subnet address prefix '\"$BYOCNI_HAVE\"\", but the plan says 10.0.2.0/23"), "{sh}");
        // Every subnet create of the file is guarded; the cluster stays in its group.
        assert_eq!(
            sh.matches("  az network vnet subnet create").count(),
            sh.matches("az network vnet subnet create").count()
        );
        assert!(sh.contains("az aks create --resource-group blue-rg"));
        let ps = file(&e, Format::Powershell, "blue.ps1");
        assert!(ps.contains("$ErrorActionPreference = 'Continue'\n$BYOCNI_HAVE = az network vnet subnet show --resource-group net-rg --vnet-name hub --name blue-nodes --query addressPrefix --output tsv 2>$null\n$BYOCNI_RC = $LASTEXITCODE\n$ErrorActionPreference = 'Stop'\n"), "{ps}");
        assert!(ps.contains("if ($BYOCNI_RC -eq 3) {\n    az network vnet subnet create --resource-group net-rg --vnet-name hub --name blue-nodes"), "{ps}");
        assert!(!ps.contains("az network vnet create"), "{ps}");
        // aks-blue now hosts no new cluster: the network creates it with its subnet, in
        // blue-rg, which blue's file creates (no second `az group create`).
        let net = file(&e, Format::Bash, NETWORK_FILE);
        assert!(
            net.contains("az network vnet create --resource-group blue-rg --name aks-blue"),
            "{net}"
        );
        assert!(net.contains("az network vnet subnet create --resource-group blue-rg --vnet-name aks-blue --name nodes"), "{net}");
        assert!(!net.contains("az group create"), "{net}");
        assert!(!net.contains("--name hub --location"), "{net}");
    }

    #[test]
    fn a_new_cluster_on_a_new_vnet_of_another_group_creates_it_and_the_group_only_when_missing() {
        let e = in_other_group();
        let sh = file(&e, Format::Bash, "blue.sh");
        assert!(
            guarded(
                &sh,
                "az group show --name net-blue-rg --query id --output tsv",
                "az group create --name net-blue-rg --location northeurope"
            ),
            "{sh}"
        );
        assert!(guarded(&sh, "az network vnet show --resource-group net-blue-rg --name aks-blue --query addressSpace.addressPrefixes --output tsv", "az network vnet create --resource-group net-blue-rg --name aks-blue --location northeurope"), "{sh}");
        assert!(guarded(&sh, "az network vnet subnet show --resource-group net-blue-rg --vnet-name aks-blue --name nodes --query addressPrefix --output tsv", "az network vnet subnet create --resource-group net-blue-rg --vnet-name aks-blue --name nodes"), "{sh}");
        // The cluster's own group is its own: created plainly, as a v1 plan's.
        assert!(
            sh.contains("\naz group create --name blue-rg --location westeurope"),
            "{sh}"
        );
        let net = file(&e, Format::Bash, NETWORK_FILE);
        assert!(
            !net.contains("vnet create"),
            "the cluster's file creates aks-blue\n{net}"
        );
        assert!(net.contains("az network vnet peering create --resource-group net-blue-rg --name aks-blue-to-hub"), "{net}");
    }

    #[test]
    fn two_new_clusters_on_one_new_vnet_each_create_it_only_when_missing() {
        let e = shared();
        for name in ["blue.sh", "teal.sh"] {
            let sh = file(&e, Format::Bash, name);
            assert_eq!(sh.matches("az network vnet create").count(), 1, "{sh}");
            assert!(guarded(&sh, "az network vnet show --resource-group blue-rg --name aks-blue --query addressSpace.addressPrefixes --output tsv", "az network vnet create --resource-group blue-rg --name aks-blue"), "{name}\n{sh}");
            assert!(
                guarded(
                    &sh,
                    "az group show --name blue-rg --query id --output tsv",
                    "az group create --name blue-rg"
                ),
                "{name}\n{sh}"
            );
            assert_eq!(
                sh.matches("  az network vnet subnet create").count(),
                2,
                "{sh}"
            );
        }
        // The original estate: blue alone on aks-blue creates it plainly, as before.
        let e = Estate::from_json(BLUEGREEN).unwrap();
        let sh = file(&e, Format::Bash, "blue.sh");
        assert!(!sh.contains("BYOCNI_HAVE"), "{sh}");
        let plan = e.project(1).unwrap();
        assert_eq!(
            sh,
            crate::render::render(&plan, Format::Bash, RenderOptions::default()).unwrap()
        );
    }
}
