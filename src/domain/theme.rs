//! Theme keywords and the matcher that tags a comment with a theme.
//!
//! Matching is on whole words, case-insensitive, so "app" does not tag "happy". A keyword
//! may be a phrase ("on hold") and may end in `*` to match any word starting with it
//! ("invoic*" tags "invoice", "invoices" and "invoicing").

use super::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keywords(Vec<String>);

impl Keywords {
    /// Parses a comma- or newline-separated list, as typed into a form.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let list: Vec<&str> = raw.split([',', '\n']).collect();
        Self::from_list(&list)
    }

    pub fn from_list<S: AsRef<str>>(raw: &[S]) -> Result<Self, Invalid> {
        let mut keywords: Vec<String> = Vec::new();
        for keyword in raw {
            let words = words_of(keyword.as_ref());
            if words.is_empty() {
                continue;
            }
            let normalised = words.join(" ")
                + if keyword.as_ref().trim_end().ends_with('*') {
                    "*"
                } else {
                    ""
                };
            if normalised.len() > 60 {
                return Err(Invalid::new("a keyword may have at most 60 characters"));
            }
            if !keywords.contains(&normalised) {
                keywords.push(normalised);
            }
        }
        match keywords.len() {
            0 => Err(Invalid::new("give at least one keyword")),
            1..=50 => Ok(Self(keywords)),
            _ => Err(Invalid::new("a theme may have at most 50 keywords")),
        }
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Does any keyword occur in `comment` as whole words?
    pub fn matches(&self, comment: &str) -> bool {
        let words = words_of(comment);
        self.0.iter().any(|keyword| {
            let (phrase, prefix) = match keyword.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (keyword.as_str(), false),
            };
            let wanted: Vec<&str> = phrase.split(' ').collect();
            words.windows(wanted.len()).any(|window| {
                let last = wanted.len() - 1;
                window
                    .iter()
                    .zip(&wanted)
                    .enumerate()
                    .all(|(i, (word, want))| {
                        if prefix && i == last {
                            word.starts_with(want)
                        } else {
                            word == want
                        }
                    })
            })
        })
    }
}

/// Lower-cased words: runs of letters, digits and apostrophes.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(list: &[&str]) -> Keywords {
        Keywords::from_list(list).unwrap()
    }

    #[test]
    fn matches_whole_words_only() {
        let app = keywords(&["app"]);
        assert!(app.matches("The APP crashed twice."));
        assert!(!app.matches("I am happy with the application"));
    }

    #[test]
    fn matches_phrases_and_prefixes() {
        let billing = keywords(&["invoic*", "on hold"]);
        assert!(billing.matches("Invoices are confusing"));
        assert!(billing.matches("I was put on  hold for an hour"));
        assert!(!billing.matches("hold on, that was fine"));
    }

    #[test]
    fn parses_typed_lists_and_refuses_empty_ones() {
        assert_eq!(keywords(&[" Login ", "login", ""]).as_slice(), ["login"]);
        assert_eq!(
            Keywords::parse("contract, terms\nsmall print")
                .unwrap()
                .as_slice()
                .len(),
            3
        );
        assert!(Keywords::parse(" , ").is_err());
    }
}
