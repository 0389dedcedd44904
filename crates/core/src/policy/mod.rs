//! Policies: loading files, parsing with positions, and validation into [`Policy`].

pub mod diagnostic;
pub mod eventbridge;
pub mod load;
pub mod model;
pub mod validate;
pub mod yaml;

pub use diagnostic::Diagnostic;
pub use load::{load, load_text, load_texts};
pub use model::{MaxResources, Mode, Policy, Source};
/// The YAML parser behind policy loading (swap it here).
pub use yaml::parse;
