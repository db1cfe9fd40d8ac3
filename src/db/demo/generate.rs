//! Generates the demo's survey responses and service contacts day by day, as CSV rows for
//! `COPY … FROM STDIN WITH (FORMAT csv)`. Times are local to the organisation; the loader
//! sets the session time zone to match, so PostgreSQL reads them as the right instants.

use super::Ids;
use super::catalogue::{self, Touchpoint};
use super::comments::{self, Pool};
use super::story::{self, Mix};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::fmt::Write;
use time::{Date, PrimitiveDateTime};
use uuid::Uuid;

pub const RESPONSES_COPY: &str = "COPY responses (survey_id, survey_kind, score, comment, submitted_at, touchpoint_id, segment, \
     respondent_department_id, customer_ref, source) FROM STDIN WITH (FORMAT csv)";
pub const CONTACTS_COPY: &str = "COPY service_contacts (reason_id, channel_id, occurred_at, cost_cents, source) \
     FROM STDIN WITH (FORMAT csv)";

/// Responses per average day: ~9,000 a month from customers, ~300 from employees and
/// ~200 from colleagues rating a support department.
const CUSTOMER_PER_DAY: f64 = 300.0;
const EMPLOYEE_PER_DAY: f64 = 10.0;
const INTERNAL_PER_DAY: f64 = 6.6;
/// Service contacts per average day, ~3,000 a month.
const CONTACTS_PER_DAY: f64 = 105.0;

/// The 24 months the demo covers, in the organisation's local time.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Date,
    /// Nothing happens after this moment: an hour before now, so that no local time can
    /// land in the future even on the night the clocks go back.
    pub end: PrimitiveDateTime,
}

impl Window {
    pub fn days(self) -> impl Iterator<Item = Date> {
        std::iter::successors(Some(self.start), |day| day.next_day())
            .take_while(move |day| *day <= self.end.date())
    }

    /// The fraction of the window gone at the start of `day`.
    pub fn progress(self, day: Date) -> f64 {
        let total = (self.end.date() - self.start).whole_days().max(1) as f64;
        ((day - self.start).whole_days() as f64 / total).clamp(0.0, 1.0)
    }

    /// Seconds of `day` inside the window.
    fn seconds_in(self, day: Date) -> u32 {
        if day == self.end.date() {
            let (h, m, s) = self.end.time().as_hms();
            u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(s)
        } else {
            86_400
        }
    }

    /// The month of the story, 0 to 23: each a 24th of the window.
    fn month(self, day: Date) -> usize {
        ((self.progress(day) * 24.0) as usize).min(23)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Promoter,
    Passive,
    Detractor,
}

impl Category {
    /// Unhappy people explain themselves more often; about 45 % comment overall.
    fn comment_rate(self) -> f64 {
        match self {
            Self::Promoter => 0.40,
            Self::Passive => 0.35,
            Self::Detractor => 0.62,
        }
    }

    fn comments(self, pool: &Pool) -> &'static [&'static str] {
        match self {
            Self::Promoter => pool.promoter,
            Self::Passive => pool.passive,
            Self::Detractor => pool.detractor,
        }
    }
}

struct Response {
    /// The survey's kind, which the schema ties to the survey by foreign key.
    kind: &'static str,
    second: u32,
    survey: Uuid,
    score: u8,
    comment: Option<&'static str>,
    touchpoint: Option<Uuid>,
    segment: Option<&'static str>,
    department: Option<Uuid>,
    customer_ref: Option<u32>,
}

/// Draws from the same seeded generator in the same order every run, so the demo is
/// the same for the same day.
pub struct Generator<'a> {
    ids: &'a Ids,
    window: Window,
    rng: StdRng,
    hours: WeightedIndex<f64>,
    detractor_scores: WeightedIndex<f64>,
    customer_surveys: WeightedIndex<f64>,
    segments: WeightedIndex<f64>,
    headcount: WeightedIndex<f64>,
    rated: WeightedIndex<f64>,
    /// Month-to-month swings of customer and employee sentiment, in NPS points.
    customer_noise: [f64; 24],
    employee_noise: [f64; 24],
    /// Multiplies the daily volume of responses (1.0: the demo as documented).
    scale: f64,
}

