//! Deployment artefacts computed from policies: the least-privilege IAM policy document and the
//! CloudFormation template of the scheduled Lambda function.

pub mod hub;
pub mod iam;
pub mod template;

pub use iam::{policy_document, required_actions};
pub use template::{lambda_template, TemplateOptions};
