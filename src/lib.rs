//! custodian: a cloud cost-and-compliance policy engine speaking Cloud Custodian's policy language.
//!
//! This crate is the command line; the engine is `custodian-core` (re-exported here).

pub use custodian_core::*;

pub mod cli;
