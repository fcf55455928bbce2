//! `kyodo backup FILE` and `kyodo restore FILE` (バックアップと復元): the whole of what Kyodo
//! keeps, in one file a city's IT department can store and schedule.
//!
//! The file is a tar archive of `manifest.json` (Kyodo version, schema version, time, what it
//! holds), `database.dump` (pg_dump's custom format of the database Kyodo uses, the private
//! cluster or `DATABASE_URL`) and the folders of the data folder Kyodo writes files to
//! ([`FILE_FOLDERS`]). Attachments are rows of the `attachments` table, so the dump holds them.
//! The PostgreSQL client programs are those the private cluster finds (pg_config, Debian's
//! versioned folders, the PATH); the archive is written by the system's `tar`.

use crate::db::{self, embedded, Database};
use crate::error::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the manifest's `format` says; a restore refuses any other.
pub const FORMAT: &str = "kyodo-backup/1";
const MANIFEST: &str = "manifest.json";
const DUMP: &str = "database.dump";
/// Folders of the data folder whose files Kyodo writes (emails written while no SMTP server is
/// configured). The private cluster (`postgres/`) is in the dump instead, as data, not files.
pub const FILE_FOLDERS: &[&str] = &["mail"];

/// The first file of a backup: what made it and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub kyodo_version: String,
    /// The newest migration applied to the database when it was dumped.
    pub schema_version: String,
    pub created_at: DateTime<Utc>,
    pub database: String,
    /// The files beside the database, relative to the data folder.
    pub files: Vec<String>,
}

impl Manifest {
    /// Whether this Kyodo can restore the backup: its own format, and a schema it knows (an
    /// older one is migrated by the next `kyodo serve`; a newer one needs a newer Kyodo).
    pub fn check(&self, newest_known: &str) -> Result<()> {
        if self.format != FORMAT {
            return Err(Error::Setup(format!(
                "not a Kyodo backup this version reads (format {:?}, expected {FORMAT:?})",
                self.format
            )));
        }
        if self.schema_version.as_str() > newest_known {
            return Err(Error::Setup(format!(
                "this backup was made by Kyodo {} with database schema {}, newer than this Kyodo \
                 knows ({newest_known}); restore it with Kyodo {} or later",
                self.kyodo_version, self.schema_version, self.kyodo_version
            )));
        }
        Ok(())
    }
}

/// The newest migration this binary holds, as `__diesel_schema_migrations` records it.
pub fn newest_migration() -> Result<String> {
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&db::MIGRATIONS)
        .map_err(|e| Error::Internal(format!("reading the embedded migrations: {e}")))?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
        .unwrap_or_default())
}

/// Writes the backup of the database (`database_url`, or the private cluster in `data_dir`)
/// and of the files in `data_dir` to `file`; returns its manifest. The file appears only when
/// complete (written beside it, then renamed).
pub fn backup(database_url: Option<&str>, data_dir: &Path, file: &Path) -> Result<Manifest> {
    if database_url.is_none() && !data_dir.join("postgres").exists() {
        return Err(Error::Setup(format!(
            "nothing to back up: {} holds no Kyodo database (and DATABASE_URL is not set)",
            data_dir.display()
        )));
    }
    let staging = Staging::beside(file)?;
    let database = Database::open(database_url, data_dir)?;
    let dumped = dump(&database.url, &staging.0);
    database.close();
    let schema_version = dumped?;
    let files = files_in(data_dir)?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        kyodo_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        created_at: Utc::now(),
        database: format!("{DUMP}: pg_dump --format=custom (attachments included)"),
        files: files.clone(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
    fs::write(staging.0.join(MANIFEST), json).map_err(|e| io(&staging.0, e))?;
    let partial = with_suffix(file, ".partial");
    let mut tar = Command::new("tar");
    tar.arg("-cf")
        .arg(&partial)
        .arg("-C")
        .arg(&staging.0)
        .args([MANIFEST, DUMP]);
    if !files.is_empty() {
        tar.arg("-C").arg(data_dir).arg("--").args(&files);
    }
    run_tar(&mut tar)?;
    fs::rename(&partial, file).map_err(|e| io(file, e))?;
    Ok(manifest)
}

/// Restores `file` into the EMPTY data folder `data_dir`: a new private cluster there (or the
/// empty database in `database_url`) receives the dump, and the files go back where they were.
/// Refuses a folder that holds anything: a restore never overwrites or mixes with data.
pub fn restore(database_url: Option<&str>, data_dir: &Path, file: &Path) -> Result<Manifest> {
    if !is_empty_dir(data_dir)? {
        return Err(Error::Setup(format!(
            "{} is not empty: kyodo restore only restores into an empty data folder, so that \
             nothing in it is overwritten or mixed with the backup. Move it away (or set \
             KYODO_DATA_DIR to a new folder) and run the restore again.",
            data_dir.display()
        )));
    }
    if !file.is_file() {
        return Err(Error::Setup(format!(
            "{}: no such backup file",
            file.display()
        )));
    }
    fs::create_dir_all(data_dir).map_err(|e| io(data_dir, e))?;
    let staging = Staging(data_dir.join(".restore"));
    fs::create_dir(&staging.0).map_err(|e| io(&staging.0, e))?;
    let mut tar = Command::new("tar");
    tar.arg("-xf").arg(file).arg("-C").arg(&staging.0);
    run_tar(&mut tar)?;
    let manifest: Manifest = fs::read(staging.0.join(MANIFEST))
        .map_err(|e| io(&staging.0.join(MANIFEST), e))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|e| Error::Setup(format!("{}: unreadable manifest: {e}", file.display())))
        })?;
    manifest.check(&newest_migration()?)?;
    let database = Database::open(database_url, data_dir)?;
    let restored = load(&database.url, &staging.0.join(DUMP));
    database.close();
    restored.map_err(|e| {
        Error::Setup(format!(
            "{e}\nThe restore is incomplete: empty {} (and the database) before trying again.",
            data_dir.display()
        ))
    })?;
    for folder in FILE_FOLDERS {
        let from = staging.0.join(folder);
        if from.exists() {
            let to = data_dir.join(folder);
            fs::rename(&from, &to).map_err(|e| io(&to, e))?;
        }
    }
    Ok(manifest)
}

