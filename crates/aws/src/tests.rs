//! The SDK layer with mocked clients (aws-smithy-mocks): pagination, throttling then success,
//! a partial failure in a batch.

use crate::apply::send;
use crate::clients::{Clients, EC2_PAGE, RDS_PAGE};
use crate::kinds::describe as describe_kind;
use aws_sdk_ec2::operation::describe_instances::DescribeInstancesOutput;
use aws_sdk_ec2::operation::stop_instances::{StopInstancesError, StopInstancesOutput};
use aws_sdk_ec2::types::{Instance, InstanceState, InstanceStateName, Reservation};
use aws_sdk_rds::operation::describe_db_instances::{DescribeDBInstancesError, DescribeDbInstancesOutput};
use aws_sdk_rds::types::DbInstance;
use aws_smithy_mocks::{mock, mock_client, MockResponse, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use custodian_core::action::request::{Operation, Request};
use custodian_core::resource::ResourceKind;

fn reservation(id: &str, instances: &[&str]) -> Reservation {
    Reservation::builder()
        .reservation_id(id)
        .set_instances(Some(
            instances
                .iter()
                .map(|i| {
                    Instance::builder()
                        .instance_id(*i)
                        .state(InstanceState::builder().name(InstanceStateName::Running).code(16).build())
                        .build()
                })
                .collect(),
        ))
        .build()
}

/// Clients whose other services are never called here.
fn clients(ec2: aws_sdk_ec2::Client, rds: aws_sdk_rds::Client) -> Clients {
    let region = aws_sdk_sns::config::Region::new("us-east-1");
    let v = aws_sdk_sns::config::BehaviorVersion::latest();
    Clients {
        ec2,
        rds,
        sns: aws_sdk_sns::Client::from_conf(aws_sdk_sns::Config::builder().behavior_version(v).region(region.clone()).build()),
        sqs: aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::Config::builder().behavior_version(v).region(region.clone()).build()),
        ssm: aws_sdk_ssm::Client::from_conf(aws_sdk_ssm::Config::builder().behavior_version(v).region(region.clone()).build()),
        cloudwatch: aws_sdk_cloudwatch::Client::from_conf(
            aws_sdk_cloudwatch::Config::builder()
                .behavior_version(v)
                .region(region.clone())
                .build(),
        ),
        iam: aws_sdk_iam::Client::from_conf(aws_sdk_iam::Config::builder().behavior_version(v).region(region.clone()).build()),
        kms: aws_sdk_kms::Client::from_conf(aws_sdk_kms::Config::builder().behavior_version(v).region(region.clone()).build()),
        s3: aws_sdk_s3::Client::from_conf(aws_sdk_s3::Config::builder().behavior_version(v).region(region).build()),
    }
}

fn rds_client(rules: &[&aws_smithy_mocks::Rule]) -> aws_sdk_rds::Client {
    mock_client!(aws_sdk_rds, RuleMode::Sequential, rules, |c| c.retry_config(
        aws_sdk_rds::config::retry::RetryConfig::standard()
            .with_max_attempts(4)
            .with_initial_backoff(std::time::Duration::from_millis(1))
    ))
}

#[tokio::test]
async fn describe_follows_every_page_at_the_largest_page_size() {
    let page1 = mock!(aws_sdk_ec2::Client::describe_instances)
        .match_requests(|r| r.max_results() == Some(EC2_PAGE) && r.next_token().is_none())
        .then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(reservation("r-1", &["i-1", "i-2"]))
                .next_token("t-1")
                .build()
        });
    let page2 = mock!(aws_sdk_ec2::Client::describe_instances)
        .match_requests(|r| r.max_results() == Some(EC2_PAGE) && r.next_token() == Some("t-1"))
        .then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(reservation("r-2", &["i-3"]))
                .build()
        });
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&page1, &page2]);
    let c = clients(ec2, rds_client(&[]));
    let pages = describe_kind(&c, ResourceKind::Ec2, &Default::default(), |p| p).await.unwrap();
    assert_eq!(pages.len(), 2, "one text per page");
    assert_eq!(page1.num_calls() + page2.num_calls(), 2);
    let docs: Vec<serde_json::Value> = pages.iter().map(|p| serde_json::from_str(p).unwrap()).collect();
    let reservations: Vec<&serde_json::Value> = docs.iter().flat_map(|d| d["Reservations"].as_array().unwrap()).collect();
    let ids: Vec<&str> = reservations
        .iter()
        .flat_map(|r| r["Instances"].as_array().unwrap())
        .map(|i| i["InstanceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["i-1", "i-2", "i-3"]);
    assert_eq!(reservations[1]["ReservationId"], "r-2");
    assert_eq!(
        reservations[0]["Instances"][0]["State"],
        serde_json::json!({"Code": 16, "Name": "running"})
    );
}

#[tokio::test]
async fn throttling_is_retried_until_success() {
    let throttled = mock!(aws_sdk_rds::Client::describe_db_instances)
        .match_requests(|r| r.max_records() == Some(RDS_PAGE))
        .sequence()
        .error(|| DescribeDBInstancesError::generic(ErrorMetadata::builder().code("Throttling").message("Rate exceeded").build()))
        .times(2)
        .output(|| {
            DescribeDbInstancesOutput::builder()
                .db_instances(DbInstance::builder().db_instance_identifier("db-1").build())
                .build()
        })
        .build();
    let c = clients(mock_client!(aws_sdk_ec2, []), rds_client(&[&throttled]));
    let pages = describe_kind(&c, ResourceKind::Rds, &Default::default(), |p| p).await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&pages[0]).unwrap();
    assert_eq!(throttled.num_calls(), 3, "two throttled attempts, then success");
    assert_eq!(pages.len(), 1, "one page");
    assert_eq!(doc["DBInstances"][0]["DBInstanceIdentifier"], "db-1");
}

