//! Running the PostgreSQL tools, and the last lines of what they (or the server log) said, for
//! error messages.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Output};

use super::setup_io;
use crate::error::Error;

pub(super) const TAIL_LINES: usize = 20;

pub(super) fn run(cmd: &mut Command, what: &str) -> Result<Output, Error> {
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

pub(super) fn output_tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    tail(&text, TAIL_LINES)
}

pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The last lines of a log that may have grown large over many runs.
pub(super) fn file_tail(path: &Path, lines: usize) -> String {
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
