//! Property tests over HTTP: whatever reaches the API's ingestion routes, the public
//! survey form or a CSV import, Centric neither panics nor answers 500; it stores a
//! request whole or not at all, and refuses with a 4xx that says what is wrong (the item
//! and field, the form field, the row and column). Each test runs one app and draws its
//! inputs with proptest; a failing input is shrunk and printed, and kept below as a
//! named regression test once fixed.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Mutex;

use centric::repo::audit::Actor;
use centric::services::api_ingest::{CONTACT_FIELDS, Kind, RESPONSE_FIELDS};
use centric::services::import::{ImportError, RESPONSE_COLUMNS, import_file};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::{Map, Value, json};
use url::form_urlencoded;

use crate::helpers::{
    TestApp, add_contact_reason, add_department, add_organisation, add_survey, add_touchpoint,
    spawn_app_with,
};

/// Runs `cases` inputs drawn from `strategy` through the async `case` (against the app
/// the test started), shrinks a failing one and panics with it. Nothing is written to
/// disk: a failure found here becomes a named regression test.
fn check<S, F, Fut>(cases: u32, strategy: S, case: F)
where
    S: Strategy,
    F: Fn(S::Value) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let handle = tokio::runtime::Handle::current();
    // The runner is synchronous; the app keeps serving on the runtime's worker threads.
    let outcome =
        tokio::task::block_in_place(|| runner.run(&strategy, |input| handle.block_on(case(input))));
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// The app with rate limits out of the way, over an organisation with two departments,
/// a touchpoint, three surveys (two customer, one internal), a contact reason and a
/// channel.
async fn fuzz_app() -> TestApp {
    let app = spawn_app_with(|s| {
        s.survey_per_minute = 100_000;
        s.survey_total_per_minute = 1_000_000;
        s.api_per_minute = 1_000_000;
    })
    .await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    add_department(pool, "sales", "Sales", "front-line").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    add_survey(pool, "relationship", "customer", None, None).await;
    add_survey(pool, "finance-internal", "internal", None, Some(finance)).await;
    add_contact_reason(pool, "unclear-invoice", "Unclear invoice", Some(finance)).await;
    sqlx::query(
        "INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('phone', 'Phone', 650)",
    )
    .execute(pool)
    .await
    .unwrap();
    app
}

/// Rows a request may have written: responses, service contacts, imports.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stored {
    responses: i64,
    contacts: i64,
    imports: i64,
}

async fn stored(app: &TestApp) -> Stored {
    let (responses, contacts, imports) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM service_contacts), (SELECT count(*) FROM imports)",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    Stored {
        responses,
        contacts,
        imports,
    }
}

fn fail(message: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(message.to_string())
}

/// Text as a person (or a program) might send it, but never a NUL, up to `max` chars.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..=max)
        .prop_map(String::from_iter)
}

/// Any text at all: short unicode, control characters, long runs, or words Centric knows.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => prop::sample::select(vec![
            "relationship", "invoice-nps", "finance-internal", "invoice", "sales", "finance",
            "unclear-invoice", "phone", "2026-01-01T00:00:00Z", "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59", "=cmd|' /C calc'!A0", "", " ",
        ])
        .prop_map(str::to_owned),
        1 => "[\\x00-\\x1f\\x7f]{0,8}",
        1 => (0usize..5000, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
}

/// An RFC 3339 time after every survey opened and before now.
fn valid_time() -> impl Strategy<Value = String> {
    (
        2u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        prop::sample::select(vec!["Z", "+02:00", "-05:30", ".5Z", ".123456+01:00"]),
    )
        .prop_map(|(month, day, hour, minute, zone)| {
            format!("2025-{month:02}-{day:02}T{hour:02}:{minute:02}:00{zone}")
        })
}

/// Escaped as askama escapes HTML text and attributes.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => escaped.push_str("&#34;"),
            '&' => escaped.push_str("&#38;"),
            '\'' => escaped.push_str("&#39;"),
            '<' => escaped.push_str("&#60;"),
            '>' => escaped.push_str("&#62;"),
            c => escaped.push(c),
        }
    }
    escaped
}

// ---------------------------------------------------------------------------------------
// The API: POST /api/v1/responses and /api/v1/contacts

const RESPONSES: &str = "/api/v1/responses";
const CONTACTS: &str = "/api/v1/contacts";

async fn ingest_token(app: &TestApp) -> String {
    centric::services::accounts::create_token(&app.db.pool, "fuzz", "ingest", &Actor::Cli)
        .await
        .unwrap()
        .token
}

/// What a generated item is, by construction: fine, wrong in (at least) the field named,
/// or anything at all.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Valid,
    Invalid(String),
    Unknown,
}

#[derive(Debug, Clone)]
struct Item {
    value: Value,
    expect: Expect,
}

/// Fields set (Some) or removed (None) on a valid item, and what that makes of it.
#[derive(Debug, Clone)]
struct Mutation {
    changes: Vec<(String, Option<Value>)>,
    expect: Expect,
}

impl Mutation {
    fn none() -> Self {
        Self {
            changes: Vec::new(),
            expect: Expect::Valid,
        }
    }

    fn set(field: &str, value: Value) -> Self {
        Self {
            changes: vec![(field.to_owned(), Some(value))],
            expect: Expect::Invalid(field.to_owned()),
        }
    }

    fn remove(field: &str) -> Self {
        Self {
            changes: vec![(field.to_owned(), None)],
            expect: Expect::Invalid(field.to_owned()),
        }
    }

    fn apply(self, mut item: Map<String, Value>) -> Item {
        for (field, value) in self.changes {
            match value {
                Some(value) => item.insert(field, value),
                None => item.remove(&field),
            };
        }
        Item {
            value: Value::Object(item),
            expect: self.expect,
        }
    }
}

/// Any JSON: nested arrays and objects (keys mostly Centric's own), numbers of every
/// size and sign, any text.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..14).prop_map(Value::from),
        any::<f64>().prop_filter_map("a JSON number", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A key of an item: mostly a field of either route, sometimes anything.
fn field_name() -> impl Strategy<Value = String> {
    let known: Vec<&'static str> = RESPONSE_FIELDS
        .iter()
        .chain(&CONTACT_FIELDS)
        .copied()
        .collect();
    prop_oneof![
        3 => prop::sample::select(known).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn unknown_key(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::sample::select(vec!["role", "department_id", "Score", "score\0", "\0", ""])
            .prop_map(str::to_owned),
    ]
    .prop_filter("an unknown field", move |key| {
        !known.contains(&key.as_str())
    })
}

/// A field as an answer names it: as sent, but a NUL (which no JSON column can store,
/// and an answer is stored for its Idempotency-Key) shown as U+FFFD.
fn as_named(field: &str) -> String {
    field.replace('\0', "\u{fffd}")
}

fn external_id() -> impl Strategy<Value = String> {
    (0u8..6).prop_map(|n| format!("ext-{n}"))
}

fn valid_response() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::sample::select(vec!["relationship", "invoice-nps"]),
        0i64..=10,
        prop::option::of(prop_oneof![4 => text(300), 1 => Just("é".repeat(2000))]),
        prop::option::of(valid_time()),
        prop::option::of(text(64)),
        prop::option::of(text(128)),
        prop::option::of(external_id()),
        prop::option::of(prop::sample::select(vec!["sales", "finance"])),
        any::<bool>(),
    )
        .prop_map(
            |(
                survey,
                score,
                comment,
                at,
                segment,
                customer_ref,
                external_id,
                department,
                touchpoint,
            )| {
                let mut item = Map::new();
                item.insert("survey".into(), json!(survey));
                item.insert("score".into(), json!(score));
                for (field, value) in [
                    ("comment", comment),
                    ("submitted_at", at),
                    ("segment", segment),
                    ("customer_ref", customer_ref),
                    ("external_id", external_id),
                    ("respondent_department", department.map(str::to_owned)),
                    ("touchpoint", touchpoint.then(|| "invoice".to_owned())),
                ] {
                    if let Some(value) = value {
                        item.insert(field.into(), json!(value));
                    }
                }
                item
            },
        )
}

