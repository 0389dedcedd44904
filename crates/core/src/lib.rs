//! custodian-core: the pure core of custodian, a cloud cost-and-compliance policy engine
//! speaking Cloud Custodian's policy language. Policies, filters, schedules, action planning,
//! the engine and reports never touch the network; providers fetch resources as documents in
//! AWS's own shape (the snapshot provider lives here, the AWS SDK one in `custodian-aws`).

pub mod action;
pub mod deploy;
pub mod engine;
pub mod event;
pub mod filter;
pub mod input;
pub mod org;
pub mod policy;
pub mod pricing;
pub mod progress;
pub mod provider;
pub mod report;
pub mod resource;
pub mod schedule;
pub mod time;
