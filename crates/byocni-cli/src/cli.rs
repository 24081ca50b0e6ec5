//! The command line, as clap types. Every subcommand is documented here; `byocni --help` and
//! `byocni SUBCOMMAND --help` print it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Plan, check, export and provision AKS clusters with a bring-your-own CNI.
#[derive(Debug, Parser)]
#[command(
    name = "byocni",
    version,
    long_about = None,
    propagate_version = true,
    after_long_help = "Exit status: 0 done (check: no errors; warnings allowed); 1 the plan has \
        errors, or a step, preflight or drift check failed; 2 unreadable input or bad usage; \
        4 a file could not be written (the previous file is left whole).\n\n\
        `byocni explain` lists the rules, `byocni explain RULE` explains one; \
        `byocni check --format sarif|github` reports for CI; `byocni schema` prints the plan \
        file's JSON Schema."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a starter plan (the seed example) to a file, or stdout with `-`.
    New {
        /// Where to write it.
        #[arg(default_value = "byocni.json")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a plan against every AKS BYO CNI rule and report capacity.
    Check {
        /// The plan file (`-` for stdin).
        plan: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// In a version 2 estate: check only this cluster (and the estate rules that involve it).
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
    },
    /// Fill what the plan leaves out with free ranges, and print the completed plan.
    Suggest {
        /// The plan file (`-` for stdin).
        plan: PathBuf,
        /// Write the completed plan here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Rewrite a version 1 plan as a version 2 estate of one cluster (its VNet, the cluster on
    /// the VNet's node subnet, the same ranges, pools, CNI and connected networks).
    Upgrade {
        /// The plan file (`-` for stdin).
        plan: PathBuf,
        /// Write the estate here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Render the plan as a script, a template or CNI values, or as what an architect hands
    /// over: the design document (design-md, design-html), the address map (map-svg), the
    /// ranges (ranges-csv).
    Export {
        /// The plan file (`-` for stdin).
        plan: PathBuf,
        /// What to render.
        #[arg(long, value_parser = export_format())]
        format: byocni_core::Format,
        /// Render even when check finds errors (the findings become comments). The design
        /// document, the map and the ranges render anyway: they show the findings.
        #[arg(long)]
        force: bool,
        /// Write here instead of stdout. A version 2 estate is several files: a directory, which
        /// gets one file per new cluster (and the shared network: `network.sh` with `--format
        /// bash`, `network.ps1` with `--format powershell`, `network.tf` with `--format terraform`,
        /// with `--format arm` or `bicep` a template per resource group and `network.deploy.sh`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// In a version 2 estate: export only this cluster.
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
    },
    /// Explain a rule by its id (`byocni explain pod-cidr-overlap`), or list all rules.
    Explain {
        /// A rule id; omit to list them all.
        rule: Option<String>,
    },
    /// Create the plan's resources with az: group, VNet, subnets, identity, role, cluster (of an
    /// estate: its new VNets and peerings, then each new cluster).
    Apply(ApplyArgs),
    /// Remove what `apply` created (never what the plan marks existing).
    Destroy(DestroyArgs),
    /// Install the plan's CNI and wait for the nodes to be Ready.
    Cni {
        #[command(subcommand)]
        command: CniCommand,
    },
    /// Show the cluster's network profile next to the plan and flag drift.
    Status(StatusArgs),
    /// Find the VNets and AKS clusters of your estate with Azure Resource Graph, list them, or
    /// merge the VNets' address spaces into the plan's connected networks.
    Discover(DiscoverArgs),
    /// Print the plan file's JSON Schema, for editors that validate and complete plan files
    /// (point a plan's "$schema" key at it).
    Schema,
    /// Print a shell completion script (`byocni completions bash > /etc/bash_completion.d/byocni`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page byocni(1), or write it and one page per subcommand into a directory.
    Man {
        /// Write byocni.1, byocni-check.1, ... here instead of printing byocni.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Readable text, coloured on a terminal (honours NO_COLOR).
    Text,
    /// Stable JSON for scripts and CI.
    Json,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// Readable text, coloured on a terminal (honours NO_COLOR).
    Text,
    /// Stable JSON for scripts and CI.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, GitLab, editors).
    Sarif,
    /// GitHub Actions workflow commands: an annotation on the plan file per finding.
    Github,
}

/// Parses `--format` of `export` with the core's own list of formats (one source of truth).
fn export_format() -> impl clap::builder::TypedValueParser<Value = byocni_core::Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(byocni_core::Format::ALL.map(byocni_core::Format::id))
        .map(|id| byocni_core::Format::from_id(&id).expect("only listed ids are accepted"))
}

/// Options shared by the commands that talk to Azure.
#[derive(Debug, Clone, Args)]
pub(crate) struct AzureArgs {
    /// Azure subscription (name or id); the az default when omitted.
    #[arg(long)]
    pub(crate) subscription: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ApplyArgs {
    /// The plan file.
    pub(crate) plan: PathBuf,
    /// In a version 2 estate: only this new cluster (its projection, its own VNet when new, no
    /// peerings; its own journal and kubeconfig beside the estate file). Without it apply does
    /// the whole estate: new VNets and peerings (both ways), then every new cluster in order.
    #[arg(long, value_name = "NAME")]
    pub(crate) cluster: Option<String>,
    /// Print the steps and the exact commands, marking what exists; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Do not install the CNI right after `az aks create` (the default installs it and waits
    /// for Ready nodes). AKS node auto-repair reboots nodes that stay NotReady for more than
    /// 5 minutes: install one at once yourself (`byocni cni install`).
    #[arg(long)]
    pub(crate) no_cni: bool,
    /// Accepted for older scripts: installing the CNI is the default now.
    #[arg(long, hide = true, conflicts_with = "no_cni")]
    pub(crate) cni: bool,
    /// The journal of this plan's run (default: PLAN.journal.json; required for a plan read
    /// from stdin; of a whole estate, the shared network's). A lock file next to it
    /// (JOURNAL.lock) keeps a second run out.
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    /// Kubeconfig file to write for the CNI install (default: next to the plan; written 0600).
    #[arg(long)]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// How long to wait for nodes to be Ready after the CNI install, in seconds.
    #[arg(long, default_value_t = 900)]
    pub(crate) timeout: u64,
    #[command(flatten)]
    pub(crate) azure: AzureArgs,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DestroyArgs {
    /// The plan file.
    pub(crate) plan: PathBuf,
    /// In a version 2 estate: only this new cluster (its own journal beside the estate file).
    /// Without it destroy does the whole estate: every new cluster in reverse, then the
    /// peerings, VNets and groups apply created; existing ones are never touched.
    #[arg(long, value_name = "NAME")]
    pub(crate) cluster: Option<String>,
    /// Print what would be removed; change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// The journal of this plan's run (default: PLAN.journal.json; required for a plan read
    /// from stdin). A lock file next to it (JOURNAL.lock) keeps a second run out.
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) azure: AzureArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CniCommand {
    /// Fetch credentials, install the plan's CNI and wait for every node to be Ready.
    Install {
        /// The plan file.
        plan: PathBuf,
        /// Kubeconfig file to write and use (default: next to the plan).
        #[arg(long)]
        kubeconfig: Option<PathBuf>,
        /// How long to wait for nodes to be Ready, in seconds.
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// Print the steps; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The journal of this plan's run (default: PLAN.journal.json; required for a plan
        /// read from stdin).
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// In a version 2 estate: the new cluster to install on (needed when the estate has
        /// more than one new cluster).
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
        #[command(flatten)]
        azure: AzureArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub(crate) struct StatusArgs {
    /// The plan file.
    pub(crate) plan: PathBuf,
    /// In a version 2 estate: only this new cluster. Without it status shows every new cluster
    /// and the state of every peering apply creates.
    #[arg(long, value_name = "NAME")]
    pub(crate) cluster: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) format: OutputFormat,
    /// Azure subscription (name or id).
    #[arg(long)]
    pub(crate) subscription: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DiscoverArgs {
    /// The plan to merge into; without it the address spaces are only listed.
    pub(crate) plan: Option<PathBuf>,
    /// Look in every subscription you can read in the current tenant (one Resource Graph query,
    /// paged), not only the current subscription.
    #[arg(long)]
    pub(crate) all_subscriptions: bool,
    /// Azure subscription (name or id) to look in instead of the current one.
    #[arg(long, conflicts_with = "all_subscriptions")]
    pub(crate) subscription: Option<String>,
    /// Write the merged plan here (default: print it).
    #[arg(short, long)]
    pub(crate) output: Option<PathBuf>,
}
