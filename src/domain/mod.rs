//! Validated value types: parsed once at the edge, trusted everywhere after. No IO here.

mod account;
mod department;
mod form;
mod money;
mod score;
mod slug;
mod survey;
mod theme;

pub use account::{Email, Password, Role, TokenScope};
pub use department::{BusinessFunction, DepartmentKind};
pub use form::{FieldErrors, PLAUSIBLE_YEARS, parse_date, parse_number};
pub use money::Cents;
pub use score::{Category, Score};
pub use slug::Slug;
pub use survey::{DEPARTMENT_PLACEHOLDER, SurveyKind, parse_min_sample, slug_from_name};
pub use theme::Keywords;

/// Why a value was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
