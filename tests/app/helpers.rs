//! The test harness: one throwaway PostgreSQL cluster shared by all tests (started on
//! first use, guarded by the launcher's lock), a migrated template database, and a fresh
//! database per test cloned from it.

use centric::config::ServerSettings;
use centric::db::local_pg::{ClusterConfig, LocalCluster};
use centric::db::{MIGRATOR, pool_options, session_settings};
use centric::startup::Application;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::{OnceCell, oneshot};

/// What every test needs to reach the shared cluster. Plain data only: a pool must not
/// outlive the runtime of the test that created it.
struct Shared {
    cluster: LocalCluster,
    template: String,
}

static SHARED: OnceCell<Shared> = OnceCell::const_new();

/// Where the shared test cluster lives: a per-user directory under the system temp dir,
/// which the `postgres` user can always reach (unlike a checkout under a 0700 home).
pub fn test_cluster_dir() -> PathBuf {
    std::env::temp_dir().join(format!("centric-tests-{}", nix::unistd::Uid::current()))
}

/// A fresh directory for a test that needs a cluster of its own. On drop — also when
/// the test panics — any cluster still running in it is stopped and the directory removed.
pub struct ScratchDir(PathBuf);

pub fn scratch_dir(label: &str) -> ScratchDir {
    let dir =
        std::env::temp_dir().join(format!("centric-{label}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("can create a scratch directory");
    ScratchDir(dir)
}

impl std::ops::Deref for ScratchDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Every cluster in it: `data/`, or a primary and its standby side by side.
        let clusters = std::fs::read_dir(&self.0)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("pgdata"));
        for pgdata in clusters.filter(|pgdata| pgdata.join("postmaster.pid").exists()) {
            use std::os::unix::process::CommandExt;
            let path_var = std::env::var("PATH").ok();
            let Ok(binaries) = centric::db::local_pg::PgBinaries::locate(
                None,
                path_var.as_deref(),
                "/usr/lib/postgresql".as_ref(),
            ) else {
                return;
            };
            let mut stop = std::process::Command::new(binaries.dir.join("pg_ctl"));
            stop.args(["stop", "-m", "immediate", "-D"])
                .arg(&pgdata)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            if nix::unistd::Uid::effective().is_root() {
                let postgres = nix::unistd::User::from_name("postgres")
                    .ok()
                    .flatten()
                    .expect("the postgres user");
                stop.uid(postgres.uid.as_raw()).gid(postgres.gid.as_raw());
            }
            let _ = stop.status();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn cluster_config(data_dir: PathBuf) -> ClusterConfig {
    ClusterConfig {
        data_dir,
        bin_dir: None,
        run_as: "postgres".into(),
        ephemeral: true,
    }
}

async fn shared() -> &'static Shared {
    SHARED
        .get_or_init(|| async {
            centric::telemetry::init("warn");
            let cluster = LocalCluster::start_or_attach(&cluster_config(test_cluster_dir()))
                .await
                .expect("the test cluster starts");
            let template = ensure_template(&cluster).await;
            Shared { cluster, template }
        })
        .await
}

/// The template's name changes with the migrations, so a stale template is never used.
fn template_name() -> String {
    let mut digest = 0u64;
    for migration in MIGRATOR.iter() {
        for byte in migration.checksum.iter() {
            digest = digest.wrapping_mul(31).wrapping_add(u64::from(*byte));
        }
    }
    format!("centric_template_{digest:016x}")
}

async fn ensure_template(cluster: &LocalCluster) -> String {
    let template = template_name();
    let mut admin = cluster
        .connect_options("postgres")
        .connect()
        .await
        .expect("admin connection");
    // Several test processes may start at once (nextest): one builds, the others wait.
    sqlx::query("SELECT pg_advisory_lock(4242)")
        .execute(&mut admin)
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut admin)
            .await
            .unwrap();
    // Tidy up after killed runs: templates of older migration sets, and test databases
    // more than two hours old (the timestamp is part of their name).
    let stale: Vec<String> = sqlx::query_scalar(
        r"SELECT datname::text FROM pg_database
          WHERE (datname LIKE 'centric\_template\_%' AND datname <> $1)
             OR (datname ~ '^test_[0-9]+_' AND split_part(datname, '_', 2)::bigint < extract(epoch FROM now()) - 7200)",
    )
    .bind(&template)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    for name in stale {
        exec(
            &mut admin,
            &format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
        )
        .await;
    }
    if !exists {
        let building = format!("{template}_building");
        exec(
            &mut admin,
            &format!(r#"DROP DATABASE IF EXISTS "{building}" WITH (FORCE)"#),
        )
        .await;
        exec(&mut admin, &format!(r#"CREATE DATABASE "{building}""#)).await;
        let pool = PgPool::connect_with(cluster.connect_options(&building))
            .await
            .unwrap();
        MIGRATOR
            .run(&pool)
            .await
            .expect("migrations apply to an empty database");
        // Cloning needs a template nobody is connected to.
        pool.close().await;
        exec(
            &mut admin,
            &format!(r#"ALTER DATABASE "{building}" RENAME TO "{template}""#),
        )
        .await;
    }
    sqlx::query("SELECT pg_advisory_unlock(4242)")
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    template
}

async fn exec(conn: &mut PgConnection, statement: &str) {
    sqlx::raw_sql(statement)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// The demo organisation, loaded into a template of its own once per build of the test
/// binary (the demo generator may have changed since) and day, named
/// `centric_demo_<build>_<created, unix seconds>`.
async fn ensure_demo_template(cluster: &LocalCluster, template: &str) -> String {
    let built = std::env::current_exe()
        .and_then(|exe| exe.metadata()?.modified())
        .ok()
        .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_secs())
        // Its data is dated relative to the day it was loaded: a new day, a new demo.
        ^ u64::from(time::OffsetDateTime::now_utc().date().ordinal());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut admin = cluster
        .connect_options("postgres")
        .connect()
        .await
        .expect("admin connection");
    sqlx::query("SELECT pg_advisory_lock(4243)")
        .execute(&mut admin)
        .await
        .unwrap();
    // Other builds' demos (and half-built ones) an hour old: no run still clones them.
    let stale: Vec<String> = sqlx::query_scalar(
        r"SELECT datname::text FROM pg_database
          WHERE datname ~ '^centric_demo_[0-9]+_[0-9]+(_building)?$'
            AND (split_part(datname, '_', 3)::bigint <> $1 OR datname LIKE '%\_building')
            AND split_part(datname, '_', 4)::bigint < $2 - 3600",
    )
    .bind(built as i64)
    .bind(now as i64)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    for name in stale {
        exec(
            &mut admin,
            &format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
        )
        .await;
    }
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname ~ ('^centric_demo_' || $1 || '_[0-9]+$')",
    )
    .bind(built.to_string())
    .fetch_optional(&mut admin)
    .await
    .unwrap();
    let demo = match existing {
        Some(demo) => demo,
        None => {
            let demo = format!("centric_demo_{built}_{now}");
            let building = format!("{demo}_building");
            exec(
                &mut admin,
                &format!(r#"CREATE DATABASE "{building}" TEMPLATE "{template}""#),
            )
            .await;
            let pool = PgPool::connect_with(cluster.connect_options(&building))
                .await
                .unwrap();
            centric::db::demo::load(&pool, false)
                .await
                .expect("the demo loads");
            pool.close().await;
            exec(
                &mut admin,
                &format!(r#"ALTER DATABASE "{building}" RENAME TO "{demo}""#),
            )
            .await;
            demo
        }
    };
    sqlx::query("SELECT pg_advisory_unlock(4243)")
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    demo
}

/// A fresh, migrated, empty database of its own for one test; dropped with it.
pub struct TestDb {
    pub pool: PgPool,
    pub name: String,
    options: PgConnectOptions,
    admin: PgConnectOptions,
    url: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let shared = shared().await;
        Self::from_template(shared, &shared.template).await
    }

    /// A database of its own holding the demo organisation (see `centric serve --demo`).
    pub async fn with_demo() -> Self {
        let shared = shared().await;
        let demo = ensure_demo_template(&shared.cluster, &shared.template).await;
        Self::from_template(shared, &demo).await
    }

    async fn from_template(shared: &Shared, template: &str) -> Self {
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let name = format!("test_{created}_{}", uuid::Uuid::new_v4().simple());
        let admin = shared.cluster.connect_options("postgres");
        let mut conn = admin.connect().await.expect("admin connection");
        exec(
            &mut conn,
            &format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#),
        )
        .await;
        conn.close().await.unwrap();
        let options = session_settings(shared.cluster.connect_options(&name));
        let pool = pool_options(4)
            .connect_with(options.clone())
            .await
            .expect("test pool");
        let url = shared.cluster.database_url(&name);
        Self {
            pool,
            name,
            options,
            admin,
            url,
        }
    }

    /// The same database through a pool of `size` connections.
    pub async fn resized(mut self, size: u32) -> Self {
        self.pool.close().await;
        self.pool = pool_options(size)
            .connect_with(self.options.clone())
            .await
            .expect("test pool");
        self
    }

    /// A `DATABASE_URL` for this database, for the `centric` binary.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A connection outside the pool (e.g. to hold a lock while the app waits).
    pub async fn connect(&self) -> PgConnection {
        self.options.connect().await.expect("test connection")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs outside async context; use a runtime of our own on a plain thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut conn) = admin.connect().await {
                    let _ =
                        sqlx::raw_sql(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
    }
}

/// The app served on 127.0.0.1:0 over its own database, with a cookie-keeping client.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// `spawn_app` with settings adjusted (short session limits, low rate limits …).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ServerSettings)) -> TestApp {
    serve(TestDb::new().await, adjust).await
}

/// The app over a database holding the demo organisation.
pub async fn spawn_demo_app() -> TestApp {
    serve(TestDb::with_demo().await, |_| {}).await
}

/// The app over `db` (e.g. one on a cluster of the test's own), settings adjusted.
pub async fn serve(db: TestDb, adjust: impl FnOnce(&mut ServerSettings)) -> TestApp {
    serve_reading(db, None, adjust).await
}

/// A primary and a hot standby streaming from it, each an embedded cluster of the test's
/// own in `dir`, with Centric's schema; and the app over both (`DATABASE_READ_URL`).
pub async fn spawn_app_with_replica(dir: &std::path::Path) -> (TestApp, LocalCluster) {
    let (db, primary) = own_cluster_db(&cluster_config(dir.join("primary")), 4).await;
    primary
        .clone_as_standby(&dir.join("standby"))
        .await
        .expect("a base backup");
    let standby = LocalCluster::start_or_attach(&cluster_config(dir.join("standby")))
        .await
        .expect("the standby starts");
    let replica =
        pool_options(4).connect_lazy_with(session_settings(standby.connect_options("centric")));
    (serve_reading(db, Some(replica), |_| {}).await, standby)
}

/// An embedded cluster of the test's own (to stop, hang or restart), with a migrated
/// `centric` database and a pool of `pool_size` over it.
pub async fn own_cluster_db(config: &ClusterConfig, pool_size: u32) -> (TestDb, LocalCluster) {
    let cluster = LocalCluster::start_or_attach(config)
        .await
        .expect("the cluster starts");
    cluster
        .ensure_database("centric")
        .await
        .expect("a database");
    let options = session_settings(cluster.connect_options("centric"));
    let pool = pool_options(pool_size)
        .connect_with(options.clone())
        .await
        .expect("the cluster's pool");
    MIGRATOR.run(&pool).await.expect("migrated");
    let db = TestDb {
        pool,
        name: "centric".into(),
        options,
        admin: cluster.connect_options("postgres"),
        url: cluster.database_url("centric"),
    };
    (db, cluster)
}

async fn serve_reading(
    db: TestDb,
    replica: Option<PgPool>,
    adjust: impl FnOnce(&mut ServerSettings),
) -> TestApp {
    let mut settings = ServerSettings {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ServerSettings::default()
    };
    adjust(&mut settings);
    let application = Application::build(settings, db.pool.clone(), replica)
        .await
        .expect("the app binds");
    let address = application.address();
    let (shutdown, signal) = oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async {
        let _ = signal.await;
    }));
    let client = new_client();
    TestApp {
        address,
        client,
        db,
        shutdown: Some(shutdown),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// Signals shutdown, as SIGTERM would, and returns the server's task to await.
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.server.take().expect("the server runs")
    }
}

/// A person the test created, with the password to sign in.
pub struct TestUser {
    pub id: uuid::Uuid,
    pub email: String,
    pub password: String,
}

pub const TEST_PASSWORD: &str = "a long test password";

/// Adds a department straight into the database.
pub async fn add_department(pool: &PgPool, slug: &str, name: &str, kind: &str) -> uuid::Uuid {
    sqlx::query_scalar(
        "INSERT INTO departments (slug, name, kind) VALUES ($1, $2, $3)
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(kind)
    .fetch_one(pool)
    .await
    .expect("department inserted")
}

impl TestApp {
    /// Creates a user through the same service the CLI uses.
    pub async fn create_user(&self, role: &str, department: Option<&str>) -> TestUser {
        let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
        let request = centric::services::accounts::NewUserRequest {
            email: email.clone(),
            name: format!("Test {role}"),
            role: role.to_owned(),
            department: department.map(str::to_owned),
            password: TEST_PASSWORD.to_owned(),
        };
        let id = centric::services::accounts::create_user(
            &self.db.pool,
            request,
            &centric::repo::audit::Actor::Cli,
        )
        .await
        .expect("user created");
        TestUser {
            id,
            email,
            password: TEST_PASSWORD.to_owned(),
        }
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Creates a user of `role` (a department head heads `sales`) and signs this app's
    /// client in as them.
    pub async fn signed_in_as(&self, role: &str) -> TestUser {
        let department = (role == "department-head").then_some("sales");
        if department.is_some() {
            add_department(&self.db.pool, "sales", "Sales", "front-line").await;
        }
        let user = self.create_user(role, department).await;
        let response = self.log_in(&user.email, &user.password).await;
        assert_eq!(response.status(), 303, "signing in as {role} redirects");
        user
    }
}

/// A second client on the same app, with its own cookies (another browser).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Adds a touchpoint owned by `owner`, in a journey stage "Journey" made on first use.
pub async fn add_touchpoint(
    pool: &PgPool,
    slug: &str,
    name: &str,
    owner: uuid::Uuid,
) -> uuid::Uuid {
    // (The stage position's unique constraint is deferrable, so ON CONFLICT cannot use it.)
    sqlx::query("INSERT INTO journey_stages (name, position) SELECT 'Journey', 0 WHERE NOT EXISTS (SELECT 1 FROM journey_stages)")
        .execute(pool)
        .await
        .expect("stage");
    let stage: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM journey_stages ORDER BY position LIMIT 1")
            .fetch_one(pool)
            .await
            .expect("stage");
    sqlx::query_scalar(
        "INSERT INTO touchpoints (slug, name, stage_id, owner_department_id, channel) VALUES ($1, $2, $3, $4, 'document') RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(stage)
    .bind(owner)
    .fetch_one(pool)
    .await
    .expect("touchpoint")
}

/// Adds a service-contact reason whose contacts are charged to `department` (None: to
/// nobody).
pub async fn add_contact_reason(
    pool: &PgPool,
    slug: &str,
    name: &str,
    department: Option<uuid::Uuid>,
) -> uuid::Uuid {
    sqlx::query_scalar(
        "INSERT INTO contact_reasons (slug, name, department_id) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(department)
    .fetch_one(pool)
    .await
    .expect("contact reason")
}

/// The one-time submission id a rendered survey form carries.
pub fn submission_id_in(page: &str) -> String {
    let marker = "name=\"submission_id\" value=\"";
    let start = page.find(marker).expect("a submission id") + marker.len();
    page[start..start + 36].to_owned()
}

/// Adds a survey (open since 2025-01-01) on an optional touchpoint or rated department.
pub async fn add_survey(
    pool: &PgPool,
    slug: &str,
    kind: &str,
    touchpoint: Option<uuid::Uuid>,
    rated: Option<uuid::Uuid>,
) -> uuid::Uuid {
    sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, rated_department_id, opens_at)
         VALUES ($1, $1, $2, $3, 'How likely are you to recommend us?', $4, $5, '2025-01-01') RETURNING id",
    )
    .bind(slug)
    .bind(kind)
    .bind(format!("tok_{}", uuid::Uuid::new_v4().simple()))
    .bind(touchpoint)
    .bind(rated)
    .fetch_one(pool)
    .await
    .expect("survey")
}

/// A customer response as the API would store it, everything optional left unset.
pub fn customer_response(
    survey: uuid::Uuid,
    score: i16,
    submitted_at: time::OffsetDateTime,
) -> centric::repo::responses::NewResponse {
    centric::repo::responses::NewResponse {
        survey_id: survey,
        survey_kind: "customer".into(),
        score,
        comment: None,
        submitted_at,
        touchpoint_id: None,
        segment: None,
        respondent_department_id: None,
        customer_ref: None,
        source: "api",
        external_id: None,
        submission_id: None,
        import_id: None,
    }
}

/// Stores responses in one transaction, tagged and counted as ingestion does.
pub async fn store_responses(pool: &PgPool, rows: &[centric::repo::responses::NewResponse]) {
    let mut tx = pool.begin().await.expect("a transaction");
    centric::services::ingest::store(&mut tx, rows)
        .await
        .expect("stored");
    tx.commit().await.expect("committed");
}

/// Sets up the organisation (name Acme) in `time_zone`.
pub async fn add_organisation(pool: &PgPool, time_zone: &str) {
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Acme', $1)")
        .bind(time_zone)
        .execute(pool)
        .await
        .expect("organisation");
}

impl TestApp {
    /// POSTs a JSON body with a bearer token.
    pub async fn post_json(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }
}

/// Service contacts by phone (a channel made here): (reason, days ago, cost in cents) each.
pub async fn add_contacts(pool: &PgPool, contacts: &[(uuid::Uuid, i64, i64)]) {
    let channel: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('phone', 'Phone', 650) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let rows: Vec<centric::repo::contacts::NewContact> = contacts
        .iter()
        .map(
            |(reason, days, cents)| centric::repo::contacts::NewContact {
                reason_id: *reason,
                channel_id: channel,
                occurred_at: time::OffsetDateTime::now_utc() - time::Duration::days(*days),
                cost_cents: *cents,
                external_id: None,
                source: "api",
                import_id: None,
            },
        )
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    centric::repo::contacts::insert_batch(&mut conn, &rows, "UTC")
        .await
        .unwrap();
}

/// Cents as pages write money: 1,234.50.
pub fn money(cents: i64) -> String {
    let units = cents / 100;
    let grouped = if units >= 1000 {
        format!("{},{:03}", units / 1000, units % 1000)
    } else {
        units.to_string()
    };
    format!("{grouped}.{:02}", cents % 100)
}

/// A KPI objective of `department` from 50 days ago to 50 days ahead (baseline 0, target
/// 100, so half its period is gone), with `value` recorded for a month ending 10 days ago.
pub async fn add_kpi_objective(
    pool: &PgPool,
    title: &str,
    department: uuid::Uuid,
    value: f64,
) -> uuid::Uuid {
    let today = time::OffsetDateTime::now_utc().date();
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, owner_department_id, kpi_unit, baseline, target, period_start, period_end)
         VALUES ($1, 'kpi', $2, '%', 0, 100, $3, $4) RETURNING id",
    )
    .bind(title)
    .bind(department)
    .bind(today - time::Duration::days(50))
    .bind(today + time::Duration::days(50))
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO kpi_measurements (objective_id, value, period_start, period_end) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(value)
        .bind(today - time::Duration::days(40))
        .bind(today - time::Duration::days(10))
        .execute(pool)
        .await
        .unwrap();
    id
}

/// An incentive plan over the same period, paying on one objective: 50 % at 0 (the
/// threshold), 100 % at 100 (the target), 150 % at 200 (the stretch).
pub async fn add_plan(
    pool: &PgPool,
    name: &str,
    role: Option<&str>,
    department: Option<uuid::Uuid>,
    bonus_cents: i64,
    objective: uuid::Uuid,
) {
    let today = time::OffsetDateTime::now_utc().date();
    let plan: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO incentive_plans (name, role, department_id, period_start, period_end, target_bonus_cents)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(name)
    .bind(role)
    .bind(department)
    .bind(today - time::Duration::days(50))
    .bind(today + time::Duration::days(50))
    .bind(bonus_cents)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO incentive_links (plan_id, objective_id, weight_pct, threshold_value, target_value, stretch_value, threshold_payout_pct, stretch_payout_pct)
         VALUES ($1, $2, 100, 0, 100, 200, 50, 150)",
    )
    .bind(plan)
    .bind(objective)
    .execute(pool)
    .await
    .unwrap();
}

/// 100 × (promoters − detractors) / n of the scores.
pub fn nps(scores: &[i16]) -> f64 {
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    100.0 * (promoters - detractors) / scores.len() as f64
}

/// The page's text between two markers (the second after the first).
pub fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} on the page"));
    let to = page[from..].find(end).map_or(page.len(), |at| from + at);
    &page[from..to]
}

