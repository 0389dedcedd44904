mod config;
mod rds_history;

use super::*;
use crate::resource::details::{Details, Need};
use serde_json::json;
use std::cell::RefCell;

fn filter(kind: &str, yaml: &str) -> Filter {
    let text = format!(
        "policies:\n  - name: p\n    resource: {kind}\n    filters:\n{}\n",
        yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
    );
    match crate::policy::load_text("p.yml", &text) {
        Ok(mut p) => p.remove(0).filters.remove(0),
        Err(e) => panic!("{}", e[0]),
    }
}

fn error(kind: &str, yaml: &str) -> String {
    let text = format!(
        "policies:\n  - name: p\n    resource: {kind}\n    filters:\n{}\n",
        yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
    );
    crate::policy::load_text("p.yml", &text).unwrap_err()[0].to_string()
}

fn details() -> Details {
    let mut d = Details::default();
    d.add_related(
        Related::Volumes,
        None,
        vec![
            json!({"VolumeId": "vol-root", "Encrypted": true, "Attachments": [{"InstanceId": "i-1", "Device": "/dev/xvda"}]}),
            json!({"VolumeId": "vol-data", "Encrypted": false, "Attachments": [{"InstanceId": "i-1", "Device": "/dev/sdb"}]}),
            json!({"VolumeId": "vol-other", "Encrypted": false, "Attachments": [{"InstanceId": "i-9", "Device": "/dev/sdb"}]}),
        ],
    );
    d.add_related(
        Related::SecurityGroups,
        None,
        vec![
            json!({"GroupId": "sg-1", "GroupName": "default", "Tags": [{"Key": "Owner", "Value": "alice"}]}),
            json!({"GroupId": "sg-2", "GroupName": "web", "Tags": [{"Key": "Owner", "Value": "bob"}]}),
        ],
    );
    d.add_related(
        Related::Subnets,
        None,
        vec![json!({"SubnetId": "subnet-1", "MapPublicIpOnLaunch": true, "VpcId": "vpc-1"})],
    );
    d.add_related(
        Related::Vpcs,
        None,
        vec![
            json!({"VpcId": "vpc-1", "IsDefault": true}),
            json!({"VpcId": "vpc-2", "IsDefault": false}),
        ],
    );
    d.add_related(
        Related::Images,
        Some(&["ami-new".into(), "ami-gone".into()]),
        vec![json!({"ImageId": "ami-new", "CreationDate": "2026-06-01T00:00:00.000Z", "Public": true})],
    );
    d
}

