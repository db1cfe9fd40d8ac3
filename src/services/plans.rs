//! Creating and changing incentive plans and their links to objectives: a plan covers a
//! role and/or a department for a period with a target bonus; each link pays on one
//! objective along a threshold → target → stretch curve, weights summing to 100 %.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{Cents, FieldErrors, parse_date, parse_number};
use crate::repo::audit;
use crate::repo::plans::{self, LinkFields, PlanFields};
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, Versioned, audit as record_change, check_version};
use crate::services::metrics::LinkCurve;

pub const ROLES: [(&str, &str); 3] = [
    ("department-head", "Department heads"),
    ("executive", "Executives"),
    ("cx-lead", "The CX lead"),
];

/// The plan form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanForm {
    pub name: String,
    pub role: String,
    pub department: String,
    pub period_start: String,
    pub period_end: String,
    /// In currency units, e.g. 12000 or 12,000.00.
    pub target_bonus: String,
    pub version: String,
}

impl PlanForm {
    pub fn from_plan(p: &plans::Plan) -> Self {
        Self {
            name: p.name.clone(),
            role: p.role.clone().unwrap_or_default(),
            department: p.department_id.map(|id| id.to_string()).unwrap_or_default(),
            period_start: p.period_start.to_string(),
            period_end: p.period_end.to_string(),
            target_bonus: format!("{:.2}", p.target_bonus_cents as f64 / 100.0),
            version: p.version.to_string(),
        }
    }
}

async fn validate_plan(pool: &PgPool, form: &PlanForm) -> Result<PlanFields, SaveError> {
    let mut errors = FieldErrors::default();
    let name = form.name.trim();
    match name.chars().count() {
        0 => errors.add("name", "give the plan a name, e.g. Department heads 2027"),
        1..=200 => {}
        _ => errors.add("name", "keep the name under 200 characters"),
    }
    let role = match form.role.trim() {
        "" => None,
        role if ROLES.iter().any(|(value, _)| *value == role) => Some(role.to_owned()),
        _ => {
            errors.add("role", "choose a role from the list");
            None
        }
    };
    let department =
        editing::pick_department(pool, &form.department, &mut errors, "department").await?;
    if role.is_none() && department.is_none() && errors.get("role").is_none() {
        errors.add(
            "role",
            "a plan covers a role, a department, or both: choose at least one",
        );
    }
    let (start, end) = (parse_date(&form.period_start), parse_date(&form.period_end));
    if start.is_none() {
        errors.add("period_start", "use a date such as 2027-01-01");
    }
    if end.is_none() {
        errors.add("period_end", "use a date such as 2028-01-01");
    }
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        errors.add("period_end", "the period must end after it starts");
    }
    let bonus = Cents::parse_units_up_to(&form.target_bonus, 100_000_000, "at most 100,000,000")
        .map_err(|invalid| errors.add("target_bonus", invalid.to_string()))
        .ok();
    match (start, end, bonus) {
        (Some(period_start), Some(period_end), Some(bonus)) if errors.is_empty() => {
            Ok(PlanFields {
                name: name.to_owned(),
                role,
                department_id: department,
                period_start,
                period_end,
                target_bonus_cents: bonus.get(),
            })
        }
        _ => Err(SaveError::Invalid(errors)),
    }
}

const PLAN_CLASH: &[(&str, &str, &str)] = &[(
    plans::NAME_KEY,
    "name",
    "another plan already has this name",
)];

/// The plan record, for the shared update and archive steps.
pub struct PlanRecord;

impl Versioned for PlanRecord {
    type Fields = PlanFields;
    const TARGET: &'static str = "incentive_plan";

