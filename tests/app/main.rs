//! Integration tests: one binary, a module per area, each test on its own database.

mod helpers;

mod cli;
mod demo;
mod health;
mod home;
mod launcher;
mod schema;
mod shutdown;
