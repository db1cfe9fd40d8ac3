//! Slugs: the short names of departments, touchpoints and surveys in URLs and the API.

use super::Invalid;
use std::fmt;

/// Lower-case letters and digits in words joined by single hyphens, at most 64 characters
/// (the same rule as the `slug` domain in the schema).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let valid = !raw.is_empty()
            && raw.len() <= 64
            && raw.split('-').all(|word| {
                !word.is_empty()
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Invalid::new(
                "use lower-case letters and digits, words joined by single hyphens (at most 64 characters), e.g. customer-service",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hyphenated_lower_case_words() {
        assert_eq!(
            Slug::parse("customer-service").unwrap().as_str(),
            "customer-service"
        );
        assert!(Slug::parse("it").is_ok());
    }

    #[test]
    fn refuses_capitals_spaces_and_stray_hyphens() {
        for bad in [
            "",
            "HR",
            "human resources",
            "-hr",
            "hr-",
            "h--r",
            "hr_1",
            &"a".repeat(65),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
