//! CSV imports of responses and service contacts: all or nothing, streamed.
//!
//! Pass 1 reads the whole file and validates every row (with the same rules as the API),
//! hashing it on the way; any error means nothing is written and a report of row,
//! column and message. Pass 2 reads it again and stores it in batches inside ONE
//! transaction, together with the `imports` row carrying the file's hash. The file is
//! never held in memory, so a million rows need no more than a batch.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::domain::Slug;
use crate::repo::contacts::{self, NewContact};
use crate::repo::imports::{self, NewImport};
use crate::repo::responses::{self, Counting, NewResponse};
use crate::repo::{audit, metrics as refs};
use crate::services::api_ingest::{Kind, Lookups, read_contact, read_response};
use crate::services::ingest;

const BATCH: usize = 5_000;
/// A report lists this many problems at most (with the total).
const MAX_REPORTED: usize = 200;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    /// The line's record number in the file, the header being row 1.
    pub row: u64,
    pub column: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ImportReport {
    pub rows: u64,
    pub stored: u64,
    pub duplicates: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{total} problem(s) in the file; nothing was imported")]
    Invalid { errors: Vec<RowError>, total: usize },
    #[error(
        "this file was already imported as {file_name} on {on} ({rows} rows); nothing was imported"
    )]
    AlreadyImported {
        file_name: String,
        on: String,
        rows: i64,
    },
    #[error("there is no survey '{0}'")]
    UnknownSurvey(String),
    #[error("cannot read {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The columns a responses file may have. An export can be imported again: its derived
/// columns (category, department, source) are read and ignored.
pub const RESPONSE_COLUMNS: [&str; 12] = [
    "survey",
    "score",
    "category",
    "comment",
    "submitted_at",
    "touchpoint",
    "department",
    "segment",
    "respondent_department",
    "customer_ref",
    "source",
    "external_id",
];

/// One validated row of either kind.
enum Row {
    Response(NewResponse),
    Contact(NewContact),
}

struct Plan {
    kind: Kind,
    survey: Option<String>,
    lookups: Lookups,
    now: OffsetDateTime,
}

impl Plan {
    fn read(&self, record: &Map<String, Value>) -> Result<Row, Vec<(String, String)>> {
        match self.kind {
            Kind::Responses => read_response(record, &self.lookups, self.now).map(Row::Response),
            Kind::Contacts => read_contact(record, &self.lookups, self.now).map(Row::Contact),
        }
    }

    /// A CSV record as the API's item: columns by header; the survey from the command.
    fn item(&self, headers: &csv::StringRecord, record: &csv::StringRecord) -> Map<String, Value> {
        let mut item = Map::new();
        for (header, value) in headers.iter().zip(record.iter()) {
            let value = match header {
                // Numbers are numbers in the API's items; a non-number stays a string,
                // which the validation then names.
                "score" | "cost" => value
                    .trim()
                    .parse::<serde_json::Number>()
                    .map(Value::Number)
                    .unwrap_or_else(|_| {
                        if value.trim().is_empty() {
                            Value::Null
                        } else {
                            Value::String(value.to_owned())
                        }
                    }),
                _ => Value::String(value.to_owned()),
            };
            if !["category", "department", "source"].contains(&header) {
                item.insert(header.to_owned(), value);
            }
        }
        // The command's --survey fills rows that do not name a survey (pass 1 refuses
        // rows naming another one).
        let named = item
            .get("survey")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        if let (Some(survey), false) = (&self.survey, named) {
            item.insert("survey".into(), Value::String(survey.clone()));
        }
        item
    }
}

