//! `GET /api/v1/openapi.json`: the document lists exactly the API's routes, and what the
//! server really answers (successes and errors) validates against it.

use std::collections::BTreeSet;

use crate::api_metrics::setup;
use centric::repo::audit::Actor;
use serde_json::{Value, json};

async fn document(s: &crate::api_metrics::Setup) -> Value {
    // Anonymous: the description of the API is public, the data is not.
    let response = s
        .app
        .client
        .get(s.app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The JSON Schema the document gives for `method path` answering `status`, with the
/// components reachable as `$defs`.
fn validator(doc: &Value, method: &str, path: &str, status: u16) -> jsonschema::Validator {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} does not document a JSON {status}"
    );
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": doc["components"]["schemas"],
    });
    for (key, value) in schema.as_object().unwrap() {
        root[key] = value.clone();
    }
    let text = root
        .to_string()
        .replace("#/components/schemas/", "#/$defs/");
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

/// Every property name the document declares anywhere.
fn declared_properties(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                names.extend(properties.keys().cloned());
            }
            map.values().for_each(|v| declared_properties(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| declared_properties(v, names)),
        _ => {}
    }
}

/// Keys in an answer that the document never mentions (a field added in code but not
/// described). `fields` is a map keyed by parameter name, so its keys are data.
fn undeclared_keys(answer: &Value, declared: &BTreeSet<String>, found: &mut Vec<String>) {
    match answer {
        Value::Object(map) => {
            for (key, value) in map {
                if !declared.contains(key) {
                    found.push(key.clone());
                }
                if key != "fields" {
                    undeclared_keys(value, declared, found);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| undeclared_keys(v, declared, found)),
        _ => {}
    }
}

fn assert_conforms(doc: &Value, method: &str, path: &str, status: u16, answer: &Value) {
    let validator = validator(doc, method, path, status);
    let errors: Vec<String> = validator
        .iter_errors(answer)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} contradicts the document: {errors:?}\n{answer}"
    );
    let mut declared = BTreeSet::new();
    declared_properties(doc, &mut declared);
    let mut undeclared = Vec::new();
    undeclared_keys(answer, &declared, &mut undeclared);
    assert!(
        undeclared.is_empty(),
        "{method} {path} answers undocumented fields {undeclared:?}"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_exactly_the_api_routes() {
    let s = setup().await;
    let doc = document(&s).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let (_, table) = centric::web::routes().into_parts();
    let served: BTreeSet<(String, String)> = table
        .iter()
        .filter(|route| route.path.starts_with("/api/") && route.path != "/api/v1/openapi.json")
        .map(|route| (route.method.to_string(), route.path.to_owned()))
        .collect();
    assert_eq!(documented, served);
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method.to_lowercase()];
        assert!(
            operation["security"].is_array(),
            "{method} {path} states no security"
        );
        for status in ["401", "403", "503"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} does not document {status}"
            );
        }
    }
}

#[tokio::test]
async fn every_read_endpoint_answers_what_the_document_describes() {
    let s = setup().await;
    let pool = &s.app.db.pool;
    sqlx::query(
        "INSERT INTO objectives (title, metric, owner_department_id, survey_id, baseline, target, period_start, period_end)
         SELECT 'Invoice NPS to +30', 'nps', d.id, v.id, 0, 30, '2026-01-01', '2027-01-01'
         FROM departments d, surveys v WHERE d.slug = 'finance' AND v.slug = 'invoice-nps'",
    )
    .execute(pool)
    .await
    .unwrap();
    let doc = document(&s).await;
    for path in [
        "/api/v1/departments",
        "/api/v1/surveys",
        "/api/v1/touchpoints",
        "/api/v1/objectives",
        "/api/v1/metrics/nps?from=2026-01-01&to=2026-04-01",
        "/api/v1/metrics/nps?kind=internal&from=2026-03-01&to=2026-04-01",
        "/api/v1/metrics/nps?segment=nobody",
        "/api/v1/metrics/nps/trend?from=2026-01-01&to=2026-04-01&interval=week",
        "/api/v1/metrics/nps/breakdown?by=segment&from=2026-01-01&to=2026-04-01",
        "/api/v1/metrics/nps/breakdown?by=respondent_department&kind=internal",
    ] {
        let (status, answer) = s.get(path).await;
        assert_eq!(status, 200, "{path}: {answer}");
        assert!(answer != json!([]), "{path} answered nothing to check");
        let route = path.split('?').next().unwrap();
        assert_conforms(&doc, "get", route, 200, &answer);
    }
    let (status, scorecard) = s.get("/api/v1/departments/finance/scorecard").await;
    assert_eq!(status, 200);
    assert_eq!(scorecard["objectives"].as_array().unwrap().len(), 1);
    assert_conforms(
        &doc,
        "get",
        "/api/v1/departments/{slug}/scorecard",
        200,
        &scorecard,
    );
    let export = s
        .app
        .client
        .get(s.app.url("/api/v1/export/responses.csv"))
        .bearer_auth(&s.read)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let documented_type =
        doc["paths"]["/api/v1/export/responses.csv"]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(&documented_type)
    );
}

