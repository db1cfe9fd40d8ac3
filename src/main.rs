//! The `centric` binary: settings, logging, then the chosen command (see `centric --help`).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Only ./.env, never a parent directory's: a stray file up the tree must not pick
    // the database.
    if let Err(error) = dotenvy::from_path(".env")
        && !error.not_found()
    {
        eprintln!("error: cannot read .env: {error}");
        return ExitCode::FAILURE;
    }
    unset_empty_settings();
    let cli = centric::cli::Cli::parse();
    centric::telemetry::init("info,sqlx=warn");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(centric::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// `CENTRIC_PG_BIN=` (as copied from a template) means "not set", not "the empty path".
fn unset_empty_settings() {
    let empty: Vec<String> = std::env::vars_os()
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value)))
        .filter(|(key, value)| {
            (key.starts_with("CENTRIC_") || key == "DATABASE_URL") && value.is_empty()
        })
        .map(|(key, _)| key)
        .collect();
    for key in empty {
        // SAFETY: called before the runtime or any other thread exists.
        unsafe { std::env::remove_var(key) };
    }
}

/// The error and its causes on one line, without the repetition some libraries produce
/// by also printing their source in their own message.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !line.ends_with(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}
