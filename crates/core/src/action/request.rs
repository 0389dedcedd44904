//! Typed AWS requests: one [`Operation`] variant per API call custodian sends, with its
//! parameters, its IAM permissions and its effect on a resource document. A request is written
//! to `metadata.json` as `{"api": "ec2:StopInstances", "ids": [...], "params": {...}}`.

use crate::resource::ResourceKind;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

/// One API request a real run sends: an operation on some resource ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The resource ids the request names (one for RDS calls).
    pub ids: Vec<String>,
    /// The operation and its parameters.
    pub operation: Operation,
}

/// The AWS service a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Amazon EC2 (its calls take `DryRun`).
    Ec2,
    /// Amazon RDS.
    Rds,
    /// Amazon SNS (notifications).
    Sns,
    /// Amazon SQS (notifications).
    Sqs,
    /// A Slack incoming webhook (notifications).
    Slack,
}

/// Where a Slack webhook's URL comes from: never the policy text, never a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Webhook {
    /// The environment variable holding it.
    Env(String),
    /// The SSM parameter (a SecureString) holding it.
    Ssm(String),
}

impl Webhook {
    /// How `metadata.json` names it: `env:NAME` or `ssm:/path` (the URL itself never appears).
    pub fn describe(&self) -> String {
        match self {
            Webhook::Env(n) => format!("env:{n}"),
            Webhook::Ssm(p) => format!("ssm:{p}"),
        }
    }
}

/// Every API operation custodian sends, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `ec2:CreateTags`: set tags (EC2 instances, spot requests).
    Ec2CreateTags {
        /// `(key, value)` pairs.
        tags: Vec<(String, String)>,
    },
    /// `ec2:DeleteTags`: remove tags by key.
    Ec2DeleteTags {
        /// Keys to remove.
        keys: Vec<String>,
    },
    /// `ec2:StopInstances`.
    Ec2StopInstances {
        /// Hibernate instead of stopping.
        hibernate: bool,
        /// If refused for stop protection, clear it (`ec2:ModifyInstanceAttribute`) and retry.
        force: bool,
    },
    /// `ec2:StartInstances`.
    Ec2StartInstances,
    /// `ec2:RebootInstances`.
    Ec2RebootInstances,
    /// `ec2:ModifyInstanceAttribute` of `InstanceType` (one instance a call); with `restart`,
    /// `StopInstances` first, waiting until stopped, and `StartInstances` after.
    Ec2ModifyInstanceType {
        /// The new type.
        instance_type: String,
        /// Stop the (running) instance first and start it after.
        restart: bool,
    },
    /// `ec2:MonitorInstances` (`enable`) or `ec2:UnmonitorInstances`.
    Ec2MonitorInstances {
        /// Turn detailed monitoring on.
        enable: bool,
    },
    /// `ec2:ModifyInstanceMetadataOptions` (one instance a call).
    Ec2ModifyInstanceMetadataOptions {
        /// `(HttpTokens, "required")`, ...: the options and their values.
        options: Vec<(String, Value)>,
    },
    /// `ec2:TerminateInstances`.
    Ec2TerminateInstances {
        /// If refused for termination protection, clear it and retry.
        force: bool,
    },
    /// `ec2:CancelSpotInstanceRequests`.
    Ec2CancelSpotInstanceRequests,
    /// `ec2:ModifyNetworkInterfaceAttribute`: the security groups of one interface of the
    /// instance.
    Ec2ModifyNetworkInterfaceGroups {
        /// The interface id.
        interface: String,
        /// Its groups, all of them.
        groups: Vec<String>,
    },
    /// `ec2:CreateSnapshots`: one snapshot of each EBS volume of the instance.
    Ec2CreateSnapshots {
        /// `Description`.
        description: String,
        /// `InstanceSpecification.ExcludeBootVolume`.
        exclude_boot: bool,
        /// `CopyTagsFromSource: volume`.
        copy_volume_tags: bool,
        /// `TagSpecifications` of the snapshots (with `copy_volume_tags` off).
        tags: Vec<(String, String)>,
    },
    /// `rds:AddTagsToResource`.
    RdsAddTagsToResource {
        /// The instance's ARN (`ResourceName`).
        arn: Option<String>,
        /// `(key, value)` pairs.
        tags: Vec<(String, String)>,
    },
    /// `rds:RemoveTagsFromResource`.
    RdsRemoveTagsFromResource {
        /// The instance's ARN (`ResourceName`).
        arn: Option<String>,
        /// Keys to remove.
        keys: Vec<String>,
    },
    /// `rds:StopDBInstance`.
    RdsStopDbInstance,
    /// `rds:StartDBInstance`.
    RdsStartDbInstance,
    /// `rds:CreateDBSnapshot`.
    RdsCreateDbSnapshot {
        /// `DBSnapshotIdentifier`.
        snapshot: String,
    },
    /// `rds:ModifyDBInstance` with these parameters (`AllocatedStorage`, `ApplyImmediately`, ...).
    RdsModifyDbInstance {
        /// `(parameter, value)` in the API's names.
        params: Vec<(String, Value)>,
    },
    /// `rds:DeleteDBInstance`.
    RdsDeleteDbInstance {
        /// `FinalDBSnapshotIdentifier`; `None` sends `SkipFinalSnapshot`.
        final_snapshot: Option<String>,
    },
    /// `sns:Publish` of a notification about the ids.
    SnsPublish {
        /// `TopicArn` (its region is the call's).
        topic_arn: String,
        /// `Message`.
        message: String,
        /// `Subject`, when set.
        subject: Option<String>,
        /// String `MessageAttributes`.
        attributes: Vec<(String, String)>,
    },
    /// `sqs:SendMessage` of a notification about the ids.
    SqsSendMessage {
        /// `QueueUrl`.
        queue_url: String,
        /// `MessageBody`.
        body: String,
        /// String `MessageAttributes`.
        attributes: Vec<(String, String)>,
    },
    /// A Slack message (Block Kit JSON) about the ids, posted to an incoming webhook.
    SlackPost {
        /// Where the webhook URL comes from.
        webhook: Webhook,
        /// The JSON body.
        payload: String,
    },
}

