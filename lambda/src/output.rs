//! Run outputs to S3, under a time-partitioned prefix per invocation so runs never overwrite
//! each other: `PREFIX/YYYY/MM/DD/HH/REQUEST-ID/` holding `summary.json` and, per policy,
//! c7n's `resources.json` and `metadata.json`.

use std::path::Path;

/// Where outputs go.
#[derive(Debug, Clone)]
pub struct S3Output {
    /// The S3 client.
    pub client: aws_sdk_s3::Client,
    /// Bucket.
    pub bucket: String,
    /// Key prefix (no leading or trailing `/`).
    pub prefix: String,
}

/// Uploads at once, at most.
const CONCURRENT_UPLOADS: usize = 8;

/// The key prefix of one run: the prefix, the UTC hour it started in, and its request id
/// (the same layout as the CLI's `-s s3://...`).
pub use custodian_aws::upload::run_key as run_prefix;

/// Every file under `dir`, with its path relative to `dir`, in a stable order.
pub use custodian_aws::upload::files_under;

impl S3Output {
    /// Uploads every file under `dir` to `s3://bucket/run_prefix/...`; returns the number of
    /// objects written, or the first failure.
    pub async fn upload_dir(&self, dir: &Path, run_prefix: &str) -> Result<usize, String> {
        let files = files_under(dir).map_err(|e| format!("cannot read outputs in {}: {e}", dir.display()))?;
        let count = files.len();
        let mut pending = files.into_iter();
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            while tasks.len() < CONCURRENT_UPLOADS {
                let Some((path, rel)) = pending.next() else { break };
                let client = self.client.clone();
                let bucket = self.bucket.clone();
                let key = format!("{run_prefix}/{rel}");
                tasks.spawn(async move {
                    let body = tokio::fs::read(&path).await.map_err(|e| format!("{}: {e}", path.display()))?;
                    client
                        .put_object()
                        .bucket(&bucket)
                        .key(&key)
                        .content_type("application/json")
                        .body(body.into())
                        .send()
                        .await
                        .map_err(|e| format!("PutObject s3://{bucket}/{key}: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
                    Ok::<(), String>(())
                });
            }
            match tasks.join_next().await {
                None => return Ok(count),
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) => return Err(format!("upload task failed: {e}")),
            }
        }
    }

    /// `s3://bucket/run_prefix/`.
    pub fn url(&self, run_prefix: &str) -> String {
        format!("s3://{}/{run_prefix}/", self.bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_partitioned_by_hour_and_request() {
        let t: jiff::Timestamp = "2026-11-23T19:04:05Z".parse().unwrap();
        assert_eq!(run_prefix("custodian", t, "req-1"), "custodian/2026/11/23/19/req-1");
        assert_eq!(run_prefix("", t, "req-1"), "2026/11/23/19/req-1");
    }

    #[test]
    fn lists_nested_files_with_relative_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("us-east-1/p")).unwrap();
        std::fs::write(dir.path().join("us-east-1/p/resources.json"), "[]").unwrap();
        std::fs::write(dir.path().join("summary.json"), "{}").unwrap();
        let keys: Vec<String> = files_under(dir.path()).unwrap().into_iter().map(|(_, k)| k).collect();
        assert_eq!(keys, ["summary.json", "us-east-1/p/resources.json"]);
    }
}
