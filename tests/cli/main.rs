//! Integration tests through the `custodian` binary (one test binary, several modules).

mod deploy;
mod invalid_policies;
mod live;
mod offhours;
mod report;
mod run;
mod schema;
mod util;