impl<'a> Generator<'a> {
    pub fn new(ids: &'a Ids, window: Window, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let customer_noise = std::array::from_fn(|_| rng.random_range(-2.5..2.5));
        let employee_noise = std::array::from_fn(|_| rng.random_range(-2.0..2.0));
        let shares = catalogue::TOUCHPOINTS
            .iter()
            .map(|t| t.share)
            .chain([catalogue::RELATIONSHIP_SHARE]);
        Self {
            ids,
            window,
            rng,
            hours: weighted(story::HOURS),
            detractor_scores: weighted(story::DETRACTOR_SCORES),
            customer_surveys: weighted(shares),
            segments: weighted(catalogue::SEGMENTS.iter().map(|s| s.1)),
            headcount: weighted(catalogue::DEPARTMENTS.iter().map(|d| d.headcount)),
            rated: weighted(catalogue::RATED.iter().map(|r| r.1)),
            customer_noise,
            employee_noise,
            scale: 1.0,
        }
    }

    /// Scales every day's responses so that the window holds about `responses` of them
    /// (for benchmarks); the story, its shares and the service contacts stay as they are.
    pub fn scaled_to(mut self, responses: u64) -> Self {
        self.scale = 1.0;
        self.scale = responses as f64 / self.expected_responses().max(1) as f64;
        self
    }

    /// About how many responses the window will hold: the length of a progress bar.
    /// Weekdays average to 1, and the last day counts pro rata.
    pub fn expected_responses(&self) -> u64 {
        let per_day = (CUSTOMER_PER_DAY + EMPLOYEE_PER_DAY + INTERNAL_PER_DAY) * self.scale;
        let days: f64 = self
            .window
            .days()
            .map(|day| share_of_day_before(self.window.seconds_in(day)))
            .sum();
        (days * per_day).round() as u64
    }

    /// Appends one day's responses to `csv`, in time order; returns how many.
    pub fn responses(&mut self, day: Date, csv: &mut String) -> usize {
        let mut rows = Vec::new();
        for _ in 0..self.volume(day, CUSTOMER_PER_DAY * self.scale) {
            rows.push(self.customer_response(day));
        }
        for _ in 0..self.volume(day, EMPLOYEE_PER_DAY * self.scale) {
            rows.push(self.employee_response(day));
        }
        for _ in 0..self.volume(day, INTERNAL_PER_DAY * self.scale) {
            rows.push(self.internal_response(day));
        }
        rows.sort_by_key(|row| row.second);
        let date = iso_date(day);
        for row in &rows {
            write_response(csv, &date, row);
        }
        rows.len()
    }

    /// Appends one day's service contacts to `csv`, in time order.
    pub fn contacts(&mut self, day: Date, csv: &mut String) {
        let x = self.window.progress(day);
        let weights: Vec<f64> = catalogue::CONTACT_REASONS
            .iter()
            .map(|r| r.share * story::contact_multiplier(r.slug, x))
            .collect();
        let total_share: f64 = catalogue::CONTACT_REASONS.iter().map(|r| r.share).sum();
        let count = self.volume(
            day,
            CONTACTS_PER_DAY * weights.iter().sum::<f64>() / total_share,
        );
        let reasons = weighted(weights);
        let channels = weighted(
            catalogue::CHANNELS
                .iter()
                .map(|c| story::channel_share(c.slug, x)),
        );
        let mut contacts: Vec<(u32, usize, usize)> = (0..count)
            .map(|_| {
                (
                    self.second(day),
                    reasons.sample(&mut self.rng),
                    channels.sample(&mut self.rng),
                )
            })
            .collect();
        contacts.sort_unstable();
        let date = iso_date(day);
        for (second, reason, channel) in &contacts {
            let cost = catalogue::CHANNELS[*channel].unit_cost_cents;
            let (reason, channel) = (self.ids.reasons[*reason], self.ids.channels[*channel]);
            let _ = writeln!(
                csv,
                "{reason},{channel},{date} {},{cost},demo",
                clock(*second)
            );
        }
    }

    /// A noisy count around `per_day`, less at weekends, pro rata on the last day.
    fn volume(&mut self, day: Date, per_day: f64) -> usize {
        let weekday = story::WEEKDAYS[usize::from(day.weekday().number_days_from_monday())];
        let noise = self.rng.random_range(0.9..1.1);
        let available = self.window.seconds_in(day);
        (per_day * weekday * noise * share_of_day_before(available)).round() as usize
    }

    /// A second of `day` before the window ends, weighted towards business hours.
    fn second(&mut self, day: Date) -> u32 {
        let limit = self.window.seconds_in(day);
        loop {
            let hour = self.hours.sample(&mut self.rng) as u32;
            let second = hour * 3600 + self.rng.random_range(0..3600);
            if second < limit {
                return second;
            }
        }
    }

