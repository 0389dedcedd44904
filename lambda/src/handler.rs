//! One invocation: parse the event, pick the policies, run them through the engine against the
//! Lambda deadline, write outputs, summarise, and map what happened to a result.

use crate::clock::clock;
use crate::error::InvocationError;
use crate::event::{self, Invocation, Trigger};
use crate::ledger::{record_progress, Claim, Ledger, Progress};
use crate::output::{run_prefix, S3Output};
use crate::summary::{summarize, SkippedPolicy, Summary};
use custodian_core::engine::{Deadline, EventScope, Inventory, RunMode, RunSpec};
use custodian_core::policy::Policy;
use custodian_core::provider::Provider;
use custodian_core::report::output::{costs, write_all, RunInfo};
use custodian_core::time::Clock;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Everything an invocation needs, set up once at cold start.
pub struct Handler {
    policies: Arc<Vec<Policy>>,
    provider: Arc<dyn Provider + Send>,
    output: Option<S3Output>,
    reserve: Duration,
    scratch: PathBuf,
    report_only: bool,
    account: std::sync::OnceLock<String>,
}

impl Handler {
    /// A handler over validated periodic `policies`; `reserve` is kept back from the deadline
    /// to write outputs and answer.
    pub fn new(policies: Vec<Policy>, provider: Arc<dyn Provider + Send>, output: Option<S3Output>, reserve: Duration) -> Self {
        Handler {
            policies: Arc::new(policies),
            provider,
            output,
            reserve,
            scratch: std::env::temp_dir().join("custodian"),
            report_only: false,
            account: std::sync::OnceLock::new(),
        }
    }

    /// A report-only function: every invocation is a dry run, whatever its event says.
    pub fn report_only(mut self, yes: bool) -> Self {
        self.report_only = yes;
        self
    }

    /// The policies this function runs.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// Handles one event: `Ok(summary)` when every policy ran cleanly, else the error type
    /// that says what went wrong, with the same summary in its message.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Summary, InvocationError> {
        let start = Instant::now();
        let started = jiff::Timestamp::now();
        let mut invocation = event::parse(&event.payload).map_err(InvocationError::InvalidRequest)?;
        invocation.dry_run |= self.report_only;
        let mut refused: Option<String> = None;
        if let Trigger::Event(e) = &invocation.trigger {
            // Only AWS's own events from this function's account are acted on: anyone allowed
            // `events:PutEvents` can put a custom event of the same detail-type on the bus.
            let own = self.own_account().await.map_err(|message| InvocationError::Retryable {
                message,
                summary: "null".into(),
            })?;
            if let Err(why) = e.authenticate(&own) {
                refused = Some(format!("event refused, nothing done: {why}"));
            }
        }
        let (mut selected, scope) = match &invocation.trigger {
            Trigger::Event(_) if refused.is_some() => (Vec::new(), None),
            Trigger::Event(e) => {
                let routing = custodian_core::event::route(&self.policies, e).map_err(InvocationError::InvalidRequest)?;
                let selected: Vec<Policy> = self
                    .policies
                    .iter()
                    .filter(|p| routing.ids.contains_key(&p.name))
                    .cloned()
                    .collect();
                let scope = EventScope {
                    event: (**e).clone(),
                    routing,
                };
                (selected, Some(scope))
            }
            Trigger::Schedule { .. } | Trigger::Manual => (self.select(&invocation)?, None),
        };
        let deadline = self.deadline(&event.context);
        let (now, clock_note) = clock(&invocation, started);
        let request_id = match event.context.request_id.as_str() {
            "" => format!("local-{}", started.as_millisecond()),
            id => id.to_string(),
        };
        tracing::info!(
            request_id = %request_id,
            policies = selected.len(),
            dryrun = invocation.dry_run,
            now = %now,
            "invocation started"
        );
        if let Some(note) = &clock_note {
            tracing::warn!(request_id = %request_id, "{note}");
        }
        if let Some(why) = refused {
            tracing::warn!(request_id = %request_id, event = %truncate_event(&event.payload), "{why}");
            let mut summary = summarize(&request_id, &invocation, &self.provider.regions(), now, &[], &[]);
            summary.refused = Some(why);
            summary.duration_ms = start.elapsed().as_millis() as u64;
            return Ok(summary);
        }

