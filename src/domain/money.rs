//! Amounts of money as people type them ("6.50") and as Centric stores them (cents).

use super::Invalid;
use std::fmt;

/// A non-negative amount in cents (hundredths of the organisation's currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(i64);

impl Cents {
    /// The largest amount accepted for one contact: the same bound as the API's `cost`.
    pub const MAX_UNITS: i64 = 1_000_000;

    /// Parses currency units with up to two decimals: "6", "6.5", "6.50". A comma works
    /// as the decimal mark too ("6,50"), since many of Centric's users write it that way;
    /// grouping marks are refused rather than guessed at ("1,234" is not 1234).
    pub fn parse_units(raw: &str) -> Result<Self, Invalid> {
        Self::parse_units_up_to(raw, Self::MAX_UNITS, "at most 1,000,000 per contact")
    }

    /// `parse_units` with another upper bound (in units) and what to say above it.
    pub fn parse_units_up_to(raw: &str, max_units: i64, too_large: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        let refuse = || Invalid::new("enter an amount such as 6.50 (at most two decimals)");
        if text.is_empty() {
            return Err(Invalid::new(
                "enter an amount, e.g. 6.50 (0 if it costs nothing)",
            ));
        }
        if text.starts_with('-') {
            return Err(Invalid::new("an amount cannot be negative"));
        }
        let (whole, fraction) = match text.split_once(['.', ',']) {
            Some((_, "")) => return Err(refuse()),
            Some((whole, fraction)) => (whole, fraction),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
            return Err(refuse());
        }
        if whole.len() > 12 {
            return Err(Invalid::new(too_large));
        }
        let units: i64 = whole.parse().map_err(|_| refuse())?;
        let cents = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| refuse())? * 10,
            _ => fraction.parse::<i64>().map_err(|_| refuse())?,
        };
        let total = units * 100 + cents;
        if total > max_units * 100 {
            return Err(Invalid::new(too_large));
        }
        Ok(Self(total))
    }

    /// An amount already stored; negative values are impossible by the schema.
    pub fn from_stored(cents: i64) -> Self {
        Self(cents.max(0))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// In currency units with two decimals, as typed: 650 → "6.50".
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_units_become_cents() {
        for (typed, cents) in [
            ("6.50", 650),
            ("6.5", 650),
            ("6", 600),
            (" 0 ", 0),
            ("0.05", 5),
            ("6,50", 650),
            ("1000000", 100_000_000),
        ] {
            assert_eq!(
                Cents::parse_units(typed).map(Cents::get),
                Ok(cents),
                "{typed}"
            );
        }
    }

    #[test]
    fn odd_amounts_are_refused_not_guessed() {
        for bad in [
            "",
            "-1",
            "6.505",
            "1,234.50",
            "1,234",
            "abc",
            ".5",
            "6.",
            "1e3",
            "1000000.01",
            "99999999",
        ] {
            assert!(
                Cents::parse_units(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn cents_print_as_units_with_two_decimals() {
        assert_eq!(Cents::from_stored(650).to_string(), "6.50");
        assert_eq!(Cents::from_stored(5).to_string(), "0.05");
        assert_eq!(Cents::from_stored(0).to_string(), "0.00");
    }
}