    fn customer_response(&mut self, day: Date) -> Response {
        let x = self.window.progress(day);
        let survey = self.customer_surveys.sample(&mut self.rng);
        let touchpoint: Option<&Touchpoint> = catalogue::TOUCHPOINTS.get(survey);
        let (segment, _, segment_offset) = catalogue::SEGMENTS[self.segments.sample(&mut self.rng)];
        let nps = story::customer_nps(touchpoint, x)
            + self.customer_noise[self.window.month(day)]
            + segment_offset;
        let (score, comment) = self.answer(nps, comments::customer(touchpoint.map(|t| t.slug)));
        Response {
            kind: "customer",
            second: self.second(day),
            survey: match touchpoint {
                Some(_) => self.ids.touchpoint_surveys[survey],
                None => self.ids.relationship_survey,
            },
            score,
            comment,
            touchpoint: touchpoint.map(|_| self.ids.touchpoints[survey]),
            segment: Some(segment),
            department: None,
            customer_ref: Some(self.rng.random_range(1_000_000..10_000_000)),
        }
    }

    fn employee_response(&mut self, day: Date) -> Response {
        let department = &catalogue::DEPARTMENTS[self.headcount.sample(&mut self.rng)];
        let nps = story::enps(department.enps_offset, self.window.progress(day))
            + self.employee_noise[self.window.month(day)];
        let (score, comment) = self.answer(nps, &comments::EMPLOYEE);
        self.colleague(
            day,
            (self.ids.employee_survey, "employee"),
            department.slug,
            score,
            comment,
        )
    }

    /// A colleague rates a department that serves theirs.
    fn internal_response(&mut self, day: Date) -> Response {
        let rated = self.rated.sample(&mut self.rng);
        let rated_slug = catalogue::RATED[rated].0;
        let respondent = catalogue::customers_of(rated_slug)
            .choose(&mut self.rng)
            .expect("every rated department serves someone");
        let nps = story::internal_nps(rated_slug, self.window.progress(day));
        let (score, comment) = self.answer(nps, comments::internal(rated_slug));
        self.colleague(
            day,
            (self.ids.internal_surveys[rated], "internal"),
            respondent,
            score,
            comment,
        )
    }

