//! Who runs initdb, pg_ctl and the server. PostgreSQL refuses to run as root, so when Kyodo is
//! root they run as the `postgres` system account, which must be able to reach the cluster's
//! folders and own them.

use std::ffi::CString;
use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use super::fsutil::{metadata, set_mode};
use super::{setup, setup_io};
use crate::error::Error;

/// The system account the server runs as when Kyodo is root.
pub(super) const SERVER_ACCOUNT: &str = "postgres";

/// Who runs initdb, pg_ctl and the server: ourselves, or the `postgres` account when we are
/// root (`switch`).
#[derive(Debug, Clone, Copy)]
pub(super) struct ServerUser {
    pub(super) uid: u32,
    pub(super) gid: u32,
    pub(super) switch: bool,
}

impl ServerUser {
    pub(super) fn resolve() -> Result<ServerUser, Error> {
        // SAFETY: geteuid/getegid have no preconditions and cannot fail.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if euid != 0 {
            return Ok(ServerUser {
                uid: euid,
                gid: egid,
                switch: false,
            });
        }
        match lookup_user(SERVER_ACCOUNT) {
            Ok(Some((uid, gid))) => Ok(ServerUser {
                uid,
                gid,
                switch: true,
            }),
            Ok(None) => Err(setup(format!(
                "Kyodo runs as root and PostgreSQL refuses to, so it runs the server as the \
                 `{SERVER_ACCOUNT}` system user, which does not exist. Install PostgreSQL \
                 (Debian/Ubuntu: `apt-get install postgresql`, which creates it), create it \
                 (`useradd --system --home-dir /var/lib/postgresql {SERVER_ACCOUNT}`), run Kyodo \
                 as a normal user, or set DATABASE_URL to an existing server."
            ))),
            Err(e) => Err(setup_io(
                format!("cannot look up the `{SERVER_ACCOUNT}` user"),
                e,
            )),
        }
    }

    /// A command that runs as the server account, from `/` (it may not be able to enter our
    /// working folder, and the PostgreSQL tools resolve paths against it).
    pub(super) fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir("/");
        if self.switch {
            // std sets the gid first and, as we are root and pass no group list, clears the
            // supplementary groups (setgroups(0, NULL)) right before setuid, so no pre_exec
            // hook is needed (one would run after setuid, when setgroups is no longer allowed).
            cmd.gid(self.gid).uid(self.uid);
        }
        cmd
    }

    /// Hands `path` (and, with `recursive`, everything in it) to the server account.
    pub(super) fn own(&self, path: &Path, recursive: bool) -> Result<(), Error> {
        if !self.switch || metadata(path)?.uid() == self.uid {
            return Ok(());
        }
        let result = if recursive {
            lchown_tree(path, self.uid, self.gid)
        } else {
            std::os::unix::fs::lchown(path, Some(self.uid), Some(self.gid))
        };
        result.map_err(|e| {
            setup_io(
                format!("cannot hand {} to {SERVER_ACCOUNT}", path.display()),
                e,
            )
        })
    }

    /// Creates the missing folders of `dir`. As root, the ones we create are made searchable
    /// (0755, whatever the umask) so the server account can pass through them.
    pub(super) fn create_dirs(&self, dir: &Path) -> Result<(), Error> {
        let created = |e| setup_io(format!("cannot create {}", dir.display()), e);
        if !self.switch {
            return fs::create_dir_all(dir).map_err(created);
        }
        let missing: Vec<&Path> = dir.ancestors().take_while(|a| !a.exists()).collect();
        for folder in missing.into_iter().rev() {
            match DirBuilder::new().mode(0o755).create(folder) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(created(e)),
                _ => set_mode(folder, 0o755)?,
            }
        }
        Ok(())
    }

    /// Whether the server account can reach `dir`: every existing ancestor must let it search.
    /// Missing ones will be created searchable by `create_dirs`.
    pub(super) fn can_reach(&self, dir: &Path) -> bool {
        dir.ancestors().skip(1).all(|a| match fs::metadata(a) {
            Ok(m) => m.is_dir() && can_search(m.mode(), m.uid(), m.gid(), self.uid, self.gid),
            Err(_) => !a.exists(),
        })
    }
}

/// Unix permission check for "x" on a folder (first matching class wins; ACLs aside).
fn can_search(mode: u32, owner: u32, group: u32, uid: u32, gid: u32) -> bool {
    let bits = if owner == uid {
        mode >> 6
    } else if group == gid {
        mode >> 3
    } else {
        mode
    };
    bits & 0o1 != 0
}

fn lookup_user(name: &str) -> io::Result<Option<(u32, u32)>> {
    let name = CString::new(name)?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    loop {
        // SAFETY: an all-zero passwd (null pointers, zero ids) is a valid value to be filled in.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer refers to a live, correctly sized local; the strings pwd points
        // into live in `buf`, and we only read the numeric ids.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        match rc {
            libc::ERANGE if buf.len() < 1 << 20 => buf.resize(buf.len() * 2, 0),
            0 => return Ok((!found.is_null()).then_some((pwd.pw_uid, pwd.pw_gid))),
            _ => return Err(io::Error::from_raw_os_error(rc)),
        }
    }
}

fn lchown_tree(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))?;
    if fs::symlink_metadata(path)?.is_dir() {
        for entry in fs::read_dir(path)? {
            lchown_tree(&entry?.path(), uid, gid)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_search_permission() {
        // /root: 0700 root:root — closed to the postgres user (101:104).
        assert!(!can_search(0o700, 0, 0, 101, 104));
        assert!(can_search(0o755, 0, 0, 101, 104));
        assert!(can_search(0o710, 0, 104, 101, 104));
        // The owner class wins even when "other" could search.
        assert!(!can_search(0o601, 101, 0, 101, 104));
    }

    #[test]
    fn commands_for_the_server_drop_supplementary_groups() {
        let user = ServerUser::resolve().expect("server user");
        let out = user
            .command(Path::new("/usr/bin/id"))
            .arg("-G")
            .output()
            .expect("run id");
        let groups = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if user.switch {
            assert_eq!(groups, user.gid.to_string());
        }
    }
}
