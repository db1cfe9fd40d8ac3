//! The frame around every page: the asset version, and the navigation the caller's role
//! may use (the server still enforces access on every route).

use crate::domain::Role;
use crate::web::ASSET_VERSION;
use crate::web::caller::Caller;

pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

pub struct Layout {
    pub asset_version: &'static str,
    /// The signed-in person's name and role, shown with the sign-out button.
    pub user_name: Option<String>,
    pub role_label: Option<&'static str>,
    pub links: Vec<NavLink>,
    /// The print-friendly version: no navigation, no buttons, paper-sized.
    pub print: bool,
}

impl Layout {
    /// The frame for someone not signed in (login page, error pages).
    pub fn anonymous() -> Self {
        Self {
            asset_version: ASSET_VERSION,
            user_name: None,
            role_label: None,
            links: Vec::new(),
            print: false,
        }
    }

    pub fn for_caller(caller: &Caller, current_path: &str) -> Self {
        let Some(user) = caller.user() else {
            return Self::anonymous();
        };
        let own_scorecard = user
            .department
            .as_ref()
            .map(|d| format!("/departments/{}", d.slug));
        let mut links: Vec<(String, &'static str)> = Vec::new();
        match user.role {
            Role::CxLead => {
                links.push(("/admin".into(), "Programme"));
                links.push(("/executive".into(), "Executive"));
                links.push(("/departments".into(), "Departments"));
                links.push(("/admin/audit".into(), "Audit log"));
            }
            Role::DepartmentHead => {
                if let Some(href) = own_scorecard {
                    links.push((href, "My scorecard"));
                }
                links.push(("/departments".into(), "Departments"));
                links.push(("/executive".into(), "Executive"));
            }
            Role::Executive => {
                links.push(("/executive".into(), "Executive"));
                links.push(("/departments".into(), "Departments"));
            }
        }
        // The most specific link that prefixes the current path is the current one.
        let current = links
            .iter()
            .filter(|(href, _)| {
                current_path == href || current_path.starts_with(&format!("{href}/"))
            })
            .map(|(href, _)| href.len())
            .max();
        let links = links
            .into_iter()
            .map(|(href, label)| NavLink {
                current: Some(href.len()) == current && current_path.starts_with(href.as_str()),
                href,
                label,
            })
            .collect();
        Self {
            asset_version: ASSET_VERSION,
            user_name: Some(user.name.clone()),
            role_label: Some(user.role.label()),
            links,
            print: false,
        }
    }

    /// The same frame for the print-friendly version of a page.
    pub fn printable(self, print: bool) -> Self {
        Self { print, ..self }
    }
}

/// Where each role starts after signing in.
pub fn home_for(caller: &Caller) -> String {
    match caller.user() {
        None => "/login".into(),
        Some(user) => match (user.role, &user.department) {
            (Role::CxLead, _) => "/admin".into(),
            (Role::DepartmentHead, Some(department)) => format!("/departments/{}", department.slug),
            _ => "/executive".into(),
        },
    }
}