        // The run ledger: a duplicate or overlapping delivery of this event does nothing, a
        // retry after a deadline runs only what was left (real runs with an output bucket).
        let ledger = match (&self.output, &invocation.id, invocation.dry_run) {
            (Some(out), Some(id), false) => Some(Ledger::new(out.client.clone(), &out.bucket, &out.prefix, id)),
            _ => None,
        };
        let mut claimed: Option<(String, Vec<String>)> = None;
        let mut done_before: Vec<SkippedPolicy> = Vec::new();
        if let Some(l) = &ledger {
            let now_ms = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            match l.claim(&request_id, event.context.deadline, now_ms).await {
                Ok(Claim::Run { etag, done, by }) => {
                    let by = by.unwrap_or_default();
                    done_before = selected
                        .iter()
                        .filter(|p| done.contains(&p.name))
                        .map(|p| SkippedPolicy {
                            name: p.name.clone(),
                            reason: format!("already run for this event by request {by}"),
                        })
                        .collect();
                    selected.retain(|p| !done.contains(&p.name));
                    claimed = Some((etag, done));
                }
                Ok(Claim::Skip(why)) => {
                    tracing::info!(request_id = %request_id, ledger = %l.url(), reason = %why, "nothing to do");
                    let mut summary = summarize(&request_id, &invocation, &self.provider.regions(), now, &[], &[]);
                    summary.skipped = selected
                        .iter()
                        .map(|p| SkippedPolicy {
                            name: p.name.clone(),
                            reason: why.clone(),
                        })
                        .collect();
                    summary.duration_ms = start.elapsed().as_millis() as u64;
                    return Ok(summary);
                }
                Err(e) => {
                    return Err(InvocationError::Retryable {
                        message: format!("the run ledger: {e}"),
                        summary: "null".into(),
                    })
                }
            }
        }
        let selected_names: Vec<String> = selected.iter().map(|p| p.name.clone()).collect();
        let dir = self.scratch.join(&request_id);
        let provider = Arc::clone(&self.provider);
        let (inv, rid, out_dir) = (invocation.clone(), request_id.clone(), dir.clone());
        let write_outputs = self.output.is_some();
        // Each policy that has ended in every region goes into the ledger as it ends, so a retry
        // after this invocation was killed runs only what was left.
        let (progress, recorder) = match (&ledger, &claimed) {
            (Some(l), Some((etag, done))) => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let recording = record_progress(
                    l.clone(),
                    rx,
                    etag.clone(),
                    done.clone(),
                    request_id.clone(),
                    event.context.deadline,
                );
                (Some(tx), Some(tokio::spawn(recording)))
            }
            _ => (None, None),
        };
        let mut summary = tokio::task::spawn_blocking(move || {
            let (regions, inventory) = match &scope {
                Some(s) => {
                    // `mode.delay`: tags applied just after launch are seen.
                    std::thread::sleep(s.delay(&selected));
                    let region = s
                        .event
                        .region
                        .clone()
                        .or_else(|| provider.regions().into_iter().next())
                        .unwrap_or_default();
                    let inventory = Inventory::fetch_event(provider.as_ref(), &region, &selected, s, deadline);
                    (vec![region], inventory)
                }
                None => {
                    let regions = provider.regions();
                    let inventory = Inventory::fetch(provider.as_ref(), &regions, &selected, deadline);
                    (regions, inventory)
                }
            };
            let account = custodian_core::engine::account_for(provider.as_ref(), &selected);
            if let Some(tx) = &progress {
                let _ = tx.send(Progress::Regions(regions.len()));
            }
            let tell = |run: &custodian_core::engine::PolicyRun| {
                if let Some(tx) = &progress {
                    let reached = !matches!(run.status, custodian_core::engine::Status::NotReached(_));
                    let _ = tx.send(Progress::Ended(run.policy.name.clone(), reached));
                }
            };
            let spec = RunSpec {
                policies: &selected,
                regions: &regions,
                clock: Clock::Fixed(now),
                mode: RunMode::choose(provider.as_ref(), inv.dry_run, false),
                deadline,
                event: scope.as_ref(),
                account_id: account.as_deref(),
                run_id: &rid,
                started,
                on_policy_end: Some(&tell),
            };
            let runs = custodian_core::engine::run(&spec, &inventory);
            let info = RunInfo {
                output_dir: out_dir,
                dry_run: inv.dry_run,
                applied: !inv.dry_run,
                provider: provider.describe(),
                regions: regions.clone(),
                now,
                started,
                prices: std::sync::Arc::new(custodian_core::pricing::PriceTable::embedded().clone()),
            };
            // Outputs are written only to be uploaded; without a bucket the summary is the record.
            let costs = costs(&runs, &info);
            let write_errors: Vec<String> = if write_outputs {
                runs.iter()
                    .zip(write_all(&runs, &costs, &info))
                    .filter_map(|(r, w)| w.err().map(|e| format!("{}: {e}", r.policy.name)))
                    .collect()
            } else {
                Vec::new()
            };
            let mut summary = summarize(&rid, &inv, &regions, now, &runs, &costs);
            if let Some(s) = &scope {
                summary.skipped = s
                    .routing
                    .skipped
                    .iter()
                    .map(|(name, reason)| SkippedPolicy {
                        name: name.clone(),
                        reason: reason.clone(),
                    })
                    .collect();
            }
            (summary, write_errors)
        })
        .await
        .map_err(|e| InvocationError::Retryable {
            message: format!("the run stopped unexpectedly: {e}"),
            summary: "null".into(),
        })
        .and_then(|(summary, write_errors)| match write_errors.first() {
            Some(e) => Err(InvocationError::Retryable {
                message: format!("cannot write outputs: {e}"),
                summary: serde_json::to_string(&summary).unwrap_or_default(),
            }),
            None => Ok(summary),
        })?;

        let mut upload_error = None;
        if let Some(out) = &self.output {
            let prefix = run_prefix(&out.prefix, started, &request_id);
            let summary_file = dir.join("summary.json");
            let written = std::fs::write(&summary_file, serde_json::to_vec_pretty(&summary).unwrap_or_default());
            match written.map_err(|e| e.to_string()) {
                Ok(()) => match out.upload_dir(&dir, &prefix).await {
                    Ok(n) => {
                        tracing::info!(objects = n, location = %out.url(&prefix), "outputs written");
                        summary.output = Some(out.url(&prefix));
                    }
                    Err(e) => upload_error = Some(e),
                },
                Err(e) => upload_error = Some(e),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        summary.skipped.extend(done_before);
        let recorded = match recorder {
            Some(task) => task.await.ok(),
            None => None,
        };
        if let (Some(l), Some((claimed_etag, mut done))) = (&ledger, claimed) {
            // The ETag of the last progress written, if any.
            let etag = recorded.map(|(etag, _)| etag).unwrap_or(claimed_etag);
            // Done: every region of the policy ran (a failed fetch counts: rerunning it is
            // the next schedule's job, not a retry's).
            for name in selected_names
                .iter()
                .filter(|n| summary.policies.iter().filter(|p| p.name == **n).all(|p| p.status != "not-reached"))
            {
                if !done.contains(name) {
                    done.push(name.clone());
                }
            }
            if let Err(e) = l.finish(&etag, &request_id, done, summary.not_reached.is_empty()).await {
                tracing::warn!(request_id = %request_id, error = %e, "cannot record the run in its ledger");
            }
        }
        summary.clock = clock_note;
        summary.duration_ms = start.elapsed().as_millis() as u64;
        let text = serde_json::to_string(&summary).unwrap_or_default();
        tracing::info!(summary = %text, "invocation finished");
        outcome(summary, upload_error)
    }

    /// The function's own account, learned once from STS (`GetCallerIdentity` needs no
    /// permission); an error when STS cannot say, and then no event is trusted.
    async fn own_account(&self) -> Result<String, String> {
        if let Some(a) = self.account.get() {
            return Ok(a.clone());
        }
        let provider = Arc::clone(&self.provider);
        match tokio::task::spawn_blocking(move || provider.account_id()).await.ok().flatten() {
            Some(a) => Ok(self.account.get_or_init(|| a).clone()),
            None => Err("cannot learn this function's account from STS (GetCallerIdentity): no event is trusted without it".into()),
        }
    }

    /// The policies an invocation names (all when it names none); unknown names are an error
    /// listing the ones this function has.
    fn select(&self, invocation: &Invocation) -> Result<Vec<Policy>, InvocationError> {
        let Some(names) = &invocation.policies else {
            // Event policies run on their events only.
            return Ok(self.policies.iter().filter(|p| p.mode.event().is_none()).cloned().collect());
        };
        if names.is_empty() {
            return Err(InvocationError::InvalidRequest(
                "'policies' is empty: name at least one, or leave it out to run all".into(),
            ));
        }
        let known: Vec<&str> = self.policies.iter().map(|p| p.name.as_str()).collect();
        let unknown: Vec<String> = names
            .iter()
            .filter(|n| !known.contains(&n.as_str()))
            .map(|n| {
                let hint = custodian_core::input::suggestion(n, known.iter().copied());
                format!("'{n}'{hint}")
            })
            .collect();
        if !unknown.is_empty() {
            return Err(InvocationError::InvalidRequest(format!(
                "unknown polic{} {}; this function runs: {}",
                if unknown.len() == 1 { "y" } else { "ies" },
                unknown.join(", "),
                known.join(", ")
            )));
        }
        let on_events: Vec<&str> = names
            .iter()
            .filter(|n| self.policies.iter().any(|p| &p.name == *n && p.mode.event().is_some()))
            .map(String::as_str)
            .collect();
        if !on_events.is_empty() {
            return Err(InvocationError::InvalidRequest(format!(
                "{} run{} on events, not on request: invoke the function with the event (e.g. a recorded CloudTrail event)",
                on_events.join(", "),
                if on_events.len() == 1 { "s" } else { "" }
            )));
        }
        // In the function's order (the order of the policy files), so later policies see what
        // earlier ones did, exactly as `custodian run` does.
        Ok(self.policies.iter().filter(|p| names.contains(&p.name)).cloned().collect())
    }

    /// When to stop starting work: the invocation's deadline less the reserve. A context
    /// without a deadline (0, as in tests) sets none.
    fn deadline(&self, context: &Context) -> Deadline {
        if context.deadline == 0 {
            return Deadline::none();
        }
        let left = context.deadline().duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
        Deadline::at(Instant::now() + left.saturating_sub(self.reserve))
    }
}

