//! The views: one module per page area, each with `fn routes() -> Routes` that states who
//! may use every route (see `access`).

pub mod access;
pub mod admin;
pub mod admission;
pub mod api;
pub mod assets;
pub mod auth;
pub mod caller;
pub mod charts;
pub mod departments;
pub mod executive;
pub mod extract;
pub mod freshness;
pub mod health;
pub mod layout;
pub mod rate_limit;
pub mod readiness;
pub mod rendered;
pub mod session_store;
pub mod survey;

use askama::Template;
use axum::response::Html;

use crate::error::AppError;

/// Every route of Centric with who may use it.
pub fn routes() -> access::Routes {
    access::Routes::default()
        .merge(auth::routes())
        .merge(health::routes())
        .merge(assets::routes())
        .merge(departments::routes())
        .merge(executive::routes())
        .merge(admin::routes())
        .merge(api::routes())
        .merge(survey::routes())
}

/// Renders a page template; a template error becomes a logged 500.
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}

/// The version stamp appended to static asset URLs (`/static/app.css?v=…`), so that
/// browsers may cache them for a year yet see a new stylesheet at once.
pub const ASSET_VERSION: &str = env!("CENTRIC_ASSET_VERSION");

/// A whole number for people: 104373 → "104,373" (any integer type, or a reference to one).
pub fn thousands(n: impl std::fmt::Display) -> String {
    let text = n.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", text.as_str()),
    };
    let mut grouped = String::with_capacity(text.len() + digits.len() / 3);
    grouped.push_str(sign);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// An amount in currency units for people, e.g. 12,000.00.
pub fn money(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        thousands(cents.abs() / 100),
        cents.abs() % 100
    )
}

/// A number however a template holds it (by value or behind references).
pub trait Number {
    fn get(&self) -> f64;
}

impl Number for f64 {
    fn get(&self) -> f64 {
        *self
    }
}

impl<T: Number + ?Sized> Number for &T {
    fn get(&self) -> f64 {
        (**self).get()
    }
}

/// A span of hours for people: under two days in hours ("5 h"), beyond in days ("3.5 days").
pub fn duration_hours(hours: impl Number) -> String {
    let hours = hours.get();
    if hours < 48.0 {
        format!("{:.0} h", hours.max(0.0))
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

/// Whether an objective's metric is read on the NPS scale (−100 to +100).
pub fn is_nps_metric(metric: &str) -> bool {
    matches!(metric, "nps" | "enps" | "internal-nps")
}

/// An objective's value as its metric is read: an NPS signed, anything else plain, one
/// decimal either way.
pub fn metric_value(metric: &str, value: f64) -> String {
    if is_nps_metric(metric) {
        format!("{value:+.1}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::duration_hours(4.6), "5 h");
        assert_eq!(super::duration_hours(84.0), "3.5 days");
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(104_373), "104,373");
        assert_eq!(super::thousands(-1_234_567), "-1,234,567");
        assert_eq!(super::money(12_000.0), "12,000.00");
        assert_eq!(super::money(-0.5), "-0.50");
    }
}
