//! The live provider: the AWS SDK for Rust behind custodian's provider seam. Each describe
//! response is mapped into the AWS CLI's JSON and shaped by the same code as snapshots, so a
//! policy gives the same answer on a recorded snapshot and on the live account.

use crate::clients::{failure, AwsFailure, Clients};
use crate::{apply, kinds};
use aws_config::{Region, SdkConfig};
use custodian_core::action::notify::message::region_of;
use custodian_core::action::request::{Operation, Request};
use custodian_core::provider::{FetchError, Fetched, IdOutcome, Loaded, MetricsLoaded, Provider};
use custodian_core::resource::details::MetricQuery;
use custodian_core::resource::query::Query;
use custodian_core::resource::related::Related;
use custodian_core::resource::{parse_page, Envelope, FieldSet, ResourceKind};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Regions (`-r`, repeatable; `all` = every enabled region). Empty: the profile's region.
    pub regions: Vec<String>,
    /// Named profile (`--profile`).
    pub profile: Option<String>,
    /// Role to assume with STS (`--assume`).
    pub assume_role: Option<String>,
}

/// The async runtime the SDK calls run on: the provider's own, or one shared by the
/// providers of an organization run.
enum Runtime {
    Owned(tokio::runtime::Runtime),
    Shared(tokio::runtime::Handle),
}

impl Runtime {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        match self {
            Runtime::Owned(r) => r.block_on(f),
            Runtime::Shared(h) => h.block_on(f),
        }
    }
}

/// The AWS SDK provider.
pub struct AwsProvider {
    runtime: Runtime,
    config: SdkConfig,
    regions: Vec<String>,
    clients: Mutex<HashMap<String, Clients>>,
    account: crate::call_log::AccountCell,
}