    fn colleague(
        &mut self,
        day: Date,
        (survey, kind): (Uuid, &'static str),
        department: &str,
        score: u8,
        comment: Option<&'static str>,
    ) -> Response {
        Response {
            kind,
            second: self.second(day),
            survey,
            score,
            comment,
            touchpoint: None,
            segment: None,
            department: Some(self.ids.department(department)),
            customer_ref: None,
        }
    }

    /// A score drawn from the category mix for `nps`, and perhaps a comment that fits it.
    fn answer(&mut self, nps: f64, pool: &Pool) -> (u8, Option<&'static str>) {
        let mix = Mix::for_nps(nps);
        let draw: f64 = self.rng.random();
        let category = if draw < mix.promoter {
            Category::Promoter
        } else if draw < mix.promoter + mix.detractor {
            Category::Detractor
        } else {
            Category::Passive
        };
        let score = match category {
            Category::Promoter => 9 + u8::from(self.rng.random_bool(0.55)),
            Category::Passive => 7 + u8::from(self.rng.random_bool(0.45)),
            Category::Detractor => self.detractor_scores.sample(&mut self.rng) as u8,
        };
        let comment = if self.rng.random_bool(category.comment_rate()) {
            category.comments(pool).choose(&mut self.rng).copied()
        } else {
            None
        };
        (score, comment)
    }
}

fn weighted(weights: impl IntoIterator<Item = f64>) -> WeightedIndex<f64> {
    WeightedIndex::new(weights).expect("demo weights are positive")
}

/// The share of a day's traffic that falls in its first `seconds`.
fn share_of_day_before(seconds: u32) -> f64 {
    let total: f64 = story::HOURS.iter().sum();
    let (full, partial) = (
        (seconds / 3600) as usize,
        f64::from(seconds % 3600) / 3600.0,
    );
    let before: f64 = story::HOURS[..full].iter().sum::<f64>()
        + story::HOURS.get(full).map_or(0.0, |w| w * partial);
    before / total
}

fn iso_date(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

fn clock(second: u32) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

fn write_response(csv: &mut String, date: &str, row: &Response) {
    let _ = write!(csv, "{},{},{},", row.survey, row.kind, row.score);
    if let Some(comment) = row.comment {
        csv.push('"');
        csv.push_str(&comment.replace('"', "\"\""));
        csv.push('"');
    }
    let _ = write!(csv, ",{date} {},", clock(row.second));
    if let Some(touchpoint) = row.touchpoint {
        let _ = write!(csv, "{touchpoint}");
    }
    csv.push(',');
    csv.push_str(row.segment.unwrap_or_default());
    csv.push(',');
    if let Some(department) = row.department {
        let _ = write!(csv, "{department}");
    }
    csv.push(',');
    if let Some(customer_ref) = row.customer_ref {
        let _ = write!(csv, "NW-{customer_ref}");
    }
    csv.push_str(",demo\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn ids() -> Ids {
        let mut rng = StdRng::seed_from_u64(1);
        let mut uuid = || Uuid::from_u128(rng.random());
        Ids {
            departments: catalogue::DEPARTMENTS
                .iter()
                .map(|d| (d.slug, uuid()))
                .collect(),
            heads: catalogue::DEPARTMENTS
                .iter()
                .map(|d| (d.slug, uuid()))
                .collect(),
            touchpoints: catalogue::TOUCHPOINTS.iter().map(|_| uuid()).collect(),
            touchpoint_surveys: catalogue::TOUCHPOINTS.iter().map(|_| uuid()).collect(),
            relationship_survey: uuid(),
            employee_survey: uuid(),
            internal_surveys: catalogue::RATED.iter().map(|_| uuid()).collect(),
            themes: catalogue::THEMES.iter().map(|_| uuid()).collect(),
            reasons: catalogue::CONTACT_REASONS.iter().map(|_| uuid()).collect(),
            channels: catalogue::CHANNELS.iter().map(|_| uuid()).collect(),
        }
    }

    const WINDOW: Window = Window {
        start: date!(2024 - 11 - 24),
        end: datetime!(2026 - 11 - 24 09:30),
    };

    #[test]
    fn a_window_runs_from_its_first_day_to_the_last_and_stops_before_its_end() {
        assert_eq!(WINDOW.days().count(), 731);
        assert_eq!(WINDOW.progress(WINDOW.start), 0.0);
        assert_eq!(WINDOW.progress(date!(2026 - 11 - 24)), 1.0);
        assert_eq!(WINDOW.month(date!(2026 - 11 - 24)), 23);
        let ids = ids();
        let mut generator = Generator::new(&ids, WINDOW, 7);
        for _ in 0..1000 {
            assert!(generator.second(date!(2026 - 11 - 24)) < 9 * 3600 + 1800);
        }
    }

    #[test]
    fn responses_are_csv_rows_with_quoted_comments_and_empty_nulls() {
        let ids = ids();
        let mut generator = Generator::new(&ids, WINDOW, 7);
        let mut csv = String::new();
        let count = generator.responses(date!(2025 - 06 - 02), &mut csv);
        assert!((250..450).contains(&count), "{count} responses on a Monday");
        assert_eq!(csv.lines().count(), count);
        for line in csv.lines() {
            assert!(line.ends_with(",demo"), "{line}");
            let fields = line.split(',').count();
            let commas_in_comment = line.split('"').nth(1).map_or(0, |c| c.matches(',').count());
            assert_eq!(fields - commas_in_comment, 10, "{line}");
        }
        let with_comment = csv.lines().filter(|l| l.contains('"')).count() as f64 / count as f64;
        assert!((0.35..0.6).contains(&with_comment), "{with_comment}");
    }

    #[test]
    fn the_same_seed_generates_the_same_day() {
        let ids = ids();
        let run = || {
            let mut generator = Generator::new(&ids, WINDOW, 42);
            let mut csv = String::new();
            generator.responses(date!(2025 - 01 - 15), &mut csv);
            generator.contacts(date!(2025 - 01 - 15), &mut csv);
            csv
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_scaled_generator_expects_and_generates_about_the_responses_asked_for() {
        let ids = ids();
        let plain = Generator::new(&ids, WINDOW, 7);
        let base = plain.expected_responses();
        assert!((225_000..240_000).contains(&base), "{base}");
        let mut scaled = Generator::new(&ids, WINDOW, 7).scaled_to(1_000_000);
        assert!(
            scaled.expected_responses().abs_diff(1_000_000) <= 1,
            "{}",
            scaled.expected_responses()
        );
        let (mut plain, mut csv) = (plain, String::new());
        let week: Vec<Date> = WINDOW.days().skip(100).take(7).collect();
        let before: usize = week.iter().map(|day| plain.responses(*day, &mut csv)).sum();
        let after: usize = week
            .iter()
            .map(|day| scaled.responses(*day, &mut csv))
            .sum();
        let ratio = after as f64 / before as f64;
        assert!((3.9..4.8).contains(&ratio), "{before} → {after}");
    }

    #[test]
    fn share_of_day_covers_the_whole_day_at_midnight() {
        assert_eq!(share_of_day_before(0), 0.0);
        assert!((share_of_day_before(86_400) - 1.0).abs() < 1e-12);
        assert!(share_of_day_before(12 * 3600) > 0.3);
    }
}