impl Operation {
    /// `service:Operation`, as in IAM.
    pub fn api(&self) -> &'static str {
        match self {
            Operation::Ec2CreateTags { .. } => "ec2:CreateTags",
            Operation::Ec2DeleteTags { .. } => "ec2:DeleteTags",
            Operation::Ec2StopInstances { .. } => "ec2:StopInstances",
            Operation::Ec2StartInstances => "ec2:StartInstances",
            Operation::Ec2RebootInstances => "ec2:RebootInstances",
            Operation::Ec2ModifyInstanceMetadataOptions { .. } => "ec2:ModifyInstanceMetadataOptions",
            Operation::Ec2ModifyInstanceType { .. } => "ec2:ModifyInstanceAttribute",
            Operation::Ec2MonitorInstances { enable: true } => "ec2:MonitorInstances",
            Operation::Ec2MonitorInstances { enable: false } => "ec2:UnmonitorInstances",
            Operation::RdsModifyDbInstance { .. } => "rds:ModifyDBInstance",
            Operation::Ec2TerminateInstances { .. } => "ec2:TerminateInstances",
            Operation::Ec2CancelSpotInstanceRequests => "ec2:CancelSpotInstanceRequests",
            Operation::Ec2ModifyNetworkInterfaceGroups { .. } => "ec2:ModifyNetworkInterfaceAttribute",
            Operation::Ec2CreateSnapshots { .. } => "ec2:CreateSnapshots",
            Operation::RdsAddTagsToResource { .. } => "rds:AddTagsToResource",
            Operation::RdsRemoveTagsFromResource { .. } => "rds:RemoveTagsFromResource",
            Operation::RdsStopDbInstance => "rds:StopDBInstance",
            Operation::RdsStartDbInstance => "rds:StartDBInstance",
            Operation::RdsCreateDbSnapshot { .. } => "rds:CreateDBSnapshot",
            Operation::RdsDeleteDbInstance { .. } => "rds:DeleteDBInstance",
            Operation::SnsPublish { .. } => "sns:Publish",
            Operation::SqsSendMessage { .. } => "sqs:SendMessage",
            Operation::SlackPost { .. } => "slack:PostMessage",
        }
    }

    /// The kind of resource its ids name, sent by a policy on `policy_kind`: instance calls
    /// name instances (a spot request policy's `cancel` terminates instances), spot calls spot
    /// requests, RDS calls DB instances; tagging, snapshots and messages name the policy's own.
    pub fn target_kind(&self, policy_kind: ResourceKind) -> ResourceKind {
        match self {
            Operation::Ec2StopInstances { .. }
            | Operation::Ec2StartInstances
            | Operation::Ec2RebootInstances
            | Operation::Ec2ModifyInstanceMetadataOptions { .. }
            | Operation::Ec2ModifyInstanceType { .. }
            | Operation::Ec2MonitorInstances { .. }
            | Operation::Ec2TerminateInstances { .. }
            | Operation::Ec2ModifyNetworkInterfaceGroups { .. } => ResourceKind::Ec2,
            Operation::Ec2CancelSpotInstanceRequests => ResourceKind::SpotRequest,
            Operation::RdsAddTagsToResource { .. }
            | Operation::RdsRemoveTagsFromResource { .. }
            | Operation::RdsStopDbInstance
            | Operation::RdsStartDbInstance
            | Operation::RdsCreateDbSnapshot { .. }
            | Operation::RdsModifyDbInstance { .. }
            | Operation::RdsDeleteDbInstance { .. } => ResourceKind::Rds,
            Operation::Ec2CreateTags { .. }
            | Operation::Ec2DeleteTags { .. }
            | Operation::Ec2CreateSnapshots { .. }
            | Operation::SnsPublish { .. }
            | Operation::SqsSendMessage { .. }
            | Operation::SlackPost { .. } => policy_kind,
        }
    }

    /// The service it goes to.
    pub fn service(&self) -> Service {
        match self {
            Operation::Ec2CreateTags { .. }
            | Operation::Ec2DeleteTags { .. }
            | Operation::Ec2StopInstances { .. }
            | Operation::Ec2StartInstances
            | Operation::Ec2RebootInstances
            | Operation::Ec2ModifyInstanceMetadataOptions { .. }
            | Operation::Ec2ModifyInstanceType { .. }
            | Operation::Ec2MonitorInstances { .. }
            | Operation::Ec2TerminateInstances { .. }
            | Operation::Ec2CancelSpotInstanceRequests
            | Operation::Ec2ModifyNetworkInterfaceGroups { .. }
            | Operation::Ec2CreateSnapshots { .. } => Service::Ec2,
            Operation::RdsAddTagsToResource { .. }
            | Operation::RdsRemoveTagsFromResource { .. }
            | Operation::RdsStopDbInstance
            | Operation::RdsStartDbInstance
            | Operation::RdsCreateDbSnapshot { .. }
            | Operation::RdsModifyDbInstance { .. }
            | Operation::RdsDeleteDbInstance { .. } => Service::Rds,
            Operation::SnsPublish { .. } => Service::Sns,
            Operation::SqsSendMessage { .. } => Service::Sqs,
            Operation::SlackPost { .. } => Service::Slack,
        }
    }

    /// The IAM actions sending it may take: its own, plus `ec2:DescribeInstanceAttribute` and
    /// `ec2:ModifyInstanceAttribute` for a forced stop or terminate; a Slack post needs none, or `ssm:GetParameter` to read its
    /// webhook.
    pub fn permissions(&self) -> Vec<&'static str> {
        let mut out = vec![self.api()];
        match self {
            Operation::SlackPost { webhook, .. } => {
                out.clear();
                if let Webhook::Ssm(_) = webhook {
                    out.push("ssm:GetParameter");
                }
            }
            Operation::SnsPublish { .. } | Operation::SqsSendMessage { .. } => {}
            Operation::Ec2CreateSnapshots { tags, .. } if !tags.is_empty() => out.push("ec2:CreateTags"),
            Operation::Ec2CreateSnapshots { .. } => {}
            Operation::Ec2StopInstances { force: true, .. } | Operation::Ec2TerminateInstances { force: true } => {
                out.extend(["ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute"])
            }
            Operation::Ec2ModifyInstanceType { restart: true, .. } => {
                out.extend(["ec2:StopInstances", "ec2:StartInstances"]);
            }
            Operation::Ec2ModifyInstanceType { restart: false, .. } | Operation::RdsModifyDbInstance { .. } => {}
            Operation::Ec2CreateTags { .. }
            | Operation::Ec2DeleteTags { .. }
            | Operation::Ec2StopInstances { .. }
            | Operation::Ec2StartInstances
            | Operation::Ec2RebootInstances
            | Operation::Ec2ModifyInstanceMetadataOptions { .. }
            | Operation::Ec2MonitorInstances { .. }
            | Operation::Ec2TerminateInstances { .. }
            | Operation::Ec2CancelSpotInstanceRequests
            | Operation::Ec2ModifyNetworkInterfaceGroups { .. }
            | Operation::RdsAddTagsToResource { .. }
            | Operation::RdsRemoveTagsFromResource { .. }
            | Operation::RdsStopDbInstance
            | Operation::RdsStartDbInstance
            | Operation::RdsCreateDbSnapshot { .. }
            | Operation::RdsDeleteDbInstance { .. } => {}
        }
        out
    }

    /// The parameters besides the ids, as `metadata.json` shows them (`Null`: none).
    pub fn params(&self) -> Value {
        match self {
            Operation::Ec2CreateTags { tags } => json!({ "Tags": tag_list(tags) }),
            Operation::Ec2DeleteTags { keys } => {
                json!({"Tags": keys.iter().map(|k| json!({"Key": k})).collect::<Vec<_>>()})
            }
            Operation::Ec2StopInstances { hibernate, force } => {
                let mut params = Map::new();
                if *hibernate {
                    params.insert("Hibernate".into(), json!(true));
                }
                if *force {
                    params.insert("Force".into(), json!(true));
                }
                if params.is_empty() {
                    Value::Null
                } else {
                    Value::Object(params)
                }
            }
            Operation::Ec2TerminateInstances { force: true } => json!({"Force": true}),
            Operation::Ec2ModifyInstanceMetadataOptions { options } => Value::Object(options.iter().cloned().collect()),
            Operation::Ec2ModifyInstanceType { instance_type, restart } => {
                let mut p = json!({"InstanceType": {"Value": instance_type}});
                if *restart {
                    p["StopAndStartAround"] = json!(true);
                }
                p
            }
            Operation::RdsModifyDbInstance { params } => Value::Object(params.iter().cloned().collect()),
            Operation::Ec2ModifyNetworkInterfaceGroups { interface, groups } => {
                json!({"NetworkInterfaceId": interface, "Groups": groups})
            }
            Operation::Ec2CreateSnapshots {
                description,
                exclude_boot,
                copy_volume_tags,
                tags,
            } => {
                let mut p = json!({"Description": description, "InstanceSpecification": {"ExcludeBootVolume": exclude_boot}});
                if *copy_volume_tags {
                    p["CopyTagsFromSource"] = json!("volume");
                }
                if !tags.is_empty() {
                    p["TagSpecifications"] = json!([{"ResourceType": "snapshot", "Tags": tag_list(tags)}]);
                }
                p
            }
            Operation::Ec2TerminateInstances { force: false }
            | Operation::Ec2MonitorInstances { .. }
            | Operation::Ec2StartInstances
            | Operation::Ec2RebootInstances
            | Operation::Ec2CancelSpotInstanceRequests
            | Operation::RdsStopDbInstance
            | Operation::RdsStartDbInstance => Value::Null,
            Operation::RdsAddTagsToResource { arn, tags } => json!({"ResourceName": arn, "Tags": tag_list(tags)}),
            Operation::RdsRemoveTagsFromResource { arn, keys } => json!({"ResourceName": arn, "TagKeys": keys}),
            Operation::RdsCreateDbSnapshot { snapshot } => json!({ "DBSnapshotIdentifier": snapshot }),
            Operation::RdsDeleteDbInstance { final_snapshot: None } => json!({"SkipFinalSnapshot": true}),
            Operation::RdsDeleteDbInstance { final_snapshot: Some(s) } => json!({ "FinalDBSnapshotIdentifier": s }),
            Operation::SnsPublish {
                topic_arn,
                message,
                subject,
                attributes,
            } => {
                let mut p = json!({"TopicArn": topic_arn, "Message": message, "MessageAttributes": attribute_map(attributes)});
                if let Some(s) = subject {
                    p["Subject"] = json!(s);
                }
                p
            }
            Operation::SqsSendMessage {
                queue_url,
                body,
                attributes,
            } => json!({"QueueUrl": queue_url, "MessageBody": body, "MessageAttributes": attribute_map(attributes)}),
            Operation::SlackPost { webhook, payload } => json!({
                "Webhook": webhook.describe(),
                "Payload": serde_json::from_str::<Value>(payload).unwrap_or(Value::Null),
            }),
        }
    }

    /// The top-level keys whose values [`Operation::effect`] reads; every other key it touches,
    /// it writes whole (so a document of these keys alone, plus earlier changes, is enough to
    /// find what it changes).
    pub fn effect_reads(&self) -> &'static [&'static str] {
        match self {
            Operation::Ec2CreateTags { .. }
            | Operation::Ec2DeleteTags { .. }
            | Operation::RdsAddTagsToResource { .. }
            | Operation::RdsRemoveTagsFromResource { .. } => &["Tags"],
            Operation::Ec2ModifyNetworkInterfaceGroups { .. } => &["NetworkInterfaces"],
            Operation::Ec2ModifyInstanceMetadataOptions { .. } => &["MetadataOptions"],
            Operation::Ec2StopInstances { .. }
            | Operation::Ec2StartInstances
            | Operation::Ec2RebootInstances
            | Operation::Ec2ModifyInstanceType { .. }
            | Operation::Ec2MonitorInstances { .. }
            | Operation::Ec2TerminateInstances { .. }
            | Operation::Ec2CancelSpotInstanceRequests
            | Operation::Ec2CreateSnapshots { .. }
            | Operation::RdsStopDbInstance
            | Operation::RdsStartDbInstance
            | Operation::RdsCreateDbSnapshot { .. }
            | Operation::RdsModifyDbInstance { .. }
            | Operation::RdsDeleteDbInstance { .. }
            | Operation::SnsPublish { .. }
            | Operation::SqsSendMessage { .. }
            | Operation::SlackPost { .. } => &[],
        }
    }

    /// What a successful call does to each named resource's document, as the next describe
    /// would show it.
    pub fn effect(&self, doc: &mut Map<String, Value>) {
        let state = |code: i64, name: &str| json!({"Code": code, "Name": name});
        match self {
            Operation::Ec2CreateTags { tags } | Operation::RdsAddTagsToResource { tags, .. } => {
                let mut current = crate::resource::tag_pairs(doc.get("Tags"));
                for (k, v) in tags {
                    match current.iter_mut().find(|(key, _)| key == k) {
                        Some(existing) => existing.1 = v.clone(),
                        None => current.push((k.clone(), v.clone())),
                    }
                }
                doc.insert("Tags".into(), tag_list(&current));
            }
            Operation::Ec2DeleteTags { keys } | Operation::RdsRemoveTagsFromResource { keys, .. } => {
                let mut current = crate::resource::tag_pairs(doc.get("Tags"));
                current.retain(|(k, _)| !keys.contains(k));
                doc.insert("Tags".into(), tag_list(&current));
            }
            Operation::Ec2StopInstances { .. } => {
                doc.insert("State".into(), state(64, "stopping"));
            }
            Operation::Ec2StartInstances => {
                doc.insert("State".into(), state(0, "pending"));
            }
            Operation::Ec2TerminateInstances { .. } => {
                doc.insert("State".into(), state(32, "shutting-down"));
            }
            // An instance stays `running` through a reboot, and its snapshots are other
            // resources: nothing a describe shows changes.
            Operation::Ec2RebootInstances | Operation::Ec2CreateSnapshots { .. } => {}
            Operation::Ec2CancelSpotInstanceRequests => {
                doc.insert("State".into(), Value::String("cancelled".into()));
            }
            Operation::Ec2ModifyInstanceType { instance_type, .. } => {
                doc.insert("InstanceType".into(), Value::String(instance_type.clone()));
            }
            Operation::Ec2ModifyNetworkInterfaceGroups { interface, groups } => {
                let new = Value::Array(groups.iter().map(|g| json!({ "GroupId": g })).collect());
                let enis = doc.entry("NetworkInterfaces").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(enis) = enis {
                    match enis
                        .iter_mut()
                        .find(|e| e.get("NetworkInterfaceId").and_then(Value::as_str) == Some(interface.as_str()))
                    {
                        Some(eni) => eni["Groups"] = new,
                        None => enis.push(json!({"NetworkInterfaceId": interface, "Groups": new})),
                    }
                }
            }
            Operation::Ec2MonitorInstances { enable } => {
                let state = if *enable { "pending" } else { "disabling" };
                doc.insert("Monitoring".into(), json!({ "State": state }));
            }
            Operation::RdsModifyDbInstance { params } => {
                // AWS applies PubliclyAccessible at once, whatever ApplyImmediately says.
                let immediate = params.iter().any(|(k, v)| k == "ApplyImmediately" && v == &Value::Bool(true))
                    || params.iter().all(|(k, _)| k == "PubliclyAccessible");
                let changes = params.iter().filter(|(k, _)| k != "ApplyImmediately");
                if immediate {
                    doc.insert("DBInstanceStatus".into(), Value::String("modifying".into()));
                    for (k, v) in changes {
                        doc.insert(k.clone(), v.clone());
                    }
                } else {
                    doc.insert("PendingModifiedValues".into(), Value::Object(changes.cloned().collect()));
                }
            }
            Operation::Ec2ModifyInstanceMetadataOptions { options } => {
                let mut m = doc.get("MetadataOptions").and_then(Value::as_object).cloned().unwrap_or_default();
                for (k, v) in options {
                    m.insert(k.clone(), v.clone());
                }
                doc.insert("MetadataOptions".into(), Value::Object(m));
            }
            Operation::RdsStopDbInstance => {
                doc.insert("DBInstanceStatus".into(), Value::String("stopping".into()));
            }
            Operation::RdsStartDbInstance => {
                doc.insert("DBInstanceStatus".into(), Value::String("starting".into()));
            }
            // RDS reports a DB instance as `backing-up` while a manual snapshot is taken.
            Operation::RdsCreateDbSnapshot { .. } => {
                doc.insert("DBInstanceStatus".into(), Value::String("backing-up".into()));
            }
            Operation::RdsDeleteDbInstance { .. } => {
                doc.insert("DBInstanceStatus".into(), Value::String("deleting".into()));
            }
            // A notification changes nothing about the resources it names.
            Operation::SnsPublish { .. } | Operation::SqsSendMessage { .. } | Operation::SlackPost { .. } => {}
        }
    }
}

