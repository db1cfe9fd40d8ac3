//! Integration tests: one binary, a module per area, each test on its own database.

mod helpers;

mod access;
mod admin_accounts;
mod admin_contacts;
mod admin_departments;
mod admin_journey;
mod admin_objectives;
mod admin_overview;
mod admin_plans;
mod api_ingest;
mod api_metrics;
mod cli;
mod demo;
mod departments;
mod executive;
mod executive_movers;
mod follow_ups;
mod hardening;
mod health;
mod import;
mod kpis;
mod launcher;
mod loaders;
mod objectives;
mod openapi;
mod panels;
mod rollups;
mod schema;
mod scorecard;
mod sessions;
mod shutdown;
mod survey;
mod surveys_admin;
mod themes;