/// Imports `path`, recorded under `file_name` (what the person called it);
/// `survey` names the survey of a responses file whose rows do not.
pub async fn import_file(
    pool: &PgPool,
    kind: Kind,
    path: &Path,
    file_name: &str,
    survey: Option<&str>,
    actor: &audit::Actor,
) -> Result<ImportReport, ImportError> {
    let survey_id = match (kind, survey) {
        // What cannot be a slug (e.g. text with a NUL, which PostgreSQL refuses to
        // compare) names no survey; it is not asked for.
        (Kind::Responses, Some(slug)) if Slug::parse(slug).is_err() => {
            return Err(ImportError::UnknownSurvey(slug.to_owned()));
        }
        (Kind::Responses, Some(slug)) => Some(
            refs::survey_by_slug(pool, slug)
                .await?
                .ok_or_else(|| ImportError::UnknownSurvey(slug.to_owned()))?
                .id,
        ),
        // Without --survey, each row names its survey (as an export does).
        (Kind::Responses, None) => None,
        (Kind::Contacts, _) => None,
    };
    let lookups = {
        let mut conn = pool.acquire().await?;
        Lookups::load(&mut conn).await?
    };
    let plan = std::sync::Arc::new(Plan {
        kind,
        survey: survey.map(str::to_owned),
        lookups,
        now: OffsetDateTime::now_utc(),
    });

    // Pass 1: validate everything, hash the bytes.
    let (rows, sha256, errors, total) = {
        let (plan, path) = (plan.clone(), path.to_owned());
        tokio::task::spawn_blocking(move || validate_file(&plan, &path))
            .await
            .expect("validation does not panic")?
    };
    if total > 0 {
        return Err(ImportError::Invalid { errors, total });
    }
    let kind_name = match kind {
        Kind::Responses => "responses",
        Kind::Contacts => "contacts",
    };
    let already = |past: imports::PastImport| ImportError::AlreadyImported {
        file_name: past.file_name,
        on: past.created_at.date().to_string(),
        rows: past.row_count,
    };
    if let Some(past) = imports::find_by_hash(pool, kind_name, &sha256, survey_id).await? {
        return Err(already(past));
    }

    // Pass 2: store, in one transaction.
    let mut tx = pool.begin().await?;
    crate::repo::set_transaction_timeout(&mut tx, "0").await?;
    let created_by = match actor {
        audit::Actor::User { id, .. } => Some(*id),
        _ => None,
    };
    let file_name: String = file_name.chars().take(255).collect();
    let import = NewImport {
        kind: kind_name,
        file_name: &file_name,
        sha256: &sha256,
        row_count: rows as i64,
        survey_id,
        created_by,
    };
    let import_id = match imports::insert(&mut tx, import).await {
        // Another import of the same file committed in the meantime.
        Err(error)
            if error
                .as_database_error()
                .is_some_and(|e| e.constraint() == Some(imports::FILE_KEY)) =>
        {
            drop(tx);
            let past = imports::find_by_hash(pool, kind_name, &sha256, survey_id).await?;
            return Err(past.map(already).unwrap_or(ImportError::Database(error)));
        }
        other => other?,
    };
    let time_zone = responses::time_zone(&mut tx).await?;
    let (sender, mut batches) = mpsc::channel::<Vec<Row>>(2);
    let reader = {
        let (plan, path) = (plan.clone(), path.to_owned());
        tokio::task::spawn_blocking(move || stream_rows(&plan, &path, sender))
    };
    let mut stored = 0u64;
    while let Some(batch) = batches.recv().await {
        let mut answers = Vec::new();
        let mut contacts_batch = Vec::new();
        for row in batch {
            match row {
                Row::Response(mut r) => {
                    r.source = "import";
                    r.import_id = Some(import_id);
                    answers.push(r);
                }
                Row::Contact(mut c) => {
                    c.source = "import";
                    c.import_id = Some(import_id);
                    contacts_batch.push(c);
                }
            }
        }
        stored += ingest::store_counting(&mut tx, &answers, Counting::Deferred)
            .await?
            .len() as u64;
        if !contacts_batch.is_empty() {
            stored += contacts::insert_batch(&mut tx, &contacts_batch, &time_zone).await?;
        }
    }
    // Pass 2 must have read exactly the file pass 1 validated; otherwise roll back.
    let (read, hash) = reader.await.expect("the reader does not panic")?;
    if read != rows || hash != sha256 {
        return Err(ImportError::Unreadable {
            path: path.to_owned(),
            message: "the file changed during the import; nothing was imported".into(),
        });
    }
    // Counted in one go at the end: rollup rows stay locked only briefly.
    if kind == Kind::Responses {
        responses::count_import(&mut tx, import_id, &time_zone).await?;
    }
    let after = serde_json::json!({ "file": file_name, "rows": rows, "stored": stored });
    let entry = audit::Entry {
        actor,
        action: "import.complete",
        target_type: "import",
        target_id: import_id.to_string(),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(ImportReport {
        rows,
        stored,
        duplicates: rows - stored,
    })
}

fn open(path: &Path) -> Result<csv::Reader<HashingReader<File>>, ImportError> {
    let file = File::open(path).map_err(|e| ImportError::Unreadable {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(HashingReader {
            inner: file,
            hasher: Sha256::new(),
        }))
}

type Validated = (u64, [u8; 32], Vec<RowError>, usize);

fn validate_file(plan: &Plan, path: &Path) -> Result<Validated, ImportError> {
    let mut reader = open(path)?;
    let unreadable = |message: String| ImportError::Unreadable {
        path: path.to_owned(),
        message,
    };
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        // A header row that is not UTF-8 is the file's problem, reported as row 1 like any
        // other (not as a server-side read error naming the temporary file).
        Err(error) if matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) => {
            let problem = RowError {
                row: 1,
                column: String::new(),
                message: "the header row is not UTF-8 text; save the file as CSV (UTF-8)".into(),
            };
            return Ok((0, [0; 32], vec![problem], 1));
        }
        Err(error) => return Err(unreadable(error.to_string())),
    };
    let mut errors = Vec::new();
    let mut total = 0usize;
    let mut report = |error: RowError| {
        total += 1;
        if errors.len() < MAX_REPORTED {
            errors.push(error);
        }
    };
    let allowed: &[&str] = match plan.kind {
        Kind::Responses => &RESPONSE_COLUMNS,
        Kind::Contacts => &["reason", "channel", "occurred_at", "cost", "external_id"],
    };
    for header in headers.iter().filter(|h| !allowed.contains(h)) {
        report(RowError {
            row: 1,
            column: header.to_owned(),
            message: format!("unknown column; expected some of: {}", allowed.join(", ")),
        });
    }
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                let row = rows + 1;
                if record.len() != headers.len() {
                    report(RowError {
                        row,
                        column: String::new(),
                        message: format!(
                            "has {} fields; the header has {}",
                            record.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                let item = plan.item(&headers, &record);
                if let (Some(expected), Some(named)) =
                    (&plan.survey, item.get("survey").and_then(Value::as_str))
                    && named.trim() != expected
                {
                    report(RowError {
                        row,
                        column: "survey".into(),
                        message: format!(
                            "this import is for survey '{expected}', the row names '{named}'"
                        ),
                    });
                }
                if let Err(problems) = plan.read(&item) {
                    for (column, message) in problems {
                        report(RowError {
                            row,
                            column,
                            message,
                        });
                    }
                }
            }
            Err(error) => {
                rows += 1;
                report(RowError {
                    row: rows + 1,
                    column: String::new(),
                    message: format!("not readable CSV: {error}"),
                });
                if !matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if rows == 0 {
        report(RowError {
            row: 2,
            column: String::new(),
            message: "the file has no rows below its header".into(),
        });
    }
    // Hash whatever the parser did not need to read (it stops at the last record).
    let mut rest = reader.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(|e| unreadable(e.to_string()))?;
    Ok((rows, rest.hasher.finalize().into(), errors, total))
}

/// Reads the file again, sending validated rows in batches; returns the rows read and
/// the file's hash, for the caller to compare with pass 1.
fn stream_rows(
    plan: &Plan,
    path: &Path,
    sender: mpsc::Sender<Vec<Row>>,
) -> Result<(u64, [u8; 32]), ImportError> {
    let mut reader = open(path)?;
    let changed = || ImportError::Unreadable {
        path: path.to_owned(),
        message: "the file changed during the import; nothing was imported".into(),
    };
    let headers = reader.headers().map_err(|_| changed())?.clone();
    let mut batch = Vec::with_capacity(BATCH);
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while reader.read_record(&mut record).map_err(|_| changed())? {
        rows += 1;
        if record.len() != headers.len() {
            return Err(changed());
        }
        let row = plan
            .read(&plan.item(&headers, &record))
            .map_err(|_| changed())?;
        batch.push(row);
        if batch.len() == BATCH
            && sender
                .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .is_err()
        {
            return Err(changed());
        }
    }
    if !batch.is_empty() && sender.blocking_send(batch).is_err() {
        return Err(changed());
    }
    let mut rest = reader.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(|_| changed())?;
    Ok((rows, rest.hasher.finalize().into()))
}

/// Hashes every byte read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