fn response_mutation() -> impl Strategy<Value = Mutation> {
    let bad_scores = vec![
        json!(-1),
        json!(11),
        json!(5.5),
        json!(7.0),
        json!("9"),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
    ];
    prop_oneof![
        40 => Just(Mutation::none()),
        1 => prop::sample::select(bad_scores).prop_map(|v| Mutation::set("score", v)),
        1 => Just(Mutation::remove("score")),
        1 => prop::sample::select(vec![
            json!("nope"),
            json!(7),
            json!(""),
            json!(null),
            json!(["relationship"]),
        ])
            .prop_map(|v| Mutation::set("survey", v)),
        1 => Just(Mutation::remove("survey")),
        1 => prop::sample::select(vec![
            json!("x".repeat(2001)),
            json!("why\u{0}not"),
            json!(5),
            json!({"text": "hi"}),
        ])
            .prop_map(|v| Mutation::set("comment", v)),
        1 => prop::sample::select(vec![
            json!("yesterday"),
            json!("2099-01-01T00:00:00Z"),
            json!("2024-12-31T00:00:00Z"),
            json!("2026-13-01T00:00:00Z"),
            json!(1_700_000_000),
        ])
        .prop_map(|v| Mutation::set("submitted_at", v)),
        1 => prop::sample::select(vec![json!("s".repeat(65)), json!("smb\u{0}"), json!(3)])
            .prop_map(|v| Mutation::set("segment", v)),
        1 => prop::sample::select(vec![json!("r".repeat(129)), json!(false)])
            .prop_map(|v| Mutation::set("customer_ref", v)),
        1 => prop::sample::select(vec![json!("e".repeat(129)), json!({})])
            .prop_map(|v| Mutation::set("external_id", v)),
        1 => prop::sample::select(vec![json!("nope"), json!(3)])
            .prop_map(|v| Mutation::set("touchpoint", v)),
        1 => prop::sample::select(vec![json!("nope"), json!("Sales")])
            .prop_map(|v| Mutation::set("respondent_department", v)),
        1 => (unknown_key(&RESPONSE_FIELDS), any_json()).prop_map(|(k, v)| Mutation::set(&k, v)),
        1 => Just(Mutation {
            changes: vec![
                ("survey".into(), Some(json!("finance-internal"))),
                ("respondent_department".into(), None),
            ],
            expect: Expect::Invalid("respondent_department".into()),
        }),
        2 => (prop::sample::select(RESPONSE_FIELDS.to_vec()), any_json())
            .prop_map(|(k, v)| Mutation {
            changes: vec![(k.to_owned(), Some(v))],
            expect: Expect::Unknown,
        }),
    ]
}

fn valid_contact() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::option::of(prop_oneof![
            valid_time(),
            Just("1999-12-31T23:59:59Z".to_owned())
        ]),
        prop::option::of(prop_oneof![
            (0i64..=1_000_000).prop_map(Value::from),
            (0.0f64..=1_000_000.0).prop_map(Value::from),
        ]),
        prop::option::of(external_id()),
    )
        .prop_map(|(at, cost, external_id)| {
            let mut item = Map::new();
            item.insert("reason".into(), json!("unclear-invoice"));
            item.insert("channel".into(), json!("phone"));
            if let Some(at) = at {
                item.insert("occurred_at".into(), json!(at));
            }
            if let Some(cost) = cost {
                item.insert("cost".into(), cost);
            }
            if let Some(external_id) = external_id {
                item.insert("external_id".into(), json!(external_id));
            }
            item
        })
}

fn contact_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        40 => Just(Mutation::none()),
        1 => prop::sample::select(vec![json!("nope"), json!(5), json!(""), json!(null)])
            .prop_map(|v| Mutation::set("reason", v)),
        1 => Just(Mutation::remove("reason")),
        1 => prop::sample::select(vec![json!("fax"), json!([]), json!("Phone")])
            .prop_map(|v| Mutation::set("channel", v)),
        1 => Just(Mutation::remove("channel")),
        1 => prop::sample::select(vec![json!("yesterday"), json!("2099-01-01T00:00:00Z"), json!(5)])
            .prop_map(|v| Mutation::set("occurred_at", v)),
        1 => prop::sample::select(vec![
            json!(-0.01),
            json!(1_000_000.01),
            json!("6.50"),
            json!(true),
            json!([]),
            json!(1e300),
            json!(i64::MIN),
        ])
        .prop_map(|v| Mutation::set("cost", v)),
        1 => prop::sample::select(vec![json!("c".repeat(129)), json!(12)])
            .prop_map(|v| Mutation::set("external_id", v)),
        1 => (unknown_key(&CONTACT_FIELDS), any_json()).prop_map(|(k, v)| Mutation::set(&k, v)),
        2 => (prop::sample::select(CONTACT_FIELDS.to_vec()), any_json())
            .prop_map(|(k, v)| Mutation {
            changes: vec![(k.to_owned(), Some(v))],
            expect: Expect::Unknown,
        }),
    ]
}

/// A route and a batch of items for it.
fn batch() -> impl Strategy<Value = (&'static str, Vec<Item>)> {
    let responses = (valid_response(), response_mutation()).prop_map(|(item, m)| m.apply(item));
    let contacts = (valid_contact(), contact_mutation()).prop_map(|(item, m)| m.apply(item));
    prop_oneof![
        3 => prop::collection::vec(responses, 1..6).prop_map(|items| (RESPONSES, items)),
        2 => prop::collection::vec(contacts, 1..6).prop_map(|items| (CONTACTS, items)),
    ]
}

/// The Idempotency-Key sent: none, one of a few (so that keys come again, with the same
/// body or another), or one the API must refuse.
#[derive(Debug, Clone)]
enum Key {
    None,
    Pooled(u8),
    Bad(Vec<u8>),
}

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        6 => Just(Key::None),
        2 => (0u8..4).prop_map(Key::Pooled),
        1 => prop::sample::select(vec![
            Vec::new(),
            vec![b'k'; 201],
            vec![0x80, b'k'],
            "café".as_bytes().to_vec(),
        ])
        .prop_map(Key::Bad),
    ]
}

/// An API answer: the status and its body, which is always JSON.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    body: Value,
}

async fn send(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Vec<u8>,
    key: Option<HeaderValue>,
) -> Result<Answer, TestCaseError> {
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request
        .send()
        .await
        .map_err(|e| fail(format!("no answer: {e}")))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| fail(format!("status {status}, no body: {e}")))?;
    let body = serde_json::from_slice(&bytes).map_err(|_| {
        fail(format!(
            "status {status}: the body is not JSON: {}",
            String::from_utf8_lossy(&bytes)
        ))
    })?;
    Ok(Answer { status, body })
}