#[tokio::test]
async fn errors_that_persist_carry_the_aws_error_code() {
    let denied = mock!(aws_sdk_rds::Client::describe_db_instances)
        .then_error(|| DescribeDBInstancesError::generic(ErrorMetadata::builder().code("AccessDenied").message("no").build()));
    let c = clients(mock_client!(aws_sdk_ec2, []), rds_client(&[&denied]));
    let f = describe_kind(&c, ResourceKind::Rds, &Default::default(), |p| p).await.unwrap_err();
    assert_eq!(f.code, "AccessDenied");
}

#[tokio::test]
async fn a_failing_id_in_a_batch_does_not_stop_the_others() {
    let stop = mock!(aws_sdk_ec2::Client::stop_instances).then_compute_response(|r| {
        if r.instance_ids().iter().any(|i| i == "i-bad") {
            MockResponse::Error(StopInstancesError::generic(
                ErrorMetadata::builder()
                    .code("IncorrectInstanceState")
                    .message("The instance 'i-bad' is not in a state from which it can be stopped.")
                    .build(),
            ))
        } else {
            MockResponse::Output(StopInstancesOutput::builder().build())
        }
    });
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&stop]);
    let c = clients(ec2, rds_client(&[]));
    let request = Request {
        ids: vec!["i-1".into(), "i-bad".into(), "i-3".into()],
        operation: Operation::Ec2StopInstances {
            hibernate: false,
            force: false,
        },
    };
    let (outcomes, calls) = send(&c, &request).await;
    assert_eq!(
        outcomes.iter().map(|o| (o.id.as_str(), o.error.as_deref())).collect::<Vec<_>>(),
        vec![("i-1", None), ("i-bad", Some("IncorrectInstanceState")), ("i-3", None)]
    );
    assert_eq!(stop.num_calls(), 4, "the batch, then one call per id");
    assert_eq!(calls.get("ec2.StopInstances"), Some(&4));
}

#[tokio::test]
async fn a_query_is_sent_as_the_describe_calls_filters() {
    let query = custodian_core::resource::query::Query::new([
        ("instance-state-name".to_string(), vec!["running".to_string()]),
        ("tag:Owner".to_string(), vec!["alice".to_string(), "bob".to_string()]),
    ]);
    let filtered = mock!(aws_sdk_ec2::Client::describe_instances)
        .match_requests(|r| {
            let f = r.filters();
            f.len() == 2
                && f[0].name() == Some("instance-state-name")
                && f[0].values() == ["running"]
                && f[1].name() == Some("tag:Owner")
                && f[1].values() == ["alice", "bob"]
        })
        .then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(reservation("r-1", &["i-1"]))
                .build()
        });
    let c = clients(mock_client!(aws_sdk_ec2, [&filtered]), rds_client(&[]));
    let pages = describe_kind(&c, ResourceKind::Ec2, &query, |p| p).await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&pages[0]).unwrap();
    assert_eq!((pages.len(), filtered.num_calls()), (1, 1));
    assert_eq!(doc["Reservations"][0]["Instances"][0]["InstanceId"], "i-1");
}

