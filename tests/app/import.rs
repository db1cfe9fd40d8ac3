//! CSV imports: all or nothing with a row-by-row report, BOM/CRLF/quoted newlines,
//! re-uploads recognised, rollups kept, and the command line's report.

use crate::helpers::{TestDb, add_department, add_touchpoint};
use centric::repo::audit::Actor;
use centric::services::api_ingest::Kind;
use centric::services::import::{ImportError, import_file};
use std::io::Write;
use std::path::PathBuf;

async fn survey(db: &TestDb) {
    let finance = add_department(&db.pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(&db.pool, "invoice", "Invoice", finance).await;
    sqlx::query("INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, opens_at) VALUES ('invoice-nps', 'Invoice', 'customer', 'tok_import_000000000001', 'How likely…?', $1, '2025-01-01')")
        .bind(invoice)
        .execute(&db.pool)
        .await
        .unwrap();
}

/// A CSV file in a directory of its own, removed with it.
struct CsvFile {
    path: PathBuf,
    _dir: crate::helpers::ScratchDir,
}

impl std::ops::Deref for CsvFile {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

fn file(name: &str, bytes: &[u8]) -> CsvFile {
    let dir = crate::helpers::scratch_dir("import");
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    CsvFile { path, _dir: dir }
}

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_valid_file_with_bom_crlf_and_quoted_newlines_is_imported_whole() {
    let db = TestDb::new().await;
    survey(&db).await;
    let csv = "\u{feff}score,comment,submitted_at,segment,external_id\r\n\
               9,\"Clear, friendly\r\nand fast\",2026-02-01T10:00:00Z,smb,a-1\r\n\
               3,Invoice was wrong,2026-02-02T10:00:00Z,enterprise,a-2\r\n\
               7,,2026-02-03T10:00:00Z,,\r\n";
    let path = file("february.csv", csv.as_bytes());
    let report = import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "february.csv",
        Some("invoice-nps"),
        &Actor::Cli,
    )
    .await
    .expect("imports");
    assert_eq!((report.rows, report.stored, report.duplicates), (3, 3, 0));
    let comment: String =
        sqlx::query_scalar("SELECT comment FROM responses WHERE external_id = 'a-1'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(comment, "Clear, friendly\r\nand fast");
    let (sources, imports): (i64, i64) = sqlx::query_as("SELECT count(*) FILTER (WHERE source = 'import' AND import_id IS NOT NULL), (SELECT count(*) FROM imports) FROM responses")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!((sources, imports), (3, 1));
    let counted: i64 = sqlx::query_scalar(
        "SELECT sum(promoters + passives + detractors) FROM response_rollups_daily",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(counted, 3);

    let again = import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "february.csv",
        Some("invoice-nps"),
        &Actor::Cli,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(again, ImportError::AlreadyImported { .. }),
        "{again}"
    );
    assert!(again.to_string().contains("february.csv"));
    assert_eq!(
        count(&db, "responses").await,
        3,
        "a re-upload writes nothing"
    );
}

#[tokio::test]
async fn one_bad_row_at_the_end_of_a_large_file_means_nothing_is_written() {
    let db = TestDb::new().await;
    survey(&db).await;
    let mut csv = String::from("score,submitted_at\n");
    for i in 0..20_000 {
        csv.push_str(&format!(
            "{},2026-03-01T{:02}:{:02}:00Z\n",
            i % 11,
            (i / 60) % 24,
            i % 60
        ));
    }
    csv.push_str("eleven,2026-03-02T10:00:00Z\n");
    let path = file("march.csv", csv.as_bytes());
    let error = import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "test.csv",
        Some("invoice-nps"),
        &Actor::Cli,
    )
    .await
    .unwrap_err();
    let ImportError::Invalid { errors, total } = error else {
        panic!("expected a report, got {error}")
    };
    assert_eq!(total, 1);
    assert_eq!(
        (errors[0].row, errors[0].column.as_str()),
        (20_002, "score")
    );
    assert_eq!(count(&db, "responses").await, 0);
    assert_eq!(count(&db, "imports").await, 0);
}

#[tokio::test]
async fn unknown_columns_and_bad_values_are_reported_row_by_row() {
    let db = TestDb::new().await;
    survey(&db).await;
    let csv = "score,colour,submitted_at\n5,red,2026-03-01T10:00:00Z\n12,blue,tomorrow\n";
    let path = file("odd.csv", csv.as_bytes());
    let ImportError::Invalid { errors, .. } = import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "test.csv",
        Some("invoice-nps"),
        &Actor::Cli,
    )
    .await
    .unwrap_err() else {
        panic!("expected a report")
    };
    let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    for expected in [(1, "colour"), (3, "score"), (3, "submitted_at")] {
        assert!(found.contains(&expected), "{expected:?} in {found:?}");
    }
}

