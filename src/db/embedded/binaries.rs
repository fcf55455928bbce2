//! Finding the PostgreSQL server binaries: pg_config, Debian's versioned folders, the PATH; for
//! an existing cluster, the major version that made it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::setup;
use crate::error::Error;

/// The major version that made the cluster in `data_dir` ("15"), if there is one.
pub(super) fn cluster_version(data_dir: &Path) -> Option<String> {
    let version = fs::read_to_string(data_dir.join("PG_VERSION")).ok()?;
    Some(version.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The server binaries' folder: what `pg_config` reports, else the newest Debian-style
/// `/usr/lib/postgresql/<version>/bin`, else the PATH. An existing cluster in `data_dir` needs
/// the major version that made it, which Debian keeps installed beside newer ones after an
/// upgrade.
pub(super) fn find_bin_dir(data_dir: &Path) -> Result<PathBuf, Error> {
    let cluster_version = cluster_version(data_dir);
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in pg_config_bindir()
        .into_iter()
        .chain(debian_bin_dirs())
        .chain(path_bin_dirs())
    {
        if !candidates.contains(&dir) {
            candidates.push(dir);
        }
    }
    let usable: Vec<&PathBuf> = candidates
        .iter()
        .filter(|dir| has_server_binaries(dir))
        .collect();
    let chosen = match cluster_version.as_deref() {
        None => usable.first(),
        Some(version) => usable
            .iter()
            .find(|dir| server_major(dir).as_deref() == Some(version)),
    };
    match (chosen, cluster_version) {
        (Some(dir), _) => Ok(dir.to_path_buf()),
        (None, Some(version)) if !usable.is_empty() => {
            Err(wrong_version(data_dir, &version, &usable))
        }
        (None, _) => Err(setup(format!(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found (looked in {}). \
             Install them (Debian/Ubuntu: `apt-get install postgresql`) or set DATABASE_URL to \
             an existing server.",
            if candidates.is_empty() {
                "pg_config, /usr/lib/postgresql/*/bin, PATH".to_owned()
            } else {
                candidates
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))),
    }
}

/// A PostgreSQL client program (`pg_dump`, `pg_restore`) from the same places as the server
/// binaries; a machine with only the client package (a container beside its database server)
/// has it too. The first found is the newest (pg_config's, then Debian's newest version), which
/// matters: pg_dump refuses a server newer than itself.
pub(super) fn find_program(program: &str) -> Result<PathBuf, Error> {
    let candidates: Vec<PathBuf> = pg_config_bindir()
        .into_iter()
        .chain(debian_bin_dirs())
        .chain(path_bin_dirs_with(program))
        .collect();
    candidates
        .iter()
        .find(|dir| dir.join(program).is_file())
        .map(|dir| dir.join(program))
        .ok_or_else(|| {
            setup(format!(
                "{program} (PostgreSQL's client programs) not found in pg_config's folder,                  /usr/lib/postgresql/*/bin or the PATH. Install them (Debian/Ubuntu: `apt-get \
                 install postgresql-client`)."
            ))
        })
}

fn wrong_version(data_dir: &Path, version: &str, found: &[&PathBuf]) -> Error {
    let found: Vec<String> = found
        .iter()
        .map(|dir| {
            let major = server_major(dir).unwrap_or_else(|| "?".to_owned());
            format!("{major} in {}", dir.display())
        })
        .collect();
    setup(format!(
        "the PostgreSQL cluster in {} was made by PostgreSQL {version}, but the server \
         binaries found are PostgreSQL {}. Install PostgreSQL {version}'s server (Debian/Ubuntu: \
         `apt-get install postgresql-{version}`) or upgrade the cluster with pg_upgrade.",
        data_dir.display(),
        found.join(", ")
    ))
}

/// The major version of the server in `bin_dir`: "postgres (PostgreSQL) 15.18 (Debian …)" →
/// "15"; before version 10 the major version had two parts ("9.6.24" → "9.6").
fn server_major(bin_dir: &Path) -> Option<String> {
    let out = Command::new(bin_dir.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    major_version(&String::from_utf8_lossy(&out.stdout))
}

fn major_version(version_output: &str) -> Option<String> {
    let version = version_output.split_whitespace().nth(2)?;
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first >= 10 {
        Some(first.to_string())
    } else {
        Some(format!("{first}.{}", parts.next()?.parse::<u32>().ok()?))
    }
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

fn pg_config_bindir() -> Option<PathBuf> {
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !dir.trim().is_empty()).then(|| PathBuf::from(dir.trim()))
}

/// `/usr/lib/postgresql/*/bin`, newest version first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir("/usr/lib/postgresql") else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let version = version_key(e.file_name().to_str()?)?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// "15" → [15], "9.6" → [9, 6]; anything else is not a version folder.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// PATH folders with a `pg_ctl`, resolved through symlinks (e.g. /usr/local/bin/pg_ctl →
/// /usr/lib/postgresql/15/bin) so that psql and pgbench sit beside it too.
fn path_bin_dirs() -> Vec<PathBuf> {
    path_bin_dirs_with("pg_ctl")
}

/// PATH folders with `program`, each preceded by the folder its symlink resolves to.
fn path_bin_dirs_with(program: &str) -> Vec<PathBuf> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    std::env::split_paths(&path)
        .filter(|dir| dir.join(program).is_file())
        .flat_map(|dir| {
            let real = fs::canonicalize(dir.join(program))
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            real.into_iter().chain([dir])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::embedded::scratch::Scratch;

    #[test]
    fn server_major_versions() {
        let debian = "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n";
        assert_eq!(major_version(debian).as_deref(), Some("15"));
        assert_eq!(
            major_version("postgres (PostgreSQL) 17beta1").as_deref(),
            Some("17")
        );
        assert_eq!(
            major_version("postgres (PostgreSQL) 9.6.24").as_deref(),
            Some("9.6")
        );
        assert_eq!(major_version(""), None);
    }

    #[test]
    fn an_old_cluster_needs_its_own_server_version() {
        let scratch = Scratch::new("versions");
        let current = find_bin_dir(&scratch.0).expect("server binaries");
        let major = server_major(&current).expect("server version");
        fs::write(scratch.0.join("PG_VERSION"), format!("{major}\n")).unwrap();
        assert_eq!(find_bin_dir(&scratch.0).unwrap(), current);
        fs::write(scratch.0.join("PG_VERSION"), "9.4\n").unwrap();
        let Err(Error::Setup(message)) = find_bin_dir(&scratch.0) else {
            panic!("PostgreSQL 9.4 is not installed here");
        };
        assert!(
            message.contains("apt-get install postgresql-9.4"),
            "{message}"
        );
    }

    #[test]
    fn client_programs_are_found_or_named() {
        assert!(find_program("pg_dump").expect("pg_dump").is_file());
        let Err(Error::Setup(message)) = find_program("pg_nothing") else {
            panic!("there is no pg_nothing");
        };
        assert!(
            message.contains("apt-get install postgresql-client"),
            "{message}"
        );
    }

    #[test]
    fn versions_sort_numerically() {
        assert_eq!(version_key("15"), Some(vec![15]));
        assert_eq!(version_key("9.6"), Some(vec![9, 6]));
        assert_eq!(version_key("common"), None);
        assert!(version_key("10") > version_key("9.6"));
    }
}
