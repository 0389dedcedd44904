//! Cold start, done once per execution environment: configuration, policies, AWS clients.
//! A failure is reported to the Lambda Runtime API's `/runtime/init/error`, so the deployment
//! shows it at once instead of at the first schedule.

use crate::config::Config;
use crate::error::InitError;
use crate::handler::Handler;
use crate::output::S3Output;
use custodian_aws::{AwsOptions, AwsProvider};
use std::io::{Read, Write};
use std::sync::Arc;

/// Loads configuration and policies, connects to AWS, and returns the handler.
pub fn setup(config: &Config) -> Result<Handler, InitError> {
    let policies = crate::policies::load(config.policies_path.as_deref())?;
    for warning in policies.iter().flat_map(|p| &p.warnings) {
        let location = warning.to_string();
        let location = location.lines().next().unwrap_or_default();
        tracing::warn!(warning = %location, "policy key has no effect");
    }
    let provider = AwsProvider::connect(&AwsOptions {
        regions: config.regions.clone(),
        profile: None,
        assume_role: None,
    })
    .map_err(InitError::Aws)?;
    let output = config.output_bucket.as_ref().map(|bucket| {
        let sdk = provider.sdk_config();
        // Path-style addressing only when an endpoint override is set (an emulator on
        // loopback has no per-bucket host names).
        let s3 = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        S3Output {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.clone(),
            prefix: config.output_prefix.clone(),
        }
    });
    Ok(Handler::new(policies, Arc::new(provider), output, config.reserve).report_only(config.report_only))
}

/// The hub function's setup (`CUSTODIAN_HUB=true`): policy files, the connector to member
/// accounts, the output bucket (required).
pub fn setup_hub(config: &Config) -> Result<crate::hub::HubHandler, InitError> {
    let files = match config.policies_path.as_deref() {
        Some(p) => custodian_core::policy::PolicyFiles::read(&[p.to_path_buf()]),
        None => Ok(custodian_core::policy::PolicyFiles::from_texts(
            crate::policies::BUNDLED
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        )),
    }
    .map_err(|d| InitError::InvalidPolicy(d.iter().map(|d| d.to_string()).collect()))?;
    files
        .load(None)
        .map_err(|d| InitError::InvalidPolicy(d.iter().map(|d| d.to_string()).collect()))?;
    let bucket = config
        .output_bucket
        .clone()
        .ok_or_else(|| InitError::Config("a hub needs CUSTODIAN_OUTPUT_BUCKET (items, results and outputs go there)".into()))?;
    let connector = custodian_aws::AwsConnector::new(None, 20.0, 2).map_err(InitError::Aws)?;
    let sdk = connector.sdk_config();
    let s3 = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    Ok(crate::hub::HubHandler {
        files: Arc::new(files),
        output: S3Output {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket,
            prefix: config.output_prefix.clone(),
        },
        connector: Arc::new(connector),
        member_role: config.member_role.clone(),
        report_only: config.report_only,
        scratch: std::env::temp_dir().join("custodian-hub"),
    })
}

/// Reports an init failure to the Runtime API named by `AWS_LAMBDA_RUNTIME_API`
/// (`POST /2018-06-01/runtime/init/error`). Best effort: the process exits either way.
pub fn report_init_error(error: &InitError) -> Result<(), String> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| "AWS_LAMBDA_RUNTIME_API is unset".to_string())?;
    let body = serde_json::json!({
        "errorType": error.error_type(),
        "errorMessage": error.to_string(),
    })
    .to_string();
    let mut stream = std::net::TcpStream::connect(&api).map_err(|e| format!("{api}: {e}"))?;
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\n\
         Lambda-Runtime-Function-Error-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        error.error_type(),
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    match response.split_whitespace().nth(1) {
        Some(code) if code.starts_with('2') => Ok(()),
        other => Err(format!("the Runtime API answered {other:?}")),
    }
}
