//! Organization runs (many accounts): the accounts file and the selection of accounts.

pub mod accounts;