/// The (index, field) of each problem an `invalid_items` answer lists.
fn problems(answer: &Answer) -> Vec<(usize, String)> {
    answer.body["error"]["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| {
                    (
                        p["index"].as_u64().unwrap_or(u64::MAX) as usize,
                        p["field"].as_str().unwrap_or("?").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every answer is a receipt (201) for all `items`, or a 4xx refusal
/// `{"error": {"code", "message", …}}` whose per-item problems each name an item of the
/// batch, a field (empty: the item as a whole) and what is wrong.
fn check_answer(answer: &Answer, items: usize) -> Result<(), TestCaseError> {
    let Answer { status, body } = answer;
    if *status == 201 {
        let count = |name: &str| body[name].as_u64();
        let (Some(received), Some(stored), Some(duplicates)) =
            (count("received"), count("stored"), count("duplicates"))
        else {
            return Err(fail(format!("a 201 without a receipt: {body}")));
        };
        prop_assert_eq!(received, items as u64, "{}", body);
        prop_assert_eq!(stored + duplicates, received, "{}", body);
        return Ok(());
    }
    prop_assert!((400..500).contains(status), "status {}: {}", status, body);
    let error = &body["error"];
    prop_assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "no error code: {}",
        body
    );
    prop_assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no error message: {}",
        body
    );
    if error["code"] == "invalid_items" {
        let listed = error["items"].as_array().map_or(0, Vec::len);
        prop_assert!(listed > 0, "invalid_items without items: {}", body);
        for problem in error["items"].as_array().into_iter().flatten() {
            prop_assert!(
                problem["index"]
                    .as_u64()
                    .is_some_and(|i| (i as usize) < items.max(1)),
                "a problem outside the batch: {}",
                problem
            );
            prop_assert!(problem["field"].is_string(), "{}", problem);
            prop_assert!(
                problem["message"].as_str().is_some_and(|m| !m.is_empty()),
                "a problem without a message: {}",
                problem
            );
        }
    }
    Ok(())
}

/// What the request wrote to the table of its route; the other tables must not change.
fn written(path: &str, before: Stored, after: Stored) -> Result<i64, TestCaseError> {
    let (mine, other) = if path == RESPONSES {
        (
            after.responses - before.responses,
            after.contacts - before.contacts,
        )
    } else {
        (
            after.contacts - before.contacts,
            after.responses - before.responses,
        )
    };
    prop_assert_eq!(other, 0, "the other route's table changed");
    prop_assert_eq!(after.imports, before.imports);
    Ok(mine)
}

fn receipt_stored(answer: &Answer) -> i64 {
    answer.body["stored"].as_i64().unwrap_or(-1)
}

/// The body an Idempotency-Key was first sent with, and the answer it got.
type FirstUse = (Vec<u8>, Answer);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_batches_are_stored_whole_or_refused_naming_each_bad_item_and_field() {
    let app = fuzz_app().await;
    let token = ingest_token(&app).await;
    // Per route and pooled key.
    let first_use: Mutex<HashMap<(&'static str, u8), FirstUse>> = Mutex::default();
    let strategy = (batch(), any::<bool>(), key());
    check(300, strategy, |((path, items), single, key)| {
        let (app, token, first_use) = (&app, &token, &first_use);
        async move {
            let values: Vec<Value> = items.iter().map(|item| item.value.clone()).collect();
            let body = match values.as_slice() {
                [one] if single => one.clone(),
                _ => Value::Array(values),
            };
            let bytes = serde_json::to_vec(&body).unwrap();
            let header = match &key {
                Key::None => None,
                Key::Pooled(n) => Some(HeaderValue::from_str(&format!("key-{n}")).unwrap()),
                Key::Bad(bytes) => Some(HeaderValue::from_bytes(bytes).unwrap()),
            };
            let before = stored(app).await;
            let answer = send(app, token, path, bytes.clone(), header).await?;
            let written = written(path, before, stored(app).await)?;
            check_answer(&answer, items.len())?;

            match key {
                Key::Bad(_) => {
                    prop_assert_eq!(answer.status, 400, "{}", answer.body);
                    prop_assert_eq!(&answer.body["error"]["code"], "invalid_idempotency_key");
                    prop_assert!(answer.body["error"]["fields"]["Idempotency-Key"].is_string());
                    prop_assert_eq!(written, 0);
                    return Ok(());
                }
                Key::Pooled(n) => {
                    let earlier = first_use.lock().unwrap().get(&(path, n)).cloned();
                    if let Some((earlier_bytes, earlier_answer)) = earlier {
                        if earlier_bytes == bytes {
                            prop_assert_eq!(&answer, &earlier_answer, "a retry replays");
                        } else {
                            prop_assert_eq!(answer.status, 422);
                            prop_assert_eq!(
                                &answer.body["error"]["code"],
                                "idempotency_key_reused"
                            );
                        }
                        prop_assert_eq!(written, 0, "a retry stores nothing");
                        return Ok(());
                    }
                    first_use
                        .lock()
                        .unwrap()
                        .insert((path, n), (bytes, answer.clone()));
                }
                Key::None => {}
            }

            let listed = problems(&answer);
            let invalid: Vec<(usize, &str)> = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match &item.expect {
                    Expect::Invalid(field) => Some((i, field.as_str())),
                    _ => None,
                })
                .collect();
            if !invalid.is_empty() {
                prop_assert_eq!(answer.status, 422, "{}", answer.body);
                prop_assert_eq!(&answer.body["error"]["code"], "invalid_items");
                for (index, field) in invalid {
                    prop_assert!(
                        listed.contains(&(index, as_named(field))),
                        "item {} is not refused for {:?}: {}",
                        index,
                        field,
                        answer.body
                    );
                }
            } else if items.iter().all(|item| item.expect == Expect::Valid) {
                prop_assert_eq!(answer.status, 201, "{}", answer.body);
            }
            for (index, item) in items.iter().enumerate() {
                if item.expect == Expect::Valid {
                    prop_assert!(
                        !listed.iter().any(|(i, _)| *i == index),
                        "valid item {} refused: {}",
                        index,
                        answer.body
                    );
                }
            }
            if answer.status == 201 {
                prop_assert_eq!(
                    written,
                    receipt_stored(&answer),
                    "the receipt tells the truth"
                );
                if items
                    .iter()
                    .all(|item| item.value.get("external_id").is_none())
                {
                    prop_assert_eq!(&answer.body["duplicates"], 0);
                }
            } else {
                prop_assert_eq!(written, 0, "nothing of a refused batch is stored");
            }
            Ok(())
        }
    });
}

/// A body as a client might send it: any JSON (shaped like items or not), any bytes,
/// JSON cut short or with a byte that is not UTF-8 inside, nesting deeper than any parser
/// allows, and a few classics.
fn raw_body() -> impl Strategy<Value = Vec<u8>> {
    let item_like = (
        prop_oneof![valid_response(), valid_contact()],
        prop::collection::vec((field_name(), any_json()), 0..4),
    )
        .prop_map(|(mut item, extra)| {
            item.extend(extra);
            Value::Object(item)
        })
        .boxed();
    let json_body = prop_oneof![
        2 => any_json(),
        2 => prop::collection::vec(item_like.clone(), 0..5).prop_map(Value::Array),
        1 => item_like,
    ]
    .boxed();
    prop_oneof![
        4 => json_body.clone().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => (json_body.clone(), any::<Index>()).prop_map(|(v, at)| {
            let bytes = serde_json::to_vec(&v).unwrap();
            bytes[..at.index(bytes.len() + 1)].to_vec()
        }),
        1 => (json_body, any::<Index>(), prop::sample::select(vec![0xffu8, 0xc3, 0x80, 0xed, 0x00]))
            .prop_map(|(v, at, byte)| {
                let mut bytes = serde_json::to_vec(&v).unwrap();
                bytes.insert(at.index(bytes.len() + 1), byte);
                bytes
            }),
        1 => (1usize..600, any::<bool>()).prop_map(|(depth, objects)| {
            let (open, close) = if objects { ("{\"a\":", "}") } else { ("[", "]") };
            format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes()
        }),
        1 => prop::sample::select(vec![
            "",
            " ",
            "null",
            "1e400",
            "-",
            "\"\\ud800\"",
            "{\"survey\": \"relationship\", \"score\": 1e999}",
            "[1,]",
            "{\"survey\":\"relationship\",\"score\":7,}",
            "\u{feff}{\"survey\":\"relationship\",\"score\":7}",
            "{\"survey\":\"relationship\",\"score\":7}{}",
            "{\"survey\":\"relationship\",\"score\":7,\"survey\":\"nope\"}",
            "{\"survey\":\"relationship\",\"score\":7,\"comment\":\"\\u0000\"}",
            "{\"survey\":\"relationship\",\"score\":7,\"\\u0000\":1}",
            "{\"reason\":\"unclear-invoice\",\"channel\":\"phone\",\"cost\":-0.0}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_api_body_gets_a_receipt_or_a_json_4xx_and_nothing_half_stored() {
    let app = fuzz_app().await;
    let token = ingest_token(&app).await;
    // Sometimes under an Idempotency-Key of its own: the answer is then stored as well.
    let strategy = (
        prop::sample::select(vec![RESPONSES, CONTACTS]),
        raw_body(),
        prop::bool::weighted(0.3),
    );
    check(400, strategy, |(path, bytes, keyed)| {
        let (app, token) = (&app, &token);
        async move {
            let before = stored(app).await;
            let key =
                keyed.then(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).unwrap());
            let answer = send(app, token, path, bytes.clone(), key).await?;
            let written = written(path, before, stored(app).await)?;
            let parsed = serde_json::from_slice::<Value>(&bytes);
            let items: Vec<Value> = match &parsed {
                Ok(Value::Array(items)) => items.clone(),
                Ok(object @ Value::Object(_)) => vec![object.clone()],
                _ => Vec::new(),
            };
            check_answer(&answer, items.len())?;
            let Ok(body) = parsed else {
                prop_assert_eq!(answer.status, 400, "{}", answer.body);
                prop_assert_eq!(&answer.body["error"]["code"], "invalid_json");
                prop_assert_eq!(written, 0);
                return Ok(());
            };
            if answer.status == 201 {
                prop_assert_eq!(written, receipt_stored(&answer));
                return Ok(());
            }
            prop_assert_eq!(answer.status, 422, "{}", answer.body);
            prop_assert_eq!(&answer.body["error"]["code"], "invalid_items");
            prop_assert_eq!(written, 0, "nothing of a refused body is stored");
            let listed = problems(&answer);
            if items.is_empty() {
                prop_assert_eq!(
                    listed,
                    vec![(0, String::new())],
                    "{} refused as a whole",
                    body
                );
                return Ok(());
            }
            let known: &[&str] = if path == RESPONSES {
                &RESPONSE_FIELDS
            } else {
                &CONTACT_FIELDS
            };
            for (index, item) in items.iter().enumerate() {
                match item {
                    Value::Object(fields) => {
                        for key in fields.keys().filter(|k| !known.contains(&k.as_str())) {
                            prop_assert!(
                                listed.contains(&(index, as_named(key))),
                                "unknown field {:?} of item {} not named: {}",
                                key,
                                index,
                                answer.body
                            );
                        }
                    }
                    _ => prop_assert!(
                        listed.contains(&(index, String::new())),
                        "item {} is not an object and not named: {}",
                        index,
                        answer.body
                    ),
                }
            }
            Ok(())
        }
    });
}

// ---------------------------------------------------------------------------------------
// The public survey form: POST /s/{token}

const FORM_FIELDS: [&str; 8] = [
    "score",
    "comment",
    "department",
    "submission_id",
    "segment",
    "touchpoint",
    "ref",
    "website",
];

/// Bytes a browser never sends in a form body: a bare `%`, `%00` whole or split around
/// another, an escape of bytes that are not UTF-8, raw NUL and non-UTF-8 bytes.
const RAW_FRAGMENTS: [&[u8]; 18] = [
    b"%", b"%0", b"%00", b"0", b"00", b"%0%000", b"%%0000", b"%FF", b"%C3", b"%e9", b"\0", b"\xff",
    b"\xc3", b"+", b"%2B", b"%zz", b"%25", b" ",
];

fn encode(text: &str) -> Vec<u8> {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .into_bytes()
}

/// A form value as sent: mostly a meaningful one, url-encoded; sometimes pieces of text
/// and raw fragments run together.
fn form_value(meaningful: BoxedStrategy<String>) -> BoxedStrategy<Vec<u8>> {
    let piece = prop_oneof![
        3 => any_text().prop_map(|t| encode(&t)),
        2 => prop::sample::select(RAW_FRAGMENTS.to_vec()).prop_map(<[u8]>::to_vec),
    ];
    prop_oneof![
        4 => meaningful.prop_map(|v| encode(&v)),
        1 => prop::collection::vec(piece, 1..6).prop_map(|pieces| pieces.concat()),
    ]
    .boxed()
}

fn uuid_text() -> impl Strategy<Value = String> {
    (any::<u128>(), 0u8..5).prop_map(|(n, style)| {
        let id = uuid::Uuid::from_u128(n);
        match style {
            0 => id.simple().to_string(),
            1 => id.to_string().to_uppercase(),
            2 => format!("  {id}\t"),
            3 => id.braced().to_string(),
            _ => id.to_string(),
        }
    })
}

fn score_text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (0u8..=10).prop_map(|s| s.to_string()),
        2 => prop::sample::select(vec![
            "", " 7 ", "+5", "05", "-0", "11", "-1", "7.0", "1e1", "٧", "10\0", "\u{0}5",
            "99999999999999999999", "\t3\n", "0x5", "١٠",
        ])
        .prop_map(str::to_owned),
        1 => any_text(),
    ]
    .boxed()
}

fn comment_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<String>(),
        1 => "[\\x00-\\x1f\\x7f]{0,20}",
        1 => Just("=cmd|' /C calc'!A0".to_owned()),
        1 => (995usize..1005, prop::sample::select(vec!["a", "é", "😀", " ", "\0"]))
            .prop_map(|(n, c)| c.repeat(n)),
        1 => (0usize..3).prop_map(|pad| {
            format!("{}{}{}", " ".repeat(pad), "w".repeat(1000), "\n".repeat(pad))
        }),
        1 => any_text(),
    ]
    .boxed()
}