impl AwsProvider {
    /// Loads the standard credential chain and region (env, profiles, SSO, IMDS, web identity),
    /// honouring `AWS_ENDPOINT_URL` and per-service variants; resolves the regions.
    pub fn connect(options: &AwsOptions) -> Result<AwsProvider, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let config = runtime.block_on(async {
            let mut loader = crate::clients::sdk_loader();
            if let Some(p) = &options.profile {
                loader = loader.profile_name(p);
            }
            let fixed = options.regions.iter().find(|r| *r != "all").cloned();
            if let Some(r) = fixed.clone() {
                loader = loader.region(Region::new(r));
            }
            let mut config = loader.load().await;
            if let Some(role) = &options.assume_role {
                let provider = aws_config::sts::AssumeRoleProvider::builder(role)
                    .session_name("custodian")
                    .configure(&config)
                    .build()
                    .await;
                let mut loader = crate::clients::sdk_loader().credentials_provider(provider);
                if let Some(r) = fixed.or_else(|| config.region().map(|r| r.to_string())) {
                    loader = loader.region(Region::new(r));
                }
                config = loader.load().await;
            }
            config
        });
        AwsProvider::build(Runtime::Owned(runtime), config, &options.regions, None)
    }

    /// A provider on an already loaded configuration (an organization's member account, its
    /// credentials assumed), on a runtime shared with other providers; `account_id` is known.
    pub fn on_runtime(
        runtime: tokio::runtime::Handle,
        config: SdkConfig,
        regions: &[String],
        account_id: Option<String>,
    ) -> Result<AwsProvider, String> {
        AwsProvider::build(Runtime::Shared(runtime), config, regions, account_id)
    }

    fn build(runtime: Runtime, config: SdkConfig, regions: &[String], account_id: Option<String>) -> Result<AwsProvider, String> {
        let mut provider = AwsProvider {
            runtime,
            config,
            regions: Vec::new(),
            clients: Mutex::new(HashMap::new()),
            account: std::sync::Arc::new(Mutex::new(account_id.map(Some))),
        };
        provider.regions = provider.resolve_regions(regions)?;
        Ok(provider)
    }

    fn resolve_regions(&self, wanted: &[String]) -> Result<Vec<String>, String> {
        if wanted.iter().any(|r| r == "all") {
            let home = self.config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
            let client = self.clients(&home).ec2;
            let out = self
                .runtime
                .block_on(client.describe_regions().send())
                .map_err(|e| format!("DescribeRegions: {}", failure(&e).message))?;
            let mut regions: Vec<String> = out.regions().iter().filter_map(|r| r.region_name().map(str::to_string)).collect();
            regions.sort();
            return Ok(regions);
        }
        if !wanted.is_empty() {
            let mut r: Vec<String> = Vec::new();
            for w in wanted {
                if !r.contains(w) {
                    r.push(w.clone());
                }
            }
            return Ok(r);
        }
        match self.config.region() {
            Some(r) => Ok(vec![r.to_string()]),
            None => Err("no region: pass -r REGION (or -r all), or set AWS_REGION / a profile region".into()),
        }
    }

    /// The loaded SDK configuration (credentials, endpoint, retries), for other service clients.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// The clients for a region (built once).
    pub fn clients(&self, region: &str) -> Clients {
        let mut map = self.clients.lock().expect("client cache lock");
        map.entry(region.to_string())
            .or_insert_with(|| {
                // One service's client on the shared configuration, in this region.
                macro_rules! client {
                    ($sdk:ident) => {
                        client!($sdk, crate::clients::retry_config())
                    };
                    ($sdk:ident, $retry:expr) => {
                        $sdk::Client::from_conf(
                            $sdk::config::Builder::from(&self.config)
                                .region(Region::new(region.to_string()))
                                .retry_config($retry)
                                .interceptor(crate::call_log::CallLog::new(self.account.clone()))
                                .build(),
                        )
                    };
                }
                Clients {
                    ec2: client!(aws_sdk_ec2),
                    rds: client!(aws_sdk_rds),
                    // Not idempotent: a resend after a lost answer is a second message.
                    sns: client!(aws_sdk_sns, crate::clients::few_retries()),
                    sqs: client!(aws_sdk_sqs, crate::clients::few_retries()),
                    ssm: client!(aws_sdk_ssm),
                    cloudwatch: client!(aws_sdk_cloudwatch),
                    iam: client!(aws_sdk_iam),
                    kms: client!(aws_sdk_kms),
                    // Path-style addressing only when an endpoint override is set (an emulator
                    // on loopback has no per-bucket host names).
                    s3: aws_sdk_s3::Client::from_conf(
                        aws_sdk_s3::config::Builder::from(&self.config)
                            .region(Region::new(region.to_string()))
                            .force_path_style(self.config.endpoint_url().is_some())
                            .interceptor(crate::call_log::CallLog::new(self.account.clone()))
                            .build(),
                    ),
                }
            })
            .clone()
    }

    /// The metric series `queries` ask for in `region`, in the snapshot's `get-metric-data.json`
    /// entry shape; and the calls made.
    pub fn record_metrics(
        &self,
        region: &str,
        queries: &[custodian_core::resource::details::MetricQuery],
    ) -> Result<(Vec<Value>, u64), AwsFailure> {
        let c = self.clients(region);
        self.runtime.block_on(crate::metrics::record(&c, queries))
    }

    /// One describe response, every page, as the AWS CLI prints it; and the calls made.
    pub fn describe(&self, region: &str, kind: ResourceKind) -> Result<(Value, u64), AwsFailure> {
        let key = match kind.spec().collection.envelope {
            Envelope::Reservations => "Reservations",
            Envelope::List(key) => key,
        };
        let pages = self.describe_query(region, kind, &Query::default(), |page| serde_json::from_str::<Value>(&page))?;
        let calls = pages.len() as u64;
        let mut items = Vec::new();
        for page in pages {
            let mut page = page.map_err(|e| AwsFailure {
                code: "Unknown".into(),
                message: e.to_string(),
            })?;
            if let Some(Value::Array(list)) = page.get_mut(key).map(Value::take) {
                items.extend(list);
            }
        }
        Ok((serde_json::json!({ key: items }), calls))
    }

    /// The describe call's pages as compact text, each handed to `each` as it arrives, with the
    /// query's filters sent with the call.
    fn describe_query<T>(
        &self,
        region: &str,
        kind: ResourceKind,
        query: &Query,
        each: impl FnMut(String) -> T,
    ) -> Result<Vec<T>, AwsFailure> {
        let c = self.clients(region);
        self.runtime.block_on(kinds::describe(&c, kind, query, each))
    }
}

impl Provider for AwsProvider {
    fn describe(&self) -> String {
        "AWS".to_string()
    }

    fn regions(&self) -> Vec<String> {
        self.regions.clone()
    }

