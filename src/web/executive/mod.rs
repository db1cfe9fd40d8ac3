//! The executive NPS dashboard: is customer experience improving, is the change real, who
//! drives it, what is off track. Executives and the CX lead; department heads read it too.

mod trend;

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, Response};
use tower_sessions::Session;

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::repo::data_version::Snapshot;
use crate::repo::departments::DepartmentOverview;
use crate::repo::organisation::ProgrammeCounts;
use crate::services::metrics::executive::headline::Headline;
use crate::services::metrics::executive::{self, ExecutiveData, ExecutiveFilter, ExecutiveQuery};
use crate::services::metrics::executive::{chain, money, movers};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::extract::Query;
use crate::web::freshness;
use crate::web::layout::Layout;
use crate::web::{Number, render};

mod money_chain;
pub mod side_by_side;

pub fn routes() -> Routes {
    Routes::default().get("/executive", Access::SignedIn, show)
}

#[derive(askama::Template)]
#[template(path = "executive/index.html")]
pub struct ExecutivePage<'a> {
    pub layout: Layout,
    pub org_name: &'a Option<String>,
    pub counts: &'a ProgrammeCounts,
    /// The filter as typed (kept in the form and the links).
    pub query: ExecutiveQuery,
    /// What was wrong with it; the page then shows the default filter.
    pub errors: FieldErrors,
    pub filter: ExecutiveFilter,
    pub segments: &'a [String],
    pub departments: &'a [DepartmentOverview],
    pub headline: &'a Headline,
    pub side_by_side: &'a executive::departments::SideBySide,
    pub matrix: &'a executive::matrix::ObjectivesMatrix,
    pub trend: trend::TrendSection,
    pub movers: &'a movers::Movers,
    pub internal_chain: &'a chain::InternalChain,
    pub money: &'a money::Money,
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    primary: Option<Extension<Snapshot>>,
    Query(query): Query<ExecutiveQuery>,
    uri: Uri,
) -> Result<Response, AppError> {
    let reader = freshness::reader(&state, &session, &caller, primary).await?;
    let page = build(&state, &reader, &caller, query, &uri);
    state
        .caches
        .rendered
        .get_or_render(&reader, &caller, &uri, page)
        .await
}

/// The dashboard for the query's filter (or the default one, with what was wrong).
async fn build(
    state: &AppState,
    reader: &freshness::Reader,
    caller: &Caller,
    query: ExecutiveQuery,
    uri: &Uri,
) -> Result<(StatusCode, Html<String>), AppError> {
    let pool = &reader.pool;
    let snapshot = &reader.snapshot;
    let (filter, errors) = match executive::parse(pool, &query, snapshot).await? {
        Ok(filter) => (filter, FieldErrors::default()),
        Err(errors) => {
            let default = executive::parse(pool, &ExecutiveQuery::default(), snapshot)
                .await?
                .map_err(|_| anyhow::anyhow!("the default executive filter is valid"))?;
            (default, errors)
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    // The filter's department as a slug (the typed one, once it was found valid).
    let selected = filter.department().map(|_| query.department.trim());
    let sort = executive::departments::Sort::parse(&query.sort);
    let data = state
        .caches
        .executive
        .get_or_load(
            reader.snapshot.version,
            ExecutiveData::cache_key(&filter, selected, sort),
            state
                .admission
                .admit(async { Ok(ExecutiveData::load(pool, &filter, selected, sort).await?) }),
        )
        .await?;
    let page = ExecutivePage {
        layout: Layout::for_caller(caller, uri.path()).printable(query.view == "print"),
        org_name: &data.org_name,
        counts: &data.counts,
        headline: &data.headline,
        side_by_side: &data.side_by_side,
        matrix: &data.matrix,
        trend: trend::TrendSection::new(&data.trend, &filter, &query),
        movers: &data.movers,
        internal_chain: &data.internal_chain,
        money: &data.money,
        segments: &data.segments,
        departments: &data.departments,
        query,
        errors,
        filter,
    };
    Ok((status, render(&page)?))
}

impl ExecutivePage<'_> {
    /// An NPS for people: signed, one decimal.
    fn nps(&self, value: impl Number) -> String {
        format!("{:+.1}", value.get())
    }

    fn pct(&self, value: impl Number) -> String {
        format!("{:.0} %", value.get())
    }

    /// What the figures cover, in words.
    fn period_words(&self) -> String {
        let filter = &self.filter.responses;
        format!("{} to {}", filter.from, self.filter.last_day())
    }

    fn kind_words(&self) -> &'static str {
        match self.filter.kind.as_str() {
            "employee" => "eNPS (employees)",
            "internal" => "internal NPS (departments rating departments)",
            _ => "customer NPS",
        }
    }
}
