//! The departments: the list every signed-in person sees, and each department's page:
//! the scorecard every department shares, plus HR's, Finance's, Legal's or IT's panel.

mod channel;
mod comments;
mod cursor;
mod finance;
mod follow_ups;
mod hr;
mod kpis;
mod panel;
mod scorecard_csv;

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::domain::{FieldErrors, Role};
use crate::error::AppError;
use crate::repo;
use crate::repo::comments::Comment;
use crate::repo::data_version::Snapshot;
use crate::repo::departments::{self, DepartmentOverview, DepartmentProfile};
use crate::repo::organisation;
use crate::services::metrics::Share;
use crate::services::metrics::correlation::Strength;
use crate::services::metrics::objectives::ObjectiveView;
use crate::services::metrics::objectives::evaluate_all;
use crate::services::metrics::panels::theme_shares::Movement;
use crate::services::metrics::scorecard::{self, Scorecard, ScorecardFilter, TouchpointNps};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::charts::sparkline::{self, Sparkline};
use crate::web::extract::{Path, Query};
use crate::web::freshness;
use crate::web::layout::Layout;
use crate::web::{Number, render};
use comments::comments_page;
use kpis::{kpi_page, record_kpi};
use panel::DepartmentPanel;

pub fn routes() -> Routes {
    Routes::default()
        .get("/departments", Access::SignedIn, list)
        .get("/departments/{slug}", Access::SignedIn, show)
        .get(
            "/departments/{slug}/scorecard.csv",
            Access::SignedIn,
            export_csv,
        )
        .get(
            "/departments/{slug}/comments",
            Access::SignedIn,
            comments_page,
        )
        .get(
            "/departments/{slug}/follow-ups",
            Access::SignedIn,
            follow_ups::list,
        )
        .get(
            "/departments/{slug}/follow-ups/{id}",
            Access::SignedIn,
            follow_ups::show,
        )
        .post(
            "/departments/{slug}/follow-ups/{id}",
            Access::DepartmentEditor,
            follow_ups::change,
        )
        .get(
            "/departments/{slug}/kpis",
            Access::DepartmentEditor,
            kpi_page,
        )
        .post(
            "/departments/{slug}/kpis",
            Access::DepartmentEditor,
            record_kpi,
        )
}

#[derive(askama::Template)]
#[template(path = "departments/index.html")]
pub struct DepartmentsPage {
    pub layout: Layout,
    /// The organisation's name; None until the organisation is set up.
    pub org_name: Option<String>,
    pub departments: Vec<DepartmentOverview>,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let org_name = organisation::name(&state.pool).await?;
    let departments = departments::overview(&state.pool).await?;
    render(&DepartmentsPage {
        layout: Layout::for_caller(&caller, uri.path()),
        org_name,
        departments,
    })
}

/// A department page counts its comments up to this many, then says "1,000+".
const COMMENTS_COUNTED: i64 = 1_000;

#[derive(askama::Template)]
#[template(path = "departments/show.html")]
pub struct DepartmentPage<'a> {
    pub layout: Layout,
    pub department: &'a DepartmentProfile,
    pub scorecard: &'a Scorecard,
    /// The newest detractor and passive comments attributed to it, and how many there are
    /// (counted up to one more than `COMMENTS_COUNTED`).
    pub latest_comments: &'a [Comment],
    pub comment_count: i64,
    /// The viewer heads this department (their own scorecard).
    pub is_own: bool,
    /// The viewer may record this department's KPI values.
    pub can_edit: bool,
    /// What only HR, Finance, Legal or IT show, after the shared sections.
    pub panel: &'a Option<DepartmentPanel>,
    /// Customer segments to filter by.
    pub segments: &'a [String],
    pub filter: ScorecardFilter,
    /// What was wrong with the filter asked for (the page then shows the default).
    pub filter_errors: FieldErrors,
    pub query: ScorecardQuery,
    pub today: time::Date,
}

/// Everything a department's page shows for one filter, whoever looks: what the page
/// cache keeps (see `services::page_cache`).
pub struct ScorecardData {
    scorecard: Scorecard,
    latest_comments: Vec<Comment>,
    comment_count: i64,
    panel: Option<DepartmentPanel>,
    segments: Vec<String>,
}

