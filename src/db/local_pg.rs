//! The embedded PostgreSQL cluster: found, initialised, started, shared and stopped by
//! Centric itself when no `DATABASE_URL` is given.
//!
//! Layout of the data directory (default `./.centric`): `pgdata/` the cluster,
//! `postgres.log` its log, `launcher.lock` the lock that makes "is it running? if not,
//! start it" (and "am I the last user? then stop it") one atomic step across processes,
//! and `users.lock`, on which every Centric process using the cluster holds a shared lock
//! while it uses it. The kernel drops a dead process's locks, so the cluster is never
//! stopped under a live user and never kept alive by a crashed one. The socket lives in
//! the data directory, or in a short directory of its own when the path would exceed the
//! ~100-byte limit of Unix socket paths. There is no TCP listener.

use nix::unistd::{Gid, Uid, User};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::fs::{self, File};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tokio::process::Command;

/// The database superuser initdb creates; local connections are trusted (see `initdb`).
pub const SUPERUSER: &str = "centric";
const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes on Linux; keep a margin.
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(
        "no PostgreSQL server binaries found (looked in CENTRIC_PG_BIN, PATH and /usr/lib/postgresql/*/bin): \
         install the PostgreSQL server (e.g. `apt-get install postgresql`) or set DATABASE_URL to use an existing server"
    )]
    BinariesNotFound,
    #[error("CENTRIC_PG_BIN={0} does not contain initdb and pg_ctl")]
    BadBinDir(PathBuf),
    #[error(
        "Centric runs as root, so PostgreSQL must run as an unprivileged user, but user '{0}' does not exist: \
         create it or set CENTRIC_PG_USER to an existing one"
    )]
    UnknownUser(String),
    #[error(
        "PostgreSQL runs as user '{user}', which cannot reach {path}: every parent directory of the data directory \
         needs the execute bit for that user (e.g. `chmod o+x {path}`), or set CENTRIC_DATA_DIR to a directory it can reach"
    )]
    Unreachable { user: String, path: PathBuf },
    #[error(
        "{path} exists but is not a PostgreSQL cluster; move it away or set CENTRIC_DATA_DIR elsewhere"
    )]
    NotACluster { path: PathBuf },
    #[error(
        "the data directory path {0} contains a character PostgreSQL's settings cannot carry \
         (quote, $, `, backslash, comma or newline); choose another CENTRIC_DATA_DIR"
    )]
    UnsafePath(PathBuf),
    #[error("{command} failed: {detail}")]
    CommandFailed { command: String, detail: String },
    #[error("the embedded cluster did not accept connections: {0}")]
    NotAnswering(String),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> LaunchError {
    let context = context.into();
    move |source| LaunchError::Io { context, source }
}

/// How to run the embedded cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub data_dir: PathBuf,
    /// Directory with initdb/pg_ctl, if given explicitly (`CENTRIC_PG_BIN`).
    pub bin_dir: Option<PathBuf>,
    /// The system user PostgreSQL runs as when Centric runs as root.
    pub run_as: String,
    /// Throwaway clusters (tests, benchmarks) skip fsync: much faster, never safe for real data.
    pub ephemeral: bool,
}

/// The server binaries this cluster is run with.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    pub dir: PathBuf,
}

