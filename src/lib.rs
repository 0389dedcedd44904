//! custodian: a cloud cost-and-compliance policy engine speaking Cloud Custodian's policy language.
//!
//! The pure core (policy, filter, action planning, report) never touches the network; providers
//! fetch resources as documents in AWS's own shape.

pub mod action;
pub mod cli;
pub mod engine;
pub mod filter;
pub mod policy;
pub mod provider;
pub mod report;
pub mod resource;
pub mod schedule;
pub mod time;
