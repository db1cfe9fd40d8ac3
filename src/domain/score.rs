//! The 0–10 answer to "how likely are you to recommend …?" and its NPS category.

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score(u8);

/// 0–6 detractor, 7–8 passive, 9–10 promoter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Detractor,
    Passive,
    Promoter,
}

impl Score {
    pub fn value(self) -> u8 {
        self.0
    }

    pub fn category(self) -> Category {
        match self.0 {
            0..=6 => Category::Detractor,
            7..=8 => Category::Passive,
            _ => Category::Promoter,
        }
    }
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detractor => "detractor",
            Self::Passive => "passive",
            Self::Promoter => "promoter",
        }
    }
}

impl TryFrom<i64> for Score {
    type Error = Invalid;

    fn try_from(raw: i64) -> Result<Self, Invalid> {
        u8::try_from(raw)
            .ok()
            .filter(|v| *v <= 10)
            .map(Score)
            .ok_or_else(|| Invalid::new("a score is a whole number from 0 to 10"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_the_nps_bands() {
        let category = |v: i64| Score::try_from(v).unwrap().category();
        assert_eq!(category(0), Category::Detractor);
        assert_eq!(category(6), Category::Detractor);
        assert_eq!(category(7), Category::Passive);
        assert_eq!(category(8), Category::Passive);
        assert_eq!(category(9), Category::Promoter);
        assert_eq!(category(10), Category::Promoter);
    }

    #[test]
    fn scores_outside_zero_to_ten_are_refused() {
        assert!(Score::try_from(-1).is_err());
        assert!(Score::try_from(11).is_err());
    }
}
