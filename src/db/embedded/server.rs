//! Running the server with pg_ctl: whether it runs, starting it on the Unix socket only (and
//! waiting until that socket answers), reusing one that runs already, stopping it.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tracing::info;

use super::command::{file_tail, output_tail, run, TAIL_LINES};
use super::{setup, LocalPostgres, POLL, PORT};
use crate::error::Error;

/// How long a server started (or found running) gets to answer on its socket.
const SOCKET_WAIT: Duration = Duration::from_secs(30);

impl LocalPostgres {
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

    pub(super) fn status(&self) -> Result<Status, Error> {
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
    pub(super) fn reuse(&self) -> Result<(), Error> {
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

    pub(super) fn launch(&self) -> Result<(), Error> {
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
pub(super) enum Status {
    Running,
    Stopped,
    NoDataDir,
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

/// Single-quotes `arg` for /bin/sh.
fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_options_are_shell_quoted() {
        assert_eq!(shell_quote("listen_addresses="), "'listen_addresses='");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
