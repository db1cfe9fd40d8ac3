//! Creating and changing objectives: an org-wide objective, or a department objective
//! cascaded from one; a metric with its scope; baseline, target, period and weight.

use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use crate::domain::{FieldErrors, parse_date, parse_number};
use crate::repo::audit;
use crate::repo::departments;
use crate::repo::objectives::{self, ObjectiveFields};
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, Versioned, audit as record_change};

/// The metrics an objective can be measured by, with labels.
pub const METRICS: [(&str, &str); 6] = [
    ("nps", "Customer NPS"),
    ("enps", "Employee NPS (eNPS)"),
    (
        "internal-nps",
        "Internal NPS (how the departments served rate it)",
    ),
    (
        "contact-rate",
        "Service contacts per month (failure demand)",
    ),
    ("contact-cost", "Cost of service contacts per month"),
    ("kpi", "A KPI the department records"),
];

pub fn metric_label(metric: &str) -> &'static str {
    METRICS
        .iter()
        .find(|(value, _)| *value == metric)
        .map_or("Metric", |(_, label)| label)
}

/// The form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectiveForm {
    pub title: String,
    pub description: String,
    pub parent: String,
    pub owner: String,
    pub metric: String,
    pub survey: String,
    pub touchpoint: String,
    pub scope_department: String,
    pub kpi_unit: String,
    pub baseline: String,
    pub target: String,
    pub period_start: String,
    pub period_end: String,
    pub weight: String,
    pub version: String,
}

fn id_text(id: Option<Uuid>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

impl ObjectiveForm {
    pub fn from_objective(o: &objectives::Objective) -> Self {
        Self {
            title: o.title.clone(),
            description: o.description.clone(),
            parent: id_text(o.parent_id),
            owner: id_text(o.owner_department_id),
            metric: o.metric.clone(),
            survey: id_text(o.survey_id),
            touchpoint: id_text(o.touchpoint_id),
            scope_department: id_text(o.department_id),
            kpi_unit: o.kpi_unit.clone().unwrap_or_default(),
            baseline: o.baseline.to_string(),
            target: o.target.to_string(),
            period_start: o.period_start.to_string(),
            period_end: o.period_end.to_string(),
            weight: o.weight.to_string(),
            version: o.version.to_string(),
        }
    }
}

/// An optional id from a picker, checked against `known`.
fn pick(
    raw: &str,
    known: &[Uuid],
    errors: &mut FieldErrors,
    field: &'static str,
    message: &str,
) -> Option<Uuid> {
    match raw.trim() {
        "" => None,
        raw => {
            let id = Uuid::parse_str(raw).ok().filter(|id| known.contains(id));
            if id.is_none() {
                errors.add(field, message);
            }
            id
        }
    }
}

/// Checks the form; `this` is the objective being edited.
pub async fn validate(
    pool: &PgPool,
    form: &ObjectiveForm,
    this: Option<Uuid>,
) -> Result<ObjectiveFields, SaveError> {
    let mut errors = FieldErrors::default();
    let title = form.title.trim();
    match title.chars().count() {
        0 => errors.add(
            "title",
            "give the objective a title, e.g. Invoice NPS to +10",
        ),
        1..=200 => {}
        _ => errors.add("title", "keep the title under 200 characters"),
    }
    if form.description.chars().count() > 2000 {
        errors.add("description", "keep the description under 2,000 characters");
    }
    let ids = |choices: Vec<objectives::Choice>| -> Vec<Uuid> {
        choices.into_iter().map(|c| c.id).collect()
    };
    let keep = editing::picked(&[
        &form.parent,
        &form.owner,
        &form.survey,
        &form.touchpoint,
        &form.scope_department,
    ]);
    let departments: Vec<Uuid> = departments::choices(pool, &keep)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let parents: Vec<Uuid> = ids(objectives::parent_choices(pool, &keep).await?)
        .into_iter()
        .filter(|id| Some(*id) != this)
        .collect();
    let parent = pick(
        &form.parent,
        &parents,
        &mut errors,
        "parent",
        "choose an organisation-wide objective from the list",
    );
    let owner = pick(
        &form.owner,
        &departments,
        &mut errors,
        "owner",
        "choose a department from the list",
    );
    if parent.is_some() && owner.is_none() && errors.get("owner").is_none() {
        errors.add(
            "owner",
            "a cascaded objective belongs to a department: choose which",
        );
    }
    let metric = METRICS
        .iter()
        .find(|(value, _)| *value == form.metric)
        .map(|(value, _)| *value);
    if metric.is_none() {
        errors.add("metric", "choose what the objective is measured by");
    }
    let survey = pick(
        &form.survey,
        &ids(objectives::survey_choices(pool, &keep).await?),
        &mut errors,
        "survey",
        "choose a customer survey from the list",
    );
    let touchpoint = pick(
        &form.touchpoint,
        &ids(objectives::touchpoint_choices(pool, &keep).await?),
        &mut errors,
        "touchpoint",
        "choose a touchpoint from the list",
    );
    let scope = pick(
        &form.scope_department,
        &departments,
        &mut errors,
        "scope_department",
        "choose a department from the list",
    );
    if metric != Some("nps") && (survey.is_some() || touchpoint.is_some()) {
        errors.add(
            "survey",
            "only a customer NPS objective is measured on a survey or touchpoint",
        );
    }
    let kpi_unit = form.kpi_unit.trim();
    let kpi_unit = match (metric, kpi_unit.chars().count()) {
        (Some("kpi"), 0) => {
            errors.add(
                "kpi_unit",
                "say what the KPI counts, e.g. % of invoices queried",
            );
            None
        }
        (Some("kpi"), 1..=32) => Some(kpi_unit.to_owned()),
        (Some("kpi"), _) => {
            errors.add("kpi_unit", "keep the unit under 32 characters");
            None
        }
        _ => None,
    };
    let survey_metric = matches!(metric, Some("nps" | "enps" | "internal-nps"));
    let mut score = |raw: &str, field: &'static str| {
        let value = parse_number(raw);
        match value {
            None => errors.add(field, "enter a number, e.g. 12.5"),
            Some(v) if survey_metric && !(-100.0..=100.0).contains(&v) => {
                errors.add(field, "an NPS lies between −100 and +100")
            }
            Some(_) => {}
        }
        value
    };
    let baseline = score(&form.baseline, "baseline");
    let target = score(&form.target, "target");
    if let (Some(b), Some(t)) = (baseline, target)
        && b == t
    {
        errors.add("target", "the target must differ from the baseline");
    }
    let (start, end) = (parse_date(&form.period_start), parse_date(&form.period_end));
    if start.is_none() {
        errors.add("period_start", "use a date such as 2027-01-01");
    }
    if end.is_none() {
        errors.add("period_end", "use a date such as 2027-12-31");
    }
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        errors.add("period_end", "the period must end after it starts");
    }
    let weight = if form.weight.trim().is_empty() {
        Some(1.0)
    } else {
        parse_number(&form.weight).filter(|w| *w > 0.0 && *w <= 100.0)
    };
    if weight.is_none() {
        errors.add("weight", "a weight above 0 and at most 100");
    }
    match (metric, baseline, target, start, end, weight) {
        (
            Some(metric),
            Some(baseline),
            Some(target),
            Some(period_start),
            Some(period_end),
            Some(weight),
        ) if errors.is_empty() => Ok(ObjectiveFields {
            parent_id: parent,
            title: title.to_owned(),
            description: form.description.trim().to_owned(),
            owner_department_id: owner,
            metric: metric.to_owned(),
            survey_id: survey,
            touchpoint_id: touchpoint,
            department_id: scope,
            kpi_unit,
            baseline,
            target,
            period_start,
            period_end,
            weight,
        }),
        _ => Err(SaveError::Invalid(errors)),
    }
}

