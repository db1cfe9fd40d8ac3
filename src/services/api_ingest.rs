//! `POST /api/v1/responses`: one response object or an array of up to 10,000, validated
//! item by item (index, field, message) and stored all-or-nothing, idempotently.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::repo::responses::NewResponse;
use crate::repo::surveys::{self, SurveyRules};
use crate::repo::{audit, idempotency};
use crate::services::ingest;

pub const MAX_ITEMS: usize = 10_000;
const FIELDS: [&str; 8] = [
    "survey",
    "score",
    "comment",
    "submitted_at",
    "touchpoint",
    "segment",
    "respondent_department",
    "external_id",
];
/// Clocks differ: a response up to five minutes "in the future" is accepted.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// What went wrong with one item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemError {
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// The answer to send: status and JSON body (also what an Idempotency-Key replays).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// Survey, touchpoint and department references, resolved once per request.
pub struct Lookups {
    surveys: HashMap<String, SurveyRules>,
    touchpoints: HashMap<String, Uuid>,
    departments: HashMap<String, Uuid>,
}

impl Lookups {
    pub fn new(
        surveys: Vec<SurveyRules>,
        touchpoints: Vec<(String, Uuid)>,
        departments: Vec<(String, Uuid)>,
    ) -> Self {
        Self {
            surveys: surveys.into_iter().map(|s| (s.slug.clone(), s)).collect(),
            touchpoints: touchpoints.into_iter().collect(),
            departments: departments.into_iter().collect(),
        }
    }
}

/// Validates every item; all errors are reported, not just the first.
pub fn validate(
    body: &Value,
    lookups: &Lookups,
    now: OffsetDateTime,
) -> Result<Vec<NewResponse>, Vec<ItemError>> {
    let items: Vec<&Value> = match body {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => {
            return Err(vec![item_error(
                0,
                "",
                "send a response object or an array of them",
            )]);
        }
    };
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(vec![item_error(
            0,
            "",
            &format!("send between 1 and {MAX_ITEMS} responses per request"),
        )]);
    }
    let mut rows = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match item {
            Value::Object(fields) => match validate_item(fields, lookups, now) {
                Ok(row) => rows.push(row),
                Err(item_errors) => {
                    errors.extend(item_errors.into_iter().map(|(field, message)| ItemError {
                        index,
                        field,
                        message,
                    }))
                }
            },
            _ => errors.push(item_error(index, "", "each item must be a JSON object")),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn item_error(index: usize, field: &str, message: &str) -> ItemError {
    ItemError {
        index,
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

type FieldErrors = Vec<(String, String)>;

fn validate_item(
    fields: &Map<String, Value>,
    lookups: &Lookups,
    now: OffsetDateTime,
) -> Result<NewResponse, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let mut fail = |field: &str, message: &str| errors.push((field.to_owned(), message.to_owned()));
    for key in fields.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        fail(key, "unknown field");
    }
    let text = |name: &str, max: usize, fail: &mut dyn FnMut(&str, &str)| -> Option<String> {
        match fields.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= max => {
                Some(s.trim().to_owned())
            }
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(_)) => {
                fail(name, &format!("at most {max} characters"));
                None
            }
            Some(_) => {
                fail(name, "must be a string");
                None
            }
        }
    };
    let survey = match text("survey", 64, &mut fail) {
        Some(slug) => lookups.surveys.get(&slug).or_else(|| {
            fail("survey", &format!("there is no survey '{slug}'"));
            None
        }),
        None => {
            fail("survey", "required: the survey's slug");
            None
        }
    };
    let score = match fields.get("score") {
        Some(Value::Number(n)) => n.as_i64().filter(|v| (0..=10).contains(v)),
        _ => None,
    };
    if score.is_none() {
        fail("score", "required: a whole number from 0 to 10");
    }
    let comment = text("comment", 2000, &mut fail);
    let submitted_at = match fields.get("submitted_at") {
        None | Some(Value::Null) => Some(now),
        Some(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| {
            fail(
                "submitted_at",
                "use an RFC 3339 time such as 2026-11-24T09:30:00Z",
            );
            None
        }),
        Some(_) => {
            fail(
                "submitted_at",
                "use an RFC 3339 time such as 2026-11-24T09:30:00Z",
            );
            None
        }
    };
    if let (Some(at), Some(survey)) = (submitted_at, survey) {
        if at > now + CLOCK_SKEW {
            fail("submitted_at", "is in the future");
        } else if at < survey.opens_at {
            fail("submitted_at", "is before the survey opened");
        } else if survey.closed_at.is_some_and(|closed| at > closed) {
            fail("submitted_at", "is after the survey closed");
        }
    }
    let touchpoint = text("touchpoint", 64, &mut fail).and_then(|slug| {
        lookups.touchpoints.get(&slug).copied().or_else(|| {
            fail("touchpoint", &format!("there is no touchpoint '{slug}'"));
            None
        })
    });
    let department = text("respondent_department", 64, &mut fail).and_then(|slug| {
        lookups.departments.get(&slug).copied().or_else(|| {
            fail(
                "respondent_department",
                &format!("there is no department '{slug}'"),
            );
            None
        })
    });
    let segment = text("segment", 64, &mut fail);
    let external_id = text("external_id", 128, &mut fail);
    if let Some(survey) = survey {
        if survey.kind != "customer" && touchpoint.is_some() {
            fail("touchpoint", "only customer surveys have touchpoints");
        }
        if let (Some(own), Some(given)) = (survey.touchpoint_id, touchpoint)
            && own != given
        {
            fail("touchpoint", "this survey belongs to another touchpoint");
        }
        if survey.kind == "internal" && department.is_none() {
            fail(
                "respondent_department",
                "required for internal surveys: the rater's department",
            );
        }
    }
    match (survey, score, submitted_at) {
        (Some(survey), Some(score), Some(submitted_at)) if errors.is_empty() => Ok(NewResponse {
            survey_id: survey.id,
            survey_kind: survey.kind.clone(),
            score: score as i16,
            comment,
            submitted_at,
            touchpoint_id: touchpoint.or(survey.touchpoint_id),
            segment,
            respondent_department_id: department,
            customer_ref: None,
            source: "api",
            external_id,
            submission_id: None,
            import_id: None,
        }),
        _ => Err(errors),
    }
}

