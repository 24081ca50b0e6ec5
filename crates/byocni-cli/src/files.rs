//! Every file the CLI reads or writes goes through here: plan reading (capped, with escaped
//! parse errors), atomic writes (a temporary file in the same directory, fsync, rename), the
//! paths that live next to a plan (journal, lock, kubeconfig), the exclusive run lock and the
//! private temporary directory. `commands` and `provision` both use it; it uses neither.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use byocni_core::cni_values::MeshValues;
use byocni_core::estate::PlanFile;
use byocni_core::Plan;

/// The largest plan byocni reads: 256 MiB (a million connected networks take about 60 MiB).
pub(crate) const PLAN_CAP: u64 = 256 * 1024 * 1024;

/// An error that means the input could not be read: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadInput(pub(crate) String);

/// A file could not be written; the previous file (if any) is whole: exit code 4.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}; {kept}")]
pub(crate) struct WriteFailed {
    path: String,
    source: std::io::Error,
    kept: &'static str,
}

/// Another run holds the lock: exit code 1 (the run did not start).
#[derive(Debug, thiserror::Error)]
#[error("another byocni run is using {journal}: {holder}. Wait for it to finish (the lock {lock} is released when it exits, even if it crashes), then run this command again")]
pub(crate) struct Locked {
    journal: String,
    lock: String,
    holder: String,
}

