//! The IAM and RDS-configuration filters against c7n's rules.

use super::super::*;
use super::{error, filter};
use crate::resource::details::{Details, Need};
use serde_json::json;
use std::cell::RefCell;

const PROFILE: &str = "arn:aws:iam::123456789012:instance-profile/web-profile";

fn iam() -> Details {
    let mut d = Details::default();
    d.add_related(
        Related::InstanceProfiles,
        None,
        vec![
            json!({"Arn": PROFILE, "Roles": [{"RoleName": "web", "Arn": "arn:aws:iam::123456789012:role/app/web"}]}),
            json!({"Arn": "arn:aws:iam::123456789012:instance-profile/empty", "Roles": []}),
        ],
    );
    d.add_related(
        Related::Roles,
        Some(&["web".into()]),
        vec![json!({"RoleName": "web", "Tags": [{"Key": "Environment", "Value": "Production"}]})],
    );
    d.add_related(
        Related::AttachedRolePolicies,
        Some(&["web".into()]),
        vec![json!({"RoleName": "web", "AttachedPolicies": [
            {"PolicyName": "AmazonS3FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
            {"PolicyName": "team-read", "PolicyArn": "arn:aws:iam::123456789012:policy/team-read"}]})],
    );
    d
}

fn check(kind: ResourceKind, f: &Filter, doc: &Value, d: &Details) -> Option<bool> {
    let cx = EvalContext {
        details: Some(d),
        ..EvalContext::new(kind, "2026-07-01T00:00:00Z".parse().unwrap())
    };
    f.check(doc, &cx)
}

fn instance(profile: Option<&str>) -> Value {
    let mut i = json!({"InstanceId": "i-1", "State": {"Name": "running"}});
    if let Some(p) = profile {
        i["IamInstanceProfile"] = json!({"Arn": p, "Id": "AIPA"});
    }
    i
}

#[test]
fn iam_role_reads_the_role_through_the_profile() {
    let d = iam();
    let prod = filter("ec2", "- type: iam-role\n  key: tag:Environment\n  value: Production");
    assert_eq!(check(ResourceKind::Ec2, &prod, &instance(Some(PROFILE)), &d), Some(true));
    assert_eq!(
        check(ResourceKind::Ec2, &prod, &instance(None), &d),
        Some(false),
        "no profile, no role"
    );
    let empty = "arn:aws:iam::123456789012:instance-profile/empty";
    assert_eq!(check(ResourceKind::Ec2, &prod, &instance(Some(empty)), &d), Some(false));
    // c7n's RelatedResourceFilter: `and` over no related ids matches.
    let and = filter(
        "ec2",
        "- type: iam-role\n  key: tag:Environment\n  value: Production\n  operator: and",
    );
    assert_eq!(check(ResourceKind::Ec2, &and, &instance(None), &d), Some(true));
    let count = filter("ec2", "- type: iam-role\n  value_type: resource_count\n  op: eq\n  value: 0");
    assert_eq!(check(ResourceKind::Ec2, &count, &instance(None), &d), Some(true));
    assert_eq!(check(ResourceKind::Ec2, &count, &instance(Some(PROFILE)), &d), Some(false));
    let deleted = "arn:aws:iam::123456789012:instance-profile/deleted";
    assert_eq!(check(ResourceKind::Ec2, &prod, &instance(Some(deleted)), &d), Some(false));
    let regex = filter("ec2", "- type: iam-role\n  key: RoleName\n  op: regex\n  value: '^we.*'");
    assert_eq!(check(ResourceKind::Ec2, &regex, &instance(Some(PROFILE)), &d), Some(true));
}

#[test]
fn iam_role_needs_the_profiles_then_the_role() {
    let f = filter("ec2", "- type: iam-role\n  key: RoleName\n  value: web");
    let needs = RefCell::new(Vec::new());
    let mut d = Details::default();
    let cx = |d: &Details, f: &Filter| {
        let cx = EvalContext {
            details: Some(d),
            needs: Some(&needs),
            ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
        };
        f.check(&instance(Some(PROFILE)), &cx)
    };
    assert_eq!(cx(&d, &f), None);
    assert_eq!(*needs.borrow(), vec![Need::Related(Related::InstanceProfiles, String::new())]);
    d.add_related(
        Related::InstanceProfiles,
        None,
        iam().all_related(Related::InstanceProfiles).unwrap().into_iter().cloned().collect(),
    );
    needs.borrow_mut().clear();
    assert_eq!(cx(&d, &f), None);
    assert_eq!(
        *needs.borrow(),
        vec![Need::Related(Related::Roles, "web".into())],
        "the role name, not its path"
    );
}

#[test]
fn has_specific_managed_policy_defaults_to_policy_name() {
    let d = iam();
    let s3 = filter("ec2", "- type: has-specific-managed-policy\n  value: AmazonS3FullAccess");
    assert_eq!(check(ResourceKind::Ec2, &s3, &instance(Some(PROFILE)), &d), Some(true));
    let glob = filter("ec2", "- type: has-specific-managed-policy\n  op: glob\n  value: '*FullAccess'");
    assert_eq!(check(ResourceKind::Ec2, &glob, &instance(Some(PROFILE)), &d), Some(true));
    let arn = filter(
        "ec2",
        "- type: has-specific-managed-policy\n  key: PolicyArn\n  op: regex\n  value: 'arn:aws:iam::aws:policy/.*FullAccess'",
    );
    assert_eq!(check(ResourceKind::Ec2, &arn, &instance(Some(PROFILE)), &d), Some(true));
    let list = filter(
        "ec2",
        "- type: has-specific-managed-policy\n  op: in\n  value: [AdministratorAccess, team-read]",
    );
    assert_eq!(check(ResourceKind::Ec2, &list, &instance(Some(PROFILE)), &d), Some(true));
    let admin = filter("ec2", "- type: has-specific-managed-policy\n  value: AdministratorAccess");
    assert_eq!(check(ResourceKind::Ec2, &admin, &instance(Some(PROFILE)), &d), Some(false));
    assert_eq!(check(ResourceKind::Ec2, &s3, &instance(None), &d), Some(false));
    let mut terminated = instance(Some(PROFILE));
    terminated["State"]["Name"] = json!("terminated");
    assert_eq!(
        check(ResourceKind::Ec2, &s3, &terminated, &d),
        Some(false),
        "c7n skips terminated instances"
    );
    assert!(error("ec2", "- type: has-specific-managed-policy\n  key: PolicyNam\n  value: x").contains("did you mean 'PolicyName'"));
    assert!(error("rds", "- type: iam-role\n  key: RoleName\n  value: x").contains("iam-role"));
}

fn rds_details() -> Details {
    let mut d = Details::default();
    d.add_related(
        Related::KmsAliases,
        None,
        vec![
            json!({"AliasName": "alias/aws/rds", "TargetKeyId": "key-aws"}),
            json!({"AliasName": "alias/team-old", "TargetKeyId": "key-team"}),
            json!({"AliasName": "alias/team", "TargetKeyId": "key-team"}),
            json!({"AliasName": "alias/unused"}),
        ],
    );
    d.add_related(
        Related::OptionGroups,
        Some(&["og-ssl".into(), "default:mysql-8-0".into()]),
        vec![json!({"OptionGroupName": "og-ssl", "Options": [
            {"OptionName": "SSL", "OptionSettings": [{"Name": "SQLNET.ENCRYPTION_SERVER", "Value": "REQUIRED"}]}]})],
    );
    d.add_related(
        Related::DbParameters,
        Some(&["pg-1".into(), "pg-gone".into()]),
        vec![json!({"DBParameterGroupName": "pg-1", "Parameters": [
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "DataType": "boolean"},
            {"ParameterName": "max_connections", "ParameterValue": "200", "DataType": "integer"},
            {"ParameterName": "random_page_cost", "ParameterValue": "1.5", "DataType": "float"},
            {"ParameterName": "unset", "DataType": "string"}]})],
    );
    d
}