fn instance() -> Value {
    json!({
        "InstanceId": "i-1", "ImageId": "ami-new", "VpcId": "vpc-1",
        "Tags": [{"Key": "Owner", "Value": "alice"}],
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-root"}},
            {"DeviceName": "/dev/sdb", "Ebs": {"VolumeId": "vol-data"}},
            {"DeviceName": "/dev/sdc", "Ebs": {"VolumeId": "vol-other"}}
        ],
        "NetworkInterfaces": [{"SubnetId": "subnet-1", "Groups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}]}]
    })
}

fn check(f: &Filter, doc: &Value, d: &Details) -> Option<bool> {
    let cx = EvalContext {
        details: Some(d),
        ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
    };
    f.check(doc, &cx)
}

#[test]
fn ebs_any_all_and_skip_devices() {
    let d = details();
    let i = instance();
    let unencrypted = "- type: ebs\n  key: Encrypted\n  value: false";
    assert_eq!(check(&filter("ec2", unencrypted), &i, &d), Some(true), "any volume");
    let all = format!("{unencrypted}\n  operator: and");
    assert_eq!(check(&filter("ec2", &all), &i, &d), Some(false), "the root volume is encrypted");
    let skip = format!("{unencrypted}\n  skip-devices: [/dev/sdb]");
    assert_eq!(
        check(&filter("ec2", &skip), &i, &d),
        Some(false),
        "the unencrypted data volume is skipped"
    );
    // vol-other's first attachment is another instance: not this instance's volume (c7n).
    let only_other = json!({"InstanceId": "i-1", "BlockDeviceMappings": [{"Ebs": {"VolumeId": "vol-other"}}]});
    assert_eq!(check(&filter("ec2", unencrypted), &only_other, &d), Some(false));
    assert_eq!(check(&filter("ec2", unencrypted), &json!({"InstanceId": "i-2"}), &d), Some(false));
}

#[test]
fn undecided_until_loaded_and_the_need_is_recorded() {
    let f = filter("ec2", "- type: ebs\n  key: Encrypted\n  value: false");
    let needs = RefCell::new(Vec::new());
    let empty = Details::default();
    let cx = EvalContext {
        details: Some(&empty),
        needs: Some(&needs),
        ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
    };
    assert_eq!(f.check(&instance(), &cx), None);
    assert!(needs.borrow().contains(&Need::Related(Related::Volumes, String::new())));
    // An `and` a cheap filter already decides needs nothing.
    let and = Filter::And(vec![filter("ec2", "- InstanceId: i-other"), f.clone()]);
    assert_eq!(and.check(&instance(), &cx), Some(false));
    let or = Filter::Or(vec![filter("ec2", "- InstanceId: i-1"), f]);
    assert_eq!(or.check(&instance(), &cx), Some(true));
    let img = filter("ec2", "- type: image\n  key: Public\n  value: true");
    needs.borrow_mut().clear();
    assert_eq!(img.check(&instance(), &cx), None);
    assert_eq!(*needs.borrow(), vec![Need::Related(Related::Images, "ami-new".into())]);
}

#[test]
fn image_and_image_age() {
    let d = details();
    let i = instance();
    let gone = json!({"InstanceId": "i-1", "ImageId": "ami-gone"});
    let public = filter("ec2", "- type: image\n  key: Public\n  value: true");
    assert_eq!(check(&public, &i, &d), Some(true));
    assert_eq!(check(&public, &gone, &d), Some(false), "a deregistered AMI never matches");
    let old = filter("ec2", "- type: image-age\n  op: ge\n  days: 90");
    assert_eq!(check(&old, &i, &d), Some(false), "30 days old");
    assert_eq!(check(&old, &gone, &d), Some(true), "a missing AMI is dated 2000-01-01");
    let young = filter("ec2", "- type: image-age\n  op: lt\n  days: 60");
    assert_eq!(check(&young, &i, &d), Some(true));
}

#[test]
fn security_groups_operator_absent_match_resource_and_count() {
    let d = details();
    let i = instance();
    let default = "- type: security-group\n  key: GroupName\n  value: default";
    assert_eq!(check(&filter("ec2", default), &i, &d), Some(true));
    assert_eq!(check(&filter("ec2", &format!("{default}\n  operator: and")), &i, &d), Some(false));
    let owner = "- type: security-group\n  key: tag:Owner\n  value: x\n  match-resource: true";
    assert_eq!(check(&filter("ec2", owner), &i, &d), Some(true), "sg-1's Owner is the instance's");
    assert_eq!(
        check(&filter("ec2", &format!("{owner}\n  operator: and")), &i, &d),
        Some(false),
        "sg-2's is not"
    );
    let count = "- type: security-group\n  value_type: resource_count\n  op: gte\n  value: 2";
    assert_eq!(check(&filter("ec2", count), &i, &d), Some(true));
    let deleted = json!({"InstanceId": "i-1", "NetworkInterfaces": [{"Groups": [{"GroupId": "sg-deleted"}]}]});
    let absent = filter("ec2", "- type: security-group\n  key: GroupName\n  value: absent");
    assert_eq!(check(&absent, &deleted, &d), Some(true), "a deleted group has every key absent");
    assert_eq!(check(&filter("ec2", default), &deleted, &d), Some(false));
    // `and` over no related ids matches (c7n: len(found) == len(related_ids)).
    let none = json!({"InstanceId": "i-1"});
    assert_eq!(check(&filter("ec2", &format!("{default}\n  operator: and")), &none, &d), Some(true));
    assert_eq!(check(&filter("ec2", default), &none, &d), Some(false));
}

#[test]
fn subnet_vpc_and_default_vpc_on_both_kinds() {
    let d = details();
    let i = instance();
    let public = "- type: subnet\n  key: MapPublicIpOnLaunch\n  value: false";
    assert_eq!(check(&filter("ec2", public), &i, &d), Some(false));
    // c7n's SubnetFilter.match reuses `operator`: with `or`, every subnet passes.
    assert_eq!(check(&filter("ec2", &format!("{public}\n  operator: or")), &i, &d), Some(true));
    assert_eq!(check(&filter("ec2", "- type: subnet"), &i, &d), Some(true), "no key: any subnet");
    let db = json!({"DBInstanceIdentifier": "db-1", "DBSubnetGroup": {"VpcId": "vpc-2", "Subnets": [{"SubnetIdentifier": "subnet-1"}]}});
    let rds = |yaml: &str| {
        let cx = EvalContext {
            details: Some(&d),
            ..EvalContext::new(ResourceKind::Rds, "2026-07-01T00:00:00Z".parse().unwrap())
        };
        filter("rds", yaml).check(&db, &cx)
    };
    assert_eq!(rds("- type: subnet\n  key: MapPublicIpOnLaunch\n  value: true"), Some(true));
    assert_eq!(rds("- type: vpc\n  key: IsDefault\n  value: false"), Some(true));
    assert_eq!(rds("- default-vpc"), Some(false));
    assert_eq!(check(&filter("ec2", "- default-vpc"), &i, &d), Some(true));
    assert_eq!(
        check(&filter("ec2", "- default-vpc"), &json!({"InstanceId": "i-3"}), &d),
        Some(false)
    );
}

#[test]
fn keys_are_checked_against_the_related_type() {
    assert!(
        error("ec2", "- type: ebs\n  key: Encryptd\n  value: true")
            .contains("unknown key 'Encryptd' for EBS volume (did you mean 'Encrypted'?)"),
        "{}",
        error("ec2", "- type: ebs\n  key: Encryptd\n  value: true")
    );
    assert!(error("ec2", "- type: subnet\n  igw: yes please").contains("'igw' is true or false"));
    assert!(error("rds", "- type: ebs\n  key: Encrypted\n  value: true").contains("only available on aws.ec2"));
    assert!(error("ec2", "- type: security-group\n  key: GroupName\n  value: x\n  operator: xor").contains("'and' or 'or'"));
    assert!(error("ec2", "- type: vpc\n  key: tag:Owner\n  value: x\n  match-resource: maybe").contains("true or false"));
}

#[test]
fn subnet_igw_and_nat_read_the_route_tables() {
    let mut d = details();
    d.add_related(
        Related::RouteTables,
        None,
        vec![
            json!({"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": true}],
                   "Routes": [{"GatewayId": "local"}, {"NatGatewayId": "nat-1"}]}),
            json!({"RouteTableId": "rtb-public", "VpcId": "vpc-1", "Associations": [{"Main": false, "SubnetId": "subnet-1"}],
                   "Routes": [{"GatewayId": "local"}, {"GatewayId": "igw-1"}]}),
        ],
    );
    let i = instance();
    let public = filter("ec2", "- type: subnet\n  igw: true");
    assert_eq!(
        check(&public, &i, &d),
        Some(true),
        "its own association routes to the internet gateway"
    );
    let nat = filter("ec2", "- type: subnet\n  nat: true");
    assert_eq!(check(&nat, &i, &d), Some(false), "the main table is not its table");
    let either = filter("ec2", "- type: subnet\n  operator: or\n  igw: true\n  nat: true");
    assert_eq!(check(&either, &i, &d), Some(true));
    let private = filter("ec2", "- type: subnet\n  igw: false\n  key: MapPublicIpOnLaunch\n  value: true");
    assert_eq!(check(&private, &i, &d), Some(false));
    // Without route tables loaded: undecided, the need recorded.
    let needs = RefCell::new(Vec::new());
    let cx = EvalContext {
        details: Some(&details()),
        needs: Some(&needs),
        ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
    };
    assert_eq!(public.check(&i, &cx), None);
    assert!(needs.borrow().contains(&Need::Related(Related::RouteTables, String::new())));
}
