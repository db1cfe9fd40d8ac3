//! The `centric` command line. Every command opens the database the same way (the
//! embedded cluster unless DATABASE_URL is set) and stops a cluster it started.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::BufRead;

use crate::config::{DatabaseSettings, ServerSettings};
use crate::db::{Database, backup, demo};
use crate::repo::audit::Actor;
use crate::services::accounts::{self, NewUserRequest};
use crate::services::api_ingest::Kind;
use crate::services::import::{self, ImportError};
use crate::startup::{Application, shutdown_signal};
use crate::web::readiness::Readiness;

#[derive(Parser, Debug)]
#[command(
    name = "centric",
    version,
    about = "Centric: run an organisation's customer-centricity programme across every department.",
    long_about = "Centric: run an organisation's customer-centricity programme across every department.\n\n\
        Without DATABASE_URL, Centric runs its own PostgreSQL cluster in CENTRIC_DATA_DIR \
        (initialised on first start, stopped when Centric stops). Settings come from flags, \
        the environment and a .env file; see .env.example."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseSettings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (the default command).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load the demo organisation (24 months of data) into an empty database.
    Demo(DemoArgs),
    /// Manage the people who log in.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for other systems.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import a CSV file: every row is checked first; one bad row and nothing is written.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a backup of the whole database to FILE (pg_dump custom format; sign-ins are
    /// not included). See README, "Backups and recovery".
    Backup { file: std::path::PathBuf },
    /// Replace the database's contents with a backup made by `centric backup`, in one
    /// transaction, then migrate it. Stop `centric serve` first.
    Restore { file: std::path::PathBuf },
    /// Compare the rollups dashboards read with a recount of every response and contact;
    /// exits non-zero if they differ, unless --repair rebuilt them.
    Check {
        /// Rebuild rollups that differ (writers wait while it runs).
        #[arg(long)]
        repair: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Survey responses. Columns (header row): score, and optionally comment, submitted_at
    /// (RFC 3339), touchpoint, segment, respondent_department, external_id.
    Responses {
        file: std::path::PathBuf,
        /// The survey the responses answer (its slug); without it each row names its
        /// survey in a `survey` column (as an export from Centric does).
        #[arg(long)]
        survey: Option<String>,
    },
    /// Service contacts. Columns: reason, channel, and optionally occurred_at, cost, external_id.
    Contacts { file: std::path::PathBuf },
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: ServerSettings,

    /// Load the demo organisation first if the database is empty.
    #[arg(long)]
    pub demo: bool,
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// About this many survey responses over the same 24 months instead of the demo's
    /// ~230,000 (for benchmarks; see BENCHMARKS.md).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub responses: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["cx-lead", "department-head", "executive"])]
        role: String,
        /// The department a department head acts for (its slug).
        #[arg(long)]
        department: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token and print it, alone, on standard output. It is shown only once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["ingest", "read", "admin"])]
        scope: String,
    },
    /// List tokens: prefix, name, scope, created, last used, revoked.
    List,
    /// Revoke a token by its prefix (as shown by `token list`); it stops working at once.
    Revoke {
        /// The token's prefix, e.g. ctk_AbCd1234.
        prefix: String,
    },
}

/// Runs a command, then releases the database: the embedded cluster is stopped unless
/// another Centric process still uses it, whatever happened (error or Ctrl-C).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or_else(|| {
        Command::Serve(ServeArgs {
            server: ServerSettings::default(),
            demo: false,
        })
    });
    let serving = matches!(command, Command::Serve(_));
    let database = tokio::select! {
        // The server comes up without its database; other commands need it now.
        opened = Database::open_lazily(&cli.database), if serving => opened?,
        opened = Database::open(&cli.database), if !serving => opened?,
        () = shutdown_signal() => anyhow::bail!("interrupted while opening the database"),
    };
    let interrupted = || anyhow::anyhow!("interrupted; no unfinished step was committed");
    let result = if serving {
        // The server migrates when the database answers, reacts to signals itself and
        // drains before it returns.
        execute(command, &database, &cli.database).await
    } else {
        tokio::select! {
            done = async {
                database.migrate().await?;
                execute(command, &database, &cli.database).await
            } => done,
            () = shutdown_signal() => Err(interrupted()),
        }
    };
    let closed = database.close().await;
    match (result, closed) {
        (Err(error), Err(close_error)) => {
            tracing::warn!(error = %close_error, "could not release the database cleanly");
            Err(error)
        }
        (result, closed) => result.and(closed.map_err(Into::into)),
    }
}

