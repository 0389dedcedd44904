//! `value_from` sources read at run time, as Cloud Custodian reads them (`c7n/resolver.py`
//! `URIResolver`): `s3://bucket/key[?region=...]` with `GetObject` (a `.gz`/`.gzip`/`.zip` key
//! is inflated), and `http(s)://` with a `GET` carrying the policy's headers.

use crate::clients::failure;
use custodian_core::filter::values_from::MAX_VALUES_BYTES;
use custodian_core::input::redact::redact_url;
use std::io::Read;
use std::time::Duration;

/// The object's text, and the calls made.
pub async fn read_s3(client: &aws_sdk_s3::Client, url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("s3://").ok_or_else(|| format!("not an s3:// url: {url}"))?;
    let (location, _query) = rest.split_once('?').unwrap_or((rest, ""));
    let (bucket, key) = location
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .ok_or_else(|| format!("{url}: an s3 url names a bucket and a key"))?;
    let url = redact_url(url);
    let out = client.get_object().bucket(bucket).key(key).send().await.map_err(|e| {
        let f = failure(&e);
        format!("s3.GetObject {url}: {}: {}", f.code, f.message)
    })?;
    if out.content_length().is_some_and(|n| n > MAX_VALUES_BYTES as i64) {
        return Err(format!("{url}: larger than {} MiB", MAX_VALUES_BYTES >> 20));
    }
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| format!("s3.GetObject {url}: {e}"))?
        .into_bytes();
    if body.len() > MAX_VALUES_BYTES {
        return Err(format!("{url}: larger than {} MiB", MAX_VALUES_BYTES >> 20));
    }
    let lower = key.to_lowercase();
    let bytes = if [".gz", ".gzip", ".zip"].iter().any(|s| lower.ends_with(s)) {
        inflate(&body, MAX_VALUES_BYTES).map_err(|e| format!("{url}: cannot decompress: {e}"))?
    } else {
        body.to_vec()
    };
    String::from_utf8(bytes).map_err(|e| format!("{url}: not UTF-8 text: {e}"))
}

/// The S3 region a url names (`?region=`), if any.
pub fn s3_region(url: &str) -> Option<&str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|kv| kv.strip_prefix("region="))
}

/// zlib or gzip data (c7n's `zlib.MAX_WBITS | 32`: either header), at most `limit` bytes
/// once inflated: an error past it, so a decompression bomb is refused, not inflated.
pub fn inflate(data: &[u8], limit: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let reader: Box<dyn Read + '_> = if data.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::GzDecoder::new(data))
    } else {
        Box::new(flate2::read::ZlibDecoder::new(data))
    };
    reader.take(limit as u64 + 1).read_to_end(&mut out)?;
    if out.len() > limit {
        return Err(std::io::Error::other(format!("more than {} MiB once decompressed", limit >> 20)));
    }
    Ok(out)
}

/// A `GET` of an http(s) URL with `headers`; the body as text.
pub fn read_http(url: &str, headers: &[(String, String)]) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .https_only(!custodian_core::filter::values_from::is_loopback_http(url))
        .max_redirects(3)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent.get(url);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    // The error text may carry the URL's credentials or the headers: say only the status.
    let mut response = request.call().map_err(|e| format!("GET {}: {}", redact(url), kind(&e)))?;
    if !response.status().is_success() {
        return Err(format!("GET {}: HTTP {}", redact(url), response.status().as_u16()));
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_VALUES_BYTES as u64)
        .read_to_string()
        .map_err(|e| format!("GET {}: {}", redact(url), kind(&e)))
}

/// The URL without its credentials and query (which may hold a token).
fn redact(url: &str) -> String {
    redact_url(url)
}

fn kind(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(_) => "connection failed".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        other => format!("request failed ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn compressed_objects_are_inflated_either_header() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"a\nb\n").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(inflate(&gz, 1024).unwrap(), b"a\nb\n");
        let err = inflate(&gz, 3).unwrap_err();
        assert!(err.to_string().contains("once decompressed"), "{err}");
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"x").unwrap();
        assert_eq!(inflate(&z.finish().unwrap(), 1024).unwrap(), b"x");
        assert_eq!(s3_region("s3://b/k.json?region=eu-west-1"), Some("eu-west-1"));
        assert_eq!(s3_region("s3://b/k.json"), None);
    }
}
