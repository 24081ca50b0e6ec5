//! The journal of a plan's runs (`PLAN.journal.json`, or `--journal`): which plan it belongs to
//! (the plan id), each step's outcome with the full Azure id of its resource, and the values
//! steps published. A re-run resumes from it; `destroy` removes only what it says apply
//! created. It is written atomically after every change, and a step is recorded as `started`
//! before its create command runs, so that a kill at any moment leaves a journal that tells
//! what may exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The journal format this byocni writes.
const VERSION: u32 = 2;

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Outcome {
    /// Its create command was started; it may or may not have reached Azure.
    Started,
    /// byocni created it.
    Created,
    /// It existed already, as the plan wants it: not byocni's to delete.
    Existed,
    /// Its create command failed (Azure may still have accepted it).
    Failed,
}

impl Outcome {
    /// Whether a create was attempted and its result is unknown: the resource is adopted on
    /// resume only when it carries this plan's tag.
    pub(crate) fn in_flight(self) -> bool {
        matches!(self, Outcome::Started | Outcome::Failed)
    }
}

/// One step's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    pub(crate) outcome: Outcome,
    /// The resource's full Azure id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) outputs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// The journal file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Journal {
    #[serde(default)]
    pub(crate) version: u32,
    /// The id of the plan whose resources it records (`byocni-plan` tag).
    #[serde(default)]
    pub(crate) plan_id: String,
    #[serde(default)]
    pub(crate) steps: BTreeMap<String, Entry>,
    #[serde(skip)]
    path: PathBuf,
}

impl Journal {
    /// Where it is written.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the journal of plan `plan_id`, or starts an empty one when the file does not
    /// exist. A journal of another plan, or of an older byocni that did not say which plan it
    /// records, is refused: reusing it could delete what this plan never created.
    pub(crate) fn load(path: &Path, plan_id: &str) -> anyhow::Result<Journal> {
        let mut j: Journal = match std::fs::read_to_string(path) {
            Ok(t) => serde_json::from_str(&t).with_context(|| {
                format!(
                    "{} is not a byocni journal; move it away to start afresh",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Journal {
                version: VERSION,
                plan_id: plan_id.to_owned(),
                ..Journal::default()
            },
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if j.plan_id.is_empty() && !j.steps.is_empty() {
            bail!(
                "{} does not say which plan it records (an older byocni wrote it), so byocni cannot tell which resources are this plan's. Remove the resources it lists by hand or with the byocni that wrote it, then move the journal away",
                path.display()
            );
        }
        if !j.plan_id.is_empty() && j.plan_id != plan_id {
            bail!(
                "{} is the journal of plan `{}`, not of this plan (`{plan_id}`, from its cluster and resource group names): the names in the plan changed, or the journal belongs to another plan file. It is not reused. To keep both, give this plan its own journal with --journal FILE; if the old plan's resources are gone, move {} away",
                path.display(),
                crate::files::escape_control(&j.plan_id),
                path.display()
            );
        }
        j.plan_id = plan_id.to_owned();
        j.version = VERSION;
        j.path = path.to_path_buf();
        Ok(j)
    }

    /// Records an outcome and writes the journal at once (a crash must not lose it).
    pub(crate) fn record(&mut self, id: &str, entry: Entry) -> anyhow::Result<()> {
        self.steps.insert(id.to_owned(), entry);
        self.save()
    }

    /// Forgets a step (destroyed, or found gone).
    pub(crate) fn forget(&mut self, id: &str) -> anyhow::Result<()> {
        if self.steps.remove(id).is_some() {
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        crate::files::write_text(&self.path, &text, crate::files::Mode::Normal)
    }

    /// A step's record.
    pub(crate) fn get(&self, id: &str) -> Option<&Entry> {
        self.steps.get(id)
    }
}
