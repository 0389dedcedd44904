//! The run ledger: one S3 object per EventBridge event (`PREFIX/ledger/EVENT-ID.json`), written
//! with S3's conditional writes, so a duplicate delivery or an overlapping retry of the same
//! event never runs the policies twice at once, and a retry after a deadline runs only what was
//! left.
//!
//! - No object: this invocation creates it (`If-None-Match: *`; of two at once, one wins) and runs.
//! - `running` by another invocation whose deadline has not passed: it is still at work; skip.
//! - `running` past its owner's deadline (it was killed or timed out without a word): take it
//!   over (`If-Match` its ETag) and run what it had not recorded as done.
//! - `partial` (its owner stopped at its deadline and said what it finished): run the rest.
//! - `complete`: already done; skip.

use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};

/// The ledger object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `running`, `partial` or `complete`.
    pub state: String,
    /// The request id of the invocation that wrote it.
    pub owner: String,
    /// Its deadline (milliseconds since the epoch): past it, a `running` entry is abandoned.
    pub until_ms: u64,
    /// Policies that ran in every region.
    pub done: Vec<String>,
}

/// What this invocation may do.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Run the policies, except `done` (finished by `by`); then record with `etag`.
    Run {
        /// The ledger object's ETag, for the conditional update at the end.
        etag: String,
        /// Policies already done for this event.
        done: Vec<String>,
        /// Who did them.
        by: Option<String>,
    },
    /// Do nothing: why.
    Skip(String),
}

/// The ledger of one event.
#[derive(Clone)]
pub struct Ledger {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
}

fn s3_error<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &aws_sdk_s3::error::SdkError<E>) -> Option<String> {
    use aws_sdk_s3::error::ProvideErrorMetadata;
    e.code()
        .map(str::to_string)
        .or_else(|| e.raw_response().map(|r| r.status().as_u16().to_string()))
}

/// Whether S3's answer is a refusal of the caller's permissions.
fn denied(code: Option<&str>) -> bool {
    matches!(code, Some("AccessDenied" | "403"))
}

