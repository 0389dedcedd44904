//! `-s s3://bucket/prefix`: a run's outputs written locally first, then uploaded under a
//! time-partitioned key per run, as the Lambda writes them: `PREFIX/YYYY/MM/DD/HH/RUN-ID/...`.

use aws_config::Region;
use std::path::Path;

/// `s3://bucket/prefix` split into the bucket and the prefix (no trailing `/`); `None` if it
/// is not an S3 URL with a bucket.
pub fn parse_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, prefix.trim_matches('/')))
}

/// The key prefix of one run.
pub fn run_key(prefix: &str, started: jiff::Timestamp, run_id: &str) -> String {
    let hour = started.strftime("%Y/%m/%d/%H");
    if prefix.is_empty() {
        format!("{hour}/{run_id}")
    } else {
        format!("{prefix}/{hour}/{run_id}")
    }
}

/// Every file under `dir`, with its path relative to `dir` (`/`-separated), in a stable order.
pub fn files_under(dir: &Path) -> std::io::Result<Vec<(std::path::PathBuf, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push((path, rel));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Uploads every file under `dir` to `url` under this run's key (the caller's credentials and
/// `AWS_REGION`); the number of objects and the run's `s3://` URL.
pub fn upload_dir(url: &str, dir: &Path, started: jiff::Timestamp, run_id: &str, profile: Option<&str>) -> Result<(usize, String), String> {
    let (bucket, prefix) = parse_url(url).ok_or_else(|| format!("-s {url}: not s3://bucket/prefix"))?;
    let key = run_key(prefix, started, run_id);
    let files = files_under(dir).map_err(|e| format!("cannot read outputs in {}: {e}", dir.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let mut loader = crate::clients::sdk_loader();
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        let mut sdk = loader.load().await;
        if sdk.region().is_none() {
            sdk = sdk.to_builder().region(Region::new("us-east-1")).build();
        }
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(sdk.endpoint_url().is_some())
                .build(),
        );
        for (path, rel) in &files {
            let body = tokio::fs::read(path).await.map_err(|e| format!("{}: {e}", path.display()))?;
            let object = format!("{key}/{rel}");
            s3.put_object()
                .bucket(bucket)
                .key(&object)
                .content_type("application/json")
                .body(body.into())
                .send()
                .await
                .map_err(|e| format!("PutObject s3://{bucket}/{object}: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
        }
        Ok((files.len(), format!("s3://{bucket}/{key}/")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_and_run_keys() {
        assert_eq!(parse_url("s3://audit/custodian/"), Some(("audit", "custodian")));
        assert_eq!(parse_url("s3://audit"), Some(("audit", "")));
        assert_eq!(parse_url("s3:///x"), None);
        assert_eq!(parse_url("/tmp/out"), None);
        let t: jiff::Timestamp = "2026-12-02T06:05:00Z".parse().unwrap();
        assert_eq!(run_key("c", t, "run-1"), "c/2026/12/02/06/run-1");
        assert_eq!(run_key("", t, "run-1"), "2026/12/02/06/run-1");
    }
}
