//! Command line and settings. Every setting comes from the environment with a default that
//! runs out of the box; the flags override them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::{net::SocketAddr, path::PathBuf};

/// The default sender when `KYODO_MAIL_FROM` is unset.
pub const DEFAULT_FROM: &str = "Kyodo 本庄市 <no-reply@kyodo.invalid>";

const ENVIRONMENT_HELP: &str = "\
Environment:
  KYODO_LISTEN    address to serve on (default 127.0.0.1:8080)
  DATABASE_URL    PostgreSQL to use, e.g. postgres://kyodo:secret@db/kyodo; when unset, Kyodo
                  starts its own PostgreSQL cluster in $KYODO_DATA_DIR/postgres
  KYODO_DATA_DIR  where Kyodo keeps files: the private cluster, … (default ./data)
  KYODO_TRUST_PROXY
                  true behind a reverse proxy: client addresses (rate limits, audit log)
                  come from Forwarded / X-Forwarded-For
  KYODO_PUBLIC_URL
                  the site's address as people reach it, for links in emails
                  (default http://<KYODO_LISTEN>)
  SMTP_URL        SMTP server for emails, e.g. smtp://127.0.0.1:2525, smtps://user:pass@host,
                  smtp://host:587?tls=required; unset → emails are written as .eml files to
                  $KYODO_DATA_DIR/mail and logged
  KYODO_MAIL_FROM sender of emails (default \"Kyodo 本庄市 <no-reply@kyodo.invalid>\")
  KYODO_DIGEST_HOUR
                  hour (0-23, Japan time) daily and Monday's weekly digests go out (default 7)
  RUST_LOG        log filter, e.g. info, kyodo=debug (default info)
  KYODO_LOG_FORMAT
                  text (default) or json: one JSON object a line, with the request id
  KYODO_MIGRATE   auto: migrate the database at start (default without DATABASE_URL);
                  off: `kyodo migrate` does it, and the other commands refuse an old schema
                  (default with DATABASE_URL)
  KYODO_METRICS_LISTEN
                  address that serves only /metrics (Prometheus), e.g. 127.0.0.1:9100
  KYODO_METRICS_TOKEN
                  bearer token a scraper must send for /metrics; with it /metrics is also
                  served on KYODO_LISTEN. With neither, /metrics is served nowhere";

/// Kyodo (協働): Honjo City's citizen participation platform.
#[derive(Debug, Parser)]
#[command(name = "kyodo", version, about, after_help = ENVIRONMENT_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Load the plan and serve the site (the default). Without DATABASE_URL it starts and
    /// later stops a private PostgreSQL cluster, and migrates it first (see KYODO_MIGRATE).
    Serve,
    /// Apply pending database migrations and exit (with DATABASE_URL, run it on each upgrade).
    Migrate,
    /// Load the city's plan from the seed files (idempotent: a second load changes nothing).
    Seed,
    /// Create the first admin (or give an existing account the admin role). The password is
    /// read from standard input when it is not a terminal (one line), else generated and
    /// printed once.
    CreateAdmin {
        /// Email address of the admin (signs in with it).
        #[arg(long)]
        email: String,
        /// Display name of the admin.
        #[arg(long)]
        name: String,
    },
    /// Fill an EMPTY database with demo data (residents, organisations, staff, proposals in
    /// every state) for looking around — never for production. Refuses when proposals exist.
    Demo,
    /// Write the day-before reminders of meetings that are due and exit (for cron; `serve`
    /// also does it every minute). A running `serve` sends them.
    MeetingsRemind,
    /// Back up the database (attachments included) and Kyodo's files into one FILE, with a
    /// manifest (Kyodo version, schema version, time). Safe while `serve` runs.
    Backup {
        /// The backup file to write (e.g. kyodo-2026-12-07.kyodo-backup).
        file: PathBuf,
    },
    /// Restore a backup FILE into an EMPTY data folder (a new private cluster) or the empty
    /// database in DATABASE_URL. Refuses a folder or database that holds anything.
    Restore {
        /// The backup file `kyodo backup` wrote.
        file: PathBuf,
    },
    /// Export proposals, comments, opinions and results for the city's records (公文書), as
    /// the public pages show them (no personal data), or with it (--private, an admin only,
    /// audited).
    Export {
        /// Folder to write the files into (created when missing).
        #[arg(long)]
        out: PathBuf,
        /// File format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Include personal data (names, hidden texts); needs --as with an admin's email.
        #[arg(long, requires = "admin")]
        private: bool,
        /// The admin on whose authority the private export is made (written to the audit log).
        #[arg(
            long = "as",
            id = "admin",
            value_name = "ADMIN_EMAIL",
            requires = "private"
        )]
        admin: Option<String>,
    },
    /// Write the daily and weekly digests that are due and exit (for cron; `serve` also does
    /// it every minute). A running `serve` sends them.
    Digests,
}

