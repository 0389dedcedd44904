//! The hub deployment of an organization: one template for the hub account with the `bootstrap`
//! function (plan, worker and summary in one binary), a Standard state machine `Plan` ->
//! `FanOut` (a Distributed Map over batches of `{account_id, region, role}` items) ->
//! `Summarize`, one EventBridge Scheduler schedule per distinct policy schedule, and a
//! service-managed StackSet that creates the member role in every account of the OUs given.
//!
//! Each role has exactly what its piece calls: the function may assume only the member role
//! name, in the organization only (`aws:ResourceOrgID`); the state machine may invoke the
//! function, run its own map, and read and write its items and results; the schedules may
//! start the state machine; the member role has the policies' least-privilege document and
//! trusts only the hub function's role.

use super::iam;
use super::template::{deployed, schedules, DEFAULT_MEMORY_MB};
use crate::policy::Policy;
use serde_json::{json, Map, Value};

/// The state machine's name (its ARN is built from it, so roles need no circular reference).
pub const STATE_MACHINE_NAME: &str = "custodian-org";
/// The hub function's timeout: a batch of account-regions per invocation.
pub const WORKER_TIMEOUT_S: u32 = 900;
/// The largest Scheduler input (256 KB) less room for the rest of the input.
const MAX_BUNDLED_ACCOUNTS_BYTES: usize = 200_000;

/// Where the accounts come from.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountSource {
    /// An accounts file, bundled into each schedule's input (c7n-org's accounts as JSON).
    Bundled(Vec<Value>),
    /// AWS Organizations at run time: every ACTIVE account under these OUs (paths or ids).
    Organization {
        /// OU subtrees.
        ous: Vec<String>,
    },
}

/// What the hub template is for.
#[derive(Debug, Clone, PartialEq)]
pub struct HubOptions {
    /// The function's name.
    pub function_name: String,
    /// An existing bucket for items, results and outputs; none: the template creates one.
    pub output_bucket: Option<String>,
    /// Key prefix inside the bucket.
    pub output_prefix: String,
    /// The accounts.
    pub accounts: AccountSource,
    /// Regions for accounts that name none (and for the organization's accounts).
    pub regions: Vec<String>,
    /// IANA time zone of the schedules.
    pub timezone: String,
    /// Report only: the schedules ask for dry runs and the member role can only describe.
    pub dry_run: bool,
}

/// The Amazon States Language definition, as a `Fn::Sub` string: `${Function.Arn}`,
/// `${OutputBucketName}`, `${MaxConcurrency}`, `${ToleratedFailurePercentage}` and
/// `${BatchSize}` are filled in by CloudFormation (numbers unquoted).
pub fn state_machine_definition(output_prefix: &str) -> String {
    let lambda_retry = json!([{
        // Errors of the Lambda service before the function ran: safe to repeat. Errors of the
        // run itself are not retried blindly (an action may have been applied); each
        // account-region reports its own failure in its result instead.
        "ErrorEquals": [
            "Lambda.TooManyRequestsException",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.ClientExecutionTimeoutException"
        ],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2.0,
        "MaxDelaySeconds": 60,
        "JitterStrategy": "FULL"
    }]);
    let invoke = |payload: Value| {
        json!({
            "Type": "Task",
            "Resource": "arn:${AWS::Partition}:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${Function.Arn}", "Payload": payload},
            "Retry": lambda_retry,
        })
    };
    let mut plan = invoke(json!({"plan.$": "$.plan", "execution.$": "$$.Execution.Name"}));
    plan["ResultSelector"] =
        json!({"bucket.$": "$.Payload.bucket", "key.$": "$.Payload.key", "items.$": "$.Payload.items", "run.$": "$.Payload.run"});
    plan["ResultPath"] = json!("$.planned");
    plan["Next"] = json!("FanOut");
    let mut work = invoke(json!({}));
    work["Parameters"] = json!({"FunctionName": "${Function.Arn}", "Payload.$": "$"});
    // A batch acts: only a refusal before the function ran (throttling) is safe to repeat. A
    // service or client error may come after the batch ran (and acted), and a retry would act
    // again; that batch's accounts report the failure instead.
    work["Retry"] = json!([{
        "ErrorEquals": ["Lambda.TooManyRequestsException"],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2.0,
        "MaxDelaySeconds": 60,
        "JitterStrategy": "FULL"
    }]);
    work["OutputPath"] = json!("$.Payload");
    work["End"] = json!(true);
    let mut summarize = invoke(json!({"summarize.$": "$"}));
    summarize["OutputPath"] = json!("$.Payload");
    summarize["Next"] = json!("Outcome");
    let definition = json!({
        "Comment": "custodian: one run of the policies in every account and region of the organization",
        "StartAt": "Plan",
        "States": {
            "Plan": plan,
            "FanOut": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:${AWS::Partition}:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket.$": "$.planned.bucket", "Key.$": "$.planned.key"}
                },
                "ItemBatcher": {"MaxItemsPerBatch": "__BatchSize__", "BatchInput": {"run.$": "$.planned.run"}},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Work",
                    "States": {"Work": work}
                },
                "MaxConcurrency": "__MaxConcurrency__",
                "ToleratedFailurePercentage": "__ToleratedFailurePercentage__",
                "Label": "accounts",
                "ResultWriter": {
                    "Resource": "arn:${AWS::Partition}:states:::s3:putObject",
                    "Parameters": {"Bucket": "${OutputBucketName}", "Prefix": format!("{output_prefix}/map-results")}
                },
                "ResultPath": "$.results",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.fanout_error", "Next": "Summarize"}],
                "Next": "Summarize"
            },
            "Summarize": summarize,
            "Outcome": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.failed_jobs", "NumericGreaterThan": 0, "Next": "SomeAccountsFailed"}],
                "Default": "Done"
            },
            "SomeAccountsFailed": {
                "Type": "Fail",
                "Error": "custodian.AccountsFailed",
                "Cause": "one or more account-region jobs failed: see org-summary.json in the output bucket"
            },
            "Done": {"Type": "Succeed"}
        }
    });
    let mut text = serde_json::to_string_pretty(&definition).unwrap_or_default();
    for number in ["BatchSize", "MaxConcurrency", "ToleratedFailurePercentage"] {
        text = text.replace(&format!("\"__{number}__\""), &format!("${{{number}}}"));
    }
    text
}

