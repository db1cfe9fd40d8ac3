//! Recording KPI values: validated, limited to the department's own KPI objectives,
//! audited in the same transaction.

use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::repo::{audit, kpis};

/// The form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KpiForm {
    pub objective: String,
    pub value: String,
    pub period_start: String,
    pub period_end: String,
    pub note: String,
}

pub enum RecordError {
    Invalid(FieldErrors),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for RecordError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

/// Records one value for one of `department_id`'s KPI objectives.
pub async fn record(
    pool: &PgPool,
    department_id: Uuid,
    form: &KpiForm,
    actor: &audit::Actor,
    recorded_by: Uuid,
) -> Result<(), RecordError> {
    let mut errors = FieldErrors::default();
    let objective_id = Uuid::parse_str(form.objective.trim()).ok();
    if objective_id.is_none() {
        errors.add(
            "objective",
            "choose one of your department's KPI objectives",
        );
    }
    let value = form
        .value
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite());
    if value.is_none() {
        errors.add("value", "enter a number, e.g. 87.5");
    }
    let date = |raw: &str| {
        Date::parse(
            raw.trim(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .ok()
    };
    let (start, end) = (date(&form.period_start), date(&form.period_end));
    if start.is_none() {
        errors.add("period_start", "use a date such as 2026-10-01");
    }
    if end.is_none() {
        errors.add("period_end", "use a date such as 2026-10-31");
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        errors.add("period_end", "the period cannot end before it starts");
    }
    if form.note.chars().count() > 2000 {
        errors.add("note", "keep the note under 2,000 characters");
    }
    let (Some(objective_id), Some(value), Some(period_start), Some(period_end)) =
        (objective_id, value, start, end)
    else {
        return Err(RecordError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(RecordError::Invalid(errors));
    }

    let mut tx = pool.begin().await?;
    let measurement = kpis::NewMeasurement {
        objective_id,
        value,
        period_start,
        period_end,
        note: form.note.trim(),
        recorded_by,
    };
    let Some(id) = kpis::insert_for_department(&mut tx, department_id, measurement).await? else {
        // Not this department's KPI objective (another department's, or none): nothing written.
        errors.add(
            "objective",
            "choose one of your department's KPI objectives",
        );
        return Err(RecordError::Invalid(errors));
    };
    let after = serde_json::json!({
        "objective": objective_id, "value": value, "period_start": period_start.to_string(),
        "period_end": period_end.to_string(), "note": form.note.trim(),
    });
    let entry = audit::Entry {
        actor,
        action: "kpi.record",
        target_type: "kpi_measurement",
        target_id: id.to_string(),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}
