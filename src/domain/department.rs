//! What kind of department: front line (meets customers) or support (serves those who do).

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepartmentKind {
    FrontLine,
    Support,
}

impl DepartmentKind {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "front-line" => Ok(Self::FrontLine),
            "support" => Ok(Self::Support),
            _ => Err(Invalid::new("choose front-line or support")),
        }
    }

    /// The value stored in `departments.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontLine => "front-line",
            Self::Support => "support",
        }
    }

    /// The label for a stored kind, or "Department" for one this version does not know.
    pub fn label_of(stored: &str) -> &'static str {
        Self::parse(stored).map_or("Department", Self::label)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::FrontLine => "Front line",
            Self::Support => "Support",
        }
    }
}

/// The business functions whose scorecards carry a panel of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessFunction {
    Hr,
    Finance,
    Legal,
    It,
}

impl BusinessFunction {
    pub const ALL: [Self; 4] = [Self::Hr, Self::Finance, Self::Legal, Self::It];

    /// The stored value; an empty string is "none of these" (None).
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        match raw {
            "" => Ok(None),
            _ => Self::ALL
                .into_iter()
                .find(|f| f.as_str() == raw)
                .map(Some)
                .ok_or_else(|| Invalid::new("choose a function from the list")),
        }
    }

    /// The value stored in `departments.business_function`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hr => "hr",
            Self::Finance => "finance",
            Self::Legal => "legal",
            Self::It => "it",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Hr => "Human resources",
            Self::Finance => "Finance",
            Self::Legal => "Legal",
            Self::It => "IT",
        }
    }
}
