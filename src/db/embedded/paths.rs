//! Where a cluster lives: its data folder (or, for root, a fallback the server account can
//! reach), its socket folder in /tmp, both made private to the server account, and the libpq
//! URL that points at the socket.

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tracing::warn;

use super::account::{ServerUser, SERVER_ACCOUNT};
use super::fsutil::{metadata, set_mode};
use super::{setup, setup_io, LocalPostgres};
use crate::error::Error;

/// Where clusters go when root asked for a folder the server account cannot enter.
const FALLBACK_ROOT: &str = "/var/lib/kyodo";

/// Socket folders live here: a short path keeps the socket under the ~100-byte limit.
const SOCKET_PARENT: &str = "/tmp";

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl LocalPostgres {
    /// PostgreSQL insists on owning its data folder and on it being private (0700 or 0750).
    pub(super) fn secure_data_dir(&self) -> Result<(), Error> {
        // A cluster made by a non-root run is handed over to the server account.
        self.user.own(&self.data_dir, true)?;
        let mode = metadata(&self.data_dir)?.mode() & 0o777;
        if mode != 0o700 && mode != 0o750 {
            set_mode(&self.data_dir, 0o700)?;
        }
        Ok(())
    }

    /// The socket folder must be a real folder owned by the server account and private.
    pub(super) fn prepare_socket_dir(&self) -> Result<(), Error> {
        let dir = &self.socket_dir;
        let problem = match fs::symlink_metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match DirBuilder::new().mode(0o700).create(dir) {
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                        return Err(setup_io(format!("cannot create {}", dir.display()), e));
                    }
                    _ => None,
                }
            }
            Err(e) => return Err(setup_io(format!("cannot inspect {}", dir.display()), e)),
            // Never follow a symlink planted in /tmp.
            Ok(meta) if !meta.is_dir() => Some("is not a folder"),
            Ok(meta) if meta.uid() != self.user.uid && !self.user.switch => {
                Some("belongs to another user")
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            return Err(setup(format!(
                "{} {problem}; remove it so that PostgreSQL can put its socket there",
                dir.display()
            )));
        }
        self.user.own(dir, false)?;
        set_mode(dir, 0o700)
    }
}

/// The requested folder, absolute and with symlinks resolved — or, when root asked for a place
/// the server account cannot reach (e.g. under /root, mode 0700), a folder of Kyodo's own in
/// /var/lib/kyodo: we do not loosen permissions on the user's folders.
pub(super) fn choose_data_dir(requested: &Path, user: &ServerUser) -> Result<PathBuf, Error> {
    let requested = canonical_path(requested)
        .map_err(|e| setup_io(format!("cannot resolve {}", requested.display()), e))?;
    if !user.switch || user.can_reach(&requested) {
        return Ok(requested);
    }
    let fallback = fallback_dir_for(&requested);
    warn!(
        "the `{SERVER_ACCOUNT}` user cannot reach {}; the PostgreSQL cluster lives in {} instead",
        requested.display(),
        fallback.display()
    );
    Ok(fallback)
}

fn fallback_dir_for(requested: &Path) -> PathBuf {
    Path::new(FALLBACK_ROOT)
        .join(format!("{:016x}", fnv1a(requested.as_os_str().as_bytes())))
        .join("postgres")
}

/// `/tmp/kyodo-pg-<hash of the data folder>`: short whatever the data folder's depth, and
/// one per cluster.
pub(super) fn socket_dir_for(data_dir: &Path) -> PathBuf {
    Path::new(SOCKET_PARENT).join(format!(
        "kyodo-pg-{:016x}",
        fnv1a(data_dir.as_os_str().as_bytes())
    ))
}

/// FNV-1a, 64 bits: stable across Rust versions and processes, unlike std's hashers' promises.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(super) fn libpq_url(socket_dir: &Path, port: u16, database: &str) -> String {
    let host = percent_encode(socket_dir.as_os_str().as_bytes(), URL_COMPONENT);
    let database = percent_encode(database.as_bytes(), URL_COMPONENT);
    format!("postgresql://postgres@localhost/{database}?host={host}&port={port}")
}

/// `path` made absolute with symlinks resolved, for the part of it that exists.
fn canonical_path(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = fs::canonicalize(existing)?;
    resolved.extend(rest.iter().rev());
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_percent_encodes_the_socket_folder() {
        assert_eq!(
            libpq_url(Path::new("/tmp/kyodo-pg-1a2b3c4d"), 5432, "kyodo"),
            "postgresql://postgres@localhost/kyodo?host=%2Ftmp%2Fkyodo-pg-1a2b3c4d&port=5432"
        );
        assert_eq!(
            libpq_url(Path::new("/tmp/a b&c"), 5432, "my db"),
            "postgresql://postgres@localhost/my%20db?host=%2Ftmp%2Fa%20b%26c&port=5432"
        );
    }

    #[test]
    fn socket_folder_stays_short_for_deep_clusters() {
        let deep = PathBuf::from("/").join("very-long-folder-name/".repeat(40));
        let dir = socket_dir_for(&deep);
        let socket = dir.join(".s.PGSQL.5432.lock");
        assert!(socket.as_os_str().len() < 100, "{}", socket.display());
        assert!(dir.starts_with("/tmp"));
        assert_ne!(dir, socket_dir_for(&deep.join("other")));
    }

    #[test]
    fn hashes_are_deterministic() {
        // Published FNV-1a 64-bit test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        let requested = Path::new("/root/kyodo/data/postgres");
        assert_eq!(fallback_dir_for(requested), fallback_dir_for(requested));
        assert_eq!(
            fallback_dir_for(requested)
                .to_str()
                .unwrap()
                .strip_prefix("/var/lib/kyodo/")
                .unwrap()
                .len(),
            16 + "/postgres".len()
        );
    }
}