    async fn lock(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<Option<(PlanFields, bool, i32)>, sqlx::Error> {
        plans::lock(conn, id).await
    }

    async fn store(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
        fields: &PlanFields,
        archived: bool,
    ) -> Result<(), sqlx::Error> {
        plans::update(conn, id, fields, archived).await
    }
}

pub async fn create_plan(
    pool: &PgPool,
    form: &PlanForm,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let fields = validate_plan(pool, form).await?;
    let mut tx = pool.begin().await?;
    let id = plans::insert(&mut tx, &fields)
        .await
        .map_err(|error| SaveError::from_clash(error, PLAN_CLASH))?;
    record_change(
        &mut tx,
        actor,
        "incentive_plan.create",
        ("incentive_plan", id.to_string()),
        None,
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_plan(
    pool: &PgPool,
    id: Uuid,
    form: &PlanForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let fields = validate_plan(pool, form).await?;
    editing::update::<PlanRecord>(pool, id, &fields, &form.version, actor, PLAN_CLASH).await
}

/// The link form as typed; `action` is `preview` to draw the curve without saving.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkForm {
    pub objective: String,
    pub weight: String,
    pub threshold: String,
    pub target: String,
    pub stretch: String,
    pub threshold_payout: String,
    pub stretch_payout: String,
    /// "1" when ticked.
    pub requires_confidence: String,
    pub version: String,
    pub action: String,
}

impl LinkForm {
    pub fn from_link(l: &plans::Link) -> Self {
        Self {
            objective: l.objective_id.to_string(),
            weight: l.weight_pct.to_string(),
            threshold: l.threshold_value.to_string(),
            target: l.target_value.to_string(),
            stretch: l.stretch_value.to_string(),
            threshold_payout: l.threshold_payout_pct.to_string(),
            stretch_payout: l.stretch_payout_pct.to_string(),
            requires_confidence: if l.requires_confidence { "1" } else { "" }.to_owned(),
            version: l.version.to_string(),
            action: String::new(),
        }
    }

    pub fn wants_preview(&self) -> bool {
        self.action == "preview"
    }

    /// The curve as typed, when it is a valid one (for the preview).
    pub fn curve(&self) -> Option<LinkCurve> {
        curve_of(self, &mut FieldErrors::default())
    }
}

/// Reads and checks the curve: monotone threshold → target → stretch, payouts in range.
fn curve_of(form: &LinkForm, errors: &mut FieldErrors) -> Option<LinkCurve> {
    // Bounded, so no curve point overflows (and a payout is never NaN).
    let mut read = |raw: &str, field: &'static str| {
        let value = parse_number(raw).filter(|v| v.abs() <= 1e9);
        if value.is_none() {
            errors.add(field, "enter a number, e.g. 12.5");
        }
        value
    };
    let threshold = read(&form.threshold, "threshold");
    let target = read(&form.target, "target");
    let stretch = read(&form.stretch, "stretch");
    let threshold_payout = read(&form.threshold_payout, "threshold_payout");
    let stretch_payout = read(&form.stretch_payout, "stretch_payout");
    let (threshold, target, stretch, threshold_payout, stretch_payout) = (
        threshold?,
        target?,
        stretch?,
        threshold_payout?,
        stretch_payout?,
    );
    let rising = threshold < target && target < stretch;
    let falling = threshold > target && target > stretch;
    let mut valid = true;
    if !(rising || falling) {
        errors.add("target", "the target lies between threshold and stretch (all three rising, or all falling for “less is better”)");
        valid = false;
    }
    if !(0.0..=100.0).contains(&threshold_payout) {
        errors.add("threshold_payout", "between 0 and 100 %");
        valid = false;
    }
    if !(100.0..=500.0).contains(&stretch_payout) {
        errors.add("stretch_payout", "between 100 and 500 %");
        valid = false;
    }
    valid.then_some(LinkCurve {
        threshold,
        target,
        stretch,
        threshold_payout_pct: threshold_payout,
        stretch_payout_pct: stretch_payout,
    })
}

async fn validate_link(
    pool: &PgPool,
    tx: &mut sqlx::PgConnection,
    plan: Uuid,
    link: Option<Uuid>,
    form: &LinkForm,
) -> Result<LinkFields, SaveError> {
    let mut errors = FieldErrors::default();
    let known = plans::objective_choices(pool, &editing::picked(&[&form.objective])).await?;
    let objective = Uuid::parse_str(form.objective.trim())
        .ok()
        .filter(|id| known.iter().any(|o| &o.id == id));
    if objective.is_none() {
        errors.add("objective", "choose the objective this link pays on");
    }
    let others = plans::other_weights(tx, plan, link).await?;
    let weight = parse_number(&form.weight).filter(|w| *w > 0.0 && *w <= 100.0);
    match weight {
        None => errors.add("weight", "a weight above 0 and at most 100 %"),
        Some(w) if others + w > 100.000001 => errors.add(
            "weight",
            format!(
                "the plan's other links already weigh {others} %: at most {} % is left",
                100.0 - others
            ),
        ),
        Some(_) => {}
    }
    let curve = curve_of(form, &mut errors);
    match (objective, weight, curve) {
        (Some(objective_id), Some(weight_pct), Some(curve)) if errors.is_empty() => {
            Ok(LinkFields {
                objective_id,
                weight_pct,
                threshold_value: curve.threshold,
                target_value: curve.target,
                stretch_value: curve.stretch,
                threshold_payout_pct: curve.threshold_payout_pct,
                stretch_payout_pct: curve.stretch_payout_pct,
                requires_confidence: form.requires_confidence == "1",
            })
        }
        _ => Err(SaveError::Invalid(errors)),
    }
}

const LINK_CLASH: &[(&str, &str, &str)] = &[
    (
        plans::ONE_LINK_PER_OBJECTIVE,
        "objective",
        "this plan already pays on that objective",
    ),
    (
        plans::WEIGHT_CAP,
        "weight",
        "the plan's weights would exceed 100 %",
    ),
];

/// Adds a link (`link` None) or changes one, over the plan's version-locked row so that
/// two editors cannot both fill the last free weight.
pub async fn save_link(
    pool: &PgPool,
    plan: Uuid,
    link: Option<Uuid>,
    form: &LinkForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    plans::lock(&mut tx, plan)
        .await?
        .ok_or(SaveError::NotFound)?;
    let fields = validate_link(pool, &mut tx, plan, link, form).await?;
    let (id, action, before) = match link {
        None => {
            let id = plans::insert_link(&mut tx, plan, &fields)
                .await
                .map_err(|error| SaveError::from_clash(error, LINK_CLASH))?;
            (id, "incentive_link.create", None)
        }
        Some(id) => {
            let (before, version) = plans::lock_link(&mut tx, plan, id)
                .await?
                .ok_or(SaveError::NotFound)?;
            check_version(&form.version, version)?;
            plans::update_link(&mut tx, id, &fields)
                .await
                .map_err(|error| SaveError::from_clash(error, LINK_CLASH))?;
            (id, "incentive_link.update", Some(before))
        }
    };
    record_change(
        &mut tx,
        actor,
        action,
        ("incentive_link", id.to_string()),
        before.as_ref(),
        &fields,
    )
    .await?;
    tx.commit()
        .await
        .map_err(|error| SaveError::from_clash(error, LINK_CLASH))?;
    Ok(())
}

/// Removes a link from a plan (the plan pays on the rest; the audit log keeps what
/// the link was).
pub async fn remove_link(
    pool: &PgPool,
    plan: Uuid,
    link: Uuid,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let (before, _) = plans::lock_link(&mut tx, plan, link)
        .await?
        .ok_or(SaveError::NotFound)?;
    plans::delete_link(&mut tx, link).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor,
            action: "incentive_link.delete",
            target_type: "incentive_link",
            target_id: link.to_string(),
            before: Some(serde_json::to_value(&before).expect("link fields serialise")),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
