//! Recovery tools: `centric backup` and `centric restore` as a round trip that keeps every
//! table's rows, and `centric check` finding and repairing rollup drift.

use crate::cli::{centric, stderr};
use crate::helpers::{TestDb, scratch_dir};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// Every table's row count and a checksum of its rows, by name.
async fn fingerprints(pool: &PgPool) -> BTreeMap<String, (i64, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut prints = BTreeMap::new();
    for table in tables {
        let print: (i64, String) = sqlx::query_as(&format!(
            r#"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '')
               FROM "{table}" t"#
        ))
        .fetch_one(pool)
        .await
        .unwrap();
        prints.insert(table, print);
    }
    prints
}

async fn version(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_backup_restored_into_another_database_has_every_row_of_every_table() {
    let source = TestDb::with_demo().await;
    sqlx::query("INSERT INTO sessions (id, data, expiry_date) VALUES ('live-sign-in', '\\x00', now() + interval '1 day')")
        .execute(&source.pool)
        .await
        .unwrap();
    let dir = scratch_dir("backup");
    let file = dir.join("centric.backup");
    let made = centric(&source, &["backup", file.to_str().unwrap()], "");
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stdout(&made).contains("bytes"), "{}", stdout(&made));
    assert!(
        !dir.join("centric.backup.partial").exists(),
        "the partial file was renamed into place"
    );

    let target = TestDb::new().await;
    // Something the backup does not hold: the restore replaces it.
    crate::helpers::add_department(&target.pool, "stray", "Stray", "support").await;
    centric::repo::data_version::bump(&target.pool)
        .await
        .unwrap();
    let before = version(&target.pool).await;
    let restored = centric(&target, &["restore", file.to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));

    let (mut original, mut copy) = (
        fingerprints(&source.pool).await,
        fingerprints(&target.pool).await,
    );
    assert!(
        original["responses"].0 > 100_000,
        "the demo's responses are in the backup"
    );
    assert_eq!(copy["sessions"].0, 0, "sign-ins are not carried by backups");
    assert!(
        version(&target.pool).await > before,
        "the restored data gets a version no page was cached at"
    );
    for table in ["sessions", "data_version"] {
        original.remove(table);
        copy.remove(table);
    }
    assert_eq!(
        original, copy,
        "every other table is identical, row for row"
    );
}

#[tokio::test]
async fn restoring_a_file_that_is_not_a_backup_is_refused_and_changes_nothing() {
    let db = TestDb::with_demo().await;
    let dir = scratch_dir("not-a-backup");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "score,comment\n9,great\n").unwrap();
    let before = fingerprints(&db.pool).await;
    let output = centric(&db, &["restore", file.to_str().unwrap()], "");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("is not a Centric backup"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fingerprints(&db.pool).await, before);
}

#[tokio::test]
async fn a_backup_that_cannot_be_written_fails_and_leaves_no_file_behind() {
    let db = TestDb::new().await;
    let dir = scratch_dir("backup-fail");
    let file = dir.join("missing-directory").join("centric.backup");
    let output = centric(&db, &["backup", file.to_str().unwrap()], "");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("pg_dump failed"),
        "{}",
        stderr(&output)
    );
    assert!(!file.exists());
}

#[tokio::test]
async fn check_reports_rollup_drift_and_repair_rebuilds_the_rollups() {
    let db = TestDb::with_demo().await;
    let clean = centric(&db, &["check"], "");
    assert!(clean.status.success(), "{}", stderr(&clean));
    assert!(
        stdout(&clean).contains("agree with a recount"),
        "{}",
        stdout(&clean)
    );

    let rolled = fingerprints(&db.pool).await;
    sqlx::raw_sql(
        "UPDATE response_rollups_daily SET promoters = promoters + 5
           WHERE ctid = (SELECT ctid FROM response_rollups_daily WHERE promoters > 0 LIMIT 1);
         DELETE FROM contact_rollups_daily
           WHERE ctid = (SELECT ctid FROM contact_rollups_daily WHERE contacts > 0 LIMIT 1);",
    )
    .execute(&db.pool)
    .await
    .unwrap();

    let found = centric(&db, &["check"], "");
    assert!(!found.status.success(), "drift is a failing exit");
    assert!(
        stdout(&found).contains("1 response rollup rows and 1 contact rollup rows differ"),
        "{}",
        stdout(&found)
    );
    assert!(stderr(&found).contains("--repair"), "{}", stderr(&found));

    let before = version(&db.pool).await;
    let repaired = centric(&db, &["check", "--repair"], "");
    assert!(repaired.status.success(), "{}", stderr(&repaired));
    assert!(
        stdout(&repaired).contains("repaired"),
        "{}",
        stdout(&repaired)
    );
    assert!(version(&db.pool).await > before, "pages follow the repair");
    let after = fingerprints(&db.pool).await;
    for table in ["response_rollups_daily", "contact_rollups_daily"] {
        assert_eq!(
            after[table], rolled[table],
            "{table} is as it was before the damage"
        );
    }
}