fn db(key: Option<&str>) -> Value {
    let mut db = json!({"DBInstanceIdentifier": "db-1",
        "OptionGroupMemberships": [{"OptionGroupName": "default:mysql-8-0"}, {"OptionGroupName": "og-ssl"}],
        "DBParameterGroups": [{"DBParameterGroupName": "pg-1"}]});
    if let Some(k) = key {
        db["KmsKeyId"] = json!(k);
    }
    db
}

#[test]
fn kms_alias_is_the_last_alias_of_the_key() {
    let d = rds_details();
    let aws = filter("rds", "- type: kms-alias\n  key: AliasName\n  value: alias/aws/rds");
    let arn = "arn:aws:kms:us-east-1:123456789012:key/key-aws";
    assert_eq!(check(ResourceKind::Rds, &aws, &db(Some(arn)), &d), Some(true));
    assert_eq!(check(ResourceKind::Rds, &aws, &db(None), &d), Some(false), "unencrypted: never");
    let team = filter("rds", "- type: kms-alias\n  key: AliasName\n  value: alias/team");
    assert_eq!(
        check(ResourceKind::Rds, &team, &db(Some("arn:aws:kms:us-east-1:1:key/key-team")), &d),
        Some(true)
    );
    let absent = filter("rds", "- type: kms-alias\n  key: AliasName\n  value: absent");
    assert_eq!(
        check(ResourceKind::Rds, &absent, &db(Some("arn:aws:kms:us-east-1:1:key/no-alias")), &d),
        Some(false),
        "a key without an alias never matches, not even absent (c7n's match(None))"
    );
}

