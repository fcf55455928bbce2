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
//!
//! The parts: `binaries` finds the server's programs, `account` is who runs them, `paths` where
//! the cluster and its socket live, `initdb` makes a new cluster, `locks` clears the lock files
//! of a server that is gone, `server` starts, reuses and stops it; `command` and `fsutil` are
//! the steps they share.

mod account;
mod binaries;
mod command;
mod fsutil;
mod initdb;
mod locks;
mod paths;
#[cfg(test)]
mod scratch;
mod server;

use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::Error;
use account::ServerUser;
use binaries::{cluster_version, find_bin_dir};
use command::output_tail;
use locks::open_locked_log;
use paths::{choose_data_dir, libpq_url, socket_dir_for};
use server::Status;

/// Every cluster has its own socket folder, so they can all use the default port.
const PORT: u16 = 5432;

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);

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
}

/// Runs PostgreSQL's client `program` (pg_dump, pg_restore …) with `args`, as `kyodo backup` and
/// `kyodo restore` do; a failure says what it printed last.
pub fn run_client(program: &str, args: &[&std::ffi::OsStr]) -> Result<(), Error> {
    let path = binaries::find_program(program)?;
    let out = command::run(Command::new(&path).args(args), program)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(setup(format!(
            "{program} failed ({}):\n{}",
            out.status,
            output_tail(&out)
        )))
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
    use locks::{parse_pid, probe_process};
    use scratch::Scratch;
    use std::fs;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::net::UnixStream;
    use std::thread::sleep;
    use std::time::Instant;

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
