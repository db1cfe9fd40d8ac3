//! `POST /api/v1/responses` and `POST /api/v1/contacts`: one object or an array of up to
//! 10,000, validated item by item (index, field, message) and stored all-or-nothing in
//! one transaction, idempotently.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::repo::contacts::{self, NewContact};
use crate::repo::responses::{self, NewResponse};
use crate::repo::surveys::{self, SurveyRules};
use crate::repo::{audit, idempotency};
use crate::services::ingest;

pub const MAX_ITEMS: usize = 10_000;
/// Clocks differ: a record up to five minutes "in the future" is accepted.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// What is being sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Responses,
    Contacts,
}

/// What went wrong with one item.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ItemError {
    /// The item's position in the array (0 for a single object).
    pub index: usize,
    /// The field at fault; empty when the item as a whole is wrong.
    pub field: String,
    pub message: String,
}

/// What an accepted batch did: items repeating an `external_id` already stored are
/// counted as duplicates and not stored again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub received: usize,
    pub stored: usize,
    pub duplicates: usize,
}

/// One survey response as `POST /api/v1/responses` takes it (documentation of the
/// fields `read_response` accepts; a test keeps the two in step).
#[derive(utoipa::ToSchema)]
pub struct ResponseItem {
    /// The survey's slug.
    #[schema(example = "invoice-nps")]
    pub survey: String,
    #[schema(minimum = 0, maximum = 10, example = 4)]
    pub score: u8,
    /// The "why", at most 2,000 characters.
    #[schema(example = "The invoice was confusing")]
    pub comment: Option<String>,
    /// RFC 3339; defaults to now; not before the survey opened nor after it closed.
    #[schema(example = "2026-11-24T09:30:00Z")]
    pub submitted_at: Option<time::OffsetDateTime>,
    /// A touchpoint's slug (customer surveys only).
    pub touchpoint: Option<String>,
    /// A customer segment, at most 64 characters.
    #[schema(example = "smb")]
    pub segment: Option<String>,
    /// The respondent's department slug; required for internal surveys.
    pub respondent_department: Option<String>,
    /// Your reference for the customer, at most 128 characters.
    pub customer_ref: Option<String>,
    /// Your id for the response: sent again for the same survey, it is not stored twice.
    pub external_id: Option<String>,
}

/// One service contact as `POST /api/v1/contacts` takes it.
#[derive(utoipa::ToSchema)]
pub struct ContactItem {
    /// The contact reason's slug.
    #[schema(example = "unclear-invoice")]
    pub reason: String,
    /// The channel's slug.
    #[schema(example = "phone")]
    pub channel: String,
    /// RFC 3339; defaults to now.
    pub occurred_at: Option<time::OffsetDateTime>,
    /// In currency units; defaults to the channel's unit cost.
    #[schema(minimum = 0, maximum = 1000000)]
    pub cost: Option<f64>,
    /// Your id for the contact: sent again, it is not stored twice.
    pub external_id: Option<String>,
}

/// The answer to send: status and JSON body (also what an Idempotency-Key replays).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// Reads one item's fields, collecting a message per bad field.
struct ItemReader<'a> {
    fields: &'a Map<String, Value>,
    now: OffsetDateTime,
    errors: Vec<(String, String)>,
}

impl<'a> ItemReader<'a> {
    fn new(fields: &'a Map<String, Value>, allowed: &[&str], now: OffsetDateTime) -> Self {
        let mut reader = Self {
            fields,
            now,
            errors: Vec::new(),
        };
        for key in fields.keys().filter(|k| !allowed.contains(&k.as_str())) {
            // Named as sent, but with a NUL shown as U+FFFD: the answer is stored (jsonb,
            // for its Idempotency-Key), and PostgreSQL cannot store a NUL.
            reader.fail(&key.replace('\0', "\u{fffd}"), "unknown field");
        }
        reader
    }

