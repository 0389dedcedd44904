//! One module per resource kind: its describe call (every page) and the mapping of the SDK's
//! types into the JSON the AWS CLI prints, which the core shapes exactly as snapshots.

pub mod ec2;
pub mod rds;
pub mod spot;

use crate::clients::{AwsFailure, Clients};
use custodian_core::resource::query::Query;
use custodian_core::resource::ResourceKind;
use serde_json::Value;

/// Every page of one kind's describe call with `query` as its `Filters`, each as the AWS CLI
/// prints it (compact JSON text, `{"Reservations":[...]}`), handed to `each` as it arrives (so
/// only one page's text is held at a time); what `each` made of them, one per call made.
pub async fn describe<T>(c: &Clients, kind: ResourceKind, query: &Query, each: impl FnMut(String) -> T) -> Result<Vec<T>, AwsFailure> {
    match kind {
        ResourceKind::Ec2 => ec2::describe(c, query, each).await,
        ResourceKind::Rds => rds::describe(c, query, each).await,
        // Validation refuses `query` on spot requests.
        ResourceKind::SpotRequest => spot::describe(c, each).await,
    }
}

/// A query's filters in the SDK's shape (`None` when empty, so the call carries none).
fn sdk_filters<F>(query: &Query, make: impl Fn(&str, &[String]) -> F) -> Option<Vec<F>> {
    (!query.is_empty()).then(|| query.filters.iter().map(|f| make(&f.name, &f.values)).collect())
}

/// A kind's describe call for these ids only, as the AWS CLI prints it; and the calls made.
pub async fn describe_ids(c: &Clients, kind: ResourceKind, ids: &[String]) -> Result<(Value, u64), AwsFailure> {
    match kind {
        ResourceKind::Ec2 => ec2::describe_ids(c, ids).await,
        ResourceKind::Rds => rds::describe_ids(c, ids).await,
        ResourceKind::SpotRequest => spot::describe_ids(c, ids).await,
    }
}

/// Describes `ids` with `one` in one call; when AWS refuses the batch because an id is unknown
/// (`not_found`), once per id, leaving the unknown ones out. The items and the calls made.
pub(crate) async fn by_ids<F, Fut>(ids: &[String], not_found: &str, one: F) -> Result<(Vec<Value>, u64), AwsFailure>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<Value>, u64), AwsFailure>>,
{
    match one(ids.to_vec()).await {
        Err(f) if f.code == not_found => {
            let (mut all, mut calls) = (Vec::new(), 1);
            for id in ids.iter().filter(|_| ids.len() > 1) {
                match one(vec![id.clone()]).await {
                    Ok((items, n)) => {
                        all.extend(items);
                        calls += n;
                    }
                    Err(f) if f.code == not_found => calls += 1,
                    Err(f) => return Err(f),
                }
            }
            Ok((all, calls))
        }
        other => other,
    }
}

/// `service.Operation` of a kind's describe call, as c7n's `api-stats` names calls.
pub fn operation_name(kind: ResourceKind) -> String {
    kind.spec().collection.describe_api.replacen(':', ".", 1)
}