impl ScorecardData {
    async fn load(
        pool: &PgPool,
        slug: &str,
        today: time::Date,
        filter: &ScorecardFilter,
    ) -> Result<Self, AppError> {
        // Evaluated once, for the scorecard and the Finance panel's plans.
        let objectives = evaluate_all(pool, today).await?;
        let scorecard = scorecard::load(pool, slug, today, filter, &objectives)
            .await?
            .ok_or(AppError::NotFound)?;
        let id = scorecard.department.id;
        Ok(Self {
            latest_comments: repo::comments::page(pool, id, None, None, None, 5).await?,
            comment_count: repo::comments::count_up_to(pool, id, COMMENTS_COUNTED + 1).await?,
            panel: panel::load(pool, &scorecard.department, filter, &objectives).await?,
            segments: crate::repo::metrics::segments(pool).await?,
            scorecard,
        })
    }
}

/// The scorecard's period, segment and view, as typed into the query string (kept for
/// the form and the links that carry them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScorecardQuery {
    /// First day, inclusive (YYYY-MM-DD).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    pub segment: String,
    /// `print` for the print-friendly version.
    pub view: String,
}

impl ScorecardQuery {
    /// The filter as a query string (without the view), for links to the same figures.
    pub fn filter_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("from", self.from.trim())
            .append_pair("to", self.to.trim())
            .append_pair("segment", self.segment.trim())
            .finish()
    }
}

/// The filter the query asks for, or the default and what was wrong with it.
fn filter_of(query: &ScorecardQuery, today: time::Date) -> (ScorecardFilter, FieldErrors) {
    match ScorecardFilter::parse(&query.from, &query.to, &query.segment, today) {
        Ok(filter) => (filter, FieldErrors::default()),
        Err(errors) => (ScorecardFilter::last_90_days(today), errors),
    }
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    primary: Option<Extension<Snapshot>>,
    Path(slug): Path<String>,
    Query(query): Query<ScorecardQuery>,
    uri: Uri,
) -> Result<Response, AppError> {
    let reader = freshness::reader(&state, &session, &caller, primary).await?;
    let page = build(&state, &reader, &caller, &slug, query, &uri);
    state
        .caches
        .rendered
        .get_or_render(&reader, &caller, &uri, page)
        .await
}

/// The department's page for the query's filter (or the default one, with what was wrong).
async fn build(
    state: &AppState,
    reader: &freshness::Reader,
    caller: &Caller,
    slug: &str,
    query: ScorecardQuery,
    uri: &Uri,
) -> Result<(StatusCode, Html<String>), AppError> {
    let today = reader.snapshot.today;
    let (filter, filter_errors) = filter_of(&query, today);
    let data = state
        .caches
        .scorecards
        .get_or_load(
            reader.snapshot.version,
            format!("{slug}|{today}|{filter:?}"),
            state
                .admission
                .admit(ScorecardData::load(&reader.pool, slug, today, &filter)),
        )
        .await?;
    let department = &data.scorecard.department;
    let is_own = caller
        .user()
        .and_then(|u| u.department.as_ref())
        .is_some_and(|d| d.id == department.id);
    let can_edit = is_own || caller.user().is_some_and(|u| u.role == Role::CxLead);
    // A refused filter still shows the page (over the default period), with the message.
    let status = if filter_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = DepartmentPage {
        layout: Layout::for_caller(caller, uri.path()).printable(query.view == "print"),
        department,
        scorecard: &data.scorecard,
        latest_comments: &data.latest_comments,
        comment_count: data.comment_count,
        is_own,
        can_edit,
        panel: &data.panel,
        segments: &data.segments,
        filter,
        filter_errors,
        query,
        today,
    };
    Ok((status, render(&page)?))
}

