//! Movers: the touchpoints and departments whose customer NPS moved by more than the noise
//! between the period before and the period shown, up and down, each with the detractor
//! themes behind it and two of its customers' own words.

use sqlx::PgPool;
use time::Date;

use super::ExecutiveFilter;
use crate::repo::comments::{self, Comment, Scope, ThemeCount};
use crate::repo::metrics::{Group, ResponseFilter};
use crate::services::metrics::breakdown::{Breakdown, breakdown};
use crate::services::metrics::{NpsSummary, Rules, change_is_significant};

/// Themes shown per mover.
const TOP_THEMES: i64 = 3;
/// Representative comments shown per mover.
const EXAMPLES: i64 = 2;
/// Movers shown per direction, biggest first; the rest are counted.
pub const SHOWN_PER_DIRECTION: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoverKind {
    Touchpoint,
    Department,
}

/// A group whose NPS moved significantly, with the why.
#[derive(Debug, Clone)]
pub struct Mover {
    pub moved: Move,
    /// Its top detractor themes in the period shown, most comments first.
    pub themes: Vec<ThemeCount>,
    /// Its newest detractor comments tagged with one of those themes.
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone)]
pub struct Movers {
    /// Biggest rise first.
    pub up: Vec<Mover>,
    /// Biggest fall first.
    pub down: Vec<Mover>,
    /// Significant moves beyond the ones shown, per direction.
    pub more_up: usize,
    pub more_down: usize,
    /// The themes and comments come from the period's newest detractor comments only
    /// (`comments::EXPLAIN_SAMPLE`), the period holding more.
    pub sampled: bool,
    /// The period before: first day and the day after its last.
    pub before_from: Date,
    pub before_to: Date,
}

impl Movers {
    pub fn is_empty(&self) -> bool {
        self.up.is_empty() && self.down.is_empty()
    }

    pub fn before_last_day(&self) -> Date {
        self.before_to - time::Duration::days(1)
    }
}

/// A group that moved: its key, name, both summaries and the change.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub kind: MoverKind,
    pub slug: String,
    pub name: String,
    pub now: NpsSummary,
    pub before: NpsSummary,
    /// now − before, in NPS points.
    pub change: f64,
}

impl Move {
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            MoverKind::Touchpoint => "Touchpoint",
            MoverKind::Department => "Department",
        }
    }
}

/// The groups of `now` whose NPS differs significantly (95 %) from the same group's in
/// `before`; a group without enough responses on either side cannot move.
pub fn significant_moves(kind: MoverKind, now: &Breakdown, before: &Breakdown) -> Vec<Move> {
    now.groups
        .iter()
        .filter_map(|group| {
            let slug = group.key.clone()?;
            let earlier = before
                .groups
                .iter()
                .find(|b| b.key.as_deref() == Some(slug.as_str()))?;
            let (counts_now, counts_before) = (group.summary.counts()?, earlier.summary.counts()?);
            let comparable = group.summary.enough_data && earlier.summary.enough_data;
            let change = group.summary.nps? - earlier.summary.nps?;
            (comparable && change_is_significant(&counts_before, &counts_now)).then(|| Move {
                kind,
                name: group.label.clone().unwrap_or_else(|| slug.clone()),
                slug,
                change,
                now: group.summary.clone(),
                before: earlier.summary.clone(),
            })
        })
        .collect()
}

/// Splits moves into rises and falls, the biggest first.
pub fn split(moves: Vec<Move>) -> (Vec<Move>, Vec<Move>) {
    let (mut up, mut down): (Vec<_>, Vec<_>) = moves.into_iter().partition(|m| m.change > 0.0);
    up.sort_by(|a, b| b.change.total_cmp(&a.change));
    down.sort_by(|a, b| a.change.total_cmp(&b.change));
    (up, down)
}

