//! NPS broken down by touchpoint, attributed department, segment or respondent
//! department, with the same rules as every other figure: minimum sample, and for
//! people's answers the anonymity threshold per group and month.

use serde::Serialize;
use sqlx::PgPool;

use super::{Counts, NpsSummary, Rules, protected_summary};
use crate::repo::metrics::{self as queries, Cell, Group, ResponseFilter};

/// Parses the `by` query parameter.
pub fn parse_group(raw: &str) -> Option<Group> {
    match raw {
        "touchpoint" => Some(Group::Touchpoint),
        "department" => Some(Group::Department),
        "segment" => Some(Group::Segment),
        "respondent_department" => Some(Group::RespondentDepartment),
        _ => None,
    }
}

/// One group's NPS.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupNps {
    /// The group's slug (or the segment itself); null for responses without one.
    pub key: Option<String>,
    /// The group's name for people; null for responses without one.
    pub label: Option<String>,
    #[serde(flatten)]
    pub summary: NpsSummary,
}

/// NPS per group of the filtered responses, ordered by key (responses without one last).
pub async fn breakdown(
    pool: &PgPool,
    filter: &ResponseFilter,
    group: Group,
    rules: Rules,
) -> Result<Vec<GroupNps>, sqlx::Error> {
    let cells = queries::counts_by_group(pool, filter, group, rules.protects_anonymity).await?;
    Ok(summarise(cells, rules))
}

/// A group's counts per month.
type MonthCells = Vec<(time::Date, Counts)>;

/// Folds cells (ordered by key) into one summary per group.
pub fn summarise(cells: Vec<Cell>, rules: Rules) -> Vec<GroupNps> {
    let mut groups: Vec<(Option<String>, Option<String>, MonthCells)> = Vec::new();
    for cell in cells {
        match groups.last_mut() {
            Some((key, _, months)) if *key == cell.key => {
                months.push((cell.period_start, cell.counts))
            }
            _ => groups.push((cell.key, cell.label, vec![(cell.period_start, cell.counts)])),
        }
    }
    let mut summaries: Vec<(u64, GroupNps)> = groups
        .into_iter()
        .map(|(key, label, months)| {
            let total: Counts = months.iter().map(|(_, counts)| *counts).sum();
            let summary = if rules.protects_anonymity {
                protected_summary(&months, rules)
            } else {
                NpsSummary::from_counts(total, rules)
            };
            (
                total.n(),
                GroupNps {
                    key,
                    label,
                    summary,
                },
            )
        })
        .collect();
    if rules.protects_anonymity {
        suppress_complement(&mut summaries);
    }
    summaries.into_iter().map(|(_, group)| group).collect()
}

/// With exactly one group hidden, it could be worked out as the total minus the groups
/// shown; the smallest group shown is hidden too.
fn suppress_complement(groups: &mut [(u64, GroupNps)]) {
    let hidden = groups.iter().filter(|(_, g)| g.summary.suppressed).count();
    if hidden != 1 {
        return;
    }
    if let Some((_, smallest)) = groups
        .iter_mut()
        .filter(|(_, g)| !g.summary.suppressed)
        .min_by_key(|(n, _)| *n)
    {
        smallest.summary = NpsSummary::suppressed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cell(key: &str, month: time::Date, promoters: u64, detractors: u64) -> Cell {
        Cell {
            period_start: month,
            key: Some(key.to_owned()),
            label: Some(key.to_uppercase()),
            counts: Counts {
                promoters,
                passives: 0,
                detractors,
            },
        }
    }

    const PEOPLE: Rules = Rules {
        min_sample: 10,
        anonymity_threshold: 5,
        protects_anonymity: true,
    };

    #[test]
    fn customer_groups_are_summed_over_months() {
        let rules = Rules {
            protects_anonymity: false,
            ..PEOPLE
        };
        let groups = summarise(
            vec![
                cell("app", date!(2026 - 01 - 01), 3, 1),
                cell("app", date!(2026 - 02 - 01), 1, 0),
                cell("web", date!(2026 - 01 - 01), 0, 2),
            ],
            rules,
        );
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].summary.n, 5);
        assert_eq!(groups[0].summary.nps, Some(60.0));
        assert_eq!(groups[1].label.as_deref(), Some("WEB"));
        assert!(!groups[1].summary.enough_data);
    }

    #[test]
    fn a_lone_small_group_takes_the_next_smallest_with_it() {
        let groups = summarise(
            vec![
                cell("finance", date!(2026 - 01 - 01), 2, 1),
                cell("it", date!(2026 - 01 - 01), 6, 0),
                cell("sales", date!(2026 - 01 - 01), 20, 5),
            ],
            PEOPLE,
        );
        let hidden: Vec<bool> = groups.iter().map(|g| g.summary.suppressed).collect();
        assert_eq!(hidden, [true, true, false]);
    }

    #[test]
    fn a_group_small_in_any_month_is_hidden() {
        let groups = summarise(
            vec![
                cell("it", date!(2026 - 01 - 01), 9, 1),
                cell("it", date!(2026 - 02 - 01), 1, 1),
                cell("sales", date!(2026 - 01 - 01), 9, 1),
                cell("hr", date!(2026 - 01 - 01), 9, 1),
            ],
            PEOPLE,
        );
        let hidden: Vec<bool> = groups.iter().map(|g| g.summary.suppressed).collect();
        // "it" is hidden for February's 2 answers; one of the others (both n = 10) too.
        assert_eq!(hidden.iter().filter(|h| **h).count(), 2);
        assert!(hidden[0]);
    }
}