/// The file format of `kyodo export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// UTF-8 with a BOM (opens in Excel), one file per record kind.
    Csv,
    /// One JSON array per record kind.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to serve on.
    #[arg(
        long,
        env = "KYODO_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,
    /// PostgreSQL connection URL; unset → a private cluster under the data folder.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The site's public address, for links in emails; default http://<listen>.
    #[arg(long, env = "KYODO_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Take client addresses from `Forwarded` / `X-Forwarded-For` (only behind a reverse proxy
    /// that sets them; otherwise clients could choose their own address).
    #[arg(long, env = "KYODO_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,
    /// Folder for the private PostgreSQL cluster and other files Kyodo keeps.
    #[arg(long, env = "KYODO_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// SMTP server for emails (smtp://, smtps://, ?tls=required|opportunistic); unset → .eml
    /// files in <data-dir>/mail.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of emails.
    #[arg(long, env = "KYODO_MAIL_FROM", default_value = DEFAULT_FROM, global = true)]
    pub mail_from: String,
    /// How log lines are written to standard error.
    #[arg(long, env = "KYODO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Whether commands migrate the database at start; default auto for the private cluster,
    /// off with DATABASE_URL (run `kyodo migrate`).
    #[arg(long, env = "KYODO_MIGRATE", value_enum, global = true)]
    pub migrate: Option<Migrate>,
    /// A separate address that serves only /metrics.
    #[arg(long, env = "KYODO_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,
    /// Bearer token for /metrics; set, /metrics is also served on the public address.
    #[arg(
        long,
        env = "KYODO_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Hour (Japan time) the daily digests, and on Mondays the weekly ones, go out.
    #[arg(long, env = "KYODO_DIGEST_HOUR", default_value_t = 7, global = true,
          value_parser = clap::value_parser!(u32).range(0..24))]
    pub digest_hour: u32,
}

/// One line a log event: for people (text) or for a log collector (json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Whether the schema is brought up to date at start. A city's configured server is upgraded
/// on purpose (`kyodo migrate`, after a backup); the private cluster is Kyodo's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Migrate {
    Auto,
    Off,
}

impl Settings {
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }

    /// Whether commands other than `migrate` apply pending migrations themselves.
    pub fn migrates_at_start(&self) -> bool {
        let default = match self.database_url {
            Some(_) => Migrate::Off,
            None => Migrate::Auto,
        };
        self.migrate.unwrap_or(default) == Migrate::Auto
    }
}

impl Cli {
    pub fn subcommand(&self) -> Command {
        self.command.clone().unwrap_or(Command::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default_command() {
        let cli = Cli::try_parse_from(["kyodo"]).unwrap();
        assert_eq!(cli.subcommand(), Command::Serve);
        let cli = Cli::try_parse_from(["kyodo", "seed", "--listen", "0.0.0.0:9000"]).unwrap();
        assert_eq!(cli.subcommand(), Command::Seed);
        assert_eq!(cli.settings.listen.port(), 9000);
    }

    #[test]
    fn only_the_private_cluster_migrates_at_start_by_default() {
        // Fields set here, not parsed: the environment of the test run may name a server.
        let mut settings = Cli::try_parse_from(["kyodo"]).unwrap().settings;
        let mut case = |url: Option<&str>, migrate: Option<Migrate>| {
            settings.database_url = url.map(str::to_owned);
            settings.migrate = migrate;
            settings.migrates_at_start()
        };
        assert!(case(None, None));
        assert!(!case(None, Some(Migrate::Off)));
        assert!(!case(Some("postgres://db/kyodo"), None));
        assert!(case(Some("postgres://db/kyodo"), Some(Migrate::Auto)));
        let cli = Cli::try_parse_from(["kyodo", "--log-format", "json", "--migrate", "off"]);
        let settings = cli.unwrap().settings;
        assert_eq!(settings.log_format, LogFormat::Json);
        assert_eq!(settings.migrate, Some(Migrate::Off));
    }
}