impl DepartmentPage<'_> {
    /// "1,234" or, past the count's cap, "1,000+".
    fn comment_count_words(&self) -> String {
        if self.comment_count > COMMENTS_COUNTED {
            format!("{}+", crate::web::thousands(COMMENTS_COUNTED))
        } else {
            crate::web::thousands(self.comment_count)
        }
    }

    /// Links to the usual periods up to today, keeping the segment.
    fn presets(&self) -> Vec<(String, &'static str)> {
        [
            (30, "30 days"),
            (90, "90 days"),
            (182, "6 months"),
            (365, "12 months"),
        ]
        .into_iter()
        .map(|(days, label)| {
            let query = ScorecardQuery {
                from: (self.today - time::Duration::days(days - 1)).to_string(),
                to: self.today.to_string(),
                ..self.query.clone()
            };
            let href = format!(
                "/departments/{}?{}",
                self.department.slug,
                query.filter_query()
            );
            (href, label)
        })
        .collect()
    }

    /// A stored role's label ("department-head" → "Department head").
    fn role_label(&self, role: &str) -> &'static str {
        Role::parse(role).map_or("Anyone", Role::label)
    }

    /// "Finance's", "Human Resources'": the department's name as an owner.
    fn possessive(&self) -> String {
        let name = &self.department.name;
        if name.ends_with('s') {
            format!("{name}'")
        } else {
            format!("{name}'s")
        }
    }

    /// Are these touchpoints all among the department's own (shown in their own table)?
    fn owns_all(&self, touchpoints: &[TouchpointNps]) -> bool {
        touchpoints.iter().all(|t| {
            self.scorecard
                .touchpoints
                .iter()
                .any(|own| own.slug == t.slug)
        })
    }

    /// The period the NPS figures cover, in words: "last 90 days", "2026-01-01 to 2026-03-31".
    fn period_words(&self) -> String {
        if self.filter.to == self.today + time::Duration::days(1) {
            format!("last {} days", self.filter.days())
        } else {
            format!("{} to {}", self.filter.from, self.filter.last_day())
        }
    }

    /// The period (and segment) the NPS figures cover, in words.
    fn period_label(&self) -> String {
        let period = self.period_words();
        match &self.filter.segment {
            Some(segment) => format!("{period}, {segment} customers"),
            None => period,
        }
    }

    fn money(&self, amount: impl Number) -> String {
        crate::web::money(amount.get())
    }

    /// An NPS for people: signed, one decimal.
    fn nps(&self, value: impl Number) -> String {
        format!("{:+.1}", value.get())
    }

    /// An objective's value as its metric is read.
    fn value(&self, objective: &ObjectiveView, value: impl Number) -> String {
        crate::web::metric_value(&objective.metric, value.get())
    }

    /// The objective's metric month by month, drawn small for its row.
    fn objective_sparkline(&self, objective: &ObjectiveView) -> Option<Sparkline> {
        self.scorecard
            .objective_trends
            .iter()
            .find(|trend| trend.objective_id == objective.id)
            .map(|trend| sparkline::objective(objective, trend))
    }

    /// A share for people: "12.5 %", or a dash of nothing.
    fn share(&self, share: &Share) -> String {
        share
            .pct()
            .map_or_else(|| "—".to_owned(), |pct| format!("{pct:.1} %"))
    }

    /// A month for people, in ISO form: "2026-03".
    fn month(&self, first_day: &time::Date) -> String {
        format!("{}-{:02}", first_day.year(), u8::from(first_day.month()))
    }

    fn progress_pct(&self, objective: &ObjectiveView) -> i64 {
        objective
            .progress
            .map_or(0, |p| (p * 100.0).clamp(0.0, 100.0).round() as i64)
    }
}

/// The scorecard's numbers as a CSV download, over the page's filter.
async fn export_csv(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<ScorecardQuery>,
) -> Result<Response, AppError> {
    let today = crate::repo::metrics::today(&state.pool).await?;
    let (filter, errors) = filter_of(&query, today);
    if let Some((field, message)) = errors.iter().next() {
        let message = format!("The scorecard was not exported: {field}: {message}.\n");
        return Ok((StatusCode::BAD_REQUEST, message).into_response());
    }
    let objectives = evaluate_all(&state.pool, today).await?;
    let scorecard = scorecard::load(&state.pool, &slug, today, &filter, &objectives)
        .await?
        .ok_or(AppError::NotFound)?;
    let disposition = format!(
        "attachment; filename=\"{slug}-scorecard-{}-to-{}.csv\"",
        filter.from,
        filter.last_day()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        scorecard_csv::scorecard_csv(&scorecard),
    )
        .into_response())
}
