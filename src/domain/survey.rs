//! What a survey asks and of whom: customers (NPS), employees (eNPS) or colleagues
//! rating a department that serves them (internal NPS); and the survey's settings that
//! have rules of their own (minimum sample).

use super::{Invalid, Slug};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyKind {
    Customer,
    Employee,
    Internal,
}

impl SurveyKind {
    pub const ALL: [Self; 3] = [Self::Customer, Self::Employee, Self::Internal];

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "customer" => Ok(Self::Customer),
            "employee" => Ok(Self::Employee),
            "internal" => Ok(Self::Internal),
            _ => Err(Invalid::new("choose customer, employee or internal")),
        }
    }

    /// The value stored in `surveys.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Employee => "employee",
            Self::Internal => "internal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Customer => "Customer",
            Self::Employee => "Employee",
            Self::Internal => "Internal",
        }
    }

    /// The label for a stored kind, or "Survey" for one this version does not know.
    pub fn label_of(stored: &str) -> &'static str {
        Self::parse(stored).map_or("Survey", Self::label)
    }

    /// One sentence on who answers and what it measures.
    pub fn description(self) -> &'static str {
        match self {
            Self::Customer => {
                "Customers rate the company, or one touchpoint of their journey (NPS). Answers may be exported one by one."
            }
            Self::Employee => {
                "Employees rate the company as a place to work (eNPS). Answers are only shown for groups of several people."
            }
            Self::Internal => {
                "Colleagues rate a department that serves them (internal NPS). Answers are only shown for groups of several people."
            }
        }
    }

    /// The question a new survey of this kind starts with. `org` is the organisation's
    /// name; an internal survey's question names the rated department through the
    /// `{department}` placeholder, filled in when it is saved.
    pub fn default_question(self, org: Option<&str>) -> String {
        match self {
            Self::Customer => format!(
                "How likely are you to recommend {} to a friend or colleague?",
                org.unwrap_or("us")
            ),
            Self::Employee => format!(
                "How likely are you to recommend {} as a place to work to a friend?",
                org.unwrap_or("us")
            ),
            Self::Internal => format!(
                "How likely are you to recommend the {DEPARTMENT_PLACEHOLDER} department's service to a colleague?"
            ),
        }
    }
}

/// Stands for the rated department's name in an internal survey's question.
pub const DEPARTMENT_PLACEHOLDER: &str = "{department}";

/// The most a survey's minimum sample may be (the schema's limit too).
pub const MAX_MIN_SAMPLE: i32 = 100_000;

/// A survey's own minimum sample: blank means the organisation's default applies.
pub fn parse_min_sample(raw: &str) -> Result<Option<i32>, Invalid> {
    let raw = raw.trim().replace(',', "");
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i32>() {
        Ok(n) if (1..=MAX_MIN_SAMPLE).contains(&n) => Ok(Some(n)),
        _ => Err(Invalid::new(
            "type a whole number from 1 to 100,000, or leave it blank for the organisation's default",
        )),
    }
}

/// A slug made from a name: "Invoice NPS (2027)" → "invoice-nps-2027". None when the
/// name has no ASCII letters or digits to make one from.
pub fn slug_from_name(name: &str) -> Option<Slug> {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if slug.len() == 64 {
                break;
            }
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') && slug.len() < 63 {
            slug.push('-');
        }
    }
    Slug::parse(slug.trim_end_matches('-')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_value() {
        for kind in SurveyKind::ALL {
            assert_eq!(SurveyKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(SurveyKind::parse("Customer").is_err());
        assert!(SurveyKind::parse("").is_err());
    }

    #[test]
    fn default_questions_name_the_organisation_or_the_department_placeholder() {
        assert_eq!(
            SurveyKind::Customer.default_question(Some("Northwind Energy")),
            "How likely are you to recommend Northwind Energy to a friend or colleague?"
        );
        assert!(
            SurveyKind::Employee
                .default_question(None)
                .contains("recommend us as a place to work")
        );
        assert!(
            SurveyKind::Internal
                .default_question(Some("Acme"))
                .contains(DEPARTMENT_PLACEHOLDER)
        );
    }

    #[test]
    fn minimum_samples_are_blank_or_whole_numbers_in_range() {
        assert_eq!(parse_min_sample(" "), Ok(None));
        assert_eq!(parse_min_sample("30"), Ok(Some(30)));
        assert_eq!(parse_min_sample("100,000"), Ok(Some(100_000)));
        for bad in ["0", "-5", "100001", "2.5", "thirty", "99999999999"] {
            assert!(parse_min_sample(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn slugs_are_made_from_names() {
        let slug = |name| slug_from_name(name).map(|s| s.as_str().to_owned());
        assert_eq!(
            slug("Invoice NPS (2027)").as_deref(),
            Some("invoice-nps-2027")
        );
        assert_eq!(slug("  --Über  Café--").as_deref(), Some("ber-caf"));
        assert_eq!(slug("Ünïcödé only: ÄÖÜ"), Some("n-c-d-only".to_owned()));
        assert_eq!(slug("ÄÖÜ ß"), None);
        let long = slug(&"word ".repeat(40)).unwrap();
        assert!(long.len() <= 64 && !long.ends_with('-'), "{long}");
    }
}
