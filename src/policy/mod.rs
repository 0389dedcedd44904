//! Policies: loading files, parsing with positions, and validation into [`Policy`].

pub mod diagnostic;
pub mod yaml;
