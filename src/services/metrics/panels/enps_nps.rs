//! "Happy employees make happy customers" (000, 002): each department's eNPS next to the
//! NPS of the customers it serves directly, and how closely the two go together across
//! departments. Employees' answers keep their anonymity rules: a department too small to
//! be anonymous is left out entirely.

use sqlx::PgPool;

use super::super::breakdown::{Breakdown, GroupNps, breakdown};
use super::super::correlation::Correlation;
use super::super::{NpsSummary, Rules, first_of_month, next_first_of_month};
use super::{PanelPeriod, customer_nps_by, customer_rules};
use crate::repo::metrics::{Group, ResponseFilter};

/// A department with both figures to show.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentPair {
    pub name: String,
    pub enps: NpsSummary,
    pub nps: NpsSummary,
}

impl DepartmentPair {
    /// (eNPS, customer NPS).
    fn point(&self) -> (f64, f64) {
        (
            self.enps.nps.unwrap_or_default(),
            self.nps.nps.unwrap_or_default(),
        )
    }
}

/// Why a department with one of the two figures is not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// It owns no touchpoint customers rated in the period.
    CustomerNps,
    CustomerResponses,
    /// No eNPS to show: no answers, or hidden to keep answers anonymous (which of the two
    /// is not said, as that would tell who was hidden).
    Enps,
    EmployeeAnswers,
}

impl Missing {
    pub fn label(self) -> &'static str {
        match self {
            Self::CustomerNps => "no customer NPS: owns no touchpoint customers rated",
            Self::CustomerResponses => "too few customer responses",
            Self::Enps => "no eNPS to show",
            Self::EmployeeAnswers => "too few employee answers",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    pub name: String,
    pub missing: Missing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmployeesAndCustomers {
    /// Departments with enough answers on both sides, by name.
    pub pairs: Vec<DepartmentPair>,
    /// Departments with one figure and not the other, by name.
    pub left_out: Vec<LeftOut>,
    /// Some departments' eNPS is hidden to keep employees' answers anonymous.
    pub some_hidden: bool,
    /// Of eNPS against customer NPS over the pairs; None below three pairs.
    pub correlation: Option<Correlation>,
}

/// eNPS by the department people work in (whole months, anonymity threshold) and customer
/// NPS by the department owning the touchpoint, over the period.
pub async fn load(
    pool: &PgPool,
    period: &PanelPeriod,
) -> Result<EmployeesAndCustomers, sqlx::Error> {
    let customers = customer_nps_by(pool, period, Group::Department).await?;
    // People's answers count in whole months (as everywhere), at both ends.
    let employees = ResponseFilter {
        kind: Some("employee".into()),
        from: first_of_month(period.from),
        to: next_first_of_month(period.to - time::Duration::days(1)),
        ..period.customers()
    };
    let people = Rules {
        protects_anonymity: true,
        ..customer_rules(pool).await?
    };
    let enps = breakdown(pool, &employees, Group::RespondentDepartment, people).await?;
    Ok(pair_up(enps, customers))
}

/// Matches the two breakdowns by department; responses without one are left aside.
pub fn pair_up(enps: Breakdown, customers: Breakdown) -> EmployeesAndCustomers {
    let shown = |g: &GroupNps| g.summary.nps.is_some();
    let mut pairs = Vec::new();
    let mut left_out = Vec::new();
    for customer in customers.groups.iter().filter(|g| g.key.is_some()) {
        let name = customer.label.clone().unwrap_or_default();
        let employee = enps.groups.iter().find(|e| e.key == customer.key);
        let verdict = match employee {
            _ if !customer.summary.enough_data => Err(Missing::CustomerResponses),
            Some(e) if shown(e) && e.summary.enough_data => Ok(e),
            Some(e) if shown(e) => Err(Missing::EmployeeAnswers),
            _ => Err(Missing::Enps),
        };
        match verdict {
            Ok(e) => pairs.push(DepartmentPair {
                name,
                enps: e.summary.clone(),
                nps: customer.summary.clone(),
            }),
            Err(missing) => left_out.push(LeftOut { name, missing }),
        }
    }
    for employee in enps.groups.iter().filter(|g| g.key.is_some()) {
        if !customers.groups.iter().any(|c| c.key == employee.key) {
            left_out.push(LeftOut {
                name: employee.label.clone().unwrap_or_default(),
                missing: Missing::CustomerNps,
            });
        }
    }
    pairs.sort_by(|a, b| a.name.cmp(&b.name));
    left_out.sort_by(|a, b| a.name.cmp(&b.name));
    let points: Vec<(f64, f64)> = pairs.iter().map(DepartmentPair::point).collect();
    EmployeesAndCustomers {
        correlation: Correlation::of(&points),
        pairs,
        left_out,
        some_hidden: enps.some_hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::metrics::Counts;

    const RULES: Rules = Rules {
        min_sample: 10,
        anonymity_threshold: 5,
        protects_anonymity: false,
    };

    fn group(slug: Option<&str>, promoters: u64, detractors: u64) -> GroupNps {
        GroupNps {
            key: slug.map(str::to_owned),
            label: slug.map(str::to_uppercase),
            summary: NpsSummary::from_counts(
                Counts {
                    promoters,
                    passives: 0,
                    detractors,
                },
                RULES,
            ),
        }
    }

    fn of(groups: Vec<GroupNps>) -> Breakdown {
        Breakdown {
            groups,
            some_hidden: true,
        }
    }

    #[test]
    fn departments_with_both_figures_are_paired_and_the_rest_say_what_they_lack() {
        let enps = of(vec![
            group(Some("a"), 8, 2),
            group(Some("b"), 5, 5),
            group(Some("c"), 2, 8),
            group(Some("d"), 3, 1),
            group(Some("hr"), 9, 1),
            group(None, 10, 0),
        ]);
        let customers = of(vec![
            group(Some("a"), 7, 3),
            group(Some("b"), 5, 5),
            group(Some("c"), 3, 7),
            group(Some("d"), 9, 1),
            group(Some("e"), 2, 2),
            group(Some("f"), 9, 1),
            group(None, 30, 0),
        ]);
        let paired = pair_up(enps, customers);
        let names: Vec<&str> = paired.pairs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C"]);
        let left: Vec<(&str, Missing)> = paired
            .left_out
            .iter()
            .map(|l| (l.name.as_str(), l.missing))
            .collect();
        assert_eq!(
            left,
            [
                ("D", Missing::EmployeeAnswers),
                ("E", Missing::CustomerResponses),
                ("F", Missing::Enps),
                ("HR", Missing::CustomerNps),
            ]
        );
        // eNPS +60, 0, −60 against NPS +40, 0, −40: a perfect line.
        let correlation = paired.correlation.unwrap();
        assert!((correlation.r - 1.0).abs() < 1e-12);
        assert_eq!(correlation.n, 3);
        assert!(paired.some_hidden);
    }
}
