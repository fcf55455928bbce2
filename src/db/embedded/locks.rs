//! Lock files. PostgreSQL's own (postmaster.pid, the socket's lock) are left behind by a server
//! that crashed or was killed, and are removed only once it is sure that no server of the
//! cluster runs any more; the server log's lock serialises starts of the same cluster.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tracing::warn;

use super::account::ServerUser;
use super::fsutil::remove_if_exists;
use super::{setup, setup_io, LocalPostgres, POLL, PORT};
use crate::error::Error;

/// How long backends orphaned by a killed postmaster get to notice and exit.
const ORPHAN_WAIT: Duration = Duration::from_secs(10);

impl LocalPostgres {
    /// Removes lock files left by a server that is gone (crash, kill -9, container restart):
    /// PostgreSQL itself refuses to start if the recorded PID now belongs to another process.
    pub(super) fn clear_stale_pid(&self) -> Result<(), Error> {
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
pub(super) fn parse_pid(contents: &str) -> Option<i32> {
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
pub(super) fn probe_process(pid: i32) -> (bool, Option<String>) {
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

/// Opens (creating it for the server account, which appends to it) and exclusively locks the
/// server log; the lock is released when the file is dropped.
pub(super) fn open_locked_log(log_file: &Path, user: &ServerUser) -> Result<File, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
