//! Sending notifications: SNS `Publish`, SQS `SendMessage` (the SDK retries throttling), and
//! Slack webhook posts (429 retried after `Retry-After`, 5xx with backoff, then reported as a
//! failure). The webhook URL is read from its environment variable or SSM SecureString at send
//! time and never logged or returned in an error.

use crate::clients::{AwsFailure, Clients};
use aws_sdk_sns::types::MessageAttributeValue as SnsAttribute;
use aws_sdk_sqs::types::MessageAttributeValue as SqsAttribute;
use custodian_core::action::request::Webhook;
use std::time::Duration;

/// Attempts of a Slack post before it is reported failed.
const SLACK_ATTEMPTS: u32 = 4;
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

fn sdk_failure<E, R>(e: &aws_sdk_sns::error::SdkError<E, R>) -> AwsFailure
where
    E: aws_sdk_sns::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sns::error::ProvideErrorMetadata;
    AwsFailure {
        code: e.code().unwrap_or("Unknown").to_string(),
        message: e
            .message()
            .map(str::to_string)
            .unwrap_or_else(|| aws_sdk_sns::error::DisplayErrorContext(e).to_string()),
    }
}

/// A message attribute the SDK refuses to build.
fn invalid(e: impl std::fmt::Display) -> AwsFailure {
    AwsFailure {
        code: "InvalidParameter".into(),
        message: e.to_string(),
    }
}

/// `sns:Publish`.
pub async fn publish(
    c: &Clients,
    topic_arn: &str,
    message: &str,
    subject: Option<&str>,
    attributes: &[(String, String)],
) -> Result<(), AwsFailure> {
    let mut req = c
        .sns
        .publish()
        .topic_arn(topic_arn)
        .message(message)
        .set_subject(subject.map(str::to_string));
    for (k, v) in attributes {
        let a = SnsAttribute::builder()
            .data_type("String")
            .string_value(v)
            .build()
            .map_err(invalid)?;
        req = req.message_attributes(k, a);
    }
    req.send().await.map(|_| ()).map_err(|e| sdk_failure(&e))
}

/// `sqs:SendMessage`.
pub async fn send_message(c: &Clients, queue_url: &str, body: &str, attributes: &[(String, String)]) -> Result<(), AwsFailure> {
    let mut req = c.sqs.send_message().queue_url(queue_url).message_body(body);
    for (k, v) in attributes {
        let a = SqsAttribute::builder()
            .data_type("String")
            .string_value(v)
            .build()
            .map_err(invalid)?;
        req = req.message_attributes(k, a);
    }
    req.send().await.map(|_| ()).map_err(|e| sdk_failure(&e))
}

/// The webhook's URL, from its environment variable or SSM parameter.
async fn webhook_url(c: &Clients, webhook: &Webhook) -> Result<String, AwsFailure> {
    match webhook {
        Webhook::Env(name) => std::env::var(name).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| AwsFailure {
            code: "WebhookNotSet".into(),
            message: format!("the environment variable {name} that should hold the Slack webhook URL is not set"),
        }),
        Webhook::Ssm(name) => {
            let out = c
                .ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .map_err(|e| sdk_failure(&e))?;
            out.parameter()
                .and_then(|p| p.value())
                .map(str::to_string)
                .ok_or_else(|| AwsFailure {
                    code: "WebhookNotSet".into(),
                    message: format!("the SSM parameter {name} has no value"),
                })
        }
    }
}

/// Posts `payload` to the Slack webhook: retried on 429 (after `Retry-After`) and 5xx (with
/// backoff), `SLACK_ATTEMPTS` attempts in all. Errors never carry the URL.
pub async fn post_slack(c: &Clients, webhook: &Webhook, payload: &str) -> Result<u32, AwsFailure> {
    let url = webhook_url(c, webhook).await?;
    if !is_slack_webhook(&url) {
        return Err(AwsFailure {
            code: "WebhookRefused".into(),
            message: format!(
                "the URL in {} is not a Slack incoming webhook (https://hooks.slack.com/...): nothing posted",
                webhook.describe()
            ),
        });
    }
    let mut backoff = Duration::from_millis(200);
    let mut last = AwsFailure {
        code: "SlackError".into(),
        message: String::new(),
    };
    for attempt in 1..=SLACK_ATTEMPTS {
        let (u, body) = (url.clone(), payload.to_string());
        let answer = tokio::task::spawn_blocking(move || post_once(&u, &body))
            .await
            .unwrap_or(Answer::Unreachable("the sending task stopped".into()));
        let wait = match answer {
            Answer::Ok => return Ok(attempt),
            Answer::Status(429, retry_after) => {
                last = AwsFailure {
                    code: "SlackHTTP429".into(),
                    message: "Slack rate-limited the webhook (429)".into(),
                };
                retry_after.unwrap_or(backoff).min(MAX_RETRY_AFTER)
            }
            Answer::Status(code, _) if code >= 500 => {
                last = AwsFailure {
                    code: format!("SlackHTTP{code}"),
                    message: format!("Slack answered {code}"),
                };
                backoff
            }
            Answer::Status(code, _) => {
                return Err(AwsFailure {
                    code: format!("SlackHTTP{code}"),
                    message: format!("Slack refused the message ({code}); not retried"),
                })
            }
            Answer::Unreachable(why) => {
                last = AwsFailure {
                    code: "SlackUnreachable".into(),
                    message: why,
                };
                backoff
            }
        };
        if attempt < SLACK_ATTEMPTS {
            tokio::time::sleep(wait).await;
            backoff *= 2;
        }
    }
    last.message = format!("{} after {SLACK_ATTEMPTS} attempts", last.message);
    Err(last)
}

enum Answer {
    Ok,
    Status(u16, Option<Duration>),
    Unreachable(String),
}

/// Whether a webhook URL is Slack's (`https://hooks.slack.com/`, or GovSlack's), or a relay on
/// this machine (plain `http://` to 127.0.0.1 or localhost): a policy's digest never goes
/// anywhere else, whatever the variable or parameter holds.
pub fn is_slack_webhook(url: &str) -> bool {
    url.starts_with("https://hooks.slack.com/")
        || url.starts_with("https://hooks.slack-gov.com/")
        || custodian_core::filter::values_from::is_loopback_http(url)
}

fn post_once(url: &str, body: &str) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .https_only(!custodian_core::filter::values_from::is_loopback_http(url))
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    match agent.post(url).header("Content-Type", "application/json").send(body) {
        Ok(r) if r.status().is_success() => Answer::Ok,
        Ok(r) => {
            let retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            Answer::Status(r.status().as_u16(), retry_after)
        }
        // The error text may contain the URL: say only what kind of failure it was.
        Err(e) => Answer::Unreachable(format!("cannot reach the Slack webhook ({})", error_kind(&e))),
    }
}

fn error_kind(e: &ureq::Error) -> &'static str {
    match e {
        ureq::Error::Timeout(_) => "timed out",
        ureq::Error::Io(_) => "connection failed",
        ureq::Error::HostNotFound => "host not found",
        ureq::Error::Tls(_) => "TLS failed",
        _ => "request failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slack_or_a_local_relay_receives_a_digest() {
        assert!(is_slack_webhook("https://hooks.slack.com/services/T0/B0/x"));
        assert!(is_slack_webhook("http://127.0.0.1:8080/services/T0/B0/x"));
        assert!(!is_slack_webhook("https://hooks.slack.com.evil.example/x"));
        assert!(!is_slack_webhook("http://169.254.170.2/v2/credentials"));
        assert!(!is_slack_webhook("http://hooks.slack.com/services/x"));
    }
}