/// Customer NPS by touchpoint and by department over the filter's period and the one of
/// equal length before (segment and department as filtered), and the significant movers.
pub async fn load(pool: &PgPool, filter: &ExecutiveFilter) -> Result<Movers, sqlx::Error> {
    // Movers are about customers, whatever survey kind the page shows.
    let now = ResponseFilter {
        kind: Some("customer".into()),
        survey: None,
        department: filter.department(),
        respondent_department: None,
        ..filter.responses.clone()
    };
    let before = ResponseFilter {
        from: now.from - (now.to - now.from),
        to: now.from,
        ..now.clone()
    };
    let rules = Rules {
        protects_anonymity: false,
        ..filter.rules
    };
    let mut moves = Vec::new();
    for (kind, group) in [
        (MoverKind::Touchpoint, Group::Touchpoint),
        (MoverKind::Department, Group::Department),
    ] {
        let (current, earlier) = (
            breakdown(pool, &now, group, rules).await?,
            breakdown(pool, &before, group, rules).await?,
        );
        moves.extend(significant_moves(kind, &current, &earlier));
    }
    let (up, down) = split(moves);
    let (more_up, more_down) = (
        up.len().saturating_sub(SHOWN_PER_DIRECTION),
        down.len().saturating_sub(SHOWN_PER_DIRECTION),
    );
    let shown_up: Vec<Move> = up.into_iter().take(SHOWN_PER_DIRECTION).collect();
    let rises = shown_up.len();
    let shown = shown_up
        .into_iter()
        .chain(down.into_iter().take(SHOWN_PER_DIRECTION))
        .collect();
    let (mut up, sampled) = explain_all(pool, &now, shown).await?;
    let down = up.split_off(rises);
    Ok(Movers {
        up,
        down,
        sampled,
        more_up,
        more_down,
        before_from: before.from,
        before_to: before.to,
    })
}

/// The moves shown, each with its top detractor themes and its newest comments tagged
/// with them (one query for all of them).
async fn explain_all(
    pool: &PgPool,
    period: &ResponseFilter,
    moves: Vec<Move>,
) -> Result<(Vec<Mover>, bool), sqlx::Error> {
    if moves.is_empty() {
        return Ok((Vec::new(), false));
    }
    let scopes: Vec<Scope<'_>> = moves
        .iter()
        .map(|m| match m.kind {
            MoverKind::Touchpoint => Scope::Touchpoint(&m.slug),
            MoverKind::Department => Scope::Department(&m.slug),
        })
        .collect();
    let (explained, sampled) = comments::explain(
        pool,
        &scopes,
        period.segment.as_deref(),
        period.from,
        period.to,
        TOP_THEMES,
        EXAMPLES,
    )
    .await?;
    let movers = moves
        .into_iter()
        .zip(explained)
        .map(|(moved, explained)| Mover {
            moved,
            themes: explained.themes,
            comments: explained.comments,
        })
        .collect();
    Ok((movers, sampled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::metrics::Counts;
    use crate::services::metrics::breakdown::GroupNps;

    const RULES: Rules = Rules {
        min_sample: 30,
        anonymity_threshold: 5,
        protects_anonymity: false,
    };

    fn group(key: &str, promoters: u64, passives: u64, detractors: u64) -> GroupNps {
        GroupNps {
            key: Some(key.into()),
            label: Some(key.to_uppercase()),
            summary: NpsSummary::from_counts(
                Counts {
                    promoters,
                    passives,
                    detractors,
                },
                RULES,
            ),
        }
    }

    fn breakdown(groups: Vec<GroupNps>) -> Breakdown {
        Breakdown {
            groups,
            some_hidden: false,
        }
    }

    #[test]
    fn only_moves_beyond_the_noise_with_enough_answers_on_both_sides_count() {
        let before = breakdown(vec![
            group("invoice", 30, 0, 70),
            group("website", 50, 0, 50),
            group("contract", 5, 0, 5),
            group("onboarding", 70, 0, 30),
        ]);
        let now = breakdown(vec![
            group("invoice", 70, 0, 30),    // −40 → +40: real
            group("website", 52, 0, 48),    // −0 → +4: noise
            group("contract", 40, 0, 0),    // too few before
            group("onboarding", 30, 0, 70), // +40 → −40: real
            group("renewal", 90, 0, 10),    // nothing before
        ]);
        let moves = significant_moves(MoverKind::Touchpoint, &now, &before);
        let keys: Vec<(&str, f64)> = moves.iter().map(|m| (m.slug.as_str(), m.change)).collect();
        assert_eq!(keys, [("invoice", 80.0), ("onboarding", -80.0)]);
        assert_eq!(moves[0].name, "INVOICE");
        assert_eq!(moves[0].before.nps, Some(-40.0));
    }

    #[test]
    fn rises_and_falls_are_split_biggest_first() {
        let m = |slug: &str, change: f64| Move {
            kind: MoverKind::Touchpoint,
            slug: slug.into(),
            name: slug.into(),
            now: NpsSummary::suppressed(),
            before: NpsSummary::suppressed(),
            change,
        };
        let (up, down) = split(vec![
            m("a", 10.0),
            m("b", -5.0),
            m("c", 30.0),
            m("d", -40.0),
        ]);
        let slugs = |v: &[Move]| v.iter().map(|m| m.slug.clone()).collect::<Vec<_>>();
        assert_eq!(slugs(&up), ["c", "a"]);
        assert_eq!(slugs(&down), ["d", "b"]);
    }
}
