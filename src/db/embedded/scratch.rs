//! The folder a unit test starts a cluster in.

use std::fs;
use std::path::PathBuf;

use super::account::ServerUser;
use super::binaries::find_bin_dir;
use super::fsutil::set_mode;
use super::paths::socket_dir_for;
use crate::clock::Clock;

/// A scratch folder under /tmp that the postgres user can enter. On drop, a server left
/// running in it by a failed test is stopped, and the folder and its socket folder removed.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(purpose: &str) -> Scratch {
        // The wall clock only makes the name unique across runs.
        let nanos = Clock::system().now().timestamp_subsec_nanos();
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