/// Text with control characters shown as escapes (`\u{1b}`), so that a hostile plan cannot
/// drive the terminal through an error message.
pub(crate) fn escape_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads at most [`PLAN_CAP`] bytes from `r`; `None` when there is more.
fn read_capped(r: impl Read) -> std::io::Result<Option<String>> {
    let mut bytes = Vec::new();
    r.take(PLAN_CAP + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > PLAN_CAP {
        return Ok(None);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Reads a plan's text (`-` for stdin) and the name to show for it. Every failure is
/// [`BadInput`].
pub(crate) fn read_plan_text(path: &Path) -> anyhow::Result<(String, String)> {
    let too_big = |name: &str| {
        BadInput(format!(
            "{name} is larger than {} MiB, the most byocni reads; is it really a plan file?",
            PLAN_CAP / (1024 * 1024)
        ))
    };
    if path == Path::new("-") {
        let name = "<stdin>".to_owned();
        return match read_capped(std::io::stdin().lock()) {
            Ok(Some(text)) => Ok((text, name)),
            Ok(None) => Err(too_big(&name).into()),
            Err(e) => Err(BadInput(format!("cannot read the plan from stdin: {e}")).into()),
        };
    }
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| {
        BadInput(format!(
            "cannot read plan file {}: {e}{}",
            escape_control(&name),
            if e.kind() == std::io::ErrorKind::NotFound {
                " (create one with `byocni new`)"
            } else {
                ""
            }
        ))
    };
    let file = File::open(path).map_err(cannot)?;
    match read_capped(file) {
        Ok(Some(text)) => Ok((text, name)),
        Ok(None) => Err(too_big(&escape_control(&name)).into()),
        Err(e) => Err(cannot(e).into()),
    }
}

/// Reads and parses a plan file (`-` for stdin). Every failure is [`BadInput`]; parse errors
/// show control characters escaped.
pub(crate) fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    read_plan_source(path).map(|(plan, _)| plan)
}

/// A plan's text as read, and the file it came from (`None` for stdin).
pub(crate) struct PlanSource {
    pub(crate) text: String,
    pub(crate) file: Option<PathBuf>,
}

impl PlanSource {
    /// The text, when the plan came from a file: what findings are placed in.
    pub(crate) fn file_text(&self) -> Option<&str> {
        self.file.as_ref().map(|_| self.text.as_str())
    }

    /// The file's name as the user wrote it, for annotations and SARIF.
    pub(crate) fn file_name(&self) -> Option<String> {
        self.file.as_ref().map(|p| p.display().to_string())
    }
}

/// [`read_plan`], keeping the text (to place findings in it).
pub(crate) fn read_plan_source(path: &Path) -> anyhow::Result<(Plan, PlanSource)> {
    let (text, name) = read_plan_text(path)?;
    let plan =
        Plan::from_json(&text).map_err(|e| BadInput(escape_control(&format!("{name}: {e}"))))?;
    let file = (path != Path::new("-")).then(|| path.to_path_buf());
    Ok((plan, PlanSource { text, file }))
}

/// [`read_plan_source`] for a plan file of either version: a v1 plan or a v2 estate.
pub(crate) fn read_plan_file_source(path: &Path) -> anyhow::Result<(PlanFile, PlanSource)> {
    let (text, name) = read_plan_text(path)?;
    let plan = PlanFile::from_json(&text)
        .map_err(|e| BadInput(escape_control(&format!("{name}: {e}"))))?;
    let file = (path != Path::new("-")).then(|| path.to_path_buf());
    Ok((plan, PlanSource { text, file }))
}

/// The plan `apply`, `destroy` and `status` work on, and the suffix its journal and kubeconfig
/// carry: a v1 plan as it is (`""`); for a v2 estate, the new cluster `--cluster` names (or the
/// only new one) as its projection, with `.NAME` (`estate.json.blue.journal.json`); `checked`
/// (apply) refuses it when the estate has errors that involve it. A meshed Cilium cluster comes
/// with its mesh identity, for the Cilium values apply installs.
pub(crate) fn read_cluster_plan(
    path: &Path,
    cluster: Option<&str>,
    checked: bool,
) -> anyhow::Result<(Plan, String, Option<MeshValues>)> {
    read_cluster_target(path, cluster, checked).map(|(p, s, m, _)| (p, s, m))
}

/// A cluster of a plan file, as [`read_cluster_plan`] reads it, with the estate it belongs to
/// and its position there (`None` for a v1 plan).
pub(crate) type ClusterTarget = (
    Plan,
    String,
    Option<MeshValues>,
    Option<(byocni_core::estate::Estate, usize)>,
);

/// [`read_cluster_plan`], keeping the estate (apply places the cluster on its estate VNet).
pub(crate) fn read_cluster_target(
    path: &Path,
    cluster: Option<&str>,
    checked: bool,
) -> anyhow::Result<ClusterTarget> {
    use byocni_core::render::estate::{cluster_plan, EstateRenderError};
    let (file, _) = read_plan_file_source(path)?;
    let estate = match file {
        PlanFile::V1(plan) if cluster.is_none() => return Ok((plan, String::new(), None, None)),
        PlanFile::V1(_) => {
            return Err(BadInput(
                "--cluster picks a cluster of a version 2 estate; this plan has one cluster".into(),
            )
            .into())
        }
        PlanFile::V2(e) => e,
    };
    let new: Vec<usize> = (0..estate.clusters.len())
        .filter(|&i| !estate.clusters[i].existing)
        .collect();
    let names = |ix: &[usize]| {
        ix.iter()
            .map(|&i| escape_control(&estate.clusters[i].name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let i = match cluster {
        Some(name) => estate.cluster_index(name).ok_or_else(|| {
            BadInput(format!(
                "--cluster {}: the estate has no such cluster; its new clusters are {}",
                escape_control(name),
                names(&new)
            ))
        })?,
        None => match new[..] {
            [one] => one,
            _ => {
                return Err(BadInput(format!(
                    "{} is an estate: name the cluster with --cluster NAME (its new clusters: {})",
                    escape_control(&path.display().to_string()),
                    names(&new)
                ))
                .into())
            }
        },
    };
    match cluster_plan(&estate, i, checked) {
        Ok(plan) => {
            let stem: String = estate.clusters[i]
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            // A meshed Cilium cluster's values carry its mesh identity.
            let c = &estate.clusters[i];
            let mesh = c
                .cluster_mesh
                .filter(|_| estate.plugin_of(i) == byocni_core::plan::CniPlugin::Cilium)
                .map(|m| MeshValues {
                    name: c.name.clone(),
                    id: m.id.unwrap_or(0),
                    max_connected_clusters: estate.max_connected_clusters(),
                });
            Ok((plan, format!(".{stem}"), mesh, Some((estate, i))))
        }
        Err(EstateRenderError::Findings(findings)) => {
            let mut err = anstream::stderr();
            for f in &findings {
                crate::output::finding(&mut err, f, None)?;
            }
            Err(BadInput(format!(
                "cluster `{}` of {} has {} error(s); fix them first (byocni check {} --cluster {})",
                escape_control(&estate.clusters[i].name),
                escape_control(&path.display().to_string()),
                findings.len(),
                escape_control(&path.display().to_string()),
                escape_control(&estate.clusters[i].name)
            ))
            .into())
        }
        Err(e) => Err(BadInput(escape_control(&e.to_string())).into()),
    }
}

/// The journal of a plan (`PLAN.journal.json`), or of one cluster of an estate
/// (`PLAN.NAME.journal.json`, `suffix` `.NAME`).
pub(crate) fn cluster_journal_path(
    plan: &Path,
    suffix: &str,
    explicit: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if suffix.is_empty() || explicit.is_some() {
        return journal_path(plan, explicit);
    }
    journal_path(plan, None).map(|_| beside(plan, &format!("{suffix}.journal.json")))
}

/// The permissions a written file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Like a new file (0666 less the umask), or the previous file's mode when it exists.
    Normal,
    /// Executable (0777 less the umask), for scripts.
    Executable,
    /// Owner only (0600): kubeconfigs.
    Private,
}

/// Writes a file atomically: a temporary file in the same directory, written by `fill`,
/// fsynced, then renamed over `path`. On any failure the previous file is left whole and the
/// temporary file removed; the error is [`WriteFailed`].
pub(crate) fn write_atomic(
    path: &Path,
    mode: Mode,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let fail = |source: std::io::Error| -> anyhow::Error {
        WriteFailed {
            path: path.display().to_string(),
            source,
            kept: if path.exists() {
                "the previous file is left as it was"
            } else {
                "nothing was written"
            },
        }
        .into()
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "byocni".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = match mode {
            Mode::Private => 0o600,
            Mode::Executable => 0o777,
            Mode::Normal => std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode()),
        };
        builder.permissions(std::fs::Permissions::from_mode(bits));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(&dir).map_err(fail)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(fail)?;
        w.flush().map_err(fail)?;
    }
    #[cfg(unix)]
    if mode == Mode::Private {
        // The umask may have taken bits away, never added any: make it exactly 0600.
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    // The rename is durable once the directory is synced (best effort: not every filesystem
    // lets a directory be opened).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// [`write_atomic`] for text already in memory.
pub(crate) fn write_text(path: &Path, text: &str, mode: Mode) -> anyhow::Result<()> {
    write_atomic(path, mode, |w| w.write_all(text.as_bytes()))
}

/// The default path of a file that lives next to the plan (journal, kubeconfig).
pub(crate) fn beside(plan: &Path, suffix: &str) -> PathBuf {
    let mut s = plan.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The journal of a run: `--journal` when given, else `PLAN.journal.json`. A plan read from
/// stdin has no place of its own, so it needs `--journal`.
pub(crate) fn journal_path(plan: &Path, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(p) => Ok(p.to_path_buf()),
        None if plan == Path::new("-") => Err(BadInput(
            "a plan read from stdin needs --journal FILE: the journal records what this plan created, and plans from stdin would otherwise share one".into(),
        )
        .into()),
        None => Ok(beside(plan, ".journal.json")),
    }
}

/// The lock file of a journal.
pub(crate) fn lock_path(journal: &Path) -> PathBuf {
    beside(journal, ".lock")
}

/// An exclusive OS lock (`flock`) on the file next to a journal, held until dropped; the OS
/// releases it when the process exits or crashes.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

/// Takes the run lock of `journal`, or says who holds it ([`Locked`]).
pub(crate) fn lock(journal: &Path, what: &str) -> anyhow::Result<RunLock> {
    use anyhow::Context;
    let path = lock_path(journal);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(Locked {
                journal: journal.display().to_string(),
                lock: path.display().to_string(),
                holder: if holder.is_empty() {
                    "a run that is just starting".to_owned()
                } else {
                    escape_control(holder)
                },
            }
            .into());
        }
        Err(fs4::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    file.set_len(0)?;
    write!(
        file,
        "held by process {} (`byocni {what}`, started at Unix time {since})",
        std::process::id()
    )?;
    file.flush()?;
    Ok(RunLock { _file: file })
}

/// A fresh private directory (0700) for temporary files, removed when dropped.
pub(crate) fn private_dir() -> anyhow::Result<tempfile::TempDir> {
    use anyhow::Context;
    let mut b = tempfile::Builder::new();
    b.prefix("byocni-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    b.tempdir()
        .context("cannot create a private temporary directory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\n");
        assert_eq!(escape_control("plain – text"), "plain – text");
        assert_eq!(escape_control("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn atomic_write_replaces_or_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        write_text(&p, "one", Mode::Normal).unwrap();
        let err = write_atomic(&p, Mode::Normal, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("left as it was"), "{err}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "one");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
