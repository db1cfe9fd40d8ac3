//! Accounts: roles, e-mail addresses, passwords and API token scopes.

use super::Invalid;
use std::fmt;

/// What a person may do in Centric (see the README's "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    CxLead,
    DepartmentHead,
    Executive,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "cx-lead" => Ok(Self::CxLead),
            "department-head" => Ok(Self::DepartmentHead),
            "executive" => Ok(Self::Executive),
            _ => Err(Invalid::new("choose cx-lead, department-head or executive")),
        }
    }

    /// The value stored in `users.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CxLead => "cx-lead",
            Self::DepartmentHead => "department-head",
            Self::Executive => "executive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CxLead => "CX lead",
            Self::DepartmentHead => "Department head",
            Self::Executive => "Executive",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An e-mail address, trimmed; compared case-insensitively by the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim();
        let well_formed = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !email.chars().any(char::is_whitespace)
            });
        if well_formed {
            Ok(Self(email.to_owned()))
        } else {
            Err(Invalid::new(
                "enter an e-mail address such as name@example.com",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash cheaply.
/// Deliberately not `Debug`-printable, so it never reaches a log line.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            Err(Invalid::new(format!(
                "a password needs at least {} characters",
                Self::MIN_CHARS
            )))
        } else if chars > Self::MAX_CHARS {
            Err(Invalid::new(format!(
                "a password may have at most {} characters",
                Self::MAX_CHARS
            )))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What an API token may do: push data in, read metrics out, or administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    Ingest,
    Read,
    Admin,
}

impl TokenScope {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "ingest" => Ok(Self::Ingest),
            "read" => Ok(Self::Read),
            "admin" => Ok(Self::Admin),
            _ => Err(Invalid::new("choose ingest, read or admin")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Read => "read",
            Self::Admin => "admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in [Role::CxLead, Role::DepartmentHead, Role::Executive] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert_eq!(
            Email::parse(" ana@example.com ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_have_a_length_window_and_never_print() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        let password = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
