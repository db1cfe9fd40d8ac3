//! NPS broken down by touchpoint, attributed department, segment or respondent
//! department, with the same rules as every other figure: minimum sample, and for
//! people's answers the anonymity threshold per group and month.

use serde::Serialize;
use sqlx::PgPool;

use super::{Counts, NpsSummary, Rules};
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
    #[schema(required = true)]
    pub key: Option<String>,
    /// The group's name for people; null for responses without one.
    #[schema(required = true)]
    pub label: Option<String>,
    #[serde(flatten)]
    pub summary: NpsSummary,
}

/// NPS per group.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    /// By key; responses without one last.
    pub groups: Vec<GroupNps>,
    /// Groups of employee or internal answers too small to be anonymous are left out
    /// entirely (with another group, where needed, so they cannot be worked out from the
    /// total); true when that happened.
    pub some_hidden: bool,
}

/// NPS per group of the filtered responses.
pub async fn breakdown(
    pool: &PgPool,
    filter: &ResponseFilter,
    group: Group,
    rules: Rules,
) -> Result<Breakdown, sqlx::Error> {
    let cells = queries::counts_by_group(pool, filter, group, rules.protects_anonymity).await?;
    Ok(summarise(cells, rules))
}

/// A group's counts per month.
type MonthCells = Vec<(time::Date, Counts)>;

/// Folds cells (ordered by key) into one summary per group, leaving out the groups that
/// would identify people.
pub fn summarise(cells: Vec<Cell>, rules: Rules) -> Breakdown {
    let mut groups: Vec<(Option<String>, Option<String>, MonthCells)> = Vec::new();
    for cell in cells {
        match groups.last_mut() {
            Some((key, _, months)) if *key == cell.key => {
                months.push((cell.period_start, cell.counts))
            }
            _ => groups.push((cell.key, cell.label, vec![(cell.period_start, cell.counts)])),
        }
    }
    let hidden = if rules.protects_anonymity {
        let months: Vec<&MonthCells> = groups.iter().map(|(_, _, months)| months).collect();
        hidden_groups(&months, rules.anonymity_threshold)
    } else {
        vec![false; groups.len()]
    };
    let some_hidden = hidden.contains(&true);
    let groups = groups
        .into_iter()
        .zip(hidden)
        .filter(|(_, hidden)| !hidden)
        .map(|((key, label, months), _)| {
            let total: Counts = months.iter().map(|(_, counts)| *counts).sum();
            GroupNps {
                key,
                label,
                summary: NpsSummary::from_counts(total, rules),
            }
        })
        .collect();
    Breakdown {
        groups,
        some_hidden,
    }
}

/// The months in which a protected filter that narrows to one group (a department, a
/// respondent department, a touchpoint or a segment) reaches a group that its breakdown
/// among siblings leaves out: showing it there would let the hidden ones be worked out
/// as the wider total minus the groups shown.
pub async fn narrowed_hidden_months(
    pool: &PgPool,
    filter: &ResponseFilter,
    rules: Rules,
) -> Result<Vec<time::Date>, sqlx::Error> {
    let mut hidden = Vec::new();
    for group in [
        Group::Department,
        Group::RespondentDepartment,
        Group::Touchpoint,
        Group::Segment,
    ] {
        let Some(key) = queries::narrowed_key(pool, filter, group).await? else {
            continue;
        };
        let wider = queries::widened(filter, group);
        let cells = queries::counts_by_group(pool, &wider, group, true).await?;
        hidden.extend(months_hidden_for(&cells, &key, rules.anonymity_threshold));
    }
    hidden.sort();
    hidden.dedup();
    Ok(hidden)
}

/// The months in which the group `key` is left out of the month's breakdown (cells
/// ordered by key, as `counts_by_group` gives them).
fn months_hidden_for(cells: &[Cell], key: &str, threshold: u64) -> Vec<time::Date> {
    let mut months: Vec<time::Date> = cells.iter().map(|c| c.period_start).collect();
    months.sort();
    months.dedup();
    months
        .into_iter()
        .filter(|month| {
            let mut keys: Vec<Option<&str>> = Vec::new();
            let mut groups: Vec<MonthCells> = Vec::new();
            for cell in cells.iter().filter(|c| c.period_start == *month) {
                if keys.last() != Some(&cell.key.as_deref()) {
                    keys.push(cell.key.as_deref());
                    groups.push(Vec::new());
                }
                groups
                    .last_mut()
                    .expect("pushed above")
                    .push((cell.period_start, cell.counts));
            }
            let refs: Vec<&MonthCells> = groups.iter().collect();
            let hidden = hidden_groups(&refs, threshold);
            keys.iter()
                .zip(hidden)
                .any(|(k, hidden)| hidden && *k == Some(key))
        })
        .collect()
}

