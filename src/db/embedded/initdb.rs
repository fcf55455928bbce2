//! A new cluster: initdb into a folder of its own, made so that a cluster is only ever found
//! complete, even when Kyodo is killed half-way.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use tracing::info;

use super::command::{run, tail, TAIL_LINES};
use super::fsutil::set_mode;
use super::{setup, setup_io, LocalPostgres};
use crate::error::Error;

impl LocalPostgres {
    /// Runs initdb unless the folder already holds a cluster. A missing folder is initialised
    /// next to it and renamed into place, so `PG_VERSION` only ever appears in a complete
    /// cluster, even if Kyodo is killed half-way. An existing empty folder (maybe a mount point,
    /// which cannot be replaced) is initialised in place.
    pub(super) fn ensure_initdb(&self) -> Result<(), Error> {
        if self.data_dir.join("PG_VERSION").is_file() {
            return Ok(());
        }
        let in_place = self.data_dir.is_dir();
        if in_place && !dir_is_empty(&self.data_dir)? {
            return Err(setup(format!(
                "{} is not empty but holds no PostgreSQL cluster (no PG_VERSION); Kyodo will not \
                 touch it. Remove it or choose another data folder.",
                self.data_dir.display()
            )));
        }
        let target = if in_place {
            self.data_dir.clone()
        } else {
            staging_dir_for(&self.data_dir)
        };
        let parent = self.log_file.parent().unwrap_or(Path::new("/"));
        let initdb_log = parent.join("postgres-initdb.log");
        let (locale, transcript) = self.initdb(&target)?;
        let _ = fs::write(&initdb_log, &transcript);
        let Some(locale) = locale else {
            if in_place {
                let _ = clear_dir(&target);
            } else {
                let _ = fs::remove_dir_all(&target);
            }
            return Err(setup(format!(
                "initdb failed for {} (full output in {}):\n{}",
                self.data_dir.display(),
                initdb_log.display(),
                tail(&transcript, TAIL_LINES)
            )));
        };
        if !in_place {
            fs::rename(&target, &self.data_dir).map_err(|e| {
                setup_io(
                    format!("cannot move the new cluster to {}", self.data_dir.display()),
                    e,
                )
            })?;
        }
        info!(
            "PostgreSQL cluster initialised in {} (locale {locale})",
            self.data_dir.display()
        );
        Ok(())
    }

    /// Runs initdb into `target`, emptied before each try, with the first locale that works:
    /// C.UTF-8 sorts and classifies Japanese text sensibly; plain C is the fallback for systems
    /// without that locale. Returns that locale (`None` when neither worked) and all that
    /// initdb printed.
    fn initdb(&self, target: &Path) -> Result<(Option<&'static str>, String), Error> {
        let mut transcript = String::new();
        for locale in ["C.UTF-8", "C"] {
            self.empty_owned_dir(target)?;
            let out = run(
                self.user
                    .command(&self.bin_dir.join("initdb"))
                    .arg("-D")
                    .arg(target)
                    .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
                    .arg(format!("--locale={locale}")),
                "initdb",
            )?;
            transcript.push_str(&String::from_utf8_lossy(&out.stdout));
            transcript.push_str(&String::from_utf8_lossy(&out.stderr));
            if out.status.success() {
                return Ok((Some(locale), transcript));
            }
        }
        Ok((None, transcript))
    }

    /// An empty folder owned by the server account, mode 0700, ready for initdb.
    fn empty_owned_dir(&self, dir: &Path) -> Result<(), Error> {
        let prepared = match fs::symlink_metadata(dir) {
            Ok(meta) if meta.is_dir() => clear_dir(dir),
            // A symlink (or file) where our staging folder goes: remove it, never follow it.
            Ok(_) => fs::remove_file(dir).and_then(|()| DirBuilder::new().mode(0o700).create(dir)),
            Err(_) => DirBuilder::new().mode(0o700).create(dir),
        };
        prepared.map_err(|e| setup_io(format!("cannot prepare {}", dir.display()), e))?;
        self.user.own(dir, false)?;
        set_mode(dir, 0o700)
    }
}

/// Where a missing data folder is initialised before it is renamed into place.
fn staging_dir_for(data_dir: &Path) -> PathBuf {
    let name = data_dir.file_name().unwrap_or_default().to_string_lossy();
    data_dir.with_file_name(format!(".{name}.initdb"))
}

fn dir_is_empty(dir: &Path) -> Result<bool, Error> {
    let mut entries =
        fs::read_dir(dir).map_err(|e| setup_io(format!("cannot read {}", dir.display()), e))?;
    Ok(entries.next().is_none())
}

fn clear_dir(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if fs::symlink_metadata(&path)?.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}
