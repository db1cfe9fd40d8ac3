//! Centric: an organisation's customer-centricity programme — departments, touchpoints,
//! NPS surveys, CX objectives and incentives — served as a web application.

pub mod cli; // the `centric` command line: serve, migrate, demo, user, token
pub mod config; // settings from the environment, `.env` and command-line flags
pub mod db; // the connection pool, migrations, the embedded cluster and the demo data
pub mod domain; // validated value types with no IO
pub mod error; // the HTML and JSON error types every handler returns
pub mod repo; // all SQL, one module per aggregate
pub mod services; // use-cases and the customer-metrics layer
pub mod startup; // the router, the middleware stack and the HTTP server
pub mod state; // what every handler can reach
pub mod telemetry; // the tracing subscriber
pub mod web; // one module per view