/// The execution input each schedule sends: the policies of that schedule, the accounts, the
/// regions, dry run or not.
pub fn schedule_input(policy_names: &[&str], options: &HubOptions) -> Value {
    let accounts = match &options.accounts {
        AccountSource::Bundled(list) => json!({"accounts": list}),
        AccountSource::Organization { ous } => json!({"organization": {"ous": ous}}),
    };
    let mut plan = json!({"policies": policy_names, "dryrun": options.dry_run, "regions": options.regions});
    if let (Some(p), Value::Object(a)) = (plan.as_object_mut(), accounts) {
        p.extend(a);
    }
    json!({"plan": plan})
}

/// The member account's template (the StackSet's body): the member role.
pub fn member_template(policies: &[Policy], dry_run: bool) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "custodian member role: what the organization's policies call, trusted only by the hub function",
        "Parameters": {
            "HubRoleArn": {"Type": "String", "Description": "The hub function's role"},
            "MemberRoleName": {"Type": "String", "Default": "custodian-member"}
        },
        "Resources": {
            "MemberRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": {"Ref": "MemberRoleName"},
                    "Description": "custodian: exactly the API actions the organization's policies call",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Ref": "HubRoleArn"}}, "Action": "sts:AssumeRole"}]
                    },
                    "Policies": [{"PolicyName": "custodian-policies", "PolicyDocument": iam::policy_document(policies, false, dry_run)}]
                }
            }
        }
    })
}

fn statement(actions: &[&str], resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resource})
}

fn role(service: &str, description: &str, statements: Vec<Value>) -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": description,
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
                }]
            },
            "Policies": [{"PolicyName": "custodian", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]
        }
    })
}

