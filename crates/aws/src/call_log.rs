//! One debug log line per AWS API call attempt: service and operation, region, account, how
//! many resource ids the request names, the attempt number, the HTTP status (or the transport
//! error) and the duration. The account is `-` until the provider has learnt it (STS). Never a header, a credential, a body or a tag value: the ids are
//! counted in the request's form, not logged.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The account the calls are made in, once known (shared with the provider's cache).
pub type AccountCell = Arc<Mutex<Option<Option<String>>>>;

/// The interceptor, one per provider.
#[derive(Debug, Clone)]
pub struct CallLog {
    account: AccountCell,
}

impl CallLog {
    /// Logs the calls of clients in `account`.
    pub fn new(account: AccountCell) -> CallLog {
        CallLog { account }
    }
}

/// When the attempt's request left, and how many ids it named.
#[derive(Debug, Clone)]
struct Attempt {
    start: Instant,
    ids: usize,
}

impl Storable for Attempt {
    type Storer = StoreReplace<Self>;
}

/// Resource ids a query-protocol form names (`InstanceId.1=...`, `ResourceId.3=...`,
/// `DBInstanceIdentifier=...`, `InstanceSpecification.InstanceId=...`).
pub fn ids_in_form(body: &[u8]) -> usize {
    const ID_NAMES: [&str; 5] = [
        "InstanceId",
        "ResourceId",
        "SpotInstanceRequestId",
        "DBInstanceIdentifier",
        "ResourceName",
    ];
    body.split(|b| *b == b'&')
        .filter_map(|pair| pair.split(|b| *b == b'=').next())
        .filter(|key| {
            let key = std::str::from_utf8(key).unwrap_or("");
            let name = key.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            let last = name.rsplit('.').next().unwrap_or(name);
            ID_NAMES.contains(&last)
        })
        .count()
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let request = context.request();
            let form = request
                .headers()
                .get("content-type")
                .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
            let ids = match request.body().bytes() {
                Some(b) if form => ids_in_form(b),
                _ => 0,
            };
            cfg.interceptor_state().store_put(Attempt {
                start: Instant::now(),
                ids,
            });
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(attempt) = cfg.load::<Attempt>() else {
            return Ok(());
        };
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_default();
        let region = cfg.load::<aws_config::Region>().map(|r| r.to_string()).unwrap_or_default();
        // Not waiting: the provider holds the lock while it asks STS for the account.
        let account = self
            .account
            .try_lock()
            .ok()
            .and_then(|a| a.clone().flatten())
            .unwrap_or_else(|| "-".into());
        let status = match context.response() {
            Some(r) => r.status().as_u16().to_string(),
            None => "no answer".into(),
        };
        tracing::debug!(
            service = %service,
            operation = %operation,
            region = %region,
            account = %account,
            ids = attempt.ids,
            attempt = cfg.load::<RequestAttempts>().map(|a| a.attempts()).unwrap_or(1),
            status = %status,
            ms = attempt.start.elapsed().as_millis() as u64,
            "api call"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ids_in_form;

    #[test]
    fn counts_the_ids_a_form_names() {
        assert_eq!(
            ids_in_form(b"Action=StopInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2"),
            2
        );
        assert_eq!(ids_in_form(b"Action=CreateTags&ResourceId.1=i-1&Tag.1.Key=a&Tag.1.Value=b"), 1);
        assert_eq!(ids_in_form(b"Action=CreateSnapshots&InstanceSpecification.InstanceId=i-1"), 1);
        assert_eq!(ids_in_form(b"Action=StopDBInstance&DBInstanceIdentifier=db-1"), 1);
        assert_eq!(ids_in_form(b"Action=DescribeInstances&MaxResults=1000"), 0);
    }
}