fn submission_text() -> BoxedStrategy<String> {
    prop_oneof![
        5 => uuid_text(),
        1 => Just("00000000-0000-4000-8000-000000000001".to_owned()),
        1 => any_text(),
    ]
    .boxed()
}

fn context_text() -> BoxedStrategy<String> {
    prop_oneof![
        2 => any_text(),
        1 => prop::sample::select(vec!["smb", "invoice", "nope", "C-77", ""])
            .prop_map(str::to_owned),
        1 => Just("s".repeat(70)),
    ]
    .boxed()
}

/// A survey form post: (name, value as sent) pairs, in any order, with fields left out,
/// repeated, or unknown; `huge` makes the body larger than the survey's limit.
#[derive(Debug, Clone)]
struct FormPost {
    pairs: Vec<(String, Vec<u8>)>,
    huge: bool,
}

impl FormPost {
    fn body(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for (i, (name, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                body.push(b'&');
            }
            body.extend(encode(name));
            body.push(b'=');
            body.extend(value);
        }
        if self.huge {
            body.extend(b"&comment=");
            body.extend(vec![b'a'; 70 * 1024]);
        }
        body
    }
}

fn form_post() -> impl Strategy<Value = FormPost> {
    let optional = |p: f64, value: BoxedStrategy<Vec<u8>>| prop::option::weighted(p, value);
    let fields = (
        optional(0.9, form_value(score_text())),
        optional(0.7, form_value(comment_text())),
        optional(0.95, form_value(submission_text())),
        optional(0.3, form_value(context_text())),
        optional(0.3, form_value(context_text())),
        optional(0.3, form_value(context_text())),
        optional(0.2, form_value(context_text())),
        optional(
            0.1,
            form_value(
                prop_oneof![Just(String::new()), Just("http://spam.example".to_owned())].boxed(),
            ),
        ),
    );
    let extra = prop::option::weighted(
        0.1,
        (
            any::<String>().prop_filter("not a form field", |n| !FORM_FIELDS.contains(&n.as_str())),
            form_value(any_text().boxed()),
        ),
    );
    (
        fields,
        extra,
        prop::option::weighted(0.1, any::<Index>()),
        prop::bool::weighted(0.03),
    )
        .prop_flat_map(|(fields, extra, repeat, huge)| {
            let (
                score,
                comment,
                submission,
                segment,
                customer_ref,
                touchpoint,
                department,
                website,
            ) = fields;
            let mut pairs: Vec<(String, Vec<u8>)> = [
                ("score", score),
                ("comment", comment),
                ("submission_id", submission),
                ("segment", segment),
                ("ref", customer_ref),
                ("touchpoint", touchpoint),
                ("department", department),
                ("website", website),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value?)))
            .collect();
            pairs.extend(extra);
            if let (Some(at), false) = (repeat, pairs.is_empty()) {
                let again = pairs[at.index(pairs.len())].clone();
                pairs.push(again);
            }
            Just(pairs)
                .prop_shuffle()
                .prop_map(move |pairs| FormPost { pairs, huge })
        })
}