#[test]
fn option_groups_and_parameters() {
    let d = rds_details();
    let ssl = filter(
        "rds",
        "- type: db-option-groups\n  key: Options[].OptionName\n  op: intersect\n  value: [SSL, NATIVE_NETWORK_ENCRYPTION]",
    );
    assert_eq!(
        check(ResourceKind::Rds, &ssl, &db(None), &d),
        Some(true),
        "one member group is enough"
    );
    let oracle = filter(
        "rds",
        "- type: db-option-groups\n  key: \"Options[].OptionSettings[?Name == 'SQLNET.ENCRYPTION_SERVER'].Value[]\"\n  value: [REQUIRED]",
    );
    assert_eq!(check(ResourceKind::Rds, &oracle, &db(None), &d), Some(true));
    let force = filter("rds", "- type: db-parameter\n  key: rds.force_ssl\n  value: true");
    assert_eq!(
        check(ResourceKind::Rds, &force, &db(None), &d),
        Some(true),
        "boolean 1 recast to true"
    );
    let conns = filter("rds", "- type: db-parameter\n  key: max_connections\n  op: ge\n  value: 100");
    assert_eq!(check(ResourceKind::Rds, &conns, &db(None), &d), Some(true));
    let unset = filter("rds", "- type: db-parameter\n  key: unset\n  value: absent");
    assert_eq!(
        check(ResourceKind::Rds, &unset, &db(None), &d),
        Some(true),
        "no value: left out, as c7n"
    );
    let mut other = db(None);
    other["DBParameterGroups"] = json!([{"DBParameterGroupName": "pg-gone"}]);
    assert_eq!(check(ResourceKind::Rds, &force, &other, &d), Some(false));
}

#[test]
fn recast_follows_c7n() {
    assert_eq!(recast("0", "boolean"), json!(false));
    assert_eq!(recast("TRUE", "boolean"), json!(true));
    assert_eq!(recast("on", "boolean"), json!("on"));
    assert_eq!(recast("42", "integer"), json!(42));
    assert_eq!(recast("-1", "integer"), json!("-1"), "isdigit is false for a sign");
    assert_eq!(recast("", "float"), json!(0.0));
    assert_eq!(recast("0.5", "float"), json!(0.5));
    assert_eq!(recast("x", "string"), json!("x"));
}
