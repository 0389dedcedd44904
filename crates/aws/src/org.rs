//! Member accounts of an organization run: each account's credentials (a profile, a role, or a
//! chain of roles, assumed with STS), checked once with `GetCallerIdentity`, paced to a request
//! rate per account, and a provider per account on one shared async runtime.
//!
//! Credentials are assumed once per account: every region's clients share one configuration,
//! whose identity cache keeps the assumed credentials and refreshes them before they expire.

use crate::provider::AwsProvider;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpClient, HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use custodian_core::org::accounts::Account;
use custodian_core::org::discover::Discovered;
use custodian_core::org::run::Connector;
use custodian_core::provider::Provider;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The session name member roles see in CloudTrail.
pub const SESSION_NAME: &str = "custodian-org";

/// Connects to member accounts with the AWS SDK.
pub struct AwsConnector {
    runtime: tokio::runtime::Runtime,
    base: SdkConfig,
    requests_per_second: f64,
}

impl AwsConnector {
    /// Loads the caller's credentials (`profile`, or the standard chain) once; every account's
    /// requests are paced to `requests_per_second` (0: unpaced), on `threads` runtime workers.
    pub fn new(profile: Option<&str>, requests_per_second: f64, threads: usize) -> Result<AwsConnector, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.clamp(1, 8))
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let base = runtime.block_on(load(profile));
        Ok(AwsConnector {
            runtime,
            base,
            requests_per_second,
        })
    }

    /// The caller's configuration (for the hub's own clients, e.g. S3).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.base
    }

    /// The accounts under `ous` in AWS Organizations, as the caller (or `assume`, a role in
    /// the management or delegated administrator account) sees them.
    pub fn organization_accounts(&self, assume: Option<&str>, ous: &[String]) -> Result<Vec<Discovered>, String> {
        self.runtime.block_on(async {
            let mut config = self.base.clone();
            if let Some(role) = assume {
                let provider = AssumeRoleProvider::builder(role)
                    .session_name(SESSION_NAME)
                    .configure(&config)
                    .build()
                    .await;
                config = config
                    .to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(provider))
                    .build();
            }
            crate::org_accounts::list(&aws_sdk_organizations::Client::new(&config), ous).await
        })
    }

    async fn credentials_for(&self, account: &Account) -> Result<SdkConfig, String> {
        let mut config = match &account.profile {
            Some(p) => load(Some(p)).await,
            None => self.base.clone(),
        };
        let last = account.roles.len().saturating_sub(1);
        for (i, role) in account.roles.iter().enumerate() {
            let mut builder = AssumeRoleProvider::builder(role).session_name(SESSION_NAME).configure(&config);
            if i == last {
                if let Some(x) = &account.external_id {
                    builder = builder.external_id(x);
                }
            }
            let provider = builder.build().await;
            config = config
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }
        if let Some(client) = config.http_client() {
            config = config.to_builder().http_client(paced(client, self.requests_per_second)).build();
        }
        // One call through the identity cache: the role is assumed here, once, and a wrong
        // account is caught before any policy runs.
        let sts = aws_sdk_sts::Client::new(&config);
        let who = sts.get_caller_identity().send().await.map_err(|e| {
            let what = match account.roles.last() {
                Some(r) => format!("cannot assume {r}"),
                None => "cannot authenticate".to_string(),
            };
            match aws_error_in(&e) {
                Some((code, message)) => format!("{what}: {code}: {message}"),
                None => format!("{what}: {}", aws_sdk_sts::error::DisplayErrorContext(&e)),
            }
        })?;
        match who.account() {
            Some(id) if id != account.account_id => Err(format!(
                "the credentials are for account {id}, not {} (check its role or profile)",
                account.account_id
            )),
            _ => Ok(config),
        }
    }
}

impl Connector for AwsConnector {
    fn connect(&self, account: &Account, regions: &[String]) -> Result<Box<dyn Provider + Send>, String> {
        let config = self.runtime.block_on(self.credentials_for(account))?;
        let provider = AwsProvider::on_runtime(self.runtime.handle().clone(), config, regions, Some(account.account_id.clone()))?;
        Ok(Box::new(provider))
    }
}

/// AWS's error code and message, wherever they are in an error's chain (an AssumeRole
/// refusal arrives wrapped in the credentials error of the call that needed them).
fn aws_error_in(e: &(dyn std::error::Error + 'static)) -> Option<(String, String)> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(meta) = err.downcast_ref::<aws_smithy_types::error::ErrorMetadata>() {
            if let Some(code) = meta.code() {
                return Some((code.to_string(), meta.message().unwrap_or_default().to_string()));
            }
        }
        next = err.source();
    }
    None
}

/// The caller's configuration: a home region is needed for STS (us-east-1 when none is set).
async fn load(profile: Option<&str>) -> SdkConfig {
    let mut loader = crate::clients::sdk_loader();
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return config.to_builder().region(Region::new("us-east-1")).build();
    }
    config
}

/// `client`, with every request (retries included) waiting for a token of one account's bucket.
fn paced(client: SharedHttpClient, per_second: f64) -> SharedHttpClient {
    let bucket = Arc::new(Bucket::new(per_second));
    http_client_fn(move |settings, components| {
        SharedHttpConnector::new(Paced {
            inner: client.http_connector(settings, components),
            bucket: bucket.clone(),
        })
    })
}

#[derive(Debug)]
struct Paced {
    inner: SharedHttpConnector,
    bucket: Arc<Bucket>,
}

impl HttpConnector for Paced {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, bucket) = (self.inner.clone(), self.bucket.clone());
        HttpConnectorFuture::new(async move {
            bucket.take().await;
            inner.call(request).await
        })
    }
}

/// A token bucket: `per_second` tokens a second, as many in a burst.
#[derive(Debug)]
pub struct Bucket {
    per_second: f64,
    state: std::sync::Mutex<(f64, Instant)>,
    sent: AtomicU64,
}

impl Bucket {
    /// A full bucket (`per_second <= 0`: no pacing).
    pub fn new(per_second: f64) -> Bucket {
        Bucket {
            per_second,
            state: std::sync::Mutex::new((per_second.max(1.0), Instant::now())),
            sent: AtomicU64::new(0),
        }
    }

    /// How long the next request waits, its token taken now.
    pub fn reserve(&self) -> Duration {
        self.sent.fetch_add(1, Ordering::Relaxed);
        if self.per_second <= 0.0 {
            return Duration::ZERO;
        }
        let mut state = self.state.lock().expect("bucket lock");
        let (tokens, at) = &mut *state;
        let now = Instant::now();
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.per_second.max(1.0));
        *at = now;
        *tokens -= 1.0;
        if *tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-*tokens / self.per_second)
        }
    }

    async fn take(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Requests sent through the bucket.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_a_burst_through_then_paces_at_its_rate() {
        let b = Bucket::new(10.0);
        let waits: Vec<Duration> = (0..12).map(|_| b.reserve()).collect();
        assert!(waits[..10].iter().all(Duration::is_zero), "{waits:?}");
        // The 11th and 12th wait a tenth and two tenths of a second (less what elapsed).
        assert!(
            waits[10] > Duration::from_millis(80) && waits[10] <= Duration::from_millis(100),
            "{waits:?}"
        );
        assert!(
            waits[11] > Duration::from_millis(180) && waits[11] <= Duration::from_millis(200),
            "{waits:?}"
        );
        assert_eq!(b.sent(), 12);
        let unpaced = Bucket::new(0.0);
        assert!((0..1000).all(|_| unpaced.reserve().is_zero()));
    }
}