async fn public_survey_token(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT public_token FROM surveys WHERE slug = 'relationship'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_survey_form_post_is_thanked_or_shown_again_with_a_field_message() {
    let app = fuzz_app().await;
    let token = public_survey_token(&app).await;
    let path = format!("/s/{token}");
    assert_eq!(app.get(&path).await.status(), 200);
    let answered: Mutex<HashSet<uuid::Uuid>> = Mutex::default();
    check(400, form_post(), |post| {
        let (app, path, answered) = (&app, &path, &answered);
        async move {
            let body = post.body();
            let before = stored(app).await;
            let response = app
                .client
                .post(app.url(path))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .map_err(|e| fail(format!("no answer: {e}")))?;
            let status = response.status().as_u16();
            let page = response.text().await.unwrap_or_default();
            let after = stored(app).await;
            prop_assert!(status < 500, "status {}: {}", status, page);
            prop_assert_eq!(
                (after.contacts, after.imports),
                (before.contacts, before.imports)
            );
            let written = after.responses - before.responses;

            if body.len() > 64 * 1024 {
                prop_assert_eq!(status, 413);
                prop_assert_eq!(written, 0);
                return Ok(());
            }
            // The form as the server reads it: decoded (bytes that are not UTF-8 become
            // U+FFFD), NUL characters dropped.
            let fields: Vec<(String, String)> = form_urlencoded::parse(&body)
                .map(|(k, v)| (k.replace('\0', ""), v.replace('\0', "")))
                .collect();
            let names: HashSet<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
            if names.len() < fields.len() || names.iter().any(|n| !FORM_FIELDS.contains(n)) {
                prop_assert_eq!(
                    status,
                    422,
                    "a form with repeated or unknown fields: {}",
                    page
                );
                prop_assert!(page.contains("The form did not fit"), "{}", page);
                prop_assert_eq!(written, 0);
                return Ok(());
            }
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or("", |(_, v)| v.as_str())
            };
            if !field("website").is_empty() {
                prop_assert_eq!(status, 303, "a bot is thanked");
                prop_assert_eq!(written, 0, "and ignored");
                return Ok(());
            }
            let score_ok = field("score")
                .trim()
                .parse::<i64>()
                .is_ok_and(|s| (0..=10).contains(&s));
            let submission = uuid::Uuid::parse_str(field("submission_id").trim()).ok();
            let comment = field("comment").trim();
            let comment_ok = comment.chars().count() <= 1000;
            if let (true, Some(submission), true) = (score_ok, submission, comment_ok) {
                prop_assert_eq!(status, 303, "a good answer is thanked: {}", page);
                let new = answered.lock().unwrap().insert(submission);
                prop_assert_eq!(written, i64::from(new), "stored once per submission id");
                let kept: Option<String> =
                    sqlx::query_scalar("SELECT comment FROM responses WHERE submission_id = $1")
                        .bind(submission)
                        .fetch_one(&app.db.pool)
                        .await
                        .map_err(fail)?;
                if new {
                    prop_assert_eq!(kept.as_deref(), Some(comment).filter(|c| !c.is_empty()));
                }
                return Ok(());
            }
            prop_assert_eq!(status, 422, "a refused answer is shown again: {}", page);
            prop_assert_eq!(written, 0);
            prop_assert!(
                page.contains("name=\"submission_id\""),
                "the form is shown again"
            );
            if !score_ok || submission.is_none() {
                prop_assert!(page.contains("id=\"score-error\""), "the score is marked");
            }
            if !comment_ok {
                prop_assert!(
                    page.contains("id=\"comment-error\""),
                    "the comment is marked"
                );
            }
            prop_assert!(
                page.contains(&format!(">{}</textarea>", escape(field("comment")))),
                "the comment is kept"
            );
            prop_assert!(
                page.contains(&format!(
                    "name=\"segment\" value=\"{}\"",
                    escape(field("segment"))
                )),
                "the segment is kept"
            );
            if (0..=10).any(|s| field("score") == s.to_string()) {
                prop_assert!(
                    page.contains(&format!("value=\"{}\" required checked", field("score"))),
                    "the score is kept"
                );
            }
            Ok(())
        }
    });
}

// ---------------------------------------------------------------------------------------
// CSV imports

/// Values of a column: (text, whether it is wrong), for a responses file whose import
/// names a survey (`survey_given`: it names `relationship`) or not.
fn cell(kind: Kind, column: &str, survey_given: bool) -> BoxedStrategy<(String, bool)> {
    let one_of =
        |values: Vec<&'static str>| prop::sample::select(values).prop_map(str::to_owned).boxed();
    let just = |value: String| Just(value).boxed();
    let (valid, invalid): (BoxedStrategy<String>, Vec<BoxedStrategy<String>>) = match (kind, column)
    {
        (Kind::Responses, "survey") if survey_given => (
            one_of(vec!["", "relationship", " relationship "]),
            vec![one_of(vec!["nope", "invoice-nps"])],
        ),
        (Kind::Responses, "survey") => (
            one_of(vec!["relationship", "invoice-nps"]),
            vec![one_of(vec!["", "nope"])],
        ),
        (Kind::Responses, "score") => (
            prop_oneof![
                (0u8..=10).prop_map(|s| s.to_string()),
                one_of(vec![" 7", "10 "])
            ]
            .boxed(),
            vec![one_of(vec![
                "", "11", "-1", "7.5", "eleven", "=1+1", "1e1", "0x5",
            ])],
        ),
        (Kind::Responses, "category" | "department" | "source") => (any_text().boxed(), Vec::new()),
        (Kind::Responses, "comment") => (
            prop_oneof![
                4 => text(300),
                1 => Just("=cmd|' /C calc'!A0".to_owned()),
                1 => Just("x".repeat(2000)),
            ]
            .boxed(),
            vec![just("why\0not".into()), just("x".repeat(2001))],
        ),
        // A blank time is refused (a file's rows are not stamped "now" unnoticed); a
        // file without the column is stamped now.
        (Kind::Responses, "submitted_at") => (
            valid_time().boxed(),
            vec![one_of(vec![
                "",
                "tomorrow",
                "2099-01-01T00:00:00Z",
                "2025-02-30T00:00:00Z",
            ])],
        ),
        (Kind::Responses, "touchpoint") => (
            one_of(vec!["", "invoice"]),
            vec![one_of(vec!["nope", "Invoice"])],
        ),
        (Kind::Responses, "segment") => (
            text(64).boxed(),
            vec![just("s".repeat(65)), just("a\0".into())],
        ),
        (Kind::Responses, "respondent_department") => (
            one_of(vec!["", "sales", "finance"]),
            vec![one_of(vec!["nope"])],
        ),
        (Kind::Responses, "customer_ref") => (text(128).boxed(), vec![just("r".repeat(129))]),
        (_, "external_id") => (
            prop_oneof![Just(String::new()), external_id()].boxed(),
            vec![just("e".repeat(129)), just("e\0".into())],
        ),
        (Kind::Contacts, "reason") => (
            one_of(vec!["unclear-invoice", " unclear-invoice"]),
            vec![one_of(vec!["", "nope"])],
        ),
        (Kind::Contacts, "channel") => (one_of(vec!["phone"]), vec![one_of(vec!["", "fax"])]),
        (Kind::Contacts, "occurred_at") => (
            prop_oneof![valid_time(), Just("1999-12-31T23:59:59Z".to_owned())].boxed(),
            vec![one_of(vec!["", "yesterday", "2099-01-01T00:00:00Z"])],
        ),
        (Kind::Contacts, "cost") => (
            one_of(vec!["", "0", "6.5", "1000000", " 12 "]),
            vec![one_of(vec!["-1", "abc", "1000000.01", "1e7", "€5"])],
        ),
        // A junk column: anything goes in it (the header is what is wrong).
        _ => (any_text().boxed(), Vec::new()),
    };
    if invalid.is_empty() {
        return valid.prop_map(|v| (v, false)).boxed();
    }
    let invalid = prop::strategy::Union::new(invalid);
    prop_oneof![
        40 => valid.prop_map(|v| (v, false)),
        1 => invalid.prop_map(|v| (v, true)),
    ]
    .boxed()
}

