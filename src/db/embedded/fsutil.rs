//! File-system steps whose failures become setup errors that name the path.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::setup_io;
use crate::error::Error;

pub(super) fn remove_if_exists(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(setup_io(format!("cannot remove {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

pub(super) fn metadata(path: &Path) -> Result<fs::Metadata, Error> {
    fs::metadata(path).map_err(|e| setup_io(format!("cannot inspect {}", path.display()), e))
}

pub(super) fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| setup_io(format!("cannot set permissions of {}", path.display()), e))
}
