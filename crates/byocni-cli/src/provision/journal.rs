//! The journal next to the plan (`PLAN.journal.json`): each step's outcome and published values,
//! so that a re-run resumes where a failure stopped it and `destroy` removes only what `apply`
//! created.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Outcome {
    /// byocni created it.
    Created,
    /// It existed already, as the plan wants it.
    Existed,
    /// Its command failed.
    Failed,
}

/// One step's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    pub(crate) outcome: Outcome,
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
    pub(crate) steps: BTreeMap<String, Entry>,
    #[serde(skip)]
    path: PathBuf,
}

impl Journal {
    /// Where it is written.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Loads a journal, or an empty one when the file does not exist.
    pub(crate) fn load(path: &Path) -> anyhow::Result<Journal> {
        let path = path.to_path_buf();
        let mut j: Journal = match std::fs::read_to_string(&path) {
            Ok(t) => serde_json::from_str(&t).with_context(|| {
                format!(
                    "{} is not a byocni journal; move it away to start afresh",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Journal::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        j.path = path;
        Ok(j)
    }

    /// Records an outcome and writes the journal at once (a crash must not lose it).
    pub(crate) fn record(&mut self, id: &str, entry: Entry) -> anyhow::Result<()> {
        self.steps.insert(id.to_owned(), entry);
        self.save()
    }

    /// Forgets a step (destroyed).
    pub(crate) fn forget(&mut self, id: &str) -> anyhow::Result<()> {
        self.steps.remove(id);
        self.save()
    }

    fn save(&self) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        crate::files::write_text(&self.path, &text, crate::files::Mode::Normal)
    }

    /// Whether apply created this step's resource.
    pub(crate) fn created(&self, id: &str) -> bool {
        self.steps
            .get(id)
            .is_some_and(|e| e.outcome == Outcome::Created)
    }
}