const CYCLE: &[(&str, &str, &str)] = &[(
    objectives::NO_CYCLE,
    "parent",
    "this would make the objective its own ancestor",
)];

/// The objective record, for the shared update and archive steps.
pub struct ObjectiveRecord;

impl Versioned for ObjectiveRecord {
    type Fields = ObjectiveFields;
    const TARGET: &'static str = "objective";

    async fn lock(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<Option<(ObjectiveFields, bool, i32)>, sqlx::Error> {
        objectives::lock(conn, id).await
    }

    async fn store(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
        fields: &ObjectiveFields,
        archived: bool,
    ) -> Result<(), sqlx::Error> {
        objectives::update(conn, id, fields, archived).await
    }
}

pub async fn create(
    pool: &PgPool,
    form: &ObjectiveForm,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let fields = validate(pool, form, None).await?;
    let mut tx = pool.begin().await?;
    let id = objectives::insert(&mut tx, &fields).await?;
    record_change(
        &mut tx,
        actor,
        "objective.create",
        ("objective", id.to_string()),
        None,
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(
    pool: &PgPool,
    id: Uuid,
    form: &ObjectiveForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let fields = validate(pool, form, Some(id)).await?;
    // Recorded KPI values belong to a KPI objective (by foreign key): its metric stays.
    if let Some((metric, recorded)) = objectives::metric_and_measurements(pool, id).await?
        && recorded > 0
        && metric != fields.metric
    {
        return Err(SaveError::field(
            "metric",
            format!(
                "{recorded} KPI value(s) are recorded for this objective, so it stays a recorded KPI; create a new objective to measure something else"
            ),
        ));
    }
    editing::update::<ObjectiveRecord>(pool, id, &fields, &form.version, actor, CYCLE).await
}

/// The interval of the objective's metric over the last 90 days when its target lies
/// inside it: reaching the target could not be told apart from noise.
pub async fn target_within_noise(
    pool: &PgPool,
    objective: &objectives::Objective,
    today: Date,
) -> Result<Option<(f64, f64)>, sqlx::Error> {
    // The stored row, which carries the survey's own minimum sample.
    let Some(row) = crate::repo::metrics::objectives(pool)
        .await?
        .into_iter()
        .find(|row| row.id == objective.id)
    else {
        return Ok(None);
    };
    let interval =
        crate::services::metrics::objectives::current_interval(pool, &row, today).await?;
    Ok(interval.filter(|(low, high)| *low <= objective.target && objective.target <= *high))
}
