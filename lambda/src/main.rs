//! `bootstrap`: the Lambda function's executable (runtime `provided.al2023`). Cold start sets
//! everything up once; then the Lambda runtime loop hands each event to the handler.

use custodian_lambda::{init, setup, Config, InitError};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

fn main() -> ExitCode {
    let start = Instant::now();
    init_logging();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return init_failed(&InitError::Config(e)),
    };
    if config.hub {
        return run_hub(&config, start);
    }
    let handler = match setup(&config) {
        Ok(h) => Arc::new(h),
        Err(e) => return init_failed(&e),
    };
    tracing::info!(
        init_ms = start.elapsed().as_secs_f64() * 1000.0,
        policies = handler.policies().len(),
        "init complete"
    );
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = Arc::clone(&handler);
        async move { handler.handle(event).await }
    })));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the runtime loop ended");
            ExitCode::FAILURE
        }
    }
}

/// Logs and reports an init failure; the process exits.
fn init_failed(e: &InitError) -> ExitCode {
    tracing::error!(error_type = e.error_type(), error = %e, "init failed");
    if let Err(report) = init::report_init_error(e) {
        tracing::error!(error = %report, "cannot report the init error to the Runtime API");
    }
    ExitCode::FAILURE
}

/// The organization hub's function: plan, worker and summary tasks.
fn run_hub(config: &Config, start: Instant) -> ExitCode {
    let handler = match init::setup_hub(config) {
        Ok(h) => Arc::new(h),
        Err(e) => return init_failed(&e),
    };
    tracing::info!(init_ms = start.elapsed().as_secs_f64() * 1000.0, "hub init complete");
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = Arc::clone(&handler);
        async move { handler.handle(event.payload).await }
    })));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the runtime loop ended");
            ExitCode::FAILURE
        }
    }
}

/// JSON log lines on standard output, for CloudWatch (`AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`
/// sets the level; default `info`).
fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into())
        .to_lowercase();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_current_span(false)
        .with_target(false)
        .with_writer(std::io::stdout)
        .init();
}