/// A column name that is not one of the kind's own.
fn junk_header(kind: Kind) -> impl Strategy<Value = String> {
    let own: &'static [&'static str] = match kind {
        Kind::Responses => &RESPONSE_COLUMNS,
        Kind::Contacts => &CONTACT_FIELDS,
    };
    prop_oneof![
        prop::sample::select(vec![
            "colour",
            "Score",
            " score",
            "score ",
            "=cmd|' /C calc'!A0",
            "",
            "reason",
            "survey"
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
    .prop_filter("not a column of the kind", move |h| {
        !own.contains(&h.as_str())
    })
}

/// How a well-formed file is written: BOM, line ends (mixed), quoting, a final line end.
#[derive(Debug, Clone)]
struct Layout {
    bom: bool,
    line_ends: Vec<&'static str>,
    quote_all: bool,
    final_line_end: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(vec!["\n", "\r\n", "\r"]), 1..4),
        prop::bool::weighted(0.2),
        any::<bool>(),
    )
        .prop_map(|(bom, line_ends, quote_all, final_line_end)| Layout {
            bom,
            line_ends,
            quote_all,
            final_line_end,
        })
}

/// What is done to a well-formed file before it is sent.
#[derive(Debug, Clone)]
enum Mangle {
    None,
    InsertByte(Index, u8),
    Truncate(Index),
    Replace(Vec<u8>),
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        8 => Just(Mangle::None),
        1 => (any::<Index>(), prop::sample::select(vec![0xffu8, 0xc3, 0x80, b'"', 0, b'\r', b',']))
            .prop_map(|(at, b)| Mangle::InsertByte(at, b)),
        1 => any::<Index>().prop_map(Mangle::Truncate),
        1 => prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(Vec::new()),
            Just("\u{feff}".as_bytes().to_vec()),
            Just(b"\"score\n9\n".to_vec()),
        ]
        .prop_map(Mangle::Replace),
    ]
}

/// A CSV file to import: its kind, the survey the import names, its bytes, and — when it
/// was written well-formed — the (row, column) problems the report must list (none: it
/// must be imported).
#[derive(Clone)]
struct CsvFile {
    kind: Kind,
    survey: Option<&'static str>,
    bytes: Vec<u8>,
    expected: Option<Vec<(u64, String)>>,
}

impl std::fmt::Debug for CsvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvFile")
            .field("kind", &self.kind)
            .field("survey", &self.survey)
            .field("bytes", &String::from_utf8_lossy(&self.bytes))
            .field("expected", &self.expected)
            .finish()
    }
}

fn csv_cell(text: &str, quote: bool) -> String {
    if quote || text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The columns every row needs: without one, each row is reported for it.
fn required_columns(kind: Kind, survey: Option<&str>) -> &'static [&'static str] {
    match (kind, survey) {
        (Kind::Responses, Some(_)) => &["score"],
        (Kind::Responses, None) => &["score", "survey"],
        (Kind::Contacts, _) => &["reason", "channel"],
    }
}

fn csv_file() -> impl Strategy<Value = CsvFile> {
    let setup = prop_oneof![
        3 => prop::sample::select(vec![Some("relationship"), None])
            .prop_map(|survey| (Kind::Responses, survey)),
        1 => Just((Kind::Contacts, None)),
    ];
    setup
        .prop_flat_map(|(kind, survey)| {
            let own: &'static [&'static str] = match kind {
                Kind::Responses => &RESPONSE_COLUMNS,
                Kind::Contacts => &CONTACT_FIELDS,
            };
            let columns = prop::sample::subsequence(own.to_vec(), 0..=own.len()).prop_shuffle();
            let junk = prop::option::weighted(0.2, junk_header(kind));
            (
                Just(kind),
                Just(survey),
                columns,
                prop::bool::weighted(0.85),
                junk,
            )
        })
        .prop_flat_map(|(kind, survey, columns, with_required, junk)| {
            let mut headers: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
            let required = required_columns(kind, survey);
            let missing = required.iter().filter(|c| !columns.contains(c));
            headers.extend(missing.filter(|_| with_required).map(|c| (*c).to_owned()));
            headers.extend(junk.filter(|header| !headers.contains(header)));
            let row: Vec<BoxedStrategy<(String, bool)>> = headers
                .iter()
                .map(|h| cell(kind, h, survey.is_some()))
                .collect();
            (
                Just(kind),
                Just(survey),
                Just(headers),
                prop::collection::vec(row, 0..7),
                layout(),
                mangle(),
            )
        })
        .prop_map(|(kind, survey, headers, rows, layout, mangle)| {
            let own: &[&str] = match kind {
                Kind::Responses => &RESPONSE_COLUMNS,
                Kind::Contacts => &CONTACT_FIELDS,
            };
            let mut expected: Vec<(u64, String)> = headers
                .iter()
                .filter(|h| !own.contains(&h.as_str()))
                .map(|h| (1, h.clone()))
                .collect();
            let required = required_columns(kind, survey);
            for (i, row) in rows.iter().enumerate() {
                let number = i as u64 + 2;
                for column in required.iter().filter(|c| !headers.iter().any(|h| h == *c)) {
                    expected.push((number, (*column).to_owned()));
                }
                for (header, (_, bad)) in headers.iter().zip(row) {
                    if *bad {
                        expected.push((number, header.clone()));
                    }
                }
            }
            if rows.is_empty() {
                expected.push((2, String::new()));
            }
            let mut lines: Vec<String> = vec![
                headers
                    .iter()
                    .map(|h| csv_cell(h, layout.quote_all || headers.len() == 1))
                    .collect::<Vec<_>>()
                    .join(","),
            ];
            for row in &rows {
                let cells: Vec<String> = row
                    .iter()
                    // A lone empty cell unquoted would be a blank line, which CSV skips.
                    .map(|(text, _)| csv_cell(text, layout.quote_all || row.len() == 1))
                    .collect();
                lines.push(cells.join(","));
            }
            let mut text = String::new();
            if layout.bom {
                text.push('\u{feff}');
            }
            for (i, line) in lines.iter().enumerate() {
                text.push_str(line);
                if i + 1 < lines.len() || layout.final_line_end {
                    text.push_str(layout.line_ends[i % layout.line_ends.len()]);
                }
            }
            let mut bytes = text.into_bytes();
            let well_formed = matches!(mangle, Mangle::None) && !headers.is_empty();
            match mangle {
                Mangle::None => {}
                Mangle::InsertByte(at, byte) => bytes.insert(at.index(bytes.len() + 1), byte),
                Mangle::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
                Mangle::Replace(other) => bytes = other,
            }
            CsvFile {
                kind,
                survey,
                bytes,
                expected: well_formed.then_some(expected),
            }
        })
}