impl Request {
    /// `service:Operation`.
    pub fn api(&self) -> &'static str {
        self.operation.api()
    }

    /// The same operation on other ids (a failed batch is retried one id at a time).
    pub fn with_ids(&self, ids: Vec<String>) -> Request {
        Request {
            ids,
            operation: self.operation.clone(),
        }
    }

    /// The record `metadata.json` holds.
    pub fn record(&self) -> RequestRecord {
        RequestRecord {
            api: self.api().to_string(),
            ids: self.ids.clone(),
            params: self.operation.params(),
        }
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let params = self.operation.params();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("api", self.api())?;
        m.serialize_entry("ids", &self.ids)?;
        if !params.is_null() {
            m.serialize_entry("params", &params)?;
        }
        m.end()
    }
}

/// A request as `metadata.json` records it (written from a [`Request`], read back as is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `service:Operation`.
    pub api: String,
    /// The resource ids.
    pub ids: Vec<String>,
    /// The other parameters.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
}

/// SNS/SQS string message attributes as the APIs take them.
fn attribute_map(attributes: &[(String, String)]) -> Value {
    let m: Map<String, Value> = attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!({"DataType": "String", "StringValue": v})))
        .collect();
    Value::Object(m)
}

/// `[{"Key": k, "Value": v}, ...]`.
pub fn tag_list(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

#[cfg(test)]
#[path = "tests/request.rs"]
mod tests;