impl PgBinaries {
    /// `explicit` (CENTRIC_PG_BIN) first, then `PATH`, then the newest `/usr/lib/postgresql/*/bin`.
    pub fn locate(
        explicit: Option<&Path>,
        path_var: Option<&str>,
        lib_root: &Path,
    ) -> Result<Self, LaunchError> {
        let has_binaries =
            |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
        if let Some(dir) = explicit {
            return if has_binaries(dir) {
                Ok(Self {
                    dir: dir.to_owned(),
                })
            } else {
                Err(LaunchError::BadBinDir(dir.to_owned()))
            };
        }
        if let Some(dir) = path_var
            .into_iter()
            .flat_map(|p| p.split(':'))
            .map(Path::new)
            .find(|d| has_binaries(d))
        {
            return Ok(Self {
                dir: dir.to_owned(),
            });
        }
        let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(lib_root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let version = name
                    .split('.')
                    .map(str::parse)
                    .collect::<Result<Vec<u32>, _>>()
                    .ok()?;
                let bin = entry.path().join("bin");
                has_binaries(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions
            .pop()
            .map(|(_, dir)| Self { dir })
            .ok_or(LaunchError::BinariesNotFound)
    }

    /// `locate` with this machine's `PATH` and PostgreSQL packages.
    pub fn find(explicit: Option<&Path>) -> Result<Self, LaunchError> {
        let path_var = std::env::var("PATH").ok();
        Self::locate(
            explicit,
            path_var.as_deref(),
            Path::new("/usr/lib/postgresql"),
        )
    }

    /// The path of one of the cluster's tools (pg_dump, pg_restore …).
    pub fn tool(&self, name: &str) -> PathBuf {
        let direct = self.dir.join(name);
        if direct.is_file() {
            return direct;
        }
        // A directory on PATH may hold links to a few binaries only (initdb, pg_ctl);
        // the others (pg_basebackup, pg_dump …) sit next to what pg_ctl links to.
        fs::canonicalize(self.dir.join("pg_ctl"))
            .ok()
            .and_then(|pg_ctl| Some(pg_ctl.parent()?.join(name)))
            .filter(|tool| tool.is_file())
            .unwrap_or(direct)
    }
}

/// The system user the server processes run as (None: as ourselves).
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: Uid,
    gid: Gid,
}

/// A running embedded cluster in use through this handle. `stop` stops it unless
/// another handle, in this or another process, still uses it.
#[derive(Debug)]
pub struct LocalCluster {
    data_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    binaries: PgBinaries,
    run_as: Option<RunAs>,
    ephemeral: bool,
    started_here: bool,
    /// Our shared lock on `users.lock`: "in use". The kernel releases it if we die.
    in_use: File,
}

impl LocalCluster {
    /// Initialises the cluster on first use, then starts it — or uses the one another
    /// Centric process already runs on this data directory.
    pub async fn start_or_attach(config: &ClusterConfig) -> Result<Self, LaunchError> {
        let binaries = PgBinaries::find(config.bin_dir.as_deref())?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name(&config.run_as)
                .ok()
                .flatten()
                .ok_or_else(|| LaunchError::UnknownUser(config.run_as.clone()))?;
            Some(RunAs {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            })
        } else {
            None
        };

        if has_unsafe_characters(&config.data_dir) {
            return Err(LaunchError::UnsafePath(config.data_dir.clone()));
        }
        fs::create_dir_all(&config.data_dir).map_err(io_error(format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )))?;
        let data_dir = fs::canonicalize(&config.data_dir).map_err(io_error(format!(
            "cannot resolve {}",
            config.data_dir.display()
        )))?;
        if has_unsafe_characters(&data_dir) {
            return Err(LaunchError::UnsafePath(data_dir));
        }
        if let Some(user) = &run_as {
            check_reachable(&data_dir, user)?;
        }
        make_private(&data_dir, run_as.as_ref())?;