/// pg_dump of `url` into `dir`; returns the schema version it holds.
fn dump(url: &str, dir: &Path) -> Result<String> {
    let mut conn = PgConnection::establish(url)?;
    let version: Option<String> = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
    >(
        "(SELECT max(version) FROM __diesel_schema_migrations)",
    ))
    .get_result(&mut conn)
    .map_err(|e| Error::Setup(format!("the database has no Kyodo schema to back up: {e}")))?;
    let out = dir.join(DUMP);
    embedded::run_client(
        "pg_dump",
        &[
            OsStr::new("--format=custom"),
            OsStr::new("--file"),
            out.as_os_str(),
            OsStr::new("--dbname"),
            OsStr::new(url),
        ],
    )?;
    Ok(version.unwrap_or_default())
}

/// pg_restore of `dump` into the empty database `url`, in one transaction.
fn load(url: &str, dump: &Path) -> Result<()> {
    let mut conn = PgConnection::establish(url)?;
    let tables: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')",
    ))
    .get_result(&mut conn)?;
    if tables > 0 {
        return Err(Error::Setup(format!(
            "the database already has {tables} tables: kyodo restore only restores into an \
             empty database"
        )));
    }
    embedded::run_client(
        "pg_restore",
        &[
            OsStr::new("--exit-on-error"),
            OsStr::new("--single-transaction"),
            OsStr::new("--no-owner"),
            OsStr::new("--no-privileges"),
            OsStr::new("--dbname"),
            OsStr::new(url),
            dump.as_os_str(),
        ],
    )
}

/// The files under [`FILE_FOLDERS`] of `data_dir`, relative to it, sorted.
fn files_in(data_dir: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for folder in FILE_FOLDERS {
        collect(data_dir, &data_dir.join(folder), &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push(relative.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// A missing folder counts as empty: the restore creates it.
fn is_empty_dir(dir: &Path) -> Result<bool> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir, e)),
    }
}

fn run_tar(command: &mut Command) -> Result<()> {
    let out = command
        .output()
        .map_err(|e| Error::Setup(format!("cannot run tar: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Setup(format!(
            "tar failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Setup(format!("{}: {e}", path.display()))
}

/// A working folder removed however the command ends.
struct Staging(PathBuf);

impl Staging {
    /// Beside `file`, so that the dump is written on the disk that will hold the backup.
    fn beside(file: &Path) -> Result<Staging> {
        let dir = with_suffix(file, &format!(".tmp-{}", std::process::id()));
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        Ok(Staging(dir))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One line for the operator: what the backup holds.
pub fn summary(manifest: &Manifest) -> String {
    format!(
        "Kyodo {} backup of {} (schema {}): database with attachments, {} files",
        manifest.kyodo_version,
        manifest
            .created_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        manifest.schema_version,
        manifest.files.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(format: &str, schema: &str) -> Manifest {
        Manifest {
            format: format.to_owned(),
            kyodo_version: "0.1.0".to_owned(),
            schema_version: schema.to_owned(),
            created_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
            database: DUMP.to_owned(),
            files: vec!["mail/a.eml".to_owned()],
        }
    }

    #[test]
    fn a_backup_of_a_known_schema_is_restored() {
        let newest = newest_migration().expect("migrations");
        assert!(newest.starts_with("2026"), "{newest}");
        assert!(manifest(FORMAT, &newest).check(&newest).is_ok());
        assert!(manifest(FORMAT, "20240101000000").check(&newest).is_ok());
    }

    #[test]
    fn a_newer_schema_or_another_format_is_refused() {
        let Err(Error::Setup(message)) = manifest(FORMAT, "99990101000000").check("20261207000026")
        else {
            panic!("a newer schema is refused");
        };
        assert!(message.contains("Kyodo 0.1.0 or later"), "{message}");
        let Err(Error::Setup(message)) = manifest("tar", "1").check("2") else {
            panic!("another format is refused");
        };
        assert!(message.contains("kyodo-backup/1"), "{message}");
    }

    #[test]
    fn the_summary_says_what_the_backup_holds() {
        let line = summary(&manifest(FORMAT, "20261207000026"));
        assert_eq!(
            line,
            "Kyodo 0.1.0 backup of 2027-01-15T08:00:00Z (schema 20261207000026): database with \
             attachments, 1 files"
        );
    }

    #[test]
    fn only_an_empty_or_missing_folder_is_empty() {
        let dir = std::env::temp_dir().join(format!("kyodo-empty-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        assert!(is_empty_dir(&dir).unwrap_or(false));
        fs::create_dir_all(dir.join("mail")).expect("mkdir");
        assert!(!is_empty_dir(&dir).unwrap_or(true));
        fs::write(dir.join("mail/b.eml"), "b").expect("write");
        fs::write(dir.join("mail/a.eml"), "a").expect("write");
        assert_eq!(
            files_in(&dir).expect("files"),
            vec!["mail/a.eml".to_owned(), "mail/b.eml".to_owned()]
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
