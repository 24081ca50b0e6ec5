//! Renderers: a plan as a bash or PowerShell script, an ARM template, Bicep, Terraform, Cilium
//! Helm values or a Calico `Installation`; and what an architect hands over: the design document
//! (Markdown, printable HTML), the address map (SVG) and the ranges (CSV).
//!
//! Only a plan that passes check is rendered, unless forced; forced output carries the findings
//! as comments. Every user value is escaped for its target language (shell, PowerShell, ARM
//! expression strings, Bicep, HCL, YAML), and names have been checked against Azure's rules.

use crate::finding::{Finding, Severity};
use crate::plan::Plan;
pub(crate) use crate::text::one_line;

mod arm;
mod around;
mod bicep;
pub mod design;
pub mod estate;
mod estate_templates;
pub mod map_svg;
pub mod ranges;
mod script;
mod terraform;

pub use crate::cni_values::{calico_installation, cilium_values};
pub use arm::{
    AKS_API_VERSION, AKS_PREVIEW_API_VERSION, AUTHORIZATION_API_VERSION, IDENTITY_API_VERSION,
    NETWORK_API_VERSION, NETWORK_CONTRIBUTOR_ROLE_ID,
};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Executable bash script of az commands.
    Bash,
    /// PowerShell script of az commands.
    Powershell,
    /// ARM JSON template.
    Arm,
    /// Bicep.
    Bicep,
    /// Terraform (azurerm).
    Terraform,
    /// Cilium Helm values.
    CiliumValues,
    /// Calico (Tigera operator) Installation.
    Calico,
    /// The design document in Markdown.
    DesignMarkdown,
    /// The design document as a printable HTML page.
    DesignHtml,
    /// The address map as SVG.
    MapSvg,
    /// The plan's ranges as CSV.
    RangesCsv,
}

impl Format {
    /// Every format, in display order.
    pub const ALL: [Format; 11] = [
        Format::Bash,
        Format::Powershell,
        Format::Arm,
        Format::Bicep,
        Format::Terraform,
        Format::CiliumValues,
        Format::Calico,
        Format::DesignMarkdown,
        Format::DesignHtml,
        Format::MapSvg,
        Format::RangesCsv,
    ];

    /// The web planner's export tabs: the formats shown as text (the design document as
    /// Markdown, its HTML page and the map opened or downloaded from that tab).
    pub const TABS: [Format; 8] = [
        Format::Bash,
        Format::Powershell,
        Format::Arm,
        Format::Bicep,
        Format::Terraform,
        Format::CiliumValues,
        Format::Calico,
        Format::DesignMarkdown,
    ];

    /// The `--format` spelling.
    pub fn id(self) -> &'static str {
        match self {
            Format::Bash => "bash",
            Format::Powershell => "powershell",
            Format::Arm => "arm",
            Format::Bicep => "bicep",
            Format::Terraform => "terraform",
            Format::CiliumValues => "cilium-values",
            Format::Calico => "calico",
            Format::DesignMarkdown => "design-md",
            Format::DesignHtml => "design-html",
            Format::MapSvg => "map-svg",
            Format::RangesCsv => "ranges-csv",
        }
    }

    /// Looks a format up by its id.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// A human label (tab titles).
    pub fn label(self) -> &'static str {
        match self {
            Format::Bash => "Bash",
            Format::Powershell => "PowerShell",
            Format::Arm => "ARM",
            Format::Bicep => "Bicep",
            Format::Terraform => "Terraform",
            Format::CiliumValues => "Cilium values",
            Format::Calico => "Calico",
            Format::DesignMarkdown => "Design document",
            Format::DesignHtml => "Design document (HTML)",
            Format::MapSvg => "Map (SVG)",
            Format::RangesCsv => "Ranges (CSV)",
        }
    }

    /// A file name for downloads.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Bash => "create-cluster.sh",
            Format::Powershell => "create-cluster.ps1",
            Format::Arm => "azuredeploy.json",
            Format::Bicep => "main.bicep",
            Format::Terraform => "main.tf",
            Format::CiliumValues => crate::cni_values::CILIUM_VALUES_FILE,
            Format::Calico => crate::cni_values::CALICO_INSTALLATION_FILE,
            Format::DesignMarkdown => "byocni-design.md",
            Format::DesignHtml => "byocni-design.html",
            Format::MapSvg => design::MAP_FILE,
            Format::RangesCsv => "byocni-ranges.csv",
        }
    }

    /// Whether the format describes the plan for people (the design document, the map, the
    /// ranges) rather than creating it: those render whatever check finds, the findings being
    /// part of what they show.
    pub fn describes(self) -> bool {
        matches!(
            self,
            Format::DesignMarkdown | Format::DesignHtml | Format::MapSvg | Format::RangesCsv
        )
    }

    /// The MIME type of a download.
    pub fn mime(self) -> &'static str {
        match self {
            Format::DesignMarkdown => "text/markdown;charset=utf-8",
            Format::DesignHtml => "text/html;charset=utf-8",
            Format::MapSvg => "image/svg+xml",
            Format::RangesCsv => "text/csv;charset=utf-8",
            Format::Arm => "application/json",
            _ => "text/plain;charset=utf-8",
        }
    }
}