impl Ledger {
    /// The ledger of `event_id` under `prefix` in `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: &str, prefix: &str, event_id: &str) -> Ledger {
        let safe: String = event_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        use custodian_core::deploy::template::{under_prefix, LEDGER_DIR};
        let key = under_prefix(prefix, &format!("{LEDGER_DIR}/{safe}.json"));
        Ledger {
            client,
            bucket: bucket.to_string(),
            key,
        }
    }

    /// `s3://bucket/key`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn read(&self) -> Result<Option<(Entry, String)>, String> {
        match self.client.get_object().bucket(&self.bucket).key(&self.key).send().await {
            Ok(o) => {
                let etag = o.e_tag().unwrap_or_default().to_string();
                let bytes = o.body.collect().await.map_err(|e| format!("{}: {e}", self.url()))?.into_bytes();
                let entry = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", self.url()))?;
                Ok(Some((entry, etag)))
            }
            Err(e) if s3_error(&e).as_deref() == Some("NoSuchKey") || s3_error(&e).as_deref() == Some("404") => Ok(None),
            Err(e) if denied(s3_error(&e).as_deref()) => Err(format!(
                "GetObject {}: access denied: the function's role needs s3:GetObject on arn:aws:s3:::{}/{} and \
                 s3:ListBucket on arn:aws:s3:::{} for the ledger's prefix (without it S3 answers a missing key with 403); \
                 `custodian lambda template --output-bucket` grants both",
                self.url(),
                self.bucket,
                self.key,
                self.bucket
            )),
            Err(e) => Err(format!("GetObject {}: {}", self.url(), aws_sdk_s3::error::DisplayErrorContext(&e))),
        }
    }

    /// Writes `entry` if the object is still as read (`etag`), or absent (`None`). `Ok(None)`:
    /// another invocation wrote first.
    async fn write(&self, entry: &Entry, etag: Option<&str>) -> Result<Option<String>, String> {
        let body = ByteStream::from(serde_json::to_vec(entry).unwrap_or_default());
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .body(body);
        put = match etag {
            Some(t) => put.if_match(t),
            None => put.if_none_match("*"),
        };
        match put.send().await {
            Ok(o) => Ok(Some(o.e_tag().unwrap_or_default().to_string())),
            Err(e)
                if matches!(
                    s3_error(&e).as_deref(),
                    Some("PreconditionFailed" | "412" | "ConditionalRequestConflict" | "409")
                ) =>
            {
                Ok(None)
            }
            Err(e) if denied(s3_error(&e).as_deref()) => Err(format!(
                "PutObject {}: access denied: the function's role needs s3:PutObject on arn:aws:s3:::{}/{}",
                self.url(),
                self.bucket,
                self.key
            )),
            Err(e) => Err(format!("PutObject {}: {}", self.url(), aws_sdk_s3::error::DisplayErrorContext(&e))),
        }
    }

    /// Claims the event for `request_id` (its deadline `until_ms`) at `now_ms`.
    pub async fn claim(&self, request_id: &str, until_ms: u64, now_ms: u64) -> Result<Claim, String> {
        let running = |done: Vec<String>| Entry {
            state: "running".into(),
            owner: request_id.to_string(),
            until_ms,
            done,
        };
        let (done, by, etag) = match self.read().await? {
            None => (Vec::new(), None, None),
            Some((e, _)) if e.state == "complete" => return Ok(Claim::Skip(format!("already run for this event by request {}", e.owner))),
            Some((e, _)) if e.state == "running" && e.until_ms > now_ms && e.owner != request_id => {
                return Ok(Claim::Skip(format!(
                    "request {} is running this event until {}",
                    e.owner,
                    jiff::Timestamp::from_millisecond(e.until_ms as i64)
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                )))
            }
            Some((e, etag)) => (e.done, Some(e.owner), Some(etag)),
        };
        match self.write(&running(done.clone()), etag.as_deref()).await? {
            Some(etag) => Ok(Claim::Run { etag, done, by }),
            None => Ok(Claim::Skip("another invocation claimed this event at the same moment".into())),
        }
    }

    /// Records, while the run goes on, the policies done so far (still `running`, the same
    /// owner and deadline), if the object is still as this invocation last wrote it (`etag`);
    /// the new ETag. A retry after this invocation was killed then runs only what was left.
    pub async fn progress(&self, etag: &str, request_id: &str, until_ms: u64, done: &[String]) -> Result<String, String> {
        let entry = Entry {
            state: "running".into(),
            owner: request_id.to_string(),
            until_ms,
            done: done.to_vec(),
        };
        match self.write(&entry, Some(etag)).await? {
            Some(etag) => Ok(etag),
            None => Err(format!(
                "{} changed while this invocation ran (taken over after its deadline?)",
                self.url()
            )),
        }
    }

    /// Records what this invocation finished: `complete` when nothing was left, else `partial`.
    pub async fn finish(&self, etag: &str, request_id: &str, done: Vec<String>, complete: bool) -> Result<(), String> {
        let entry = Entry {
            state: if complete { "complete" } else { "partial" }.into(),
            owner: request_id.to_string(),
            until_ms: 0,
            done,
        };
        match self.write(&entry, Some(etag)).await? {
            Some(_) => Ok(()),
            None => Err(format!(
                "{} changed while this invocation ran (taken over after its deadline?)",
                self.url()
            )),
        }
    }
}

/// What the run tells the ledger's recorder.
pub enum Progress {
    /// The number of regions each policy runs in.
    Regions(usize),
    /// A policy ended in one region; `false` when the deadline left it not reached there.
    Ended(String, bool),
}

/// Writes the ledger's `done` list as policies end in every region; the last ETag and list.
pub async fn record_progress(
    ledger: Ledger,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Progress>,
    mut etag: String,
    mut done: Vec<String>,
    request_id: String,
    until_ms: u64,
) -> (String, Vec<String>) {
    let mut regions = 1;
    let mut ended: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    while let Some(p) = rx.recv().await {
        let name = match p {
            Progress::Regions(n) => {
                regions = n.max(1);
                continue;
            }
            Progress::Ended(_, false) => continue,
            Progress::Ended(name, true) => name,
        };
        let n = ended.entry(name.clone()).or_default();
        *n += 1;
        if *n < regions || done.contains(&name) {
            continue;
        }
        done.push(name);
        match ledger.progress(&etag, &request_id, until_ms, &done).await {
            Ok(next) => etag = next,
            Err(e) => tracing::warn!(request_id = %request_id, error = %e, "cannot record progress in the run ledger"),
        }
    }
    (etag, done)
}
