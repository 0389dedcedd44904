//! custodian-aws: fetch resources and apply actions with the AWS SDK for Rust.

pub mod apply;
pub mod ec2;
pub mod json;
pub mod provider;
pub mod rds;

pub use provider::{AwsOptions, AwsProvider};

#[cfg(test)]
mod tests;