        let lock = lock_file(data_dir.join("launcher.lock"), LockMode::Exclusive).await?;
        let in_use = lock_file(data_dir.join("users.lock"), LockMode::Shared).await?;
        let mut cluster = Self {
            pgdata: data_dir.join("pgdata"),
            socket_dir: socket_dir_for(&data_dir),
            data_dir,
            binaries,
            run_as,
            ephemeral: config.ephemeral,
            started_here: false,
            in_use,
        };
        let started = cluster.start_unless_running().await;
        drop(lock);
        started?;
        cluster.wait_until_answering().await?;
        Ok(cluster)
    }

    /// Copies this (running) cluster into `data_dir` as a hot standby that streams its
    /// WAL (`pg_basebackup -R`); start it with `start_or_attach` on that directory. For
    /// trying out and testing a read replica (`DATABASE_READ_URL`) on one machine.
    pub async fn clone_as_standby(&self, data_dir: &Path) -> Result<(), LaunchError> {
        if has_unsafe_characters(data_dir) {
            return Err(LaunchError::UnsafePath(data_dir.to_owned()));
        }
        fs::create_dir_all(data_dir).map_err(io_error(format!(
            "cannot create the data directory {}",
            data_dir.display()
        )))?;
        make_private(data_dir, self.run_as.as_ref())?;
        let target = data_dir.join("pgdata").display().to_string();
        let host = self.socket_dir.display().to_string();
        let port = PORT.to_string();
        let mut args = vec![
            "-D",
            &target,
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            SUPERUSER,
            "-R",
            "-X",
            "stream",
            // Start at once rather than after a spread-out checkpoint (minutes).
            "--checkpoint=fast",
        ];
        if self.ephemeral {
            args.push("--no-sync");
        }
        self.run_tool("pg_basebackup", &args).await.map(|_| ())
    }

    /// Connection options for `database` over the cluster's socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// A `DATABASE_URL` for `database`, for other processes (e.g. the CLI in tests).
    pub fn database_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:{PORT}/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Did this handle start the cluster (rather than find it running)?
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    pub fn binaries(&self) -> &PgBinaries {
        &self.binaries
    }

    /// The postmaster's pid, from its lock file.
    pub fn postmaster_pid(&self) -> Option<i32> {
        read_pid(&self.pgdata.join("postmaster.pid"))
    }

    /// Creates `name` unless it exists.
    pub async fn ensure_database(&self, name: &str) -> Result<(), LaunchError> {
        let failed = |e: sqlx::Error| LaunchError::NotAnswering(e.to_string());
        let mut conn = self
            .connect_options("postgres")
            .connect()
            .await
            .map_err(failed)?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await
                .map_err(failed)?;
        if !exists {
            // Identifiers cannot be bound; quote_ident builds the statement inside the server.
            let statement: String =
                sqlx::query_scalar("SELECT 'CREATE DATABASE ' || quote_ident($1)")
                    .bind(name)
                    .fetch_one(&mut conn)
                    .await
                    .map_err(failed)?;
            if let Err(error) = sqlx::raw_sql(&statement).execute(&mut conn).await {
                // Another process may have created it between the check and here.
                let duplicate = error
                    .as_database_error()
                    .and_then(|e| e.code())
                    .is_some_and(|c| c == "42P04");
                if !duplicate {
                    return Err(failed(error));
                }
            }
        }
        conn.close().await.map_err(failed)
    }

    /// Stops the cluster unless another handle still uses it: last one out turns off
    /// the lights.
    pub async fn stop(self) -> Result<(), LaunchError> {
        let lock = lock_file(self.data_dir.join("launcher.lock"), LockMode::Exclusive).await?;
        // Turning our shared lock into an exclusive one works only if no one else holds one.
        if self.in_use.try_lock().is_err() {
            tracing::info!(
                "leaving the embedded PostgreSQL running for the other Centric processes using it"
            );
            return Ok(());
        }
        let pgdata = self.pgdata.display().to_string();
        let stopped = self
            .run_tool(
                "pg_ctl",
                &["stop", "-D", &pgdata, "-m", "fast", "-w", "-t", "120"],
            )
            .await;
        drop(lock);
        stopped.map(|_| tracing::info!("embedded PostgreSQL stopped"))
    }

    async fn start_unless_running(&mut self) -> Result<(), LaunchError> {
        if !self.pgdata.join("PG_VERSION").is_file() {
            self.initdb().await?;
        }
        let pid_file = self.pgdata.join("postmaster.pid");
        if let Some(pid) = read_pid(&pid_file) {
            if is_postmaster_of(pid, &self.pgdata) {
                // Connect where the running server really listens (line 5 of its pid file).
                if let Some(dir) = read_line(&pid_file, 5).filter(|dir| dir.starts_with('/')) {
                    self.socket_dir = PathBuf::from(dir);
                }
                tracing::info!(pid, "using the embedded PostgreSQL already running");
                return Ok(());
            }
            // Left by a crash: the pid is gone or now belongs to an unrelated process,
            // which would make PostgreSQL refuse to start. The lock rules out a live owner.
            tracing::warn!(pid, "removing a stale postmaster.pid left by a crash");
            fs::remove_file(&pid_file)
                .map_err(io_error("cannot remove the stale postmaster.pid"))?;
        }
        if self.socket_dir != self.data_dir {
            prepare_socket_directory(&self.socket_dir, self.run_as.as_ref())?;
        }
        self.remove_stale_socket_lock();

        let options = self.server_options();
        let pgdata = self.pgdata.display().to_string();
        let log = self.data_dir.join("postgres.log").display().to_string();
        tracing::info!(data = %pgdata, "starting the embedded PostgreSQL");
        // A generous wait: after a crash, recovery replays WAL before it accepts connections.
        let args = [
            "start", "-D", &pgdata, "-l", &log, "-w", "-t", "600", "-o", &options,
        ];
        self.run_tool("pg_ctl", &args)
            .await
            .map_err(|e| self.with_log_tail(e))?;
        self.started_here = true;
        Ok(())
    }

    /// Initialises into `pgdata.init` and renames it into place only when complete, so
    /// an interrupted initdb never leaves a half-made cluster behind.
    async fn initdb(&self) -> Result<(), LaunchError> {
        if self.pgdata.exists() {
            return Err(LaunchError::NotACluster {
                path: self.pgdata.clone(),
            });
        }
        let building = self.data_dir.join("pgdata.init");
        if building.exists() {
            tracing::warn!("removing an incomplete cluster left by an interrupted initdb");
            fs::remove_dir_all(&building).map_err(io_error("cannot remove pgdata.init"))?;
        }
        tracing::info!(data = %self.pgdata.display(), "initialising the embedded PostgreSQL cluster");
        let target = building.display().to_string();
        let mut args = vec![
            "-D",
            &target,
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            // Only local socket connections exist, and the socket directory is 0700.
            "--auth-local=trust",
            "--auth-host=reject",
        ];
        if self.ephemeral {
            args.push("--no-sync");
        }
        self.run_tool("initdb", &args).await?;
        // Settings that suit Centric whatever the command line (see PERFORMANCE.md).
        let tuning = "\n# Added by Centric\nmax_connections = 100\njit = off\nunix_socket_permissions = 0700\n";
        let conf = building.join("postgresql.conf");
        let mut text =
            fs::read_to_string(&conf).map_err(io_error("cannot read postgresql.conf"))?;
        text.push_str(tuning);
        fs::write(&conf, text).map_err(io_error("cannot write postgresql.conf"))?;
        fs::rename(&building, &self.pgdata)
            .map_err(io_error("cannot move the new cluster into place"))
    }

    /// Options for each start: where the socket goes (it may differ from last time if the
    /// data directory moved) and, for throwaway clusters, no fsync and room for many pools.
    fn server_options(&self) -> String {
        let mut options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}'",
            self.socket_dir.display()
        );
        if self.ephemeral {
            options.push_str(
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            );
        }
        options
    }

    fn remove_stale_socket_lock(&self) {
        let lock = self.socket_dir.join(format!(".s.PGSQL.{PORT}.lock"));
        if read_pid(&lock).is_some_and(|pid| !is_postmaster_of(pid, &self.pgdata)) {
            tracing::warn!("removing a stale socket lock file left by a crash");
            let _ = fs::remove_file(&lock);
            let _ = fs::remove_file(self.socket_dir.join(format!(".s.PGSQL.{PORT}")));
        }
    }

    async fn wait_until_answering(&self) -> Result<(), LaunchError> {
        let mut last_error = String::new();
        for _ in 0..120 {
            match self.connect_options("postgres").connect().await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    return Ok(());
                }
                Err(error) => last_error = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(LaunchError::NotAnswering(last_error))
    }

    async fn run_tool(&self, tool: &str, args: &[&str]) -> Result<Output, LaunchError> {
        let mut command = Command::new(self.binaries.tool(tool));
        command
            .args(args)
            .current_dir(&self.data_dir)
            .env("LC_ALL", "C.UTF-8");
        if let Some(user) = &self.run_as {
            command
                .uid(user.uid.as_raw())
                .gid(user.gid.as_raw())
                .env("HOME", &self.data_dir)
                .env("USER", &user.name);
        }
        let rendered = format!("{tool} {}", args.first().copied().unwrap_or_default());
        let output = command
            .output()
            .await
            .map_err(io_error(format!("cannot run {tool}")))?;
        if output.status.success() {
            Ok(output)
        } else {
            let detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            Err(LaunchError::CommandFailed {
                command: rendered,
                detail: one_line(&detail),
            })
        }
    }

    /// Adds the end of postgres.log to a failed start, where the real reason is.
    fn with_log_tail(&self, error: LaunchError) -> LaunchError {
        match error {
            LaunchError::CommandFailed { command, detail } => {
                let log =
                    fs::read_to_string(self.data_dir.join("postgres.log")).unwrap_or_default();
                let mut tail: Vec<&str> = log.lines().rev().take(3).collect();
                tail.reverse();
                LaunchError::CommandFailed {
                    command,
                    detail: one_line(&format!("{detail} {}", tail.join(" "))),
                }
            }
            other => other,
        }
    }
}

