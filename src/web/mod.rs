//! The views: one module per page area, each with `fn routes() -> Router<AppState>`.

pub mod assets;
pub mod health;
pub mod home;

use askama::Template;
use axum::response::Html;

use crate::error::AppError;

/// Renders a page template; a template error becomes a logged 500.
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}

/// The version stamp appended to static asset URLs (`/static/app.css?v=…`), so that
/// browsers may cache them for a year yet see a new stylesheet at once.
pub const ASSET_VERSION: &str = env!("CENTRIC_ASSET_VERSION");
