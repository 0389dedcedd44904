//! Integration tests through the `custodian` binary (one test binary, several modules).

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod deploy;
mod events;
mod faults;
mod iam_enforced;
mod image;
mod invalid_policies;
mod kubernetes;
mod live;
mod logging;
mod offhours;
mod org;
mod plan;
mod related;
mod report;
mod run;
mod schema;
mod util;