/// Rendering options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Render even when check finds errors; the findings go in as comments.
    pub force: bool,
}

/// Why a plan was not rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The plan has errors; fix them or force.
    #[error("the plan has {} error(s); fix them (byocni check) or render anyway with --force", .0.len())]
    Findings(Vec<Finding>),
    /// The format cannot say what the plan asks for (kube-proxy disabled in Terraform); forcing
    /// does not help.
    #[error("{0}")]
    Unsupported(String),
}

/// Where an estate cluster's VNet is, when its IaC file does not create the VNet as a v1 plan's
/// (new, in the cluster's group and region): see `render/estate.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The VNet's resource group.
    pub group: String,
    /// The VNet's region.
    pub location: String,
    /// What makes the VNet: `Own` (this file, in its group but another region), `Existing`
    /// (there already: read, and the cluster's own subnets — node and API server — created in
    /// it), or `Elsewhere` (the shared network file or another cluster's file creates it with
    /// every subnet: read, subnets too).
    pub made: Made,
    /// Who makes it, for the header (`the shared network file`, `cluster blue's file`).
    pub made_by: String,
    /// The Bicep module file the cluster's file deploys into the VNet's group when that is not
    /// the cluster's (`blue.vnet.bicep`).
    pub module_file: String,
}

/// See [`Placement::made`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Made {
    /// This file creates the VNet, in another region than the cluster's.
    Own,
    /// The VNet is `existing`.
    Existing,
    /// Another file creates it.
    Elsewhere,
}

impl Placement {
    /// Whether the file declares subnet `i` of the projection's VNet (else it reads it, or, for
    /// a subnet of an existing VNet that is not the cluster's, leaves it alone).
    pub(crate) fn creates_subnet(&self, plan: &Plan, i: usize) -> bool {
        match self.made {
            Made::Own => true,
            Made::Elsewhere => false,
            Made::Existing => Self::own_subnet(plan, i),
        }
    }

    /// Whether subnet `i` is the cluster's: its node subnet or its API server subnet.
    pub(crate) fn own_subnet(plan: &Plan, i: usize) -> bool {
        plan.vnet
            .as_ref()
            .is_some_and(|v| v.node_subnet_index() == Some(i))
            || crate::steps::around::is_api_server_subnet(plan, i)
    }

    /// Header lines saying where the VNet is and what the file does with it.
    pub(crate) fn notes(&self, plan: &Plan) -> Vec<String> {
        let Some(v) = &plan.vnet else {
            return Vec::new();
        };
        let name = one_line(&v.name);
        let (group, location) = (one_line(&self.group), one_line(&self.location));
        match self.made {
            Made::Own => vec![format!(
                "VNet {name} is created here in its own region, {location}."
            )],
            Made::Existing => vec![
                format!("VNet {name} exists (resource group {group}, {location}): it is read, never created or changed."),
                "Only the cluster's own subnets (node and API server) are created in it; its other subnets are".into(),
                "assumed there and not managed here.".into(),
            ],
            Made::Elsewhere => vec![
                format!("VNet {name} (resource group {group}, {location}) and its subnets are created by {}:", one_line(&self.made_by)),
                "apply that first; this file reads them.".into(),
            ],
        }
    }
}

/// Renders a plan in a format.
pub fn render(plan: &Plan, format: Format, options: RenderOptions) -> Result<String, RenderError> {
    render_checked(plan, &crate::check::check(plan), format, options)
}

/// [`render`] with the plan's report already at hand (the web planner checks once per edit).
pub fn render_checked(
    plan: &Plan,
    report: &crate::check::Report,
    format: Format,
    options: RenderOptions,
) -> Result<String, RenderError> {
    render_steps(plan, report, format, options, None, None, false)
}

