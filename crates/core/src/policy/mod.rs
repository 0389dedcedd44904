//! The policy-level grammar and loading: files into validated [`Policy`] values.

pub mod conditions;
pub mod event_mode;
pub mod eventbridge;
pub mod load;
pub mod model;
pub mod query;
pub mod trail;
pub mod validate;
pub mod vars;

pub use load::{load, load_text, load_texts, PolicyFiles};
pub use model::{EventMode, MaxResources, Mode, Policy, Source, TrailEvent, Trigger};
