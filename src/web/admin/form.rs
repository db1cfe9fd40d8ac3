//! How a refused save is shown on an admin form: field messages (422), "someone else
//! changed it" (409), or "try again shortly" (503); the person's input is always kept.

use axum::http::StatusCode;

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::services::editing::SaveError;

#[derive(Debug, Default)]
pub struct Refusal {
    pub errors: FieldErrors,
    pub conflict: bool,
    pub busy: bool,
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        if self.busy {
            StatusCode::SERVICE_UNAVAILABLE
        } else if self.conflict {
            StatusCode::CONFLICT
        } else if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

impl TryFrom<SaveError> for Refusal {
    type Error = AppError;

    /// What the form shows, or the error page for what no form can fix.
    fn try_from(error: SaveError) -> Result<Self, AppError> {
        match error {
            SaveError::Invalid(errors) => Ok(Self {
                errors,
                ..Self::default()
            }),
            SaveError::Conflict => Ok(Self {
                conflict: true,
                ..Self::default()
            }),
            SaveError::Busy => Ok(Self {
                busy: true,
                ..Self::default()
            }),
            SaveError::NotFound => Err(AppError::NotFound),
            SaveError::Database(error) => Err(error.into()),
        }
    }
}

/// The archive / bring-back button's form.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveForm {
    pub version: String,
    /// "1" to archive, "0" to bring back.
    pub archive: String,
}

impl ArchiveForm {
    pub fn archiving(&self) -> bool {
        self.archive == "1"
    }
}
