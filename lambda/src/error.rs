//! What can go wrong, as Lambda error types: the `errorType` tells an operator (and a retry
//! policy) what happened without reading the message.

use lambda_runtime::Diagnostic;

/// Cold-start failures: the function reports them to the Runtime API and exits, so a broken
/// deployment fails loudly at init instead of at the first schedule.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A bundled (or `CUSTODIAN_POLICIES`) policy is invalid; every error, located.
    #[error("invalid policies:\n{}", .0.join("\n"))]
    InvalidPolicy(Vec<String>),
    /// The environment is wrong (`CUSTODIAN_*` variables).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// AWS configuration could not be loaded (region, credentials, regions list).
    #[error("cannot reach AWS: {0}")]
    Aws(String),
}

impl InitError {
    /// The Lambda error type.
    pub fn error_type(&self) -> &'static str {
        match self {
            InitError::InvalidPolicy(_) => "Custodian.InvalidPolicy",
            InitError::Config(_) => "Custodian.InvalidConfiguration",
            InitError::Aws(_) => "Custodian.Retryable",
        }
    }
}

/// Why an invocation did not end cleanly. Every variant but `InvalidRequest` carries the run's
/// summary in its message (the same summary a clean run returns).
#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    /// The event is not a scheduled event or a manual payload, or names unknown policies.
    /// Retrying cannot help.
    #[error("{0}")]
    InvalidRequest(String),
    /// A policy's `max-resources` guard tripped: it took no action. Retrying cannot help.
    #[error("{message}; summary: {summary}")]
    LimitExceeded {
        /// Which policies, and why.
        message: String,
        /// The run's summary (JSON).
        summary: String,
    },
    /// Fetching resources failed (throttling, network, access) or the deadline left policies
    /// unreached: the next invocation may succeed.
    #[error("{message}; summary: {summary}")]
    Retryable {
        /// What failed.
        message: String,
        /// The run's summary (JSON).
        summary: String,
    },
    /// AWS refused some actions (per-resource error codes are in the summary).
    #[error("{message}; summary: {summary}")]
    ActionFailed {
        /// What failed.
        message: String,
        /// The run's summary (JSON).
        summary: String,
    },
}

impl InvocationError {
    /// The Lambda error type.
    pub fn error_type(&self) -> &'static str {
        match self {
            InvocationError::InvalidRequest(_) => "Custodian.InvalidRequest",
            InvocationError::LimitExceeded { .. } => "Custodian.LimitExceeded",
            InvocationError::Retryable { .. } => "Custodian.Retryable",
            InvocationError::ActionFailed { .. } => "Custodian.ActionFailed",
        }
    }
}

impl From<InvocationError> for Diagnostic {
    fn from(e: InvocationError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().to_string(),
            error_message: e.to_string(),
        }
    }
}