#[tokio::test]
async fn instance_attributes_are_retried_on_throttling_and_gone_instances_left_out() {
    use aws_sdk_ec2::operation::describe_instance_attribute::{DescribeInstanceAttributeError, DescribeInstanceAttributeOutput};
    use aws_sdk_ec2::types::AttributeBooleanValue;
    let throttled = mock!(aws_sdk_ec2::Client::describe_instance_attribute)
        .match_requests(|r| r.instance_id() == Some("i-1"))
        .sequence()
        .error(|| DescribeInstanceAttributeError::generic(ErrorMetadata::builder().code("RequestLimitExceeded").build()))
        .times(2)
        .output(|| {
            DescribeInstanceAttributeOutput::builder()
                .instance_id("i-1")
                .disable_api_termination(AttributeBooleanValue::builder().value(true).build())
                .build()
        })
        .build();
    let gone = mock!(aws_sdk_ec2::Client::describe_instance_attribute)
        .match_requests(|r| r.instance_id() == Some("i-gone"))
        .then_error(|| DescribeInstanceAttributeError::generic(ErrorMetadata::builder().code("InvalidInstanceID.NotFound").build()));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&throttled, &gone], |c| c.retry_config(
        aws_sdk_ec2::config::retry::RetryConfig::standard()
            .with_max_attempts(4)
            .with_initial_backoff(std::time::Duration::from_millis(1))
    ));
    let c = clients(ec2, rds_client(&[]));
    let ids = vec!["i-1".to_string(), "i-gone".to_string()];
    let (answers, calls) = crate::related::instance_attributes(&c, "disableApiTermination", &ids)
        .await
        .unwrap();
    assert_eq!(throttled.num_calls(), 3, "two throttled attempts, then the answer");
    assert_eq!(calls, 2);
    assert_eq!(
        answers,
        vec![serde_json::json!({"InstanceId": "i-1", "DisableApiTermination": {"Value": true}})]
    );
}

#[tokio::test]
async fn set_monitoring_sends_one_monitor_instances_call_per_batch() {
    // (moto does not serve MonitorInstances, so this layer is tested with mocks.)
    use aws_sdk_ec2::operation::monitor_instances::MonitorInstancesOutput;
    let monitor = mock!(aws_sdk_ec2::Client::monitor_instances)
        .match_requests(|r| r.instance_ids() == ["i-1", "i-2"])
        .then_output(|| MonitorInstancesOutput::builder().build());
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&monitor]);
    let c = clients(ec2, rds_client(&[]));
    let request = Request {
        ids: vec!["i-1".into(), "i-2".into()],
        operation: Operation::Ec2MonitorInstances { enable: true },
    };
    let (outcomes, calls) = send(&c, &request).await;
    assert_eq!(monitor.num_calls(), 1);
    assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
    assert_eq!(calls.get("ec2.MonitorInstances"), Some(&1));
}

#[tokio::test]
async fn engine_versions_are_read_per_engine_in_use_with_every_page() {
    use aws_sdk_rds::operation::describe_db_engine_versions::DescribeDbEngineVersionsOutput;
    use aws_sdk_rds::types::{DbEngineVersion, UpgradeTarget};
    let version = |v: &str, targets: &[&str]| {
        DbEngineVersion::builder()
            .engine("postgres")
            .engine_version(v)
            .status("available")
            .set_valid_upgrade_target(Some(
                targets
                    .iter()
                    .map(|t| UpgradeTarget::builder().engine_version(*t).is_major_version_upgrade(false).build())
                    .collect(),
            ))
            .build()
    };
    let page1 = mock!(aws_sdk_rds::Client::describe_db_engine_versions)
        .match_requests(|r| r.engine() == Some("postgres") && r.include_all() == Some(true) && r.marker().is_none())
        .then_output(move || {
            DescribeDbEngineVersionsOutput::builder()
                .db_engine_versions(version("13.9", &["13.10"]))
                .marker("m-1")
                .build()
        });
    let page2 = mock!(aws_sdk_rds::Client::describe_db_engine_versions)
        .match_requests(|r| r.marker() == Some("m-1"))
        .then_output(move || {
            DescribeDbEngineVersionsOutput::builder()
                .db_engine_versions(version("13.10", &[]))
                .build()
        });
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::Sequential, []);
    let c = clients(ec2, rds_client(&[&page1, &page2]));
    let (docs, calls) = crate::related_config::describe(
        &c,
        custodian_core::resource::related::Related::EngineVersions,
        Some(&["postgres".to_string()]),
    )
    .await
    .unwrap();
    assert_eq!(calls, 2);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["Engine"], "postgres");
    let versions = docs[0]["DBEngineVersions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["ValidUpgradeTarget"][0]["EngineVersion"], "13.10");
    assert_eq!(
        custodian_core::filter::related::upgrade_target(versions, "13.9", false),
        Some("13.10"),
        "the filter's rule over the SDK's answer"
    );
}