    fn fail(&mut self, field: &str, message: &str) {
        self.errors.push((field.to_owned(), message.to_owned()));
    }

    /// An optional string of at most `max` characters (blank counts as absent).
    fn text(&mut self, name: &str, max: usize) -> Option<String> {
        match self.fields.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.contains('\0') => {
                self.fail(name, "must not contain NUL characters");
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) if s.chars().count() <= max => Some(s.trim().to_owned()),
            Some(Value::String(_)) => {
                self.fail(name, &format!("at most {max} characters"));
                None
            }
            Some(_) => {
                self.fail(name, "must be a string");
                None
            }
        }
    }

    /// A required reference by slug, resolved in `known`.
    fn reference<T: Clone>(
        &mut self,
        name: &str,
        what: &str,
        known: &HashMap<String, T>,
    ) -> Option<T> {
        match self.text(name, 64) {
            Some(slug) => known.get(&slug).cloned().or_else(|| {
                self.fail(name, &format!("there is no {what} '{slug}'"));
                None
            }),
            None => None,
        }
    }

    /// An RFC 3339 time, `now` when absent; never in the future.
    fn time(&mut self, name: &str) -> Option<OffsetDateTime> {
        let parsed = match self.fields.get(name) {
            None | Some(Value::Null) => Some(self.now),
            Some(Value::String(s)) => OffsetDateTime::parse(s, &Rfc3339).ok(),
            Some(_) => None,
        };
        match parsed {
            None => self.fail(name, "use an RFC 3339 time such as 2026-11-24T09:30:00Z"),
            Some(at) if at > self.now + CLOCK_SKEW => self.fail(name, "is in the future"),
            Some(_) => {}
        }
        parsed.filter(|at| *at <= self.now + CLOCK_SKEW)
    }

    fn require<T>(&mut self, name: &str, value: Option<T>, message: &str) -> Option<T> {
        if value.is_none() && !self.errors.iter().any(|(field, _)| field == name) {
            self.fail(name, message);
        }
        value
    }
}

/// Survey, touchpoint, department, reason and channel references, resolved once.
pub struct Lookups {
    surveys: HashMap<String, SurveyRules>,
    touchpoints: HashMap<String, Uuid>,
    departments: HashMap<String, Uuid>,
    reasons: HashMap<String, Uuid>,
    channels: HashMap<String, (Uuid, i64)>,
}

impl Lookups {
    pub async fn load(conn: &mut PgConnection) -> Result<Self, sqlx::Error> {
        let (touchpoints, departments) = surveys::slugs(conn).await?;
        let (reasons, channels) = contacts::lookups(conn).await?;
        Ok(Self {
            surveys: surveys::rules(conn)
                .await?
                .into_iter()
                .map(|s| (s.slug.clone(), s))
                .collect(),
            touchpoints: touchpoints.into_iter().collect(),
            departments: departments.into_iter().collect(),
            reasons: reasons.into_iter().collect(),
            channels: channels
                .into_iter()
                .map(|(slug, id, cost)| (slug, (id, cost)))
                .collect(),
        })
    }
}

/// The body's items, or why the body as a whole is unusable.
fn items(body: &Value) -> Result<Vec<&Value>, Vec<ItemError>> {
    let whole = |message: &str| {
        vec![ItemError {
            index: 0,
            field: String::new(),
            message: message.to_owned(),
        }]
    };
    let items: Vec<&Value> = match body {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => return Err(whole("send an object or an array of them")),
    };
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(whole(&format!(
            "send between 1 and {MAX_ITEMS} items per request"
        )));
    }
    Ok(items)
}

