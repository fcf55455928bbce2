use clap::Parser;
use kyodo::config::LogFormat;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = kyodo::config::Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        );
    match cli.settings.log_format {
        // The request's span (its id) on each line, once: not the list of every enclosing span.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    match actix_web::rt::System::new().block_on(kyodo::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kyodo: {e}");
            ExitCode::FAILURE
        }
    }
}
