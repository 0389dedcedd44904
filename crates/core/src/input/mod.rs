//! The bottom layer every other module may use: positioned YAML, locations, diagnostics (with
//! help as a field of its own), and the field readers element validation is written with.

pub mod diagnostic;
pub mod emit;
pub mod fields;
pub mod redact;
pub mod yaml;

pub use diagnostic::{did_you_mean, hint, suggest, suggestion, Diagnostic, Pos, Severity};
pub use fields::{get, number, scalar_string, Checker, Entries, Includes};
/// The YAML parser behind policy loading (swap it here).
pub use yaml::parse;
pub use yaml::{Key, Node, NodeValue};
