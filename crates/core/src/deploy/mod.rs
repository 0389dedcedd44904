//! Deployment artefacts computed from policies: the least-privilege IAM policy document, the
//! CloudFormation templates of the scheduled Lambda function and of the organization hub, and
//! the Kubernetes manifests.

pub mod hub;
pub mod iam;
pub mod kubernetes;
pub mod template;

pub use iam::{policy_document, required_actions};
pub use template::{lambda_template, TemplateOptions};
