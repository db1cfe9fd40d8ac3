//! CSV imports in the browser: upload a file, see it imported whole or a row-by-row
//! report of what to fix (nothing written).

use axum::Extension;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;
use crate::repo::audit::Actor;
use crate::repo::imports::{self, ImportListing};
use crate::repo::surveys::{self, SurveyListing};
use crate::services::api_ingest::Kind;
use crate::services::import::{self, ImportError, RowError};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::{Caller, ClientIp};
use crate::web::layout::Layout;
use crate::web::render;

/// Large enough for a million rows.
const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/imports", Access::CxLead, show)
        .post_upload("/admin/imports", Access::CxLead, UPLOAD_LIMIT, upload)
}

#[derive(askama::Template)]
#[template(path = "admin/imports.html")]
pub struct ImportsPage {
    pub layout: Layout,
    pub surveys: Vec<SurveyListing>,
    pub recent: Vec<ImportListing>,
    /// What was chosen, kept when the page is shown again.
    pub kind: String,
    pub survey: String,
    pub outcome: Option<Outcome>,
}

pub enum Outcome {
    Imported {
        file_name: String,
        rows: u64,
        stored: u64,
        duplicates: u64,
    },
    Refused {
        file_name: String,
        message: String,
        rows: Vec<RowError>,
        total: usize,
    },
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    page(
        &state,
        &caller,
        uri.path(),
        "responses".into(),
        String::new(),
        None,
    )
    .await
}

async fn page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    kind: String,
    survey: String,
    outcome: Option<Outcome>,
) -> Result<Html<String>, AppError> {
    let surveys = surveys::list(&state.pool).await?;
    let recent = imports::recent(&state.pool, 20).await?;
    render(&ImportsPage {
        layout: Layout::for_caller(caller, path),
        surveys,
        recent,
        kind,
        survey,
        outcome,
    })
}

async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let user = caller.user().ok_or(AppError::NotFound)?;
    let (mut kind, mut survey, mut file_name) =
        (String::from("responses"), String::new(), String::new());
    // The upload is streamed to a private temporary file, never held in memory, and
    // removed however the request ends (an error, or the client going away mid-upload).
    let temp = RemovedOnDrop(std::env::temp_dir().join(format!(
        "centric-upload-{}.csv",
        uuid::Uuid::new_v4().simple()
    )));
    let temp = &temp.0;
    let mut received = false;
    let mut bad_form = None;
    // A body that is not a readable multipart form (cut short, malformed, too large) is
    // the sender's problem: answered with its 4xx and the page, never a 500.
    let mut unreadable: Option<MultipartError> = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                unreadable = Some(error);
                break;
            }
        };
        match field.name() {
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("survey") => survey = field.text().await.unwrap_or_default(),
            Some("file") => {
                file_name = field
                    .file_name()
                    .unwrap_or("upload.csv")
                    .chars()
                    .take(200)
                    .collect();
                let mut out = tokio::fs::File::create(&temp)
                    .await
                    .map_err(anyhow::Error::from)?;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            out.write_all(&chunk).await.map_err(anyhow::Error::from)?
                        }
                        Ok(None) => break,
                        Err(error) => {
                            unreadable = Some(error);
                            break;
                        }
                    }
                }
                if unreadable.is_some() {
                    break;
                }
                out.flush().await.map_err(anyhow::Error::from)?;
                received = true;
            }
            other => bad_form = other.map(str::to_owned),
        }
    }
    let kind_choice = match kind.as_str() {
        "contacts" => Some(Kind::Contacts),
        "responses" => Some(Kind::Responses),
        _ => None,
    };
    let unreadable = unreadable.map(|error| match error.status() {
        StatusCode::PAYLOAD_TOO_LARGE => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the file is larger than Centric takes here; nothing was imported",
        ),
        status => (
            status,
            "the upload could not be read (it was cut short or is not a file upload); nothing was imported",
        ),
    });
    let outcome = match (unreadable, kind_choice, received, bad_form) {
        (Some((_, message)), ..) => refused(&file_name, message.into()),
        (None, _, _, Some(field)) => {
            refused(&file_name, format!("unexpected form field '{field}'"))
        }
        (None, None, _, _) => refused(
            &file_name,
            "choose what the file holds: responses or contacts".into(),
        ),
        (None, _, false, _) => refused(&file_name, "choose a CSV file to upload".into()),
        (None, Some(kind_choice), true, None) => {
            // The file keeps its uploaded name in the import record.
            let named = RemovedOnDrop(temp.with_file_name(format!(
                "{}-{}",
                uuid::Uuid::new_v4().simple(),
                sanitise(&file_name)
            )));
            tokio::fs::rename(temp, &named.0)
                .await
                .map_err(anyhow::Error::from)?;
            let survey_slug =
                Some(survey.trim()).filter(|s| !s.is_empty() && kind_choice == Kind::Responses);
            let actor = Actor::User {
                id: user.id,
                ip: Some(ip),
            };
            let result = import::import_file(
                &state.pool,
                kind_choice,
                &named.0,
                &file_name,
                survey_slug,
                &actor,
            )
            .await;
            match result {
                Ok(report) => Outcome::Imported {
                    file_name: file_name.clone(),
                    rows: report.rows,
                    stored: report.stored,
                    duplicates: report.duplicates,
                },
                Err(ImportError::Invalid { errors, total }) => Outcome::Refused {
                    file_name: file_name.clone(),
                    message: format!("{total} problem(s) found; nothing was imported."),
                    rows: errors,
                    total,
                },
                Err(ImportError::Database(error)) => return Err(error.into()),
                Err(other) => refused(&file_name, other.to_string()),
            }
        }
    };
    let status = match (unreadable, &outcome) {
        (Some((status, _)), _) => status,
        (None, Outcome::Imported { .. }) => StatusCode::OK,
        (None, Outcome::Refused { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = page(&state, &caller, uri.path(), kind, survey, Some(outcome)).await?;
    Ok((status, page).into_response())
}

fn refused(file_name: &str, message: String) -> Outcome {
    Outcome::Refused {
        file_name: file_name.to_owned(),
        message,
        rows: Vec::new(),
        total: 0,
    }
}

/// A file name safe to use on disk: letters, digits, dot, dash and underscore.
fn sanitise(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.trim_matches(['.', '_']).is_empty() {
        "upload.csv".into()
    } else {
        cleaned
    }
}

/// A temporary file, deleted when this goes out of scope.
struct RemovedOnDrop(std::path::PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        // Usually already gone (renamed, or never created).
        let _ = std::fs::remove_file(&self.0);
    }
}