/// The data directory's path ends up in a setting (where a comma separates values) and
/// in pg_ctl's shell command line (where quotes, `$`, backquotes and backslashes act).
fn has_unsafe_characters(path: &Path) -> bool {
    path.to_string_lossy()
        .contains(['\'', '"', '$', '`', '\\', ',', '\n'])
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The socket goes into the data directory unless that path is too long for a socket.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let socket_path_len = data_dir.as_os_str().len() + format!("/.s.PGSQL.{PORT}").len();
    if socket_path_len <= MAX_SOCKET_PATH {
        return data_dir.to_owned();
    }
    // Short and stable: the same data directory always gets the same socket directory,
    // under a fixed base rather than $TMPDIR, so every process computes the same one.
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    Path::new("/tmp").join(format!("centric-{}", &hex::encode(digest)[..12]))
}

/// Every ancestor of `dir` must let `user` through (the execute bit), or PostgreSQL
/// fails later with a far less helpful message.
fn check_reachable(dir: &Path, user: &RunAs) -> Result<(), LaunchError> {
    for ancestor in dir.ancestors().skip(1) {
        let meta = fs::metadata(ancestor)
            .map_err(io_error(format!("cannot inspect {}", ancestor.display())))?;
        let mode = meta.mode();
        let allowed = if meta.uid() == user.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == user.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !allowed {
            return Err(LaunchError::Unreachable {
                user: user.name.clone(),
                path: ancestor.to_owned(),
            });
        }
    }
    Ok(())
}

