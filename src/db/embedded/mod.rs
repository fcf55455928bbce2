//! Kyodo's private PostgreSQL cluster.
//!
//! Without `DATABASE_URL`, Kyodo should still run out of the box on a machine that merely has
//! the PostgreSQL server package installed: this module initialises a cluster in a folder of
//! its own, starts it on a Unix socket only (no TCP port, so clusters never collide and nothing
//! is exposed on the network), and hands out libpq URLs for it. The server outlives the process
//! that started it; the next start reuses it, and a crashed one is recovered from.
//!
//! PostgreSQL refuses to run as root, so when Kyodo is root the server runs as the `postgres`
//! system user, in a folder that user can reach.

use std::ffi::CString;
use std::fmt::Display;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tracing::{info, warn};

use crate::error::Error;

/// Every cluster has its own socket folder, so they can all use the default port.
const PORT: u16 = 5432;
/// The system account the server runs as when Kyodo is root.
const SERVER_ACCOUNT: &str = "postgres";
/// Where clusters go when root asked for a folder the server account cannot enter.
const FALLBACK_ROOT: &str = "/var/lib/kyodo";
/// Socket folders live here: a short path keeps the socket under the ~100-byte limit.
const SOCKET_PARENT: &str = "/tmp";
const SOCKET_WAIT: Duration = Duration::from_secs(30);
/// How long backends orphaned by a killed postmaster get to notice and exit.
const ORPHAN_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
const TAIL_LINES: usize = 20;
/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A private PostgreSQL cluster that Kyodo started (or found running) in a folder of its own.
#[derive(Debug)]
pub struct LocalPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    user: ServerUser,
    /// Whether this process started the server (rather than finding it running).
    started_here: bool,
    /// Held while this process owns the cluster (see [`LocalPostgres::claim`]).
    owner_lock: Option<File>,
}

impl LocalPostgres {
    /// Finds the server binaries, runs initdb into `cluster_dir` on first use, clears a stale
    /// postmaster.pid, starts the server on a Unix socket (no TCP) and waits until it accepts
    /// connections. If a server is already running on that cluster_dir (started by an earlier
    /// process, e.g. a previous test run), it is reused.
    pub fn start(cluster_dir: &Path) -> Result<LocalPostgres, Error> {
        let user = ServerUser::resolve()?;
        let data_dir = choose_data_dir(cluster_dir, &user)?;
        let bin_dir = find_bin_dir(&data_dir)?;
        let parent = data_dir
            .parent()
            .ok_or_else(|| setup(format!("{} cannot hold a cluster", data_dir.display())))?;
        user.create_dirs(parent)?;
        let log_file = parent.join("postgres.log");
        // Serialises concurrent starts (other threads or processes) of the same cluster.
        let _lock = open_locked_log(&log_file, &user)?;

        let mut pg = LocalPostgres {
            socket_dir: socket_dir_for(&data_dir),
            bin_dir,
            data_dir,
            log_file,
            user,
            started_here: false,
            owner_lock: None,
        };
        pg.ensure_initdb()?;
        pg.secure_data_dir()?;
        pg.prepare_socket_dir()?;
        pg.clear_stale_pid()?;
        match pg.status()? {
            Status::Running => pg.reuse()?,
            Status::Stopped => {
                pg.launch()?;
                pg.started_here = true;
            }
            Status::NoDataDir => {
                return Err(setup(format!(
                    "{} is not a usable PostgreSQL data folder",
                    pg.data_dir.display()
                )))
            }
        }
        Ok(pg)
    }

    /// A libpq URL for `database` on this cluster, e.g.
    /// `postgresql://postgres@localhost/kyodo?host=%2Ftmp%2Fkyodo-pg-1a2b3c4d&port=5432`
    /// (the host query parameter is the socket directory, percent-encoded). User: `postgres`,
    /// trust auth on the socket.
    pub fn url(&self, database: &str) -> String {
        libpq_url(&self.socket_dir, PORT, database)
    }