#[tokio::test]
async fn errors_answer_what_the_document_describes() {
    let s = setup().await;
    let doc = document(&s).await;
    let ingest =
        centric::services::accounts::create_token(&s.app.db.pool, "in2", "ingest", &Actor::Cli)
            .await
            .unwrap()
            .token;
    let client = &s.app.client;
    let mut cases: Vec<(&str, &str, reqwest::RequestBuilder, u16)> = vec![
        (
            "get",
            "/api/v1/metrics/nps",
            client.get(s.app.url("/api/v1/metrics/nps")),
            401,
        ),
        (
            "get",
            "/api/v1/metrics/nps",
            client
                .get(s.app.url("/api/v1/metrics/nps"))
                .bearer_auth(&ingest),
            403,
        ),
        (
            "get",
            "/api/v1/metrics/nps",
            client
                .get(s.app.url("/api/v1/metrics/nps?from=yesterday"))
                .bearer_auth(&s.read),
            422,
        ),
        (
            "get",
            "/api/v1/metrics/nps/trend",
            client
                .get(s.app.url("/api/v1/metrics/nps/trend?colour=red"))
                .bearer_auth(&s.read),
            400,
        ),
        (
            "get",
            "/api/v1/departments/{slug}/scorecard",
            client
                .get(s.app.url("/api/v1/departments/nowhere/scorecard"))
                .bearer_auth(&s.read),
            404,
        ),
        (
            "post",
            "/api/v1/responses",
            client
                .post(s.app.url("/api/v1/responses"))
                .bearer_auth(&s.read)
                .json(&json!({"survey": "invoice-nps", "score": 9})),
            403,
        ),
        (
            "post",
            "/api/v1/responses",
            client
                .post(s.app.url("/api/v1/responses"))
                .bearer_auth(&ingest)
                .json(&json!([{"survey": "invoice-nps", "score": 11}, {"score": 3}])),
            422,
        ),
        (
            "post",
            "/api/v1/contacts",
            client
                .post(s.app.url("/api/v1/contacts"))
                .bearer_auth(&ingest)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        ),
        (
            "post",
            "/api/v1/contacts",
            client
                .post(s.app.url("/api/v1/contacts"))
                .bearer_auth(&ingest)
                .header("idempotency-key", "")
                .json(&json!({"reason": "x", "channel": "y"})),
            400,
        ),
        (
            "post",
            "/api/v1/responses",
            client
                .post(s.app.url("/api/v1/responses"))
                .bearer_auth(&ingest)
                .json(&json!({"survey": "invoice-nps", "score": 9, "external_id": "e-1"})),
            201,
        ),
    ];
    let oversize = vec![b' '; 17 * 1024 * 1024];
    cases.push((
        "post",
        "/api/v1/responses",
        client
            .post(s.app.url("/api/v1/responses"))
            .bearer_auth(&ingest)
            .header("content-type", "application/json")
            .body(oversize),
        413,
    ));
    for (method, path, request, expected) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), expected, "{method} {path}");
        let answer: Value = response.json().await.unwrap();
        assert_conforms(&doc, method, path, expected, &answer);
    }
}

#[tokio::test]
async fn api_clients_get_json_even_for_errors_no_handler_produced() {
    let s = setup().await;
    let (status, answer) = s.get("/api/v1/no-such-thing").await;
    assert_eq!(status, 404);
    assert_eq!(answer["error"]["code"], "not_found");
    let response = s
        .app
        .client
        .delete(s.app.url("/api/v1/surveys"))
        .bearer_auth(&s.read)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // Pages keep their HTML error pages.
    let page = s.app.get("/no-such-page").await;
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn every_value_the_document_lists_for_a_parameter_is_accepted() {
    // The document lists `kind`, `interval` and `by` as enums (so API fuzzers reach the
    // answers, not only the 422s): each value listed must be one the server takes.
    let s = setup().await;
    let doc = document(&s).await;
    for (path, name, extra) in [
        ("/api/v1/metrics/nps", "kind", ""),
        ("/api/v1/metrics/nps/trend", "interval", ""),
        ("/api/v1/metrics/nps/breakdown", "by", "&kind=customer"),
    ] {
        let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let parameter = parameters.iter().find(|p| p["name"] == name).unwrap();
        let values = parameter["schema"]["enum"].as_array().unwrap();
        assert!(!values.is_empty(), "{path} {name}");
        for value in values {
            let value = value.as_str().unwrap();
            let (status, body) = s.get(&format!("{path}?{name}={value}{extra}")).await;
            assert_eq!(status, 200, "{path}?{name}={value}: {body}");
        }
    }
}