    fn fetch(&self, region: &str, kind: ResourceKind, fields: &FieldSet, query: &Query) -> Result<Fetched, FetchError> {
        // Already compact: each page is parsed into views and compressed as it arrives, as
        // snapshots are, so its text is all that is kept of it besides the views.
        let op = kinds::operation_name(kind);
        let pages = self
            .describe_query(region, kind, query, |page| parse_page(kind, &page, fields))
            .map_err(|f| FetchError::Other(format!("{op} in {region}: {}: {}", f.code, f.message)))?;
        let calls = pages.len() as u64;
        let pages = pages
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| FetchError::Other(format!("{op}: {e}")))?;
        // Kept for the whole run: one exact allocation, not a list grown by doubling.
        let mut resources = Vec::with_capacity(pages.iter().map(Vec::len).sum());
        for page in pages {
            resources.extend(page);
        }
        Ok(Fetched {
            resources,
            api_calls: vec![(op, calls)],
        })
    }

    fn can_act(&self) -> bool {
        true
    }

    fn fetch_ids(&self, region: &str, kind: ResourceKind, ids: &[String], fields: &FieldSet) -> Result<Fetched, FetchError> {
        let c = self.clients(region);
        shape(region, kind, fields, self.runtime.block_on(kinds::describe_ids(&c, kind, ids)))
    }

    fn fetch_related(&self, region: &str, related: Related, ids: Option<&[String]>) -> Result<Loaded, FetchError> {
        // IAM is global: its calls go through the first region's clients (same partition).
        let client_region = match region {
            custodian_core::resource::related::GLOBAL_REGION => self.regions.first().map(String::as_str).unwrap_or("us-east-1"),
            r => r,
        };
        let c = self.clients(client_region);
        let op = related.spec().collection.describe_api.replacen(':', ".", 1);
        let (documents, calls) = self
            .runtime
            .block_on(crate::related_config::describe(&c, related, ids))
            .map_err(|f| FetchError::Other(format!("{op} in {region}: {}: {}", f.code, f.message)))?;
        Ok(Loaded {
            documents,
            api_calls: vec![(op, calls)],
        })
    }

    fn fetch_attributes(&self, region: &str, attribute: &'static str, ids: &[String]) -> Result<Loaded, FetchError> {
        let c = self.clients(region);
        let op = "ec2.DescribeInstanceAttribute".to_string();
        let (documents, calls) = self
            .runtime
            .block_on(crate::related::instance_attributes(&c, attribute, ids))
            .map_err(|f| FetchError::Other(format!("{op} ({attribute}) in {region}: {}: {}", f.code, f.message)))?;
        Ok(Loaded {
            documents,
            api_calls: vec![(op, calls)],
        })
    }

    fn fetch_metrics(&self, region: &str, queries: &[MetricQuery]) -> Result<MetricsLoaded, FetchError> {
        let c = self.clients(region);
        let op = "cloudwatch.GetMetricData".to_string();
        let (values, calls) = self
            .runtime
            .block_on(crate::metrics::get(&c, queries))
            .map_err(|f| FetchError::Other(format!("{op} in {region}: {}: {}", f.code, f.message)))?;
        Ok(MetricsLoaded {
            values,
            api_calls: vec![(op, calls)],
        })
    }

    fn read_url(&self, url: &str, headers: &[(String, String)]) -> Result<String, String> {
        if url.starts_with("s3://") {
            let region = crate::values::s3_region(url)
                .or(self.regions.first().map(String::as_str))
                .unwrap_or("us-east-1")
                .to_string();
            let c = self.clients(&region);
            self.runtime.block_on(crate::values::read_s3(&c.s3, url))
        } else {
            crate::values::read_http(url, headers)
        }
    }

    fn account_id(&self) -> Option<String> {
        let mut cached = self.account.lock().expect("account lock");
        if cached.is_none() {
            let sts = aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(&self.config)
                    .interceptor(crate::call_log::CallLog::new(self.account.clone()))
                    .build(),
            );
            // Only an answer is kept: a failure is asked again next time.
            let found = self
                .runtime
                .block_on(sts.get_caller_identity().send())
                .ok()
                .and_then(|o| o.account().map(str::to_string));
            if found.is_some() {
                *cached = Some(found);
            }
        }
        cached.clone().flatten()
    }

    fn concurrency(&self) -> usize {
        8
    }

    fn check_permission(&self, region: &str, request: &Request) -> Option<String> {
        let c = self.clients(region);
        self.runtime.block_on(apply::check(&c, request))
    }

    fn apply(&self, region: &str, request: &Request) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
        // A topic or queue in another region is reached through that region's client.
        let destination = match &request.operation {
            Operation::SnsPublish { topic_arn, .. } => region_of(topic_arn),
            Operation::SqsSendMessage { queue_url, .. } => region_of(queue_url),
            _ => None,
        };
        let c = self.clients(destination.as_deref().unwrap_or(region));
        self.runtime.block_on(apply::send(&c, request))
    }
}

/// A describe response shaped as snapshots are, with its call count; or the failure, named.
fn shape(region: &str, kind: ResourceKind, fields: &FieldSet, described: Result<(Value, u64), AwsFailure>) -> Result<Fetched, FetchError> {
    let op = kinds::operation_name(kind);
    let (response, calls) = described.map_err(|f| FetchError::Other(format!("{op} in {region}: {}: {}", f.code, f.message)))?;
    let text = serde_json::to_string(&response).map_err(|e| FetchError::Other(e.to_string()))?;
    // Written by serde_json: compact and well-formed.
    let resources = parse_page(kind, &text, fields).map_err(|e| FetchError::Other(format!("{op}: {e}")))?;
    Ok(Fetched {
        resources,
        api_calls: vec![(op, calls)],
    })
}
