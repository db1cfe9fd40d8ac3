//! Backups: `centric backup FILE` writes a `pg_dump` custom-format archive of Centric's
//! database, `centric restore FILE` loads one back, both with the PostgreSQL binaries the
//! embedded cluster uses (README, "Backups and recovery").

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use tokio::process::Command;

use super::local_pg::PgBinaries;
use super::{DATABASE_NAME, Database};
use crate::config::DatabaseSettings;

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub bytes: u64,
}

/// The dump and restore tools and where they connect. The password, if any, travels in
/// the environment, never on a command line other users can read.
struct Tools {
    binaries: PgBinaries,
    url: url::Url,
    password: Option<String>,
}

impl Tools {
    fn new(database: &Database, settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let (binaries, url) = match (database.cluster(), settings.external_url()) {
            (Some(cluster), _) => (
                cluster.binaries().clone(),
                cluster.database_url(DATABASE_NAME),
            ),
            (None, Some(url)) => (
                PgBinaries::find(settings.pg_bin.as_deref())?,
                url.to_owned(),
            ),
            (None, None) => bail!("no database to back up"),
        };
        let (url, password) = without_password(&url)?;
        Ok(Self {
            binaries,
            url,
            password,
        })
    }

    async fn run(&self, tool: &str, args: &[&std::ffi::OsStr]) -> anyhow::Result<()> {
        let mut command = Command::new(self.binaries.tool(tool));
        command.args(args).arg(format!("--dbname={}", self.url));
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        let output = command
            .output()
            .await
            .with_context(|| format!("cannot run {tool}"))?;
        if !output.status.success() {
            let detail = String::from_utf8_lossy(&output.stderr);
            bail!("{tool} failed: {}", detail.trim());
        }
        Ok(())
    }
}

/// Dumps the database to `file`. The archive is written beside it and renamed into place
/// once complete, so `file` is never a half-written backup. Session records are left
/// out: a restore must not bring back anyone's sign-in.
pub async fn backup(
    database: &Database,
    settings: &DatabaseSettings,
    file: &Path,
) -> anyhow::Result<Backup> {
    let tools = Tools::new(database, settings)?;
    let partial = sibling(file, "partial");
    let result = tools
        .run(
            "pg_dump",
            &[
                "--format=custom".as_ref(),
                "--no-owner".as_ref(),
                "--exclude-table-data=sessions".as_ref(),
                "--file".as_ref(),
                partial.as_os_str(),
            ],
        )
        .await
        .and_then(|()| {
            std::fs::rename(&partial, file)
                .with_context(|| format!("cannot write {}", file.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result?;
    let bytes = std::fs::metadata(file)?.len();
    Ok(Backup { bytes })
}

/// Replaces the database's contents with the archive's, in one transaction: if anything
/// fails, the database is left as it was. Then brings the schema up to date (the archive
/// may predate migrations) and moves the data version past the one before the restore.
pub async fn restore(
    database: &Database,
    settings: &DatabaseSettings,
    file: &Path,
) -> anyhow::Result<()> {
    let tools = Tools::new(database, settings)?;
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    // Reading the table of contents first rejects a file that is not an archive before
    // anything in the database is touched.
    let listed = Command::new(tools.binaries.tool("pg_restore"))
        .arg("--list")
        .arg(file)
        .output()
        .await
        .context("cannot run pg_restore")?;
    if !listed.status.success() {
        bail!(
            "{} is not a Centric backup (pg_restore cannot read it)",
            file.display()
        );
    }
    let before = crate::repo::data_version::snapshot(&database.pool)
        .await?
        .version
        .version;
    tools
        .run(
            "pg_restore",
            &[
                "--clean".as_ref(),
                "--if-exists".as_ref(),
                "--single-transaction".as_ref(),
                "--exit-on-error".as_ref(),
                "--no-owner".as_ref(),
                "--no-privileges".as_ref(),
                file.as_os_str(),
            ],
        )
        .await?;
    database.migrate().await?;
    crate::repo::data_version::move_past(&database.pool, before).await?;
    Ok(())
}

/// The URL without its password, and the password as the server expects it (a URL holds
/// it percent-encoded: `p%40ss` is `p@ss`).
fn without_password(url: &str) -> anyhow::Result<(url::Url, Option<String>)> {
    let mut url = url::Url::parse(url).context("DATABASE_URL is not a valid URL")?;
    let password = url
        .password()
        .map(|encoded| percent_encoding::percent_decode_str(encoded).decode_utf8_lossy())
        .map(|password| password.into_owned());
    let _ = url.set_password(None);
    Ok((url, password))
}

fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    file.with_file_name(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_leaves_the_url_decoded() {
        let (url, password) =
            super::without_password("postgres://centric:p%40ss%2Fw0rd@db.example.com/centric")
                .unwrap();
        assert_eq!(url.as_str(), "postgres://centric@db.example.com/centric");
        assert_eq!(password.as_deref(), Some("p@ss/w0rd"));
        let (_, none) = super::without_password("postgres://centric@localhost/centric").unwrap();
        assert_eq!(none, None);
    }
}