/// The event, cut to a log line.
fn truncate_event(payload: &Value) -> String {
    let text = payload.to_string();
    match text.char_indices().nth(2000) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

/// The invocation's result: the summary, or the error type for what went wrong (the most
/// urgent first: a tripped guard, then what a retry may fix, then refused actions).
fn outcome(summary: Summary, upload_error: Option<String>) -> Result<Summary, InvocationError> {
    let t = &summary.totals;
    let problem = |list: &dyn Fn(&crate::summary::PolicySummary) -> bool| {
        summary
            .policies
            .iter()
            .filter(|p| list(p))
            .map(|p| format!("{}@{}", p.name, p.region))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = || serde_json::to_string(&summary).unwrap_or_default();
    if t.limit_exceeded > 0 {
        return Err(InvocationError::LimitExceeded {
            message: format!(
                "max-resources tripped, no action taken: {}",
                problem(&|p| p.status == "limit-exceeded")
            ),
            summary: text(),
        });
    }
    if t.failed > 0 || t.not_reached > 0 {
        let mut parts = Vec::new();
        if t.failed > 0 {
            parts.push(format!("fetching failed: {}", problem(&|p| p.status == "failed")));
        }
        if t.not_reached > 0 {
            parts.push(format!("not reached before the deadline: {}", summary.not_reached.join(", ")));
        }
        return Err(InvocationError::Retryable {
            message: parts.join("; "),
            summary: text(),
        });
    }
    if let Some(e) = upload_error {
        return Err(InvocationError::Retryable {
            message: format!("outputs not written: {e}"),
            summary: text(),
        });
    }
    if t.action_failures > 0 {
        return Err(InvocationError::ActionFailed {
            message: format!(
                "{} resource action(s) refused by AWS: {}",
                t.action_failures,
                problem(&|p| p.actions.iter().any(|a| !a.failed.is_empty()))
            ),
            summary: text(),
        });
    }
    Ok(summary)
}