/// Makes `dir` private (0700) to the user the server runs as.
fn make_private(dir: &Path, run_as: Option<&RunAs>) -> Result<(), LaunchError> {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_error(format!(
        "cannot set permissions on {}",
        dir.display()
    )))?;
    if let Some(user) = run_as {
        nix::unistd::chown(dir, Some(user.uid), Some(user.gid)).map_err(|e| {
            io_error(format!(
                "cannot hand {} to user '{}'",
                dir.display(),
                user.name
            ))(e.into())
        })?;
    }
    Ok(())
}

/// A socket directory outside the data directory must be ours alone: another local user
/// could have created it first to intercept connections.
fn prepare_socket_directory(dir: &Path, run_as: Option<&RunAs>) -> Result<(), LaunchError> {
    match fs::create_dir(dir) {
        Ok(()) => make_private(dir, run_as),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(dir)
                .map_err(io_error(format!("cannot inspect {}", dir.display())))?;
            let ours = run_as.map_or(Uid::effective(), |user| user.uid).as_raw();
            if meta.file_type().is_dir() && (meta.uid() == ours || meta.uid() == 0) {
                make_private(dir, run_as)
            } else {
                Err(LaunchError::Io {
                    context: format!(
                        "{} belongs to another user; remove it or choose a shorter CENTRIC_DATA_DIR",
                        dir.display()
                    ),
                    source: std::io::ErrorKind::PermissionDenied.into(),
                })
            }
        }
        Err(e) => Err(io_error(format!("cannot create {}", dir.display()))(e)),
    }
}

#[derive(Clone, Copy)]
enum LockMode {
    Shared,
    Exclusive,
}

/// Opens and locks `path`, waiting for the lock off the async runtime.
async fn lock_file(path: PathBuf, mode: LockMode) -> Result<File, LaunchError> {
    tokio::task::spawn_blocking(move || {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error(format!("cannot open {}", path.display())))?;
        match mode {
            LockMode::Shared => file.lock_shared(),
            LockMode::Exclusive => file.lock(),
        }
        .map_err(io_error(format!("cannot lock {}", path.display())))?;
        Ok(file)
    })
    .await
    .expect("the lock task does not panic")
}

/// The pid on the first line of a PostgreSQL lock file.
fn read_pid(path: &Path) -> Option<i32> {
    read_line(path, 1)?.parse().ok()
}

/// Line `n` (1-based) of a PostgreSQL lock file.
fn read_line(path: &Path, n: usize) -> Option<String> {
    fs::read_to_string(path)
        .ok()?
        .lines()
        .nth(n - 1)
        .map(|line| line.trim().to_owned())
}

/// Is `pid` a live postmaster of *this* cluster — not a recycled pid, not another
/// cluster's server? A postmaster's working directory is its data directory.
fn is_postmaster_of(pid: i32, pgdata: &Path) -> bool {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm"));
    let cwd = fs::read_link(format!("/proc/{pid}/cwd"));
    comm.is_ok_and(|c| c.trim() == "postgres") && cwd.is_ok_and(|cwd| cwd == pgdata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_data_directories_get_a_short_socket_directory() {
        let short = Path::new("/srv/centric");
        assert_eq!(socket_dir_for(short), short);
        let long = PathBuf::from(format!("/srv/{}", "nested/".repeat(20)));
        let socket_dir = socket_dir_for(&long);
        assert_ne!(socket_dir, long);
        assert!(socket_dir.as_os_str().len() < 60);
        assert_eq!(socket_dir, socket_dir_for(&long), "stable across processes");
    }

    #[test]
    fn missing_binaries_give_the_install_hint() {
        let empty = std::env::temp_dir().join("centric-no-such-pg");
        let error = PgBinaries::locate(None, Some("/nonexistent"), &empty).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("install the PostgreSQL server"),
            "{message}"
        );
        assert!(message.contains("DATABASE_URL"), "{message}");
    }
}
