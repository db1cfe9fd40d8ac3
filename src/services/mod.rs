//! Use-cases: the rules of PRODUCT.md, between the web layer and the repositories.

pub mod accounts;
pub mod api_ingest;
pub mod auth;
pub mod contact_catalogue;
pub mod departments;
pub mod editing;
pub mod export;
pub mod follow_ups;
pub mod import;
pub mod ingest;
pub mod journey;
pub mod kpis;
pub mod metrics;
pub mod objectives;
pub mod page_cache;
pub mod passwords;
pub mod plans;
pub mod retag;
pub mod survey;
pub mod survey_admin;
pub mod themes;
pub mod users;