async fn execute(
    command: Command,
    database: &Database,
    settings: &DatabaseSettings,
) -> anyhow::Result<()> {
    let pool = &database.pool;
    match command {
        Command::Serve(args) => serve(args, database).await?,
        Command::Migrate => tracing::info!("the database is up to date"),
        Command::Demo(DemoArgs { responses }) => {
            demo::load_scaled(pool, true, responses).await?;
            // A running server's cached pages follow the new data at once.
            crate::repo::data_version::bump(pool).await?;
        }
        Command::User(UserCommand::Create {
            email,
            name,
            role,
            department,
            password_stdin: _,
        }) => {
            let password = read_password_line()?;
            let request = NewUserRequest {
                email,
                name,
                role,
                department,
                password,
            };
            let id = accounts::create_user(pool, request, &Actor::Cli).await?;
            tracing::info!(%id, "user created");
        }
        Command::Token(TokenCommand::Create { name, scope }) => {
            let issued = accounts::create_token(pool, &name, &scope, &Actor::Cli).await?;
            // Alone on stdout, so scripts can capture it; everything else goes to stderr.
            println!("{}", issued.token);
        }
        Command::Import(command) => {
            let (kind, file, survey) = match command {
                ImportCommand::Responses { file, survey } => (Kind::Responses, file, survey),
                ImportCommand::Contacts { file } => (Kind::Contacts, file, None),
            };
            match import::import_file(
                pool,
                kind,
                &file,
                &display_name(&file),
                survey.as_deref(),
                &Actor::Cli,
            )
            .await
            {
                Ok(report) => {
                    crate::repo::data_version::bump(pool).await?;
                    println!(
                        "imported {} rows from {}: {} stored, {} duplicates skipped",
                        report.rows,
                        file.display(),
                        report.stored,
                        report.duplicates
                    )
                }
                Err(ImportError::Invalid { errors, total }) => {
                    for error in &errors {
                        let column = if error.column.is_empty() {
                            String::new()
                        } else {
                            format!(", column {}", error.column)
                        };
                        eprintln!("row {}{column}: {}", error.row, error.message);
                    }
                    if total > errors.len() {
                        eprintln!("… and {} more", total - errors.len());
                    }
                    return Err(ImportError::Invalid { errors, total }.into());
                }
                Err(other) => return Err(other.into()),
            }
        }
        Command::Token(TokenCommand::List) => {
            for token in crate::repo::api_tokens::list(pool).await? {
                let used = token
                    .last_used_at
                    .map_or("never".to_owned(), |t| t.date().to_string());
                let state = token
                    .revoked_at
                    .map_or("active".to_owned(), |t| format!("revoked {}", t.date()));
                println!(
                    "{}\t{}\t{}\tcreated {}\tlast used {used}\t{state}",
                    token.prefix,
                    token.scope,
                    token.name,
                    token.created_at.date()
                );
            }
        }
        Command::Backup { file } => {
            let written = backup::backup(database, settings, &file).await?;
            println!("wrote {} ({} bytes)", file.display(), written.bytes);
        }
        Command::Restore { file } => {
            backup::restore(database, settings, &file).await?;
            println!("restored {}", file.display());
        }
        Command::Check { repair } => check(database, repair).await?,
        Command::Token(TokenCommand::Revoke { prefix }) => {
            accounts::revoke_token(pool, &prefix, &Actor::Cli).await?;
            tracing::info!(%prefix, "token revoked");
        }
    }
    Ok(())
}

/// Listens at once, then prepares the database (waiting for it to answer, migrating,
/// loading the demo if asked) while the probes say "not ready"; serves until a signal.
async fn serve(args: ServeArgs, database: &Database) -> anyhow::Result<()> {
    let readiness = Readiness::waiting();
    let application = Application::build_with(
        args.server,
        database.pool.clone(),
        database.read_pool.clone(),
        readiness.clone(),
    )
    .await
    .context("cannot listen on CENTRIC_ADDR")?;
    let address = application.address();
    tracing::info!("Centric is listening on http://{address}");
    let prepared = async {
        prepare(database, args.demo).await?;
        readiness.set_ready();
        tracing::info!("Centric is serving on http://{address}");
        std::future::pending::<anyhow::Result<()>>().await
    };
    // A failure that waiting cannot mend (a migration that does not apply) ends the server.
    tokio::select! {
        () = application.run_until(shutdown_signal()) => Ok(()),
        failed = prepared => failed,
    }
}

/// Waits for the database to answer, then migrates it (once, however many instances start
/// together: the migrator holds an advisory lock) and loads the demo into an empty one.
async fn prepare(database: &Database, demo: bool) -> anyhow::Result<()> {
    let mut wait = std::time::Duration::from_millis(500);
    loop {
        match async {
            database.check_server().await?;
            database.migrate().await
        }
        .await
        {
            Ok(()) => break,
            Err(error) if error.is_transient() => {
                tracing::warn!(error = %anyhow::Error::from(error), "the database is not ready; trying again in {wait:?}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(5));
            }
            Err(error) => return Err(error.into()),
        }
    }
    let pool = &database.pool;
    if demo && demo::is_empty(pool).await? {
        // Stopping during the load abandons it: the load is one transaction.
        demo::load(pool, true).await?;
    }
    Ok(())
}

/// Reports rollup drift; with `repair`, rebuilds the rollups and reports the result.
async fn check(database: &Database, repair: bool) -> anyhow::Result<()> {
    use crate::repo::rollups;
    // Without the pool's statement timeout: a recount reads every row.
    let mut conn = database.maintenance_connection().await?;
    let found = rollups::drift(&mut conn).await?;
    let describe = |drift: rollups::Drift| {
        format!(
            "{} response rollup rows and {} contact rollup rows differ from a recount",
            drift.response_rows, drift.contact_rows
        )
    };
    if found.is_none() {
        println!("rollups agree with a recount of every response and contact");
        return Ok(());
    }
    println!("{}", describe(found));
    if !repair {
        anyhow::bail!("the rollups drifted; `centric check --repair` rebuilds them");
    }
    let after = rollups::repair(&mut conn).await?;
    crate::repo::data_version::bump(&database.pool).await?;
    if !after.is_none() {
        anyhow::bail!("after the rebuild, {}", describe(after));
    }
    println!("repaired: the rollups now agree with a recount");
    Ok(())
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A file's own name, as an import records it.
fn display_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