/// Validates and stores a request body for `token`, replaying the first answer when the
/// same Idempotency-Key comes again with the same body.
pub async fn ingest(
    pool: &PgPool,
    token: Uuid,
    ip: Option<std::net::IpAddr>,
    key: Option<&str>,
    raw: &[u8],
) -> Result<Answer, sqlx::Error> {
    let request_hash: [u8; 32] = Sha256::digest(raw).into();
    let mut tx = pool.begin().await?;
    if let Some(key) = key
        && let Some(earlier) = idempotency::claim(&mut tx, token, key, &request_hash).await?
    {
        tx.rollback().await?;
        return Ok(if earlier.request_hash == request_hash {
            Answer {
                status: earlier.response_status as u16,
                body: earlier.response_body,
            }
        } else {
            error_answer(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different body",
                None,
            )
        });
    }
    let answer = match serde_json::from_slice::<Value>(raw) {
        Err(_) => error_answer(400, "invalid_json", "the body is not valid JSON", None),
        Ok(body) => {
            let lookups = {
                let (touchpoints, departments) = surveys::slugs(&mut tx).await?;
                Lookups::new(surveys::rules(&mut tx).await?, touchpoints, departments)
            };
            match validate(&body, &lookups, OffsetDateTime::now_utc()) {
                Err(errors) => error_answer(
                    422,
                    "invalid_items",
                    &format!("{} problem(s) found; nothing was stored", errors.len()),
                    Some(serde_json::to_value(errors).expect("errors serialise")),
                ),
                Ok(rows) => {
                    let stored = ingest::store(&mut tx, &rows).await?;
                    let after =
                        serde_json::json!({ "received": rows.len(), "stored": stored.len() });
                    let actor = audit::Actor::Token { id: token, ip };
                    let entry = audit::Entry {
                        actor: &actor,
                        action: "responses.ingest",
                        target_type: "responses",
                        target_id: String::new(),
                        before: None,
                        after: Some(after),
                    };
                    audit::record(&mut tx, entry).await?;
                    Answer {
                        status: 201,
                        body: serde_json::json!({ "received": rows.len(), "stored": stored.len(), "duplicates": rows.len() - stored.len() }),
                    }
                }
            }
        }
    };
    if let Some(key) = key {
        idempotency::record(&mut tx, token, key, answer.status, &answer.body).await?;
    }
    tx.commit().await?;
    Ok(answer)
}

fn error_answer(status: u16, code: &str, message: &str, items: Option<Value>) -> Answer {
    let mut error = serde_json::json!({ "code": code, "message": message });
    if let Some(items) = items {
        error["items"] = items;
    }
    Answer {
        status,
        body: serde_json::json!({ "error": error }),
    }
}