#[tokio::test]
async fn contacts_import_with_costs_and_rollups() {
    let db = TestDb::new().await;
    let finance = add_department(&db.pool, "finance", "Finance", "support").await;
    sqlx::query("INSERT INTO contact_reasons (slug, name, department_id) VALUES ('unclear-invoice', 'Unclear invoice', $1)").bind(finance).execute(&db.pool).await.unwrap();
    sqlx::query(
        "INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('email', 'E-mail', 420)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let csv = "reason,channel,occurred_at,cost\nunclear-invoice,email,2026-04-01T09:00:00Z,\nunclear-invoice,email,2026-04-01T10:00:00Z,7.25\n";
    let report = import_file(
        &db.pool,
        Kind::Contacts,
        &file("contacts.csv", csv.as_bytes()),
        "test.csv",
        None,
        &Actor::Cli,
    )
    .await
    .unwrap();
    assert_eq!(report.stored, 2);
    let cost: i64 = sqlx::query_scalar("SELECT sum(cost_cents)::bigint FROM contact_rollups_daily")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(cost, 420 + 725);
}

#[tokio::test]
async fn the_command_line_prints_the_report_and_fails() {
    let db = TestDb::new().await;
    survey(&db).await;
    let path = file("bad.csv", b"score\n5\n-1\n");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_centric"))
        .args(["import", "responses"])
        .arg(&path.path)
        .args(["--survey", "invoice-nps"])
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("row 3, column score: required: a whole number from 0 to 10"),
        "{stderr}"
    );
    assert!(
        stderr
            .trim()
            .lines()
            .last()
            .unwrap()
            .starts_with("error: 1 problem(s) in the file; nothing was imported"),
        "{stderr}"
    );
    let good = file("good.csv", b"score\n5\n10\n");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_centric"))
        .args(["import", "responses"])
        .arg(&good.path)
        .args(["--survey", "invoice-nps"])
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("imported 2 rows"));
}

#[tokio::test]
async fn the_same_file_may_be_imported_for_another_survey() {
    let db = TestDb::new().await;
    survey(&db).await;
    sqlx::query("INSERT INTO surveys (slug, name, kind, public_token, question, opens_at) VALUES ('relationship', 'Relationship', 'customer', 'tok_import_000000000002', 'q', '2025-01-01')")
        .execute(&db.pool)
        .await
        .unwrap();
    let path = file("same.csv", b"score\n9\n");
    import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "test.csv",
        Some("invoice-nps"),
        &Actor::Cli,
    )
    .await
    .unwrap();
    import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "test.csv",
        Some("relationship"),
        &Actor::Cli,
    )
    .await
    .expect("another survey, another import");
    let again = import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "test.csv",
        Some("relationship"),
        &Actor::Cli,
    )
    .await
    .unwrap_err();
    assert!(matches!(again, ImportError::AlreadyImported { .. }));
    assert_eq!(count(&db, "responses").await, 2);
}

#[tokio::test]
async fn the_cx_lead_uploads_a_file_in_the_browser_and_gets_a_report() {
    let app = crate::helpers::spawn_app().await;
    survey(&app.db).await;
    let form = |bytes: &'static [u8], name: &str| {
        reqwest::multipart::Form::new()
            .text("kind", "responses")
            .text("survey", "invoice-nps")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            )
    };
    let executive = app.create_user("executive", None).await;
    let outsider = crate::helpers::new_client();
    outsider
        .post(app.url("/login"))
        .form(&[
            ("email", &executive.email),
            ("password", &executive.password),
        ])
        .send()
        .await
        .unwrap();
    let refused = outsider
        .post(app.url("/admin/imports"))
        .multipart(form(b"score\n9\n", "x.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    app.signed_in_as("cx-lead").await;
    let bad = app
        .client
        .post(app.url("/admin/imports"))
        .multipart(form(b"score\n9\n12\n", "<b>bad</b>.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let page = bad.text().await.unwrap();
    assert!(
        page.contains("&#60;b&#62;bad&#60;/b&#62;.csv was not imported"),
        "the file name is shown, escaped"
    );
    assert!(page.contains("required: a whole number from 0 to 10"));
    assert_eq!(count(&app.db, "responses").await, 0);

    let good = app
        .client
        .post(app.url("/admin/imports"))
        .multipart(form(b"score\n9\n3\n", "march.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let page = good.text().await.unwrap();
    assert!(
        page.contains("Imported march.csv") && page.contains("2 rows read: 2 stored"),
        "{page}"
    );
    let (file_name, by): (String, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT file_name, created_by FROM imports")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(file_name, "march.csv");
    assert!(by.is_some(), "the import records who uploaded it");
}

#[tokio::test]
async fn rows_dated_in_the_future_or_before_the_survey_opened_are_refused() {
    let db = TestDb::new().await;
    survey(&db).await;
    let csv = "score,submitted_at\n9,2026-03-01T10:00:00Z\n8,2099-01-01T00:00:00Z\n7,2024-06-30T12:00:00Z\n";
    let path = file("dates.csv", csv.as_bytes());
    let ImportError::Invalid { errors, total } = import_file(
        &db.pool,
        Kind::Responses,
        &path,
        "dates.csv",
        Some("invoice-nps"),
        &Actor::Cli,
    )
    .await
    .unwrap_err() else {
        panic!("expected a report")
    };
    assert_eq!(total, 2);
    let found: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "submitted_at", "is in the future"),
            (4, "submitted_at", "is before the survey opened")
        ]
    );
    assert_eq!(
        count(&db, "responses").await,
        0,
        "nothing of the file is stored"
    );
}
