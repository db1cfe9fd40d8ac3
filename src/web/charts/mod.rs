//! Server-rendered SVG pictures: laid out in Rust, drawn by templates, readable without
//! JavaScript, each with a title, a description and a text alternative on its page.

pub mod axis;
pub mod bars;
pub mod columns;
pub mod line;
pub mod payout_curve;
pub mod scatter;
pub mod sparkline;
pub mod value_chain;
