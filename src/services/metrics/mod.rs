//! THE customer-metrics layer: every number a page or the API shows is computed here,
//! from the definitions in PRODUCT.md. `math` holds the pure functions over counts.

pub mod math;

pub use math::{
    Counts, Direction, Interval, LinkCurve, ObjectiveStatus, Progress, change_is_significant,
    link_payout_pct, objective_status, plan_payout_pct,
};
