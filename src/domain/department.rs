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
