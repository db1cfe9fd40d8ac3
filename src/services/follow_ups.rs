//! Working a follow-up: the department's head (or the CX lead) moves it between open,
//! contacted and resolved, over the version they saw, audited in the same transaction.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::repo::audit;
use crate::repo::follow_ups::{self, FollowUpState};
use crate::services::editing::{SaveError, audit as record_change, check_version};

/// The form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpForm {
    pub status: String,
    pub note: String,
    pub version: String,
}

impl FollowUpForm {
    pub fn from_follow_up(follow_up: &follow_ups::FollowUp) -> Self {
        Self {
            status: follow_up.status.clone(),
            note: follow_up.note.clone(),
            version: follow_up.version.to_string(),
        }
    }
}

pub const STATUSES: [(&str, &str); 3] = [
    ("open", "Open"),
    ("contacted", "Contacted"),
    ("resolved", "Resolved"),
];

const NOTE_LIMIT: usize = 4000;

fn validate(form: &FollowUpForm) -> Result<FollowUpState, SaveError> {
    let mut errors = FieldErrors::default();
    let status = form.status.trim();
    if !STATUSES.iter().any(|(key, _)| *key == status) {
        errors.add("status", "choose open, contacted or resolved");
    }
    let note = form.note.trim();
    if note.chars().count() > NOTE_LIMIT {
        errors.add("note", "keep the note under 4,000 characters");
    } else if status == "resolved" && note.is_empty() {
        errors.add(
            "note",
            "say how it was resolved, e.g. \"Called, apologised and refunded the fee\"",
        );
    }
    if errors.is_empty() {
        Ok(FollowUpState {
            status: status.to_owned(),
            note: note.to_owned(),
        })
    } else {
        Err(SaveError::Invalid(errors))
    }
}

/// Saves `form` onto follow-up `id` of `department`, by `user`.
pub async fn change(
    pool: &PgPool,
    department: Uuid,
    id: Uuid,
    form: &FollowUpForm,
    user: Uuid,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let state = validate(form)?;
    let mut tx = pool.begin().await?;
    let (before, version) = follow_ups::lock(&mut tx, department, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    check_version(&form.version, version)?;
    if before != state {
        follow_ups::update(&mut tx, id, &state, user).await?;
        record_change(
            &mut tx,
            actor,
            "follow_up.update",
            ("follow_up", id.to_string()),
            Some(&before),
            &state,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(status: &str, note: &str) -> FollowUpForm {
        FollowUpForm {
            status: status.into(),
            note: note.into(),
            version: "1".into(),
        }
    }

    fn fields(result: Result<FollowUpState, SaveError>) -> Vec<&'static str> {
        match result {
            Err(SaveError::Invalid(errors)) => errors.iter().map(|(field, _)| field).collect(),
            Ok(_) => Vec::new(),
            Err(_) => panic!("only field errors expected"),
        }
    }

    #[test]
    fn resolving_needs_a_note_and_a_known_status() {
        assert_eq!(fields(validate(&form("resolved", "  "))), vec!["note"]);
        assert_eq!(fields(validate(&form("closed", "x"))), vec!["status"]);
        assert_eq!(
            fields(validate(&form("open", &"x".repeat(4001)))),
            vec!["note"]
        );
        assert!(fields(validate(&form("contacted", ""))).is_empty());
        assert_eq!(
            validate(&form(" resolved ", " Refunded. ")).ok(),
            Some(FollowUpState {
                status: "resolved".into(),
                note: "Refunded.".into()
            })
        );
    }
}