/// The hub account's template for the periodic policies among `policies`.
pub fn hub_template(policies: &[Policy], options: &HubOptions) -> Result<Value, String> {
    let periodic: Vec<Policy> = policies
        .iter()
        .filter(|p| deployed(p) && p.mode.event().is_none())
        .cloned()
        .collect();
    if periodic.is_empty() {
        return Err("no policy has 'mode: {type: periodic, schedule: ...}'; an organization hub runs scheduled policies only".into());
    }
    if let AccountSource::Bundled(list) = &options.accounts {
        let size = serde_json::to_string(list).map(|s| s.len()).unwrap_or(0);
        if size > MAX_BUNDLED_ACCOUNTS_BYTES {
            return Err(format!(
                "the accounts file is {size} bytes as JSON, more than a schedule's input holds ({MAX_BUNDLED_ACCOUNTS_BYTES}): use --organization to list the accounts at run time"
            ));
        }
    }
    let prefix = options.output_prefix.as_str();
    let bucket_name = match &options.output_bucket {
        Some(b) => json!(b),
        None => json!({"Ref": "OutputBucket"}),
    };
    let objects = json!({"Fn::Sub": [format!("arn:${{AWS::Partition}}:s3:::${{Bucket}}/{prefix}/*"), {"Bucket": bucket_name}]});
    let state_machine_arn = json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:{STATE_MACHINE_NAME}")});
    let executions =
        json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:execution:{STATE_MACHINE_NAME}/*")});

    let mut function_statements = vec![
        statement(
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            json!({"Fn::GetAtt": ["FunctionLogGroup", "Arn"]}),
        ),
        json!({
            "Sid": "AssumeMemberRoleInTheOrganization",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"},
            "Condition": {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}
        }),
        // Plan writes the items; workers write outputs; Summarize reads the map's results.
        statement(&["s3:GetObject", "s3:PutObject"], objects.clone()),
    ];
    if matches!(options.accounts, AccountSource::Organization { .. }) {
        function_statements.push(statement(
            &[
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent",
                "organizations:ListRoots",
                "organizations:ListTagsForResource",
            ],
            json!("*"),
        ));
    }
    let mut resources = Map::new();
    if options.output_bucket.is_none() {
        // Run records outlive the stack; nothing reaches them but over TLS.
        resources.insert(
            "OutputBucketPolicy".into(),
            json!({
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "OutputBucket"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["OutputBucket", "Arn"]},
                                {"Fn::Sub": "${OutputBucket.Arn}/*"}
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                        }]
                    }
                }
            }),
        );
        resources.insert(
            "OutputBucket".into(),
            json!({
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                    "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
                    "LifecycleConfiguration": {"Rules": [{"Id": "expire-runs", "Status": "Enabled", "ExpirationInDays": 90}]}
                }
            }),
        );
    }
    resources.insert(
        "FunctionLogGroup".into(),
        json!({"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": format!("/aws/lambda/{}", options.function_name), "RetentionInDays": 30}}),
    );
    resources.insert(
        "FunctionRole".into(),
        role(
            "lambda.amazonaws.com",
            "custodian hub: plans, assumes the member role, runs, summarizes",
            function_statements,
        ),
    );
    let memory = periodic
        .iter()
        .fold(DEFAULT_MEMORY_MB.max(512), |m, p| m.max(p.mode.function_size().0.unwrap_or(0)));
    let mut environment = json!({
        "CUSTODIAN_HUB": "true",
        "CUSTODIAN_OUTPUT_BUCKET": bucket_name,
        "CUSTODIAN_OUTPUT_PREFIX": prefix,
        "CUSTODIAN_MEMBER_ROLE": {"Ref": "MemberRoleName"},
    });
    if options.dry_run {
        environment["CUSTODIAN_DRYRUN"] = json!("true");
    }
    resources.insert(
        "Function".into(),
        json!({
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": options.function_name,
                "Description": format!("custodian hub: {} polic{} over the organization", periodic.len(), if periodic.len() == 1 { "y" } else { "ies" }),
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Architectures": [{"Ref": "Architecture"}],
                "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
                "MemorySize": memory,
                "Timeout": WORKER_TIMEOUT_S,
                "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
                "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": "FunctionLogGroup"}},
                "Environment": {"Variables": environment}
            }
        }),
    );
    resources.insert(
        "StateMachineRole".into(),
        role(
            "states.amazonaws.com",
            "custodian hub state machine: invoke the function, run its distributed map, read items and write results",
            vec![
                statement(
                    &["lambda:InvokeFunction"],
                    json!([{"Fn::GetAtt": ["Function", "Arn"]}, {"Fn::Sub": "${Function.Arn}:*"}]),
                ),
                statement(&["states:StartExecution"], state_machine_arn.clone()),
                statement(&["states:DescribeExecution", "states:StopExecution"], executions),
                statement(
                    &[
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    objects,
                ),
            ],
        ),
    );
    resources.insert(
        "StateMachine".into(),
        json!({
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": STATE_MACHINE_NAME,
                "StateMachineType": "STANDARD",
                "RoleArn": {"Fn::GetAtt": ["StateMachineRole", "Arn"]},
                "DefinitionString": {"Fn::Sub": [state_machine_definition(prefix), {"OutputBucketName": bucket_name}]}
            }
        }),
    );
    resources.insert(
        "SchedulerRole".into(),
        role(
            "scheduler.amazonaws.com",
            "custodian hub schedules: start the state machine",
            vec![statement(&["states:StartExecution"], state_machine_arn)],
        ),
    );
    for (i, (expression, members)) in schedules(&periodic).into_iter().enumerate() {
        let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        resources.insert(
            format!("Schedule{}", i + 1),
            json!({
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "Description": format!("custodian {expression}: {}", names.join(", ").chars().take(480).collect::<String>()),
                    "ScheduleExpression": expression,
                    "ScheduleExpressionTimezone": options.timezone,
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "State": "ENABLED",
                    "Target": {
                        "Arn": {"Ref": "StateMachine"},
                        "RoleArn": {"Fn::GetAtt": ["SchedulerRole", "Arn"]},
                        "Input": serde_json::to_string(&schedule_input(&names, options)).unwrap_or_default(),
                        // A missed start is not replayed: the next tick evaluates again.
                        "RetryPolicy": {"MaximumRetryAttempts": 0}
                    }
                }
            }),
        );
    }
    resources.insert(
        "MemberStackSet".into(),
        json!({
            "Type": "AWS::CloudFormation::StackSet",
            "Properties": {
                "StackSetName": "custodian-member",
                "Description": "custodian member role in every account of the organizational units given",
                "PermissionModel": "SERVICE_MANAGED",
                "AutoDeployment": {"Enabled": true, "RetainStacksOnAccountRemoval": false},
                "Capabilities": ["CAPABILITY_NAMED_IAM"],
                "ManagedExecution": {"Active": true},
                "OperationPreferences": {"FailureTolerancePercentage": 10, "MaxConcurrentPercentage": 25},
                "Parameters": [
                    {"ParameterKey": "HubRoleArn", "ParameterValue": {"Fn::GetAtt": ["FunctionRole", "Arn"]}},
                    {"ParameterKey": "MemberRoleName", "ParameterValue": {"Ref": "MemberRoleName"}}
                ],
                "StackInstancesGroup": [{
                    "DeploymentTargets": {"OrganizationalUnitIds": {"Ref": "MemberOrganizationalUnitIds"}},
                    "Regions": [{"Ref": "AWS::Region"}]
                }],
                "TemplateBody": serde_json::to_string(&member_template(&periodic, options.dry_run)).unwrap_or_default()
            }
        }),
    );
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "custodian organization hub: Step Functions Distributed Map over member accounts, schedules, and the member role StackSet",
        "Parameters": {
            "CodeBucket": {"Type": "String", "Description": "Bucket holding the function zip (scripts/build-lambda.sh)"},
            "CodeKey": {"Type": "String", "Description": "Key of the function zip in CodeBucket"},
            "Architecture": {"Type": "String", "Default": "x86_64", "AllowedValues": ["x86_64", "arm64"]},
            "OrganizationId": {"Type": "String", "AllowedPattern": "^o-[a-z0-9]{10,32}$", "Description": "The organization the member roles are in (aws:ResourceOrgID)"},
            "MemberOrganizationalUnitIds": {"Type": "CommaDelimitedList", "Description": "OUs (or the root) whose accounts get the member role"},
            "MemberRoleName": {"Type": "String", "Default": "custodian-member", "AllowedPattern": "^[\\w+=,.@-]{1,64}$"},
            "MaxConcurrency": {"Type": "Number", "Default": 40, "MinValue": 1, "MaxValue": 10000, "Description": "Worker invocations at once"},
            "ToleratedFailurePercentage": {"Type": "Number", "Default": 0, "MinValue": 0, "MaxValue": 100, "Description": "Failed batches tolerated before the map stops"},
            "BatchSize": {"Type": "Number", "Default": 10, "MinValue": 1, "MaxValue": 100, "Description": "Account-regions per worker invocation"}
        },
        "Resources": resources,
        "Outputs": {
            "StateMachineArn": {"Value": {"Ref": "StateMachine"}},
            "HubRoleArn": {"Value": {"Fn::GetAtt": ["FunctionRole", "Arn"]}},
            "OutputBucketName": {"Value": bucket_name}
        }
    }))
}

#[cfg(test)]
#[path = "tests/hub.rs"]
mod tests;
