//! Field-level messages for a form that is shown again with the person's input.

/// Messages by field name, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, message)| message.as_str())
    }

    /// (field, message) pairs, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0
            .iter()
            .map(|(field, message)| (*field, message.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A number as people type it: spaces around it ignored, a decimal comma accepted.
pub fn parse_number(raw: &str) -> Option<f64> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A date as an `<input type="date">` sends it (YYYY-MM-DD), in a plausible year.
pub fn parse_date(raw: &str) -> Option<time::Date> {
    time::Date::parse(
        raw.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .ok()
    .filter(|date| PLAUSIBLE_YEARS.contains(&date.year()))
}

/// Years a date in Centric may fall in: far enough either way for any programme, near
/// enough that date arithmetic (month ends, periods before) can never overflow.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_read_as_typed() {
        assert_eq!(parse_number(" 12,5 "), Some(12.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("twelve"), None);
        assert_eq!(
            parse_date("2027-01-31"),
            Some(time::macros::date!(2027 - 01 - 31))
        );
        assert_eq!(parse_date("31/01/2027"), None);
    }
}
