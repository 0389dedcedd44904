//! custodian-aws: fetch resources and apply actions with the AWS SDK for Rust.

pub mod apply;
pub mod call_log;
pub mod cli_xml;
pub mod clients;
pub mod json;
pub mod kinds;
pub mod metrics;
pub mod notify;
pub mod org;
pub mod org_accounts;
pub mod page_capture;
pub mod provider;
pub mod related;
pub mod related_config;
pub mod upload;
pub mod values;
pub mod xml_reader;

pub use org::AwsConnector;
pub use provider::{AwsOptions, AwsProvider};

#[cfg(test)]
mod tests;
