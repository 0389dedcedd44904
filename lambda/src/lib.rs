//! custodian as one AWS Lambda function: every periodic policy, run by EventBridge schedules
//! (or a manual invocation) through the same engine as the CLI.
//!
//! Cold start ([`setup`]) happens once: configuration, policies (bundled or from a path),
//! AWS clients. Each invocation ([`handler::Handler::handle`]) parses its event, runs the
//! policies it names against a deadline, writes outputs to S3 and returns a JSON summary.

pub mod clock;
pub mod config;
pub mod error;
pub mod event;
pub mod handler;
pub mod hub;
pub mod init;
pub mod ledger;
pub mod output;
pub mod policies;
pub mod summary;

pub use config::Config;
pub use error::{InitError, InvocationError};
pub use handler::Handler;
pub use init::setup;