    /// The folder holding the server binaries (pgbench, psql, pg_ctl …), for benchmarks.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// Makes this process the cluster's owner, as `kyodo serve` is: the owner stops the server
    /// on exit even when it found it running (a `kyodo serve` killed with -9 leaves PostgreSQL
    /// behind, and the next one must not leave it running for ever). One owner at a time: a
    /// lock on `kyodo.lock` beside the data folder, which the kernel releases however the owner
    /// ends. `false` when another process owns it; this one then stays a guest.
    pub fn claim(&mut self) -> Result<bool, Error> {
        let path = self
            .data_dir
            .parent()
            .map(|parent| parent.join("kyodo.lock"))
            .ok_or_else(|| setup(format!("{} has no parent folder", self.data_dir.display())))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| setup_io(path.display(), e))?;
        // SAFETY: flock(2) on a descriptor this File owns.
        let locked = unsafe {
            libc::flock(
                std::os::fd::AsRawFd::as_raw_fd(&file),
                libc::LOCK_EX | libc::LOCK_NB,
            )
        } == 0;
        if locked {
            self.owner_lock = Some(file);
        }
        Ok(locked)
    }

    /// Whether this process stops the server on exit: it started it, or it owns the cluster. A
    /// server found running (say, under a `kyodo serve` while `kyodo create-admin` runs beside
    /// it) is left running by its guest.
    pub fn stops_on_exit(&self) -> bool {
        self.started_here || self.owner_lock.is_some()
    }

    /// The cluster's data folder actually used (may differ from the requested one, see root rule).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops the server cleanly (`pg_ctl stop -m fast`, waiting). Idempotent.
    pub fn stop(&self) -> Result<(), Error> {
        // Never let pg_ctl signal a process that merely inherited a dead server's PID.
        self.clear_stale_pid()?;
        if self.status()? != Status::Running {
            return Ok(());
        }
        let out = run(
            self.pg_ctl().args(["-m", "fast", "-w", "-t", "60", "stop"]),
            "pg_ctl stop",
        )?;
        if out.status.success() || self.status()? != Status::Running {
            info!("stopped PostgreSQL at {}", self.socket_dir.display());
            return Ok(());
        }
        Err(setup(format!(
            "could not stop PostgreSQL in {}:\n{}",
            self.data_dir.display(),
            output_tail(&out)
        )))
    }

    fn socket_file(&self) -> PathBuf {
        self.socket_dir.join(format!(".s.PGSQL.{PORT}"))
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = self.user.command(&self.bin_dir.join("pg_ctl"));
        cmd.arg("-D").arg(&self.data_dir);
        cmd
    }

    fn version(&self) -> String {
        cluster_version(&self.data_dir).unwrap_or_default()
    }

    /// Runs initdb unless the folder already holds a cluster. A missing folder is initialised
    /// next to it and renamed into place, so `PG_VERSION` only ever appears in a complete
    /// cluster, even if Kyodo is killed half-way. An existing empty folder (maybe a mount point,
    /// which cannot be replaced) is initialised in place.
    fn ensure_initdb(&self) -> Result<(), Error> {
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
        let mut transcript = String::new();
        // C.UTF-8 sorts and classifies Japanese text sensibly; plain C is the fallback for
        // systems without that locale.
        for locale in ["C.UTF-8", "C"] {
            self.empty_owned_dir(&target)?;
            let out = run(
                self.user
                    .command(&self.bin_dir.join("initdb"))
                    .arg("-D")
                    .arg(&target)
                    .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
                    .arg(format!("--locale={locale}")),
                "initdb",
            )?;
            transcript.push_str(&String::from_utf8_lossy(&out.stdout));
            transcript.push_str(&String::from_utf8_lossy(&out.stderr));
            if out.status.success() {
                let _ = fs::write(&initdb_log, &transcript);
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
                return Ok(());
            }
        }
        let _ = fs::write(&initdb_log, &transcript);
        if in_place {
            let _ = clear_dir(&target);
        } else {
            let _ = fs::remove_dir_all(&target);
        }
        Err(setup(format!(
            "initdb failed for {} (full output in {}):\n{}",
            self.data_dir.display(),
            initdb_log.display(),
            tail(&transcript, TAIL_LINES)
        )))
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

    /// PostgreSQL insists on owning its data folder and on it being private (0700 or 0750).
    fn secure_data_dir(&self) -> Result<(), Error> {
        // A cluster made by a non-root run is handed over to the server account.
        self.user.own(&self.data_dir, true)?;
        let mode = metadata(&self.data_dir)?.mode() & 0o777;
        if mode != 0o700 && mode != 0o750 {
            set_mode(&self.data_dir, 0o700)?;
        }
        Ok(())
    }

    /// The socket folder must be a real folder owned by the server account and private.
    fn prepare_socket_dir(&self) -> Result<(), Error> {
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

    /// Removes lock files left by a server that is gone (crash, kill -9, container restart):
    /// PostgreSQL itself refuses to start if the recorded PID now belongs to another process.
    fn clear_stale_pid(&self) -> Result<(), Error> {
        let pid_file = self.data_dir.join("postmaster.pid");
        if let Some(pid) = stale_lock_pid(&pid_file)? {
            self.wait_for_orphans()?;
            warn!(
                "removing stale {} (PID {} is not a running PostgreSQL server)",
                pid_file.display(),
                pid.map_or_else(|| "?".to_owned(), |p| p.to_string())
            );
            remove_if_exists(&pid_file)?;
        }
        let socket_lock = self.socket_dir.join(format!(".s.PGSQL.{PORT}.lock"));
        if stale_lock_pid(&socket_lock)?.is_some() {
            remove_if_exists(&socket_lock)?;
            remove_if_exists(&self.socket_file())?;
        }
        Ok(())
    }

    /// Backends of a killed postmaster keep running until they notice; starting a new server
    /// beside them (after its lock file is removed) could corrupt the data, so wait for them.
    fn wait_for_orphans(&self) -> Result<(), Error> {
        let data_dir = fs::canonicalize(&self.data_dir).unwrap_or_else(|_| self.data_dir.clone());
        let deadline = Instant::now() + ORPHAN_WAIT;
        loop {
            let pids = server_pids_in(&data_dir);
            if pids.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(setup(format!(
                    "PostgreSQL processes {pids:?} of a crashed server still run in {}; \
                     stop them (kill {}) and start Kyodo again",
                    data_dir.display(),
                    pids.iter()
                        .map(i32::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
            }
            sleep(POLL);
        }
    }

    fn status(&self) -> Result<Status, Error> {
        let out = run(self.pg_ctl().arg("status"), "pg_ctl status")?;
        match out.status.code() {
            Some(0) => Ok(Status::Running),
            Some(3) => Ok(Status::Stopped),
            Some(4) => Ok(Status::NoDataDir),
            _ => Err(setup(format!(
                "pg_ctl status failed for {}:\n{}",
                self.data_dir.display(),
                output_tail(&out)
            ))),
        }
    }

    /// A server started earlier is reused once its socket answers (it may still be recovering).
    fn reuse(&self) -> Result<(), Error> {
        if wait_for_socket(&self.socket_file(), SOCKET_WAIT) {
            info!(
                "reusing PostgreSQL {} already running at {}",
                self.version(),
                self.socket_dir.display()
            );
            return Ok(());
        }
        Err(setup(format!(
            "a PostgreSQL server runs on {} but does not answer on {}; stop it \
             (`{} -D {} stop`) and start Kyodo again",
            self.data_dir.display(),
            self.socket_file().display(),
            self.bin_dir.join("pg_ctl").display(),
            self.data_dir.display()
        )))
    }

    fn launch(&self) -> Result<(), Error> {
        let out = run(
            self.pg_ctl()
                .arg("-l")
                .arg(&self.log_file)
                .args(["-w", "-t", "60", "start", "-o"])
                .arg(self.server_options()),
            "pg_ctl start",
        )?;
        if !out.status.success() {
            return Err(self.start_failure(&output_tail(&out)));
        }
        // pg_ctl -w trusts postmaster.pid; the socket is what Kyodo actually needs.
        if !wait_for_socket(&self.socket_file(), SOCKET_WAIT) {
            return Err(self.start_failure(&format!(
                "{} did not accept connections within {} s",
                self.socket_file().display(),
                SOCKET_WAIT.as_secs()
            )));
        }
        info!(
            "started PostgreSQL {} at {} (data in {}, log in {})",
            self.version(),
            self.socket_dir.display(),
            self.data_dir.display(),
            self.log_file.display()
        );
        Ok(())
    }

    fn start_failure(&self, what: &str) -> Error {
        setup(format!(
            "PostgreSQL did not start: {}\nlast lines of {}:\n{}",
            what.trim(),
            self.log_file.display(),
            file_tail(&self.log_file, TAIL_LINES)
        ))
    }

    /// The postgres command-line options, quoted for the shell pg_ctl runs them through.
    fn server_options(&self) -> String {
        let mut settings = vec![
            "listen_addresses=".to_owned(),
            format!("unix_socket_directories={}", self.socket_dir.display()),
            "max_connections=200".to_owned(),
            "shared_buffers=128MB".to_owned(),
        ];
        // Only for throw-away test clusters: a crash can lose data.
        if std::env::var("KYODO_PG_FAST").is_ok_and(|v| v == "1") {
            settings.push("fsync=off".to_owned());
        }
        let mut args = vec!["-p".to_owned(), PORT.to_string()];
        for setting in settings {
            args.push("-c".to_owned());
            args.push(setting);
        }
        args.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Running,
    Stopped,
    NoDataDir,
}

/// Who runs initdb, pg_ctl and the server: ourselves, or the `postgres` account when we are
/// root (`switch`).
#[derive(Debug, Clone, Copy)]
struct ServerUser {
    uid: u32,
    gid: u32,
    switch: bool,
}

impl ServerUser {
    fn resolve() -> Result<ServerUser, Error> {
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
    fn command(&self, program: &Path) -> Command {
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
    fn own(&self, path: &Path, recursive: bool) -> Result<(), Error> {
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
    fn create_dirs(&self, dir: &Path) -> Result<(), Error> {
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
    fn can_reach(&self, dir: &Path) -> bool {
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

/// The requested folder, absolute and with symlinks resolved — or, when root asked for a place
/// the server account cannot reach (e.g. under /root, mode 0700), a folder of Kyodo's own in
/// /var/lib/kyodo: we do not loosen permissions on the user's folders.
fn choose_data_dir(requested: &Path, user: &ServerUser) -> Result<PathBuf, Error> {
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
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    Path::new(SOCKET_PARENT).join(format!(
        "kyodo-pg-{:016x}",
        fnv1a(data_dir.as_os_str().as_bytes())
    ))
}

/// Where a missing data folder is initialised before it is renamed into place.
fn staging_dir_for(data_dir: &Path) -> PathBuf {
    let name = data_dir.file_name().unwrap_or_default().to_string_lossy();
    data_dir.with_file_name(format!(".{name}.initdb"))
}

/// FNV-1a, 64 bits: stable across Rust versions and processes, unlike std's hashers' promises.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn libpq_url(socket_dir: &Path, port: u16, database: &str) -> String {
    let host = percent_encode(socket_dir.as_os_str().as_bytes(), URL_COMPONENT);
    let database = percent_encode(database.as_bytes(), URL_COMPONENT);
    format!("postgresql://postgres@localhost/{database}?host={host}&port={port}")
}

/// The major version that made the cluster in `data_dir` ("15"), if there is one.
fn cluster_version(data_dir: &Path) -> Option<String> {
    let version = fs::read_to_string(data_dir.join("PG_VERSION")).ok()?;
    Some(version.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The server binaries' folder: what `pg_config` reports, else the newest Debian-style
/// `/usr/lib/postgresql/<version>/bin`, else the PATH. An existing cluster in `data_dir` needs
/// the major version that made it, which Debian keeps installed beside newer ones after an
/// upgrade.
fn find_bin_dir(data_dir: &Path) -> Result<PathBuf, Error> {
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
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    std::env::split_paths(&path)
        .filter(|dir| dir.join("pg_ctl").is_file())
        .flat_map(|dir| {
            let real = fs::canonicalize(dir.join("pg_ctl"))
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            real.into_iter().chain([dir])
        })
        .collect()
}

/// The PID a lock file (postmaster.pid, .s.PGSQL.5432.lock) records, if the file exists and
/// is stale: `Some(None)` for a stale file without a readable PID.
fn stale_lock_pid(lock_file: &Path) -> Result<Option<Option<i32>>, Error> {
    let contents = match fs::read(lock_file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(setup_io(format!("cannot read {}", lock_file.display()), e)),
    };
    let pid = parse_pid(&contents);
    let (alive, comm) = pid.map_or((false, None), probe_process);
    Ok(lock_is_stale(pid, alive, comm.as_deref()).then_some(pid))
}

/// The PID on the first line of a PostgreSQL lock file.
fn parse_pid(contents: &str) -> Option<i32> {
    let pid: i32 = contents.lines().next()?.trim().parse().ok()?;
    (pid > 0).then_some(pid)
}

/// Whether a lock file naming `pid` is stale. `alive`: the process exists and is not a zombie;
/// `comm`: its command name, when readable. Doubt keeps the file: removing the lock of a live
/// server would let a second one corrupt the data.
fn lock_is_stale(pid: Option<i32>, alive: bool, comm: Option<&str>) -> bool {
    match (pid, alive, comm) {
        // Empty or garbled: a server that died while writing it.
        (None, _, _) => true,
        (Some(_), false, _) => true,
        (Some(_), true, None) => false,
        // A live process that is not PostgreSQL got the PID after a reboot or container restart.
        (Some(_), true, Some(comm)) => !is_server_comm(comm),
    }
}

fn is_server_comm(comm: &str) -> bool {
    matches!(comm.trim(), "postgres" | "postmaster")
}

/// (alive, command name) of `pid`, from /proc. Zombies count as dead: a killed postmaster
/// whose parent never reaps it stays a zombie, but it is gone as a server.
fn probe_process(pid: i32) -> (bool, Option<String>) {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => parse_proc_stat(&stat).map_or((true, None), |(comm, state)| {
            (!matches!(state, 'Z' | 'X'), Some(comm))
        }),
        // Gone, or hidden from us (hidepid, no /proc): all we can tell is whether it exists.
        // SAFETY: signal 0 only checks for existence and permission; pid > 0 (parse_pid).
        Err(_) => (
            unsafe { libc::kill(pid, 0) } == 0
                || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM),
            None,
        ),
    }
}

/// `/proc/<pid>/stat` is "pid (comm) state …"; comm may itself contain spaces and parentheses.
fn parse_proc_stat(stat: &str) -> Option<(String, char)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_owned();
    let state = stat.get(close + 1..)?.trim_start().chars().next()?;
    Some((comm, state))
}

/// Live PostgreSQL processes whose working folder is `data_dir` (servers chdir into it).
fn server_pids_in(data_dir: &Path) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| {
            let (alive, comm) = probe_process(pid);
            alive
                && comm.as_deref().is_some_and(is_server_comm)
                && fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == data_dir)
        })
        .collect()
}

fn wait_for_socket(socket: &Path, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        // A connection that sends nothing is dropped by the server without a log line.
        if UnixStream::connect(socket).is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        sleep(POLL);
    }
}

/// Opens (creating it for the server account, which appends to it) and exclusively locks the
/// server log; the lock is released when the file is dropped.
fn open_locked_log(log_file: &Path, user: &ServerUser) -> Result<File, Error> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(log_file)
        .map_err(|e| setup_io(format!("cannot open {}", log_file.display()), e))?;
    user.own(log_file, false)?;
    file.lock()
        .map_err(|e| setup_io(format!("cannot lock {}", log_file.display()), e))?;
    Ok(file)
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

fn remove_if_exists(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(setup_io(format!("cannot remove {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

fn metadata(path: &Path) -> Result<fs::Metadata, Error> {
    fs::metadata(path).map_err(|e| setup_io(format!("cannot inspect {}", path.display()), e))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| setup_io(format!("cannot set permissions of {}", path.display()), e))
}

/// Single-quotes `arg` for /bin/sh.
fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

fn run(cmd: &mut Command, what: &str) -> Result<Output, Error> {
    cmd.output().map_err(|e| {
        setup_io(
            format!(
                "cannot run {what} ({})",
                cmd.get_program().to_string_lossy()
            ),
            e,
        )
    })
}

fn output_tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    tail(&text, TAIL_LINES)
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The last lines of a log that may have grown large over many runs.
fn file_tail(path: &Path, lines: usize) -> String {
    let read = || -> io::Result<String> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    match read() {
        Ok(text) => tail(&text, lines),
        Err(e) => format!("(cannot read it: {e})"),
    }
}

fn setup(message: impl Into<String>) -> Error {
    Error::Setup(message.into())
}

fn setup_io(context: impl Display, err: impl Display) -> Error {
    Error::Setup(format!("{context}: {err}"))
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
    fn stale_lock_decision() {
        assert!(lock_is_stale(None, false, None), "unreadable PID");
        assert!(
            lock_is_stale(Some(42), false, None),
            "dead (or zombie) process"
        );
        assert!(
            lock_is_stale(Some(42), true, Some("bash")),
            "PID reused by another program"
        );
        assert!(!lock_is_stale(Some(42), true, Some("postgres")));
        assert!(!lock_is_stale(Some(42), true, Some("postmaster\n")));
        assert!(
            !lock_is_stale(Some(42), true, None),
            "alive, unknown: keep it"
        );
    }

    #[test]
    fn lock_file_and_proc_parsing() {
        assert_eq!(
            parse_pid("12345\n/var/lib/pg\n1700000000\n5432\n"),
            Some(12345)
        );
        assert_eq!(parse_pid(""), None);
        assert_eq!(parse_pid("garbage"), None);
        assert_eq!(parse_pid("-1\n"), None);
        assert_eq!(
            parse_proc_stat("123 (postgres) S 1 123 123 0"),
            Some(("postgres".to_owned(), 'S'))
        );
        assert_eq!(
            parse_proc_stat("7 (a) b (c)) Z 1 2"),
            Some(("a) b (c)".to_owned(), 'Z'))
        );
        let (alive, comm) = probe_process(std::process::id() as i32);
        assert!(alive);
        assert!(comm.is_some());
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
    fn versions_sort_numerically() {
        assert_eq!(version_key("15"), Some(vec![15]));
        assert_eq!(version_key("9.6"), Some(vec![9, 6]));
        assert_eq!(version_key("common"), None);
        assert!(version_key("10") > version_key("9.6"));
    }

    #[test]
    fn server_options_are_shell_quoted() {
        assert_eq!(shell_quote("listen_addresses="), "'listen_addresses='");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
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

    /// A scratch folder under /tmp that the postgres user can enter. On drop, a server left
    /// running in it by a failed test is stopped, and the folder and its socket folder removed.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(purpose: &str) -> Scratch {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let dir = PathBuf::from(format!(
                "/tmp/kyodo-test-{purpose}-{}-{nanos}",
                std::process::id()
            ));
            fs::create_dir(&dir).unwrap();
            set_mode(&dir, 0o755).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let cluster = self.0.join("pg");
            if cluster.join("postmaster.pid").exists() {
                if let (Ok(user), Ok(bin_dir)) = (ServerUser::resolve(), find_bin_dir(&cluster)) {
                    let _ = user
                        .command(&bin_dir.join("pg_ctl"))
                        .arg("-D")
                        .arg(&cluster)
                        .args(["-m", "immediate", "stop"])
                        .output();
                }
            }
            let _ = fs::remove_dir_all(socket_dir_for(&cluster));
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn postmaster_pid(data_dir: &Path) -> i32 {
        let contents = fs::read_to_string(data_dir.join("postmaster.pid")).expect("postmaster.pid");
        parse_pid(&contents).expect("pid")
    }

    fn psql(pg: &LocalPostgres, sql: &str) -> String {
        let out = Command::new(pg.bin_dir().join("psql"))
            .arg(pg.url("postgres"))
            .args(["-X", "-Atc", sql])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql failed: {}", output_tail(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    #[test]
    fn starts_restarts_and_recovers_from_a_crash() {
        let scratch = Scratch::new("cluster");
        let cluster = scratch.0.join("pg");

        let pg = LocalPostgres::start(&cluster).expect("first start");
        assert_eq!(pg.data_dir(), cluster, "/tmp is reachable: no fallback");
        assert!(UnixStream::connect(pg.socket_file()).is_ok());
        assert_eq!(psql(&pg, "select 1"), "1");
        assert_eq!(psql(&pg, "show listen_addresses"), "", "no TCP");
        let version_file = cluster.join("PG_VERSION");
        let initdb_stamp = fs::metadata(&version_file).unwrap();

        // Crash: the postmaster dies without cleaning up its lock files.
        let pid = postmaster_pid(&cluster);
        // SAFETY: plain kill(2) of the server we started.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while probe_process(pid).0 {
            assert!(Instant::now() < deadline, "postmaster {pid} did not die");
            sleep(POLL);
        }
        assert!(
            cluster.join("postmaster.pid").exists(),
            "stale pid file left behind"
        );

        let pg = LocalPostgres::start(&cluster).expect("start after crash");
        assert_ne!(postmaster_pid(&cluster), pid);
        assert_eq!(psql(&pg, "select 1"), "1");

        // Reuse of a running server, then a clean stop (twice: idempotent).
        let again = LocalPostgres::start(&cluster).expect("reuse running server");
        assert_eq!(psql(&again, "select 2"), "2");
        pg.stop().expect("stop");
        pg.stop().expect("second stop is a no-op");
        assert!(!cluster.join("postmaster.pid").exists());

        // A stopped cluster is started again without a second initdb.
        let pg = LocalPostgres::start(&cluster).expect("restart");
        assert_eq!(psql(&pg, "select 1"), "1");
        let stamp = fs::metadata(&version_file).unwrap();
        assert_eq!(stamp.ino(), initdb_stamp.ino());
        assert_eq!(stamp.mtime(), initdb_stamp.mtime());
        pg.stop().expect("stop before the PID-reuse check");

        // After a reboot or container restart, the recorded PID may belong to another program.
        let mut impostor = Command::new("sleep")
            .arg("60")
            .spawn()
            .expect("spawn sleep");
        fs::write(
            cluster.join("postmaster.pid"),
            format!("{}\n{}\n", impostor.id(), cluster.display()),
        )
        .unwrap();
        fs::write(
            pg.socket_dir.join(".s.PGSQL.5432.lock"),
            format!("{}\n", impostor.id()),
        )
        .unwrap();
        let pg = LocalPostgres::start(&cluster);
        let _ = impostor.kill();
        let _ = impostor.wait();
        let pg = pg.expect("start over a reused PID");
        assert_eq!(psql(&pg, "select 1"), "1");
        pg.stop().expect("final stop");
    }
}
