//! The policy-level grammar and loading: files into validated [`Policy`] values.

pub mod eventbridge;
pub mod load;
pub mod model;
pub mod validate;

pub use load::{load, load_text, load_texts};
pub use model::{MaxResources, Mode, Policy, Source};
