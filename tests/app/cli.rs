//! The `centric` binary itself: user and token creation, errors, help.

use crate::helpers::TestDb;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `centric` against the test's database, feeding `stdin`.
pub fn centric(db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_centric"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn user_create_stores_an_argon2id_hash_never_the_password_and_audits_it() {
    let db = TestDb::new().await;
    let password = "a long enough secret";
    let output = centric(
        &db,
        &[
            "user",
            "create",
            "--email",
            "Ana@Example.com",
            "--name",
            "Ana Lima",
            "--role",
            "cx-lead",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert!(output.status.success(), "{}", stderr(&output));

    let (role, hash): (String, String) = sqlx::query_as(
        "SELECT role, password_hash FROM users WHERE lower(email) = 'ana@example.com'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(role, "cx-lead");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(password));
    assert!(centric::services::passwords::verify(password, &hash).await);

    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'user.create' AND actor_label = 'cli'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let leaked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE after::text LIKE '%' || $1 || '%'",
    )
    .bind(password)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0, "the audit entry does not carry the password");
}

#[tokio::test]
async fn user_create_refuses_a_department_head_without_an_existing_department() {
    let db = TestDb::new().await;
    let args = [
        "user",
        "create",
        "--email",
        "h@example.com",
        "--name",
        "Head",
        "--role",
        "department-head",
        "--department",
        "legal",
        "--password-stdin",
    ];
    let output = centric(&db, &args, "a long enough secret\n");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.trim().lines().count(), 1, "one line: {message}");
    assert!(
        message.contains("there is no department 'legal'"),
        "{message}"
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn user_create_refuses_a_short_password_and_a_taken_email_with_one_line_each() {
    let db = TestDb::new().await;
    let args = [
        "user",
        "create",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--role",
        "executive",
        "--password-stdin",
    ];
    let short = centric(&db, &args, "short\n");
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("at least 12 characters"),
        "{}",
        stderr(&short)
    );

    assert!(
        centric(&db, &args, "a long enough secret\n")
            .status
            .success()
    );
    let args_upper = [
        "user",
        "create",
        "--email",
        "X@EXAMPLE.COM",
        "--name",
        "X",
        "--role",
        "executive",
        "--password-stdin",
    ];
    let taken = centric(&db, &args_upper, "a long enough secret\n");
    assert!(!taken.status.success());
    assert!(
        stderr(&taken).contains("already has an account"),
        "{}",
        stderr(&taken)
    );
}

#[tokio::test]
async fn token_create_prints_the_token_alone_and_stores_only_its_hash() {
    let db = TestDb::new().await;
    let output = centric(
        &db,
        &[
            "token",
            "create",
            "--name",
            "CRM export",
            "--scope",
            "ingest",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "the token alone: {stdout:?}");
    let token = stdout.trim();
    assert!(token.starts_with("ctk_") && token.len() == 44, "{token}");

    let (hash, prefix, scope): (Vec<u8>, String, String) =
        sqlx::query_as("SELECT token_hash, prefix, scope FROM api_tokens")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        hash,
        centric::services::accounts::token_hash(token).to_vec()
    );
    assert_eq!(scope, "ingest");
    assert!(token.starts_with(&prefix) && prefix.len() < token.len());
    let plaintext_anywhere: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_tokens t WHERE row_to_json(t)::text LIKE '%' || $1 || '%'",
    )
    .bind(token)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(plaintext_anywhere, 0);
}

#[tokio::test]
async fn an_unknown_scope_is_refused_before_touching_the_database() {
    let db = TestDb::new().await;
    let output = centric(
        &db,
        &["token", "create", "--name", "x", "--scope", "everything"],
        "",
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("invalid value 'everything'"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn help_documents_every_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_centric"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for command in ["serve", "migrate", "demo", "user", "token"] {
        assert!(help.contains(command), "--help mentions {command}: {help}");
    }
    for variable in [
        "DATABASE_URL",
        "CENTRIC_DATA_DIR",
        "CENTRIC_PG_BIN",
        "CENTRIC_PG_USER",
    ] {
        assert!(help.contains(variable), "--help mentions {variable}");
    }
}

#[tokio::test]
async fn an_unreachable_database_url_is_one_clear_line_and_a_failing_exit() {
    let output = Command::new(env!("CARGO_BIN_EXE_centric"))
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://nobody@localhost:1/none?host=/nonexistent-socket-dir",
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    let last = message.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: cannot connect to the database"),
        "{message}"
    );
}

#[tokio::test]
async fn empty_settings_in_the_environment_count_as_unset() {
    let db = TestDb::new().await;
    let output = Command::new(env!("CARGO_BIN_EXE_centric"))
        .arg("migrate")
        .env("DATABASE_URL", db.url())
        .env("CENTRIC_PG_BIN", "")
        .env("CENTRIC_DB_POOL_SIZE", "")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[tokio::test]
async fn out_of_range_settings_are_refused_with_the_allowed_range() {
    let output = Command::new(env!("CARGO_BIN_EXE_centric"))
        .args(["serve", "--request-timeout-secs", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("1..=3600"), "{}", stderr(&output));
}

#[tokio::test]
async fn token_list_and_revoke_work_by_prefix_and_are_audited() {
    let db = TestDb::new().await;
    let created = centric(
        &db,
        &["token", "create", "--name", "CRM export", "--scope", "read"],
        "",
    );
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    let prefix = &token[..12];

    let listed = centric(&db, &["token", "list"], "");
    let listing = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listing.contains(prefix) && listing.contains("CRM export") && listing.contains("active"),
        "{listing}"
    );
    assert!(!listing.contains(&token), "the list never shows a token");

    let revoked = centric(&db, &["token", "revoke", prefix], "");
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let revoked_at: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT revoked_at FROM api_tokens")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(revoked_at.is_some());
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'token.revoke'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    let again = centric(&db, &["token", "revoke", prefix], "");
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("no active token has the prefix"),
        "{}",
        stderr(&again)
    );
}
