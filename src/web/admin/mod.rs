//! The CX lead's pages: the programme overview and the audit log.

mod audit;
mod contact_catalogue;
mod departments;
pub(crate) mod form;
mod imports;
mod journey;
mod listing;
mod objectives;
mod plans;
mod surveys;
mod themes;
mod tokens;
mod users;

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;

use crate::error::AppError;
use crate::repo::organisation::{self, Gap, ProgrammeCounts};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin", Access::CxLead, overview)
        .merge(audit::routes())
        .merge(departments::routes())
        .merge(journey::routes())
        .merge(objectives::routes())
        .merge(plans::routes())
        .merge(imports::routes())
        .merge(themes::routes())
        .merge(surveys::routes())
        .merge(contact_catalogue::routes())
        .merge(users::routes())
        .merge(tokens::routes())
}

#[derive(askama::Template)]
#[template(path = "admin/index.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub org_name: Option<String>,
    pub counts: ProgrammeCounts,
    pub gaps: Vec<Gap>,
}

/// The lists of gaps, in the order shown: (kind, heading, what fixing means).
const GAP_LISTS: [(&str, &str, &str); 5] = [
    (
        "department",
        "Departments without objectives",
        "Give each an objective, cascaded from an org-wide one.",
    ),
    (
        "touchpoint",
        "Touchpoints without an owner",
        "Their NPS lands on nobody's scorecard.",
    ),
    (
        "survey",
        "Open surveys without responses in 30 days",
        "Share the link, or close the survey.",
    ),
    (
        "objective",
        "Objectives no incentive pays on",
        "Link them to a plan, if pay should follow them.",
    ),
    (
        "theme",
        "Themes that tag no comment",
        "Check the keywords with a preview.",
    ),
];

impl OverviewPage {
    fn gap_lists(&self) -> Vec<(&'static str, &'static str, Vec<&Gap>)> {
        GAP_LISTS
            .iter()
            .map(|(kind, heading, advice)| {
                (
                    *heading,
                    *advice,
                    self.gaps.iter().filter(|g| g.kind == *kind).collect(),
                )
            })
            .filter(|(_, _, gaps): &(_, _, Vec<&Gap>)| !gaps.is_empty())
            .collect()
    }
}

async fn overview(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let (org_name, counts) = organisation::summary(&state.pool).await?;
    render(&OverviewPage {
        layout: Layout::for_caller(&caller, uri.path()),
        org_name,
        counts,
        gaps: organisation::gaps(&state.pool).await?,
    })
}
