//! What each command does: prepare the database, then serve or exit.

use crate::app;
use crate::backup;
use crate::config::{Cli, Command};
use crate::db::{self, Database};
use crate::error::{Error, Result};
use crate::notify;
use crate::plan::seed;
use crate::web::AppState;
use diesel::{Connection, PgConnection};

/// Migrates and loads the seeds on the database `url`.
pub fn prepare(url: &str, command: Command) -> Result<()> {
    let mut conn = PgConnection::establish(url)?;
    db::migrate(&mut conn)?;
    // The reminders' cron job needs the schema, not a fresh load of the plan every time.
    if !matches!(
        command,
        Command::Migrate | Command::MeetingsRemind | Command::Export { .. } | Command::Digests
    ) {
        let report = seed::load(&mut conn)?;
        tracing::info!(
            rows_changed = report.rows_changed,
            "loaded the plan from seeds/"
        );
    }
    Ok(())
}

/// Ctrl+C (SIGINT) or SIGTERM, whichever comes first: both stop the server gracefully.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut interrupt), Ok(mut terminate)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot listen for Ctrl+C and SIGTERM");
            std::future::pending::<()>().await;
        }
    }
}

/// `backup` and `restore` open the database themselves: a backup never migrates what it
/// copies, and a restore first checks that the data folder is empty.
async fn backup_or_restore(settings: &crate::config::Settings, command: &Command) -> Result<bool> {
    let (url, data_dir) = (settings.database_url.clone(), settings.data_dir.clone());
    let manifest = match command.clone() {
        Command::Backup { file } => {
            actix_web::web::block(move || backup::backup(url.as_deref(), &data_dir, &file))
                .await??
        }
        Command::Restore { file } => {
            actix_web::web::block(move || backup::restore(url.as_deref(), &data_dir, &file))
                .await??
        }
        _ => return Ok(false),
    };
    println!("{}", backup::summary(&manifest));
    Ok(true)
}

/// The listener that serves only `/metrics`, for a scraper on an internal network; it stops
/// with the site.
fn metrics_server(
    state: actix_web::web::Data<AppState>,
    at: std::net::SocketAddr,
) -> Result<actix_web::dev::ServerHandle> {
    let listener = std::net::TcpListener::bind(at)
        .map_err(|e| Error::Setup(format!("cannot listen for metrics on {at}: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::Setup(e.to_string()))?;
    let server = app::metrics_server(state, listener)?;
    let handle = server.handle();
    actix_web::rt::spawn(server);
    tracing::info!("metrics on http://{address}/metrics");
    println!("Metrics (Prometheus) on http://{address}/metrics");
    Ok(handle)
}

pub async fn run(cli: Cli) -> Result<()> {
    let settings = cli.settings.clone();
    let command = cli.subcommand();
    if backup_or_restore(&settings, &command).await? {
        return Ok(());
    }
    let database = {
        let data_dir = settings.data_dir.clone();
        let url = settings.database_url.clone();
        let serve = command == Command::Serve;
        actix_web::web::block(move || {
            let mut database = Database::open(url.as_deref(), &data_dir)?;
            if serve {
                database.claim()?;
            }
            Ok::<_, Error>(database)
        })
        .await??
    };
    let result = async {
        let url = database.url.clone();
        if command != Command::Migrate && !settings.migrates_at_start() {
            let url = url.clone();
            actix_web::web::block(move || db::check_schema(&mut PgConnection::establish(&url)?))
                .await??;
        }
        let prepare_command = command.clone();
        actix_web::web::block(move || prepare(&url, prepare_command)).await??;
        if let Command::CreateAdmin { email, name } = &command {
            let (url, email, name) = (database.url.clone(), email.clone(), name.clone());
            actix_web::web::block(move || crate::staff::admin::run(&url, &email, &name)).await??;
        }
        if command == Command::Demo {
            let url = database.url.clone();
            let public_url = settings.public_url(settings.listen);
            actix_web::web::block(move || crate::demo::run(&url, &public_url)).await??;
        }
        if let Command::Export {
            out, format, admin, ..
        } = &command
        {
            let url = database.url.clone();
            let options = crate::export::Options {
                out: out.clone(),
                format: *format,
                private_as: admin.clone(),
            };
            let written =
                actix_web::web::block(move || crate::export::run(&url, &options)).await??;
            for (file, rows) in written {
                println!("{file}: {rows} rows");
            }
        }
        if command == Command::MeetingsRemind {
            let url = database.url.clone();
            let public_url = settings.public_url(settings.listen);
            let reminded = actix_web::web::block(move || -> Result<usize> {
                let mut conn = PgConnection::establish(&url)?;
                crate::meetings::reminders::send_due(&mut conn, chrono::Utc::now(), &public_url)
            })
            .await??;
            println!("Reminded {reminded} people with a seat.");
        }
        if command == Command::Digests {
            let url = database.url.clone();
            let public_url = settings.public_url(settings.listen);
            let hour = settings.digest_hour;
            let sent = actix_web::web::block(move || -> Result<usize> {
                let mut conn = PgConnection::establish(&url)?;
                notify::digest::send_due(&mut conn, chrono::Utc::now(), &public_url, hour)
            })
            .await??;
            println!("Wrote {sent} digests.");
        }
        if command == Command::Serve {
            let listener = std::net::TcpListener::bind(settings.listen)
                .map_err(|e| Error::Setup(format!("cannot listen on {}: {e}", settings.listen)))?;
            let address = listener
                .local_addr()
                .map_err(|e| Error::Setup(e.to_string()))?;
            let public_url = settings.public_url(address);
            let mut state = AppState::new(&database.url, &public_url);
            state.trust_proxy = settings.trust_proxy;
            state.metrics_token = settings.metrics_token.clone();
            let state = actix_web::web::Data::new(state);
            let metrics = match settings.metrics_listen {
                Some(at) => Some(metrics_server(state.clone(), at)?),
                None => None,
            };
            // Email: the outbox worker runs beside the server and stops with it.
            let mailer = notify::Mailer::from_settings(&settings)?;
            notify::templates::check()?;
            let mail_pool = state.pool.clone();
            let notices = crate::consultations::notices::spawn(
                state.pool.clone(),
                state.clock.clone(),
                state.public_url.clone(),
            );
            let reminders = crate::meetings::reminders::spawn(
                state.pool.clone(),
                state.clock.clone(),
                state.public_url.clone(),
            );
            let digests = notify::digest::spawn(
                state.pool.clone(),
                state.clock.clone(),
                state.public_url.clone(),
                settings.digest_hour,
            );
            let server = app::serve(state, listener)?;
            let mail_worker = notify::worker::spawn(mail_pool, mailer);
            tracing::info!("Kyodo is serving on http://{address}/");
            println!("Kyodo (協働) is serving on http://{address}/ — press Ctrl+C to stop.");
            let handle = server.handle();
            actix_web::rt::spawn(async move {
                shutdown_signal().await;
                tracing::info!("stopping: finishing the requests in flight");
                handle.stop(true).await;
            });
            let served = server.await;
            if let Some(metrics) = metrics {
                metrics.stop(true).await;
            }
            mail_worker.stop().await;
            notices.abort();
            reminders.abort();
            digests.abort();
            served.map_err(|e| Error::Internal(e.to_string()))?;
        }
        Ok(())
    }
    .await;
    actix_web::web::block(move || database.close()).await?;
    result
}