/// Which groups to leave out: any group small in any month, and, in every month where
/// the groups left out add up to fewer answers than the threshold, the smallest others
/// until they do, so that the total minus the groups shown never singles anyone out. A
/// group left out for one month is left out for every period containing it, so a
/// longer period cannot be used to subtract it back.
fn hidden_groups(groups: &[&MonthCells], threshold: u64) -> Vec<bool> {
    let mut hidden = vec![false; groups.len()];
    let mut months: Vec<time::Date> = groups
        .iter()
        .flat_map(|cells| cells.iter().map(|(month, _)| *month))
        .collect();
    months.sort();
    months.dedup();
    for month in months {
        let present: Vec<(usize, u64)> = groups
            .iter()
            .enumerate()
            .filter_map(|(i, cells)| {
                let n = cells.iter().find(|(m, _)| *m == month)?.1.n();
                (n > 0).then_some((i, n))
            })
            .collect();
        let small: Vec<usize> = present
            .iter()
            .filter(|(_, n)| *n < threshold)
            .map(|(i, _)| *i)
            .collect();
        for i in &small {
            hidden[*i] = true;
        }
        // The month's hidden answers together (total minus those shown) must be a group
        // large enough to be anonymous too: hide the smallest partner until they are.
        loop {
            let hidden_sum: u64 = present
                .iter()
                .filter(|(i, _)| hidden[*i])
                .map(|(_, n)| n)
                .sum();
            if hidden_sum == 0 || hidden_sum >= threshold {
                break;
            }
            match present
                .iter()
                .filter(|(i, _)| !hidden[*i])
                .min_by_key(|(_, n)| *n)
            {
                Some((partner, _)) => hidden[*partner] = true,
                None => break,
            }
        }
    }
    hidden
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
        let breakdown = summarise(
            vec![
                cell("app", date!(2026 - 01 - 01), 3, 1),
                cell("app", date!(2026 - 02 - 01), 1, 0),
                cell("web", date!(2026 - 01 - 01), 0, 2),
            ],
            rules,
        );
        let groups = breakdown.groups;
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].summary.n, 5);
        assert_eq!(groups[0].summary.nps, Some(60.0));
        assert_eq!(groups[1].label.as_deref(), Some("WEB"));
        assert!(!groups[1].summary.enough_data);
        assert!(!breakdown.some_hidden);
    }

    fn shown(breakdown: &Breakdown) -> Vec<&str> {
        breakdown
            .groups
            .iter()
            .map(|g| g.key.as_deref().unwrap())
            .collect()
    }

    #[test]
    fn a_lone_small_group_takes_the_next_smallest_with_it() {
        let breakdown = summarise(
            vec![
                cell("finance", date!(2026 - 01 - 01), 2, 1),
                cell("it", date!(2026 - 01 - 01), 6, 0),
                cell("sales", date!(2026 - 01 - 01), 20, 5),
            ],
            PEOPLE,
        );
        assert_eq!(shown(&breakdown), ["sales"]);
        assert!(breakdown.some_hidden);
    }

    #[test]
    fn the_partner_is_chosen_per_month_and_hidden_for_the_whole_period() {
        // February: "a" is small, "c" (the smallest other) goes with it. January and
        // March are fine; "c" must not reappear for the quarter, or a(Feb) would be
        // the February total − b(Feb) − [c(quarter) − c(Jan) − c(Mar)].
        let mut cells = Vec::new();
        for (key, feb) in [("a", 3), ("b", 40), ("c", 20)] {
            cells.push(cell(key, date!(2026 - 01 - 01), 10, 10));
            cells.push(cell(key, date!(2026 - 02 - 01), feb, 0));
            cells.push(cell(key, date!(2026 - 03 - 01), 10, 10));
        }
        let breakdown = summarise(cells, PEOPLE);
        assert_eq!(shown(&breakdown), ["b"]);
    }

    #[test]
    fn a_partner_already_hidden_is_preferred() {
        // January hides "a" and its partner "b"; in February "c" is small alone and
        // takes "b" (already hidden) rather than the smaller "d".
        let breakdown = summarise(
            vec![
                cell("a", date!(2026 - 01 - 01), 2, 0),
                cell("b", date!(2026 - 01 - 01), 30, 0),
                cell("b", date!(2026 - 02 - 01), 30, 0),
                cell("c", date!(2026 - 02 - 01), 1, 0),
                cell("d", date!(2026 - 01 - 01), 40, 0),
                cell("d", date!(2026 - 02 - 01), 6, 0),
            ],
            PEOPLE,
        );
        assert_eq!(shown(&breakdown), ["d"]);
    }

    #[test]
    fn two_small_groups_together_still_take_a_partner_with_them() {
        // IT (1) and HR (2) are both small and together only 3 answers: shown Sales alone
        // would give them away as the total minus Sales, so Finance goes too.
        let breakdown = summarise(
            vec![
                cell("it", date!(2026 - 01 - 01), 0, 1),
                cell("hr", date!(2026 - 01 - 01), 0, 2),
                cell("finance", date!(2026 - 01 - 01), 6, 0),
                cell("sales", date!(2026 - 01 - 01), 10, 0),
            ],
            PEOPLE,
        );
        assert_eq!(shown(&breakdown), ["sales"]);
    }
}
