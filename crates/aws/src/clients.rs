//! What the provider and the request sender share: per-region SDK clients, page sizes, and
//! AWS's error code and message of a failed call.

/// Page sizes: the largest each API allows.
pub const EC2_PAGE: i32 = 1000;
/// `DescribeDBInstances` allows at most 100 records a page.
pub const RDS_PAGE: i32 = 100;

/// How every client retries: standard mode (exponential backoff with full jitter, the SDK's
/// retry quota), 8 attempts, starting at 250 ms and never waiting more than 10 s between two.
/// Adaptive mode was the choice before: its client-side rate limiter, fed by a throttling
/// answer, held a low-volume client (a few batched action calls) to one request every 8-20 s,
/// measured through the fault proxy in `tests/cli/faults.rs`.
pub fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(8)
        .with_initial_backoff(std::time::Duration::from_millis(250))
        .with_max_backoff(std::time::Duration::from_secs(10))
}

/// How calls that are not idempotent retry (SNS `Publish`, SQS `SendMessage`, EC2
/// `CreateSnapshots`): 3 attempts, since a retry after an answer lost on the way back sends the
/// message again or makes a second snapshot.
pub fn few_retries() -> aws_config::retry::RetryConfig {
    retry_config().with_max_attempts(3)
}

/// How long one attempt of any call may take before it is abandoned (and retried): a describe
/// page of 1,000 instances answers in a few seconds; a hung connection must not hold a run
/// until the Lambda's deadline.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The HTTPS client every SDK client shares: hyper with rustls on ring (no aws-lc), one
/// connection pool per process.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    static CLIENT: std::sync::OnceLock<aws_smithy_runtime_api::client::http::SharedHttpClient> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https()
        })
        .clone()
}

/// The SDK configuration loader every call site starts from: the standard credential chain
/// and region, [`https_client`], [`retry_config`], [`ATTEMPT_TIMEOUT`].
pub fn sdk_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(https_client())
        .retry_config(retry_config())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        )
}

/// Per-region SDK clients.
#[derive(Clone)]
pub struct Clients {
    /// EC2.
    pub ec2: aws_sdk_ec2::Client,
    /// RDS.
    pub rds: aws_sdk_rds::Client,
    /// SNS (notifications).
    pub sns: aws_sdk_sns::Client,
    /// SQS (notifications).
    pub sqs: aws_sdk_sqs::Client,
    /// SSM (Slack webhook URLs kept as SecureString parameters).
    pub ssm: aws_sdk_ssm::Client,
    /// CloudWatch (the `metrics` filter).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// IAM (instance profiles, roles: global, the same for every region).
    pub iam: aws_sdk_iam::Client,
    /// KMS (key aliases).
    pub kms: aws_sdk_kms::Client,
    /// S3 (`value_from` files).
    pub s3: aws_sdk_s3::Client,
}

/// A describe or action call that failed, with AWS's error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFailure {
    /// AWS error code (e.g. `UnauthorizedOperation`), or `Unknown`.
    pub code: String,
    /// Message.
    pub message: String,
}

/// Turns an SDK error into its code and message.
pub fn failure<E>(e: &aws_sdk_ec2::error::SdkError<E>) -> AwsFailure
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_ec2::error::ProvideErrorMetadata;
    let code = e.code().unwrap_or("Unknown").to_string();
    let message = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| aws_sdk_ec2::error::DisplayErrorContext(e).to_string());
    AwsFailure { code, message }
}