/// Validates every item with `read`; all errors are reported, not just the first.
fn validate<T>(
    body: &Value,
    mut read: impl FnMut(&Map<String, Value>) -> Result<T, Vec<(String, String)>>,
) -> Result<Vec<T>, Vec<ItemError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in items(body)?.into_iter().enumerate() {
        match item {
            Value::Object(fields) => match read(fields) {
                Ok(row) => rows.push(row),
                Err(item_errors) => {
                    errors.extend(item_errors.into_iter().map(|(field, message)| ItemError {
                        index,
                        field,
                        message,
                    }))
                }
            },
            _ => errors.push(ItemError {
                index,
                field: String::new(),
                message: "each item must be a JSON object".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

pub const RESPONSE_FIELDS: [&str; 9] = [
    "survey",
    "score",
    "comment",
    "submitted_at",
    "touchpoint",
    "segment",
    "respondent_department",
    "customer_ref",
    "external_id",
];

pub fn read_response(
    fields: &Map<String, Value>,
    lookups: &Lookups,
    now: OffsetDateTime,
) -> Result<NewResponse, Vec<(String, String)>> {
    let mut item = ItemReader::new(fields, &RESPONSE_FIELDS, now);
    let survey = item.reference("survey", "survey", &lookups.surveys);
    let survey = item.require("survey", survey, "required: the survey's slug");
    let score = match fields.get("score") {
        Some(Value::Number(n)) => n.as_i64().filter(|v| (0..=10).contains(v)),
        _ => None,
    };
    let score = item.require("score", score, "required: a whole number from 0 to 10");
    let comment = item.text("comment", 2000);
    let submitted_at = item.time("submitted_at");
    let touchpoint = item.reference("touchpoint", "touchpoint", &lookups.touchpoints);
    let department = item.reference("respondent_department", "department", &lookups.departments);
    let segment = item.text("segment", 64);
    let customer_ref = item.text("customer_ref", 128);
    let external_id = item.text("external_id", 128);
    if let Some(survey) = &survey {
        if submitted_at.is_some_and(|at| at < survey.opens_at) {
            item.fail("submitted_at", "is before the survey opened");
        }
        if let (Some(at), Some(closed)) = (submitted_at, survey.closed_at)
            && at > closed
        {
            item.fail("submitted_at", "is after the survey closed");
        }
        if survey.kind != "customer" && touchpoint.is_some() {
            item.fail("touchpoint", "only customer surveys have touchpoints");
        }
        if let (Some(own), Some(given)) = (survey.touchpoint_id, touchpoint)
            && own != given
        {
            item.fail("touchpoint", "this survey belongs to another touchpoint");
        }
        if survey.kind == "internal" && department.is_none() {
            item.fail(
                "respondent_department",
                "required for internal surveys: the rater's department",
            );
        }
    }
    match (survey, score, submitted_at) {
        (Some(survey), Some(score), Some(submitted_at)) if item.errors.is_empty() => {
            Ok(NewResponse {
                survey_id: survey.id,
                survey_kind: survey.kind.clone(),
                score: score as i16,
                comment,
                submitted_at,
                touchpoint_id: touchpoint.or(survey.touchpoint_id),
                segment,
                respondent_department_id: department,
                customer_ref,
                source: "api",
                external_id,
                submission_id: None,
                import_id: None,
            })
        }
        _ => Err(item.errors),
    }
}

pub const CONTACT_FIELDS: [&str; 5] = ["reason", "channel", "occurred_at", "cost", "external_id"];

pub fn read_contact(
    fields: &Map<String, Value>,
    lookups: &Lookups,
    now: OffsetDateTime,
) -> Result<NewContact, Vec<(String, String)>> {
    let mut item = ItemReader::new(fields, &CONTACT_FIELDS, now);
    let reason = item.reference("reason", "contact reason", &lookups.reasons);
    let reason = item.require("reason", reason, "required: the contact reason's slug");
    let channel = item.reference("channel", "channel", &lookups.channels);
    let channel = item.require("channel", channel, "required: the channel's slug");
    let occurred_at = item.time("occurred_at");
    // A given cost (in currency units) overrides the channel's unit cost.
    let cost_cents = match fields.get("cost") {
        None | Some(Value::Null) => channel.map(|(_, unit_cost)| unit_cost),
        Some(Value::Number(n)) => match n
            .as_f64()
            .filter(|c| c.is_finite() && (0.0..=1_000_000.0).contains(c))
        {
            Some(cost) => Some((cost * 100.0).round() as i64),
            None => {
                item.fail("cost", "a non-negative amount up to 1,000,000");
                None
            }
        },
        Some(_) => {
            item.fail("cost", "a number, e.g. 6.50");
            None
        }
    };
    let external_id = item.text("external_id", 128);
    match (reason, channel, occurred_at, cost_cents) {
        (Some(reason_id), Some((channel_id, _)), Some(occurred_at), Some(cost_cents))
            if item.errors.is_empty() =>
        {
            Ok(NewContact {
                reason_id,
                channel_id,
                occurred_at,
                cost_cents,
                external_id,
                source: "api",
                import_id: None,
            })
        }
        _ => Err(item.errors),
    }
}

/// Validates and stores a request body for `token`, replaying the first answer when the
/// same Idempotency-Key comes again with the same body.
pub async fn ingest(
    pool: &PgPool,
    kind: Kind,
    token: Uuid,
    ip: Option<std::net::IpAddr>,
    key: Option<&str>,
    raw: &[u8],
) -> Result<Answer, sqlx::Error> {
    let request_hash: [u8; 32] = Sha256::digest(raw).into();
    // A key belongs to one route: the same key on /responses and /contacts are two keys.
    let key = key.map(|key| match kind {
        Kind::Responses => format!("responses:{key}"),
        Kind::Contacts => format!("contacts:{key}"),
    });
    let key = key.as_deref();
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
            error_answer(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different body",
            ))
        });
    }
    let answer = match serde_json::from_slice::<Value>(raw) {
        Err(_) => error_answer(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "the body is not valid JSON",
        )),
        Ok(body) => {
            let lookups = Lookups::load(&mut tx).await?;
            let now = OffsetDateTime::now_utc();
            let stored = match kind {
                Kind::Responses => match validate(&body, |item| read_response(item, &lookups, now))
                {
                    Ok(rows) => Ok((rows.len(), ingest::store(&mut tx, &rows).await?.len())),
                    Err(errors) => Err(errors),
                },
                Kind::Contacts => match validate(&body, |item| read_contact(item, &lookups, now)) {
                    Ok(rows) => {
                        let time_zone = responses::time_zone(&mut tx).await?;
                        Ok((
                            rows.len(),
                            contacts::insert_batch(&mut tx, &rows, &time_zone).await? as usize,
                        ))
                    }
                    Err(errors) => Err(errors),
                },
            };
            match stored {
                Err(errors) => {
                    let mut error = ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_items",
                        format!("{} problem(s) found; nothing was stored", errors.len()),
                    );
                    error.items = errors;
                    error_answer(error)
                }
                Ok((received, stored)) => {
                    let (action, target) = match kind {
                        Kind::Responses => ("responses.ingest", "responses"),
                        Kind::Contacts => ("contacts.ingest", "service_contacts"),
                    };
                    let actor = audit::Actor::Token { id: token, ip };
                    let after = serde_json::json!({ "received": received, "stored": stored });
                    let entry = audit::Entry {
                        actor: &actor,
                        action,
                        target_type: target,
                        target_id: String::new(),
                        before: None,
                        after: Some(after),
                    };
                    audit::record(&mut tx, entry).await?;
                    let receipt = Receipt {
                        received,
                        stored,
                        duplicates: received - stored,
                    };
                    Answer {
                        status: 201,
                        body: serde_json::to_value(receipt).expect("a receipt serialises"),
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

fn error_answer(error: ApiError) -> Answer {
    Answer {
        status: error.status.as_u16(),
        body: serde_json::to_value(error.body()).expect("an error serialises"),
    }
}
