//! CSV export of customer responses, streamed, with spreadsheet formula injection
//! neutralised. Employee and internal responses are only ever shown in aggregate (their
//! anonymity threshold), so they are not exported row by row.

use crate::domain::Score;
use crate::repo::export::ExportRow;

pub const HEADER: [&str; 11] = [
    "submitted_at",
    "survey",
    "score",
    "category",
    "comment",
    "touchpoint",
    "department",
    "segment",
    "customer_ref",
    "source",
    "external_id",
];

/// A cell that a spreadsheet would run as a formula (or DDE) gets a leading quote.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One CSV line (with its newline) for a row.
pub fn line(row: &ExportRow) -> Vec<u8> {
    let category = Score::try_from(i64::from(row.score))
        .map(|s| s.category().as_str())
        .unwrap_or_default();
    let submitted = row
        .submitted_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let score = row.score.to_string();
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    let cells = [
        submitted,
        row.survey.clone(),
        score,
        category.to_owned(),
        optional(&row.comment),
        optional(&row.touchpoint),
        optional(&row.department),
        optional(&row.segment),
        optional(&row.customer_ref),
        row.source.clone(),
        optional(&row.external_id),
    ];
    record(cells.iter().map(|c| neutralise(c)))
}

pub fn header() -> Vec<u8> {
    record(HEADER.iter().map(|h| std::borrow::Cow::Borrowed(*h)))
}

fn record<'a>(cells: impl Iterator<Item = std::borrow::Cow<'a, str>>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(cells.map(|c| c.into_owned()))
        .expect("writing to memory cannot fail");
    writer.into_inner().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_like_cells_are_neutralised_and_others_left_alone() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(neutralise(cell).starts_with('\''), "{cell:?}");
        }
        for cell in ["Friendly", "9", "", "a=b"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
