//! Organization runs (many accounts): the accounts file, the selection of accounts, one run
//! per account and region, and one summary across them.

pub mod accounts;
pub mod discover;
pub mod run;
pub mod summary;
