//! The function in an organization hub (`CUSTODIAN_HUB=true`): the three Lambda tasks of the
//! state machine that `custodian lambda template --org|--organization` writes.
//!
//! - `{"plan": {...}, "execution": NAME}`: the accounts (bundled in the schedule's input, or
//!   listed from AWS Organizations) times their regions, every policy validated for each
//!   (variables expanded) before anything runs; the items are written to S3 for the map's
//!   `ItemReader`.
//! - `{"Items": [...], "BatchInput": {"run": {...}}}` (the map's `ItemBatcher`): each item's
//!   member role assumed, the policies run there by the organization runner, outputs written
//!   to `PREFIX/runs/EXECUTION/<account>/<region>/<policy>/`.
//! - `{"summarize": STATE}`: the map's `ResultWriter` manifest and result files read back,
//!   one summary across accounts written to `PREFIX/runs/EXECUTION/org-summary.json`.

use crate::error::InvocationError;
use crate::output::S3Output;
use custodian_aws::AwsConnector;
use custodian_core::org::accounts::{self, Account};
use custodian_core::org::discover::{accounts_file, DiscoverOptions};
use custodian_core::org::run::{self as org_run, OrgRunSpec};
use custodian_core::org::summary::{self, JobOutcome};
use custodian_core::policy::PolicyFiles;
use serde_json::{json, Value};
use std::sync::Arc;

/// The hub function's state, set up once at cold start.
pub struct HubHandler {
    /// The policy files (bundled, or `CUSTODIAN_POLICIES`), validated per account and region.
    pub files: Arc<PolicyFiles>,
    /// Reaches member accounts.
    pub connector: Arc<AwsConnector>,
    /// Items, outputs and summaries.
    pub output: S3Output,
    /// The member role's name (for accounts listed from Organizations).
    pub member_role: String,
    /// Every run is a dry run.
    pub report_only: bool,
    /// Local scratch space for a batch's outputs.
    pub scratch: std::path::PathBuf,
}

fn invalid(e: impl std::fmt::Display) -> InvocationError {
    InvocationError::InvalidRequest(e.to_string())
}

fn retryable(message: String) -> InvocationError {
    InvocationError::Retryable {
        message,
        summary: "{}".into(),
    }
}

/// The execution's name, safe as one S3 key segment.
fn execution(v: &Value) -> Result<String, InvocationError> {
    let name = v.as_str().ok_or_else(|| invalid("'execution' (the execution's name) is missing"))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(invalid(format!("execution name '{name}' is not one key segment")));
    }
    Ok(name.to_string())
}

impl HubHandler {
    /// Handles one task's input.
    pub async fn handle(&self, payload: Value) -> Result<Value, InvocationError> {
        if let Some(plan) = payload.get("plan") {
            self.plan(plan, &execution(&payload["execution"])?).await
        } else if let (Some(Value::Array(items)), Some(batch)) = (payload.get("Items"), payload.get("BatchInput")) {
            self.work(items, &batch["run"]).await
        } else if let Some(state) = payload.get("summarize") {
            self.summarize(state).await
        } else {
            Err(invalid("a hub task's input has 'plan', 'Items' with 'BatchInput', or 'summarize'"))
        }
    }

    fn runs_prefix(&self, execution: &str) -> String {
        format!("{}/runs/{execution}", self.output.prefix)
    }