/// Child processes of `pid` (the postmaster's backends and helpers).
pub fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    stat.rsplit(')')
                        .next()?
                        .split_whitespace()
                        .nth(1)?
                        .parse::<i32>()
                        .ok()
                })
                == Some(pid)
        })
        .collect()
}

/// Polls `condition` for up to 10 s.
pub async fn wait_until(mut condition: impl FnMut() -> bool, what: &str) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `centric serve` as a process of its own on a free port, with `env` added (killed if
/// the test ends first). A developer's .env never picks its database.
pub fn spawn_serve(env: &[(&str, &str)]) -> (tokio::process::Child, SocketAddr) {
    let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_centric"))
        .arg("serve")
        .env("DATABASE_URL", "")
        .env("CENTRIC_ADDR", address.to_string())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .kill_on_drop(true)
        .spawn()
        .expect("centric serve starts");
    (child, address)
}

/// Waits up to 30 s for `/readyz` at `address` to answer 200.
pub async fn wait_ready(address: SocketAddr) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = client.get(format!("http://{address}/readyz")).send().await
            && response.status() == 200
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// Sends SIGTERM to a `spawn_serve` process and waits (up to `deadline`) for its exit.
pub async fn terminate(
    child: &mut tokio::process::Child,
    deadline: std::time::Duration,
) -> std::process::ExitStatus {
    let pid = nix::unistd::Pid::from_raw(child.id().expect("still running") as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    tokio::time::timeout(deadline, child.wait())
        .await
        .expect("exits within the deadline after SIGTERM")
        .unwrap()
}

/// A new API token with the ingest scope.
pub async fn ingest_token(pool: &PgPool) -> String {
    centric::services::accounts::create_token(
        pool,
        "load",
        "ingest",
        &centric::repo::audit::Actor::Cli,
    )
    .await
    .expect("a token")
    .token
}

/// The unguessable part of a survey's public link.
pub async fn public_token(pool: &PgPool, survey: uuid::Uuid) -> String {
    sqlx::query_scalar("SELECT public_token FROM surveys WHERE id = $1")
        .bind(survey)
        .fetch_one(pool)
        .await
        .expect("the survey")
}
