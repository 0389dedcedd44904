//! `bootstrap`: the Lambda function's executable (runtime `provided.al2023`). Cold start sets
//! everything up once; then the Lambda runtime loop hands each event to the handler.

use custodian_lambda::hub::HubHandler;
use custodian_lambda::{init, setup, Config, Handler, InitError, InvocationError};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// The function this process serves: the single-account handler, or an organization hub's.
enum Function {
    Single(Handler),
    Hub(HubHandler),
}

impl Function {
    async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, InvocationError> {
        match self {
            Function::Single(h) => h.handle(event).await.map(|s| serde_json::to_value(s).unwrap_or(Value::Null)),
            Function::Hub(h) => h.handle(event.payload).await,
        }
    }
}

fn main() -> ExitCode {
    let start = Instant::now();
    init_logging();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return init_failed(&InitError::Config(e)),
    };
    let function = if config.hub {
        init::setup_hub(&config).map(Function::Hub)
    } else {
        setup(&config).map(Function::Single)
    };
    let function = match function {
        Ok(f) => Arc::new(f),
        Err(e) => return init_failed(&e),
    };
    let policies = match function.as_ref() {
        Function::Single(h) => h.policies().len(),
        Function::Hub(_) => 0,
    };
    tracing::info!(
        init_ms = start.elapsed().as_secs_f64() * 1000.0,
        policies,
        hub = config.hub,
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
        let function = Arc::clone(&function);
        async move { function.handle(event).await }
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

/// JSON log lines on standard output, for CloudWatch (`AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`
/// sets the level of custodian's own crates; default `info`). Other crates (the SDK, hyper,
/// rustls) log warnings only, whatever the level: their debug output is not reviewed for
/// credential material.
fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into())
        .to_lowercase();
    let level: String = level.chars().filter(char::is_ascii_alphabetic).collect();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "warn,bootstrap={level},custodian_lambda={level},custodian_core={level},custodian_aws={level}"
        )))
        .with_current_span(false)
        .with_target(false)
        .with_writer(std::io::stdout)
        .init();
}
