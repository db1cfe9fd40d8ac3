//! The value chain in numbers (004): how each department's internal customers rate it,
//! from internal NPS surveys over whole months. A rater's answers are shown only when
//! enough people gave them, and never so that hidden ones could be worked out from the rest.

use sqlx::PgPool;
use time::Date;

use super::ExecutiveFilter;
use crate::repo::departments::{self, ChainNode};
use crate::repo::metrics::{Group, ResponseFilter};
use crate::services::metrics::breakdown::{Breakdown, breakdown};
use crate::services::metrics::{NpsSummary, Rules, first_of_month, next_first_of_month};

/// How one department rates one that serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub rater_slug: String,
    pub rater: String,
    /// None: too few answers to show (none at all, below the anonymity threshold, or
    /// hidden with such a group so that it cannot be worked out by subtraction).
    pub summary: Option<NpsSummary>,
    /// The rater is one of the department's internal customers per the value chain.
    pub linked: bool,
}

/// A department and how its internal customers rate it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    pub slug: String,
    pub name: String,
    pub ratings: Vec<Rating>,
}

#[derive(Debug, Clone)]
pub struct InternalChain {
    /// Who serves whom, for the picture.
    pub nodes: Vec<ChainNode>,
    /// Departments that serve someone or are rated, by name.
    pub rated: Vec<Rated>,
    /// The whole months covered: first day and the day after the last.
    pub from: Date,
    pub to: Date,
    pub anonymity_threshold: u64,
}

impl InternalChain {
    pub fn is_empty(&self) -> bool {
        self.rated.is_empty()
    }

    pub fn last_day(&self) -> Date {
        self.to - time::Duration::days(1)
    }

    /// Some pair is not shown.
    pub fn some_hidden(&self) -> bool {
        self.rated
            .iter()
            .any(|r| r.ratings.iter().any(|rating| rating.summary.is_none()))
    }
}

/// The ratings of `rated` (a department of `nodes`): one per internal customer it serves,
/// in the order of `nodes`, then any other rater whose answers may be shown.
pub fn ratings_of(rated: &ChainNode, nodes: &[ChainNode], shown: &Breakdown) -> Vec<Rating> {
    let summary_of = |slug: &str| {
        shown
            .groups
            .iter()
            .find(|g| g.key.as_deref() == Some(slug))
            .map(|g| g.summary.clone())
    };
    let mut ratings: Vec<Rating> = nodes
        .iter()
        .filter(|n| rated.serves.contains(&n.id))
        .map(|customer| Rating {
            rater_slug: customer.slug.clone(),
            rater: customer.name.clone(),
            summary: summary_of(&customer.slug),
            linked: true,
        })
        .collect();
    for group in &shown.groups {
        let (Some(slug), Some(name)) = (&group.key, &group.label) else {
            continue;
        };
        if !ratings.iter().any(|r| r.rater_slug == *slug) {
            ratings.push(Rating {
                rater_slug: slug.clone(),
                rater: name.clone(),
                summary: Some(group.summary.clone()),
                linked: false,
            });
        }
    }
    ratings
}

/// Internal NPS per (rater, rated) pair over the filter period's whole months. With a
/// department in the filter, only the pairs it takes part in.
pub async fn load(pool: &PgPool, filter: &ExecutiveFilter) -> Result<InternalChain, sqlx::Error> {
    let (from, to) = (
        first_of_month(filter.responses.from),
        next_first_of_month(filter.last_day()),
    );
    let rules = Rules {
        protects_anonymity: true,
        ..filter.rules
    };
    let nodes = departments::value_chain(pool).await?;
    let focus = filter
        .department()
        .and_then(|id| nodes.iter().find(|n| n.id == id))
        .map(|n| n.slug.clone());
    let mut rated = Vec::new();
    for node in &nodes {
        let internal = ResponseFilter {
            survey: None,
            kind: Some("internal".into()),
            department: Some(node.id),
            respondent_department: None,
            touchpoint: None,
            segment: None,
            from,
            to,
        };
        let shown = breakdown(pool, &internal, Group::RespondentDepartment, rules).await?;
        let mut ratings = ratings_of(node, &nodes, &shown);
        // Hidden pairs are settled over all raters first, then narrowed to the focus.
        if let Some(focus) = &focus
            && *focus != node.slug
        {
            ratings.retain(|r| r.rater_slug == *focus);
        }
        if !ratings.is_empty() {
            rated.push(Rated {
                slug: node.slug.clone(),
                name: node.name.clone(),
                ratings,
            });
        }
    }
    Ok(InternalChain {
        nodes,
        rated,
        from,
        to,
        anonymity_threshold: rules.anonymity_threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::metrics::Cell;
    use crate::services::metrics::Counts;
    use crate::services::metrics::breakdown::summarise;
    use time::macros::date;
    use uuid::Uuid;

    fn node(slug: &str, serves: &[Uuid]) -> ChainNode {
        ChainNode {
            id: Uuid::new_v4(),
            slug: slug.into(),
            name: slug.to_uppercase(),
            kind: "support".into(),
            serves: serves.to_vec(),
        }
    }

    fn cell(key: &str, promoters: u64) -> Cell {
        Cell {
            period_start: date!(2026 - 01 - 01),
            key: Some(key.into()),
            label: Some(key.to_uppercase()),
            counts: Counts {
                promoters,
                passives: 0,
                detractors: 0,
            },
        }
    }

    #[test]
    fn a_small_pair_hides_the_next_smallest_and_unlinked_raters_follow_the_links() {
        let (sales, service, ops) = (node("sales", &[]), node("service", &[]), node("ops", &[]));
        let finance = node("finance", &[sales.id, service.id, ops.id]);
        let nodes = vec![finance.clone(), ops.clone(), sales.clone(), service.clone()];
        let rules = Rules {
            min_sample: 5,
            anonymity_threshold: 5,
            protects_anonymity: true,
        };
        // Sales gave 3 answers (hidden); Ops, the next smallest with 6, goes with them.
        let shown = summarise(
            vec![
                cell("legal", 12),
                cell("ops", 6),
                cell("sales", 3),
                cell("service", 20),
            ],
            rules,
        );
        let ratings = ratings_of(&finance, &nodes, &shown);
        let seen: Vec<(&str, Option<u64>, bool)> = ratings
            .iter()
            .map(|r| {
                (
                    r.rater_slug.as_str(),
                    r.summary.as_ref().map(|s| s.n),
                    r.linked,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("ops", None, true),
                ("sales", None, true),
                ("service", Some(20), true),
                ("legal", Some(12), false)
            ]
        );
    }
}