/// What an import is recognised by: kind, survey (of a responses file) and bytes.
type ImportKey = (&'static str, Option<String>, Vec<u8>);

fn import_key(kind: Kind, survey: Option<&str>, bytes: &[u8]) -> ImportKey {
    match kind {
        Kind::Responses => ("responses", survey.map(str::to_owned), bytes.to_vec()),
        Kind::Contacts => ("contacts", None, bytes.to_vec()),
    }
}

fn temp_csv(bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "centric-fuzz-{}.csv",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Rows of the file's kind stored.
fn rows_of(kind: Kind, counts: Stored) -> i64 {
    match kind {
        Kind::Responses => counts.responses,
        Kind::Contacts => counts.contacts,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_csv_file_is_imported_whole_or_refused_with_a_row_by_row_report() {
    let app = fuzz_app().await;
    let imported: Mutex<HashSet<ImportKey>> = Mutex::default();
    check(300, csv_file(), |file| {
        let (app, imported) = (&app, &imported);
        async move {
            let path = temp_csv(&file.bytes);
            let before = stored(app).await;
            let result = import_file(
                &app.db.pool,
                file.kind,
                &path,
                "fuzz.csv",
                file.survey,
                &Actor::Cli,
            )
            .await;
            let _ = std::fs::remove_file(&path);
            let after = stored(app).await;
            let written = rows_of(file.kind, after) - rows_of(file.kind, before);
            let key = import_key(file.kind, file.survey, &file.bytes);
            let seen_before = imported.lock().unwrap().contains(&key);
            match result {
                Ok(report) => {
                    prop_assert!(!seen_before, "a re-upload was imported again");
                    prop_assert_eq!(report.stored + report.duplicates, report.rows);
                    prop_assert_eq!(written, report.stored as i64, "the report tells the truth");
                    prop_assert_eq!(after.imports, before.imports + 1);
                    if let Some(expected) = &file.expected {
                        prop_assert!(expected.is_empty(), "imported despite {:?}", expected);
                    }
                    imported.lock().unwrap().insert(key);
                }
                Err(error) => {
                    prop_assert_eq!(written, 0, "nothing of a refused file is stored");
                    prop_assert_eq!(after.imports, before.imports);
                    match error {
                        ImportError::Invalid { errors, total } => {
                            prop_assert!(total >= errors.len() && !errors.is_empty());
                            prop_assert_eq!(errors.len(), total.min(200));
                            for problem in &errors {
                                prop_assert!(problem.row >= 1, "{:?}", problem);
                                prop_assert!(!problem.message.is_empty(), "{:?}", problem);
                            }
                            let listed: Vec<(u64, String)> =
                                errors.iter().map(|p| (p.row, p.column.clone())).collect();
                            if let Some(expected) = &file.expected {
                                prop_assert!(
                                    !expected.is_empty(),
                                    "refused a good file: {:?}",
                                    errors
                                );
                                for problem in expected {
                                    prop_assert!(
                                        listed.contains(problem),
                                        "{:?} missing from the report {:?}",
                                        problem,
                                        errors
                                    );
                                }
                            }
                        }
                        ImportError::AlreadyImported { .. } => {
                            prop_assert!(seen_before, "refused as a re-upload: {}", error);
                        }
                        other => {
                            return Err(fail(format!(
                                "a file's problem must be reported by row and column, not as: {other}"
                            )));
                        }
                    }
                }
            }
            Ok(())
        }
    });
}

/// How the upload form is sent: as a browser does, or cut short, or with a survey, kind
/// or field a browser would not send.
#[derive(Debug, Clone)]
enum Upload {
    Whole,
    CutShort(Index),
    Survey(String),
    Kind(String),
    ExtraField,
}

fn upload() -> impl Strategy<Value = Upload> {
    prop_oneof![
        8 => Just(Upload::Whole),
        1 => any::<Index>().prop_map(Upload::CutShort),
        1 => prop_oneof![
            any::<String>(),
            Just("relationship\0".to_owned()),
            Just("nope".to_owned()),
        ]
        .prop_filter("not a line end (which ends the field)", |s| !s.contains(['\r', '\n']))
        .prop_map(Upload::Survey),
        1 => prop_oneof![any::<String>(), Just("responses\0".to_owned())]
            .prop_filter("not a kind", |k| {
                k != "responses" && k != "contacts" && !k.contains(['\r', '\n'])
            })
            .prop_map(Upload::Kind),
        1 => Just(Upload::ExtraField),
    ]
}

const KNOWN_SURVEYS: [&str; 3] = ["relationship", "invoice-nps", "finance-internal"];

const BOUNDARY: &str = "centric-fuzz-boundary-8c1d2b";

/// The multipart body a browser sends for the upload form, written out by hand so that it
/// can also be cut short.
fn multipart(kind: &str, survey: &str, file_name: &str, bytes: &[u8], extra: bool) -> Vec<u8> {
    let mut body = Vec::new();
    let mut text_field = |name: &str, value: &str| {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    text_field("kind", kind);
    text_field("survey", survey);
    if extra {
        text_field("role", "cx-lead");
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The (row, column) pairs of the report table on the imports page.
fn report_lists(page: &str, row: u64, column: &str) -> bool {
    let cell = if column.is_empty() {
        "<span class=\"muted\">whole row</span>".to_owned()
    } else {
        format!("<code>{}</code>", escape(column))
    };
    page.contains(&format!("<tr><td class=\"num\">{row}</td><td>{cell}</td>"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_upload_on_the_imports_page_is_imported_whole_or_refused_with_a_report() {
    let app = fuzz_app().await;
    app.signed_in_as("cx-lead").await;
    let imported: Mutex<HashSet<ImportKey>> = Mutex::default();
    let file_names = prop::sample::select(vec![
        "march.csv",
        "<b>bold</b>.csv",
        "=cmd|' /C calc'!A0.csv",
        "données été.csv",
        "../../etc/passwd",
        "",
    ]);
    check(
        150,
        (csv_file(), upload(), file_names),
        |(file, upload, file_name)| {
            let (app, imported) = (&app, &imported);
            async move {
                let kind = match file.kind {
                    Kind::Responses => "responses",
                    Kind::Contacts => "contacts",
                };
                let (kind, survey) = match &upload {
                    Upload::Kind(junk) => (junk.as_str(), file.survey.unwrap_or("")),
                    Upload::Survey(survey) => (kind, survey.as_str()),
                    _ => (kind, file.survey.unwrap_or("")),
                };
                // The survey the import is for, as the page reads the form.
                let named = Some(survey.trim()).filter(|s| !s.is_empty());
                // (A contacts file belongs to no survey: the field is ignored.)
                let known_survey =
                    file.kind == Kind::Contacts || named.is_none_or(|s| KNOWN_SURVEYS.contains(&s));
                let key = import_key(file.kind, named, &file.bytes);
                let extra = matches!(upload, Upload::ExtraField);
                let mut body = multipart(kind, survey, file_name, &file.bytes, extra);
                if let Upload::CutShort(at) = &upload {
                    // Somewhere inside the file's part: the closing boundary never comes.
                    let end = body.len() - BOUNDARY.len() - 8;
                    let start = end - file.bytes.len();
                    body.truncate(start + at.index(file.bytes.len() + 1));
                }
                let before = stored(app).await;
                let response = send_upload(app, body)
                    .await
                    .map_err(|e| fail(format!("no answer: {e}")))?;
                let status = response.status().as_u16();
                let page = response.text().await.unwrap_or_default();
                let after = stored(app).await;
                prop_assert!(status < 500, "status {}: {}", status, page);
                prop_assert!(
                    !page.contains("centric-upload")
                        && !page.contains(&std::env::temp_dir().display().to_string()),
                    "the page shows a server path: {}",
                    page
                );
                if status == 200 {
                    prop_assert!(
                        matches!(upload, Upload::Whole | Upload::Survey(_)) && known_survey,
                        "imported despite {:?}",
                        upload
                    );
                    prop_assert!(page.contains("Imported "), "{}", page);
                    let shown = page
                        .split(" rows read: ")
                        .nth(1)
                        .and_then(|rest| rest.split(" stored").next())
                        .and_then(|n| n.parse::<i64>().ok());
                    prop_assert_eq!(
                        Some(rows_of(file.kind, after) - rows_of(file.kind, before)),
                        shown,
                        "the page tells the truth"
                    );
                    prop_assert_eq!(after.imports, before.imports + 1);
                    prop_assert!(
                        imported.lock().unwrap().insert(key),
                        "a re-upload was imported again"
                    );
                    if let (Some(expected), Upload::Whole) = (&file.expected, &upload) {
                        prop_assert!(expected.is_empty(), "imported despite {:?}", expected);
                    }
                    return Ok(());
                }
                prop_assert_eq!(before, after, "nothing of a refused upload is stored");
                match &upload {
                    Upload::CutShort(_) => {
                        prop_assert_eq!(status, 400, "an upload cut short: {}", page);
                        prop_assert!(page.contains("could not be read"), "{}", page);
                        return Ok(());
                    }
                    Upload::Kind(_) => {
                        prop_assert!(page.contains("choose what the file holds"), "{}", page);
                    }
                    Upload::ExtraField => {
                        prop_assert!(page.contains("unexpected form field"), "{}", page);
                    }
                    Upload::Survey(_) => {
                        if !known_survey {
                            prop_assert!(page.contains("there is no survey"), "{}", page);
                        }
                    }
                    Upload::Whole => {
                        if let Some(expected) = &file.expected {
                            if expected.is_empty() {
                                prop_assert!(
                                    imported.lock().unwrap().contains(&key),
                                    "a good file was refused: {}",
                                    page
                                );
                                prop_assert!(page.contains("already imported"), "{}", page);
                            }
                            for (row, column) in expected {
                                prop_assert!(
                                    report_lists(&page, *row, column),
                                    "({}, {:?}) missing from the report: {}",
                                    row,
                                    column,
                                    page
                                );
                            }
                        }
                    }
                }
                prop_assert_eq!(status, 422, "{}", page);
                prop_assert!(page.contains("notice-error"), "{}", page);
                Ok(())
            }
        },
    );
}

// ---------------------------------------------------------------------------------------
// Inputs the properties above found, kept as regression tests

/// `%0%000` holds no `%00`… until a `%00` inside it is taken out: a NUL must not come
/// back that way (it reached PostgreSQL in a hidden field and failed the answer with 500).
#[tokio::test]
async fn a_nul_escape_split_around_another_is_dropped_from_a_survey_answer() {
    let app = fuzz_app().await;
    let token = public_survey_token(&app).await;
    let submission = uuid::Uuid::new_v4();
    let body =
        format!("score=7&submission_id={submission}&segment=%0%000&ref=%%0000&comment=a%0%000b");
    let response = app
        .client
        .post(app.url(&format!("/s/{token}")))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let stored: (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT segment, customer_ref, comment FROM responses WHERE submission_id = $1",
    )
    .bind(submission)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // Decoded, `%0%000` is `%`, `0`, NUL, `0`: the text without the NUL.
    assert_eq!(
        stored,
        (Some("%00".into()), Some("%00".into()), Some("a%00b".into()))
    );
}

/// Sends the imports page's form as `multipart` writes it, as the signed-in CX lead.
async fn upload_as_cx_lead(app: &TestApp, body: Vec<u8>) -> (u16, String) {
    let response = send_upload(app, body).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Posts a `multipart` body to the imports page with this app's (signed-in) client.
async fn send_upload(app: &TestApp, body: Vec<u8>) -> Result<reqwest::Response, reqwest::Error> {
    app.client
        .post(app.url("/admin/imports"))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
}

/// Was: "cannot read /tmp/centric-upload-….csv: CSV parse error …" on the page, no report.
#[tokio::test]
async fn a_csv_header_that_is_not_utf8_is_reported_as_row_1_without_a_server_path() {
    let app = fuzz_app().await;
    let path = temp_csv(b"sc\xffore\n9\n");
    let error = import_file(
        &app.db.pool,
        Kind::Responses,
        &path,
        "latin1.csv",
        Some("relationship"),
        &Actor::Cli,
    )
    .await
    .unwrap_err();
    let _ = std::fs::remove_file(&path);
    let ImportError::Invalid { errors, total } = error else {
        panic!("expected a report, got {error}");
    };
    assert_eq!((total, errors[0].row), (1, 1));
    assert!(errors[0].message.contains("UTF-8"), "{:?}", errors[0]);

    app.signed_in_as("cx-lead").await;
    let body = multipart(
        "responses",
        "relationship",
        "latin1.csv",
        b"sc\xffore\n9\n",
        false,
    );
    let (status, page) = upload_as_cx_lead(&app, body).await;
    assert_eq!(status, 422);
    assert!(report_lists(&page, 1, ""), "{page}");
    assert!(!page.contains("centric-upload"), "no server path: {page}");
    assert_eq!(stored(&app).await.imports, 0);
}

/// Was: 500 (PostgreSQL refused to compare the NUL while looking the survey up).
#[tokio::test]
async fn an_upload_for_a_survey_named_with_a_nul_is_refused_as_unknown_not_a_500() {
    let app = fuzz_app().await;
    app.signed_in_as("cx-lead").await;
    let body = multipart(
        "responses",
        "relationship\0",
        "march.csv",
        b"score\n9\n",
        false,
    );
    let (status, page) = upload_as_cx_lead(&app, body).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("there is no survey"), "{page}");
    assert_eq!(stored(&app).await.responses, 0);
}

/// Was: 500 (the multipart reader's error was treated as the server's).
#[tokio::test]
async fn an_upload_cut_short_is_a_400_with_the_page_not_a_500() {
    let app = fuzz_app().await;
    app.signed_in_as("cx-lead").await;
    let mut body = multipart(
        "responses",
        "relationship",
        "march.csv",
        b"score\n9\n10\n",
        false,
    );
    body.truncate(body.len() - BOUNDARY.len() - 12);
    let (status, page) = upload_as_cx_lead(&app, body).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("could not be read"), "{page}");
    assert_eq!(
        stored(&app).await,
        Stored {
            responses: 0,
            contacts: 0,
            imports: 0
        }
    );
}

/// Was: 500 when sent with an Idempotency-Key (the answer naming the field could not be
/// stored: jsonb holds no NUL).
#[tokio::test]
async fn an_unknown_field_named_with_a_nul_is_refused_also_under_an_idempotency_key() {
    let app = fuzz_app().await;
    let token = ingest_token(&app).await;
    let body = br#"{"survey": "relationship", "score": 5, "ro\u0000le": "cx-lead"}"#.to_vec();
    for _ in 0..2 {
        let answer = send(
            &app,
            &token,
            RESPONSES,
            body.clone(),
            Some(HeaderValue::from_static("nul-key")),
        )
        .await
        .unwrap();
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert_eq!(answer.body["error"]["items"][0]["field"], "ro\u{fffd}le");
    }
    assert_eq!(stored(&app).await.responses, 0);
}
