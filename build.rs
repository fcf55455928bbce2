//! Names the git commit the binary is built from, for the `kyodo_build_info` metric. A build
//! outside a checkout (a Docker build without `.git`) may set `KYODO_GIT_COMMIT` itself.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=KYODO_GIT_COMMIT");
    if std::env::var_os("KYODO_GIT_COMMIT").is_some() {
        return;
    }
    // Built again when HEAD moves: to another branch, or a commit on the branch.
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for watched in ["HEAD"].into_iter().chain(branch.as_deref()) {
        if let Some(path) = git(&["rev-parse", "--git-path", watched]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    if let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) {
        println!("cargo:rustc-env=KYODO_GIT_COMMIT={commit}");
    }
}