/// [`render_checked`], the scripts (and the designs' script) made of `steps` when given (an
/// estate cluster's, placed on its estate VNet: [`crate::steps::estate::cluster_script_steps`])
/// instead of the plan's own [`crate::steps::script_steps`], and the IaC formats with the
/// cluster's VNet where `placement` says (`None`: a v1 plan's VNet); with `reads_group`
/// Terraform reads the cluster's resource group (an earlier cluster's file creates it).
pub(crate) fn render_steps(
    plan: &Plan,
    report: &crate::check::Report,
    format: Format,
    options: RenderOptions,
    steps: Option<Vec<crate::steps::Step>>,
    placement: Option<&Placement>,
    reads_group: bool,
) -> Result<String, RenderError> {
    let errors: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() && !options.force && !format.describes() {
        return Err(RenderError::Findings(errors));
    }
    let mut notes = forced_notes(&errors);
    if !options.force {
        // A document renders a plan with errors unforced: its commands say so plainly.
        if let Some(first) = notes.first_mut() {
            *first = format!(
                "WARNING: byocni check found {} error(s); fix them before running this:",
                errors.len()
            );
        }
    }
    // Only the scripts need the steps: made on demand.
    let steps = move || steps.unwrap_or_else(|| crate::steps::script_steps(plan));
    Ok(match format {
        Format::Bash => script::bash_steps(plan, steps(), &notes),
        Format::Powershell => script::powershell_steps(plan, steps(), &notes),
        Format::Arm => arm::template(plan, &notes, placement),
        Format::Bicep => bicep::template(plan, &notes, placement),
        Format::Terraform => terraform::config_placed(plan, &notes, placement, reads_group)?,
        Format::CiliumValues => with_notes("#", &notes, &crate::cni_values::cilium_values(plan)),
        Format::Calico => with_notes("#", &notes, &crate::cni_values::calico_installation(plan)),
        // The findings are a section of the document, the forced notes head its commands.
        Format::DesignMarkdown => {
            design::markdown(plan, report, &script::bash_steps(plan, steps(), &notes))
        }
        Format::DesignHtml => {
            design::html(plan, report, &script::bash_steps(plan, steps(), &notes))
        }
        Format::MapSvg => map_svg::map_svg(plan, report),
        Format::RangesCsv => ranges::csv(plan),
    })
}

/// One line per finding for the header of a forced rendering.
fn forced_notes(errors: &[Finding]) -> Vec<String> {
    if errors.is_empty() {
        return Vec::new();
    }
    let mut v = vec![format!(
        "WARNING: rendered with --force although byocni check found {} error(s):",
        errors.len()
    )];
    v.extend(
        errors
            .iter()
            .map(|f| format!("  error[{}] {}", f.rule, one_line(&f.message))),
    );
    v
}

/// Prefixes `body` with the notes as comments in the `marker` style.
fn with_notes(marker: &str, notes: &[String], body: &str) -> String {
    let mut out = String::new();
    for n in notes {
        out.push_str(marker);
        out.push(' ');
        out.push_str(n);
        out.push('\n');
    }
    out.push_str(body);
    out
}

/// A short summary of the plan for headers.
pub(crate) fn summary(plan: &Plan) -> Vec<String> {
    let mut v = vec![format!(
        "AKS cluster {} in {} ({}), --network-plugin none, CNI {}",
        one_line(&plan.cluster.name),
        one_line(&plan.cluster.resource_group),
        one_line(&plan.cluster.location),
        plan.cni.plugin.as_str()
    )];
    match &plan.vnet {
        Some(vn) => v.push(format!(
            "VNet {} {}; subnets {}",
            one_line(&vn.name),
            one_line(&vn.address_space.join(", ")),
            vn.subnets
                .iter()
                .map(|s| format!("{} {}", one_line(&s.name), one_line(&s.cidr)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => v.push("VNet: managed by AKS (10.224.0.0/12, node subnet 10.224.0.0/16)".into()),
    }
    v.push(format!(
        "pod CIDR {}, service CIDR {}, DNS service IP {}",
        one_line(plan.pod_cidr.as_deref().unwrap_or("(missing)")),
        one_line(plan.effective_service_cidr()),
        one_line(plan.effective_dns_service_ip())
    ));
    if plan.is_private_cluster() {
        v.push("The API server is private: the scripts, `byocni apply` and `byocni cni install` put the CNI on through `az aks command invoke` (helm or kubectl in a pod of the cluster); kubectl from your machine needs a network that reaches the VNet (a peered network or a VPN)".into());
    }
    v
}