    fn spec<'a>(
        &'a self,
        accounts: &'a [Account],
        regions: &'a [String],
        names: &'a [String],
        dry_run: bool,
        out: std::path::PathBuf,
    ) -> OrgRunSpec<'a> {
        OrgRunSpec {
            accounts,
            regions,
            files: &self.files,
            policy_globs: names,
            concurrency: accounts.len().clamp(1, 8),
            dry_run: dry_run || self.report_only,
            output_dir: out,
            clock: custodian_core::time::Clock::System,
            prices: Arc::new(custodian_core::pricing::PriceTable::embedded().clone()),
        }
    }

    async fn plan(&self, plan: &Value, execution: &str) -> Result<Value, InvocationError> {
        let names: Vec<String> =
            serde_json::from_value(plan["policies"].clone()).map_err(|_| invalid("plan.policies: a list of policy names"))?;
        let regions: Vec<String> =
            serde_json::from_value(plan.get("regions").cloned().unwrap_or(json!([]))).map_err(|_| invalid("plan.regions: a list"))?;
        let dry_run = plan["dryrun"].as_bool().unwrap_or(false);
        let accounts = match (plan.get("accounts"), plan.get("organization")) {
            (Some(list), _) => {
                let text = json!({"accounts": list}).to_string();
                accounts::parse("schedule input", &text)
                    .map_err(|d| invalid(d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?
            }
            (None, Some(org)) => self.organization_accounts(org, &regions).await?,
            (None, None) => return Err(invalid("plan: 'accounts' or 'organization'")),
        };
        let known: Vec<String> = self
            .files
            .load(None)
            .map(|p| p.into_iter().map(|p| p.name).collect())
            .unwrap_or_default();
        if let Some(missing) = names.iter().find(|n| !known.contains(n)) {
            return Err(invalid(format!("plan.policies: no policy named '{missing}' in this function")));
        }
        let spec = self.spec(&accounts, &regions, &names, dry_run, self.scratch.clone());
        org_run::validate(&spec).map_err(|e| invalid(e.join("\n")))?;
        let items: Vec<Value> = accounts
            .iter()
            .flat_map(|a| {
                a.regions_for(&regions).into_iter().map(move |r| {
                    let mut item = a.to_json();
                    item["regions"] = json!([r]);
                    item
                })
            })
            .collect();
        let key = format!("{}/items.json", self.runs_prefix(execution));
        self.put(&key, serde_json::to_vec(&items).unwrap_or_default()).await?;
        Ok(json!({
            "bucket": self.output.bucket,
            "key": key,
            "items": items.len(),
            // One instant for the whole execution: every batch evaluates off-hours, ages and
            // marks at the moment the plan was made, however late its turn comes.
            "run": {"policies": names, "dryrun": dry_run, "execution": execution, "now": jiff::Timestamp::now().to_string()},
        }))
    }

    async fn organization_accounts(&self, org: &Value, regions: &[String]) -> Result<Vec<Account>, InvocationError> {
        let ous: Vec<String> = serde_json::from_value(org.get("ous").cloned().unwrap_or(json!(["/"])))
            .map_err(|_| invalid("plan.organization.ous: a list"))?;
        let connector = self.connector.clone();
        let found = tokio::task::spawn_blocking(move || connector.organization_accounts(None, &ous))
            .await
            .map_err(|e| retryable(e.to_string()))?
            .map_err(retryable)?;
        // The management account is left out unless asked for: a service-managed StackSet never
        // deploys the member role there, so its jobs would fail on every run.
        let include_management = org.get("include_management").and_then(Value::as_bool).unwrap_or(false);
        let ignore: Vec<String> = if include_management {
            Vec::new()
        } else {
            found.iter().filter_map(|a| a.management_account()).map(str::to_string).collect()
        };
        let options = DiscoverOptions {
            role: self.member_role.clone(),
            name: "{name}".into(),
            regions: regions.to_vec(),
            active: true,
            ignore,
            tags: vec![],
        };
        let text = accounts_file(&found, &options).map_err(invalid)?;
        accounts::parse("AWS Organizations", &text).map_err(|d| invalid(d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
    }

    async fn work(&self, items: &[Value], run: &Value) -> Result<Value, InvocationError> {
        let names: Vec<String> = serde_json::from_value(run["policies"].clone()).map_err(|_| invalid("run.policies: a list"))?;
        let execution = execution(&run["execution"])?;
        let dry_run = run["dryrun"].as_bool().unwrap_or(false);
        // One account per id, its items' regions together (its role assumed once).
        let mut grouped: Vec<Value> = Vec::new();
        for item in items {
            let region = item["regions"][0].clone();
            match grouped.iter_mut().find(|g| g["account_id"] == item["account_id"]) {
                Some(g) => g["regions"].as_array_mut().into_iter().for_each(|r| r.push(region.clone())),
                None => grouped.push(item.clone()),
            }
        }
        let text = json!({"accounts": grouped}).to_string();
        let accounts =
            accounts::parse("batch", &text).map_err(|d| invalid(d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
        let out = self
            .scratch
            .join(&execution)
            .join(format!("batch-{}", jiff::Timestamp::now().as_nanosecond()));
        let (files, connector, report_only) = (self.files.clone(), self.connector.clone(), self.report_only);
        let out_dir = out.clone();
        let clock = crate::clock::batch_clock(&run["now"], dry_run || report_only, jiff::Timestamp::now());
        let jobs = tokio::task::spawn_blocking(move || {
            let spec = OrgRunSpec {
                accounts: &accounts,
                regions: &[],
                files: &files,
                policy_globs: &names,
                concurrency: accounts.len().clamp(1, 8),
                dry_run: dry_run || report_only,
                output_dir: out_dir,
                clock,
                prices: Arc::new(custodian_core::pricing::PriceTable::embedded().clone()),
            };
            org_run::run(&spec, connector.as_ref())
        })
        .await
        .map_err(|e| retryable(format!("the batch's run failed: {e}")))?;
        if out.exists() {
            let uploaded = self.output.upload_dir(&out, &self.runs_prefix(&execution)).await;
            let _ = std::fs::remove_dir_all(&out);
            uploaded.map_err(retryable)?;
        }
        Ok(json!({"jobs": jobs}))
    }

    async fn summarize(&self, state: &Value) -> Result<Value, InvocationError> {
        let execution = execution(&state["planned"]["run"]["execution"])?;
        let planned = state["planned"]["items"].as_u64().unwrap_or(0) as usize;
        let mut jobs: Vec<Value> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        if let Some(details) = state["results"].get("ResultWriterDetails") {
            let (bucket, key) = (
                details["Bucket"].as_str().unwrap_or_default(),
                details["Key"].as_str().unwrap_or_default(),
            );
            let manifest: Value = serde_json::from_slice(&self.get(bucket, key).await?).map_err(|e| invalid(format!("{key}: {e}")))?;
            for (status, files) in manifest["ResultFiles"].as_object().into_iter().flatten() {
                for file in files.as_array().into_iter().flatten() {
                    let key = file["Key"].as_str().unwrap_or_default();
                    let entries: Value =
                        serde_json::from_slice(&self.get(bucket, key).await?).map_err(|e| invalid(format!("{key}: {e}")))?;
                    for entry in entries.as_array().into_iter().flatten() {
                        jobs.extend(batch_jobs(status, entry));
                    }
                }
            }
        }
        if let Some(e) = state.get("fanout_error") {
            notes.push(format!(
                "the map stopped: {} {}",
                e["Error"].as_str().unwrap_or_default(),
                e["Cause"].as_str().unwrap_or_default()
            ));
        }
        let outcomes: Vec<JobOutcome> = jobs.iter().filter_map(|j| serde_json::from_value(j.clone()).ok()).collect();
        let totals = summary::totals(&outcomes);
        let unreached = planned.saturating_sub(jobs.len());
        let failed_jobs = totals.failed_jobs + unreached;
        if unreached > 0 {
            notes.push(format!("{unreached} account-region(s) have no result"));
        }
        let doc = json!({"execution": execution, "totals": totals, "failed_jobs": failed_jobs, "notes": notes, "jobs": jobs});
        let key = format!("{}/org-summary.json", self.runs_prefix(&execution));
        self.put(&key, serde_json::to_vec_pretty(&doc).unwrap_or_default()).await?;
        Ok(json!({
            "totals": totals,
            "failed_jobs": failed_jobs,
            "notes": notes,
            "summary": format!("s3://{}/{key}", self.output.bucket),
        }))
    }

    async fn put(&self, key: &str, body: Vec<u8>) -> Result<(), InvocationError> {
        self.output
            .client
            .put_object()
            .bucket(&self.output.bucket)
            .key(key)
            .content_type("application/json")
            .body(body.into())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                retryable(format!(
                    "PutObject s3://{}/{key}: {}",
                    self.output.bucket,
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                ))
            })
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, InvocationError> {
        let o = self.output.client.get_object().bucket(bucket).key(key).send().await.map_err(|e| {
            retryable(format!(
                "GetObject s3://{bucket}/{key}: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            ))
        })?;
        let bytes = o.body.collect().await.map_err(|e| retryable(format!("s3://{bucket}/{key}: {e}")))?;
        Ok(bytes.into_bytes().to_vec())
    }
}

/// The jobs of one entry of a `ResultWriter` file: a batch that ran returns its jobs; a batch
/// that failed (its error after the retries) fails every one of its items, with that error.
fn batch_jobs(status: &str, entry: &Value) -> Vec<Value> {
    let parse = |v: &Value| {
        v.as_str()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or(Value::Null)
    };
    if status == "SUCCEEDED" {
        return parse(&entry["Output"])["jobs"].as_array().cloned().unwrap_or_default();
    }
    let reason = format!(
        "the batch failed: {} {}",
        entry["Error"].as_str().unwrap_or("unknown error"),
        entry["Cause"].as_str().unwrap_or_default()
    );
    parse(&entry["Input"])["Items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            json!({
                "account": item["name"], "account_id": item["account_id"], "region": item["regions"][0],
                "status": "failed", "reason": reason, "policies": [], "api_calls": 0, "seconds": 0.0
            })
        })
        .collect()
}
