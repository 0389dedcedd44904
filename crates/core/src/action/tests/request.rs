//! Requests: their serialized form, and each operation's effect on a document.

use super::*;

#[test]
fn serialises_as_api_ids_and_params() {
    let r = Request {
        ids: vec!["i-1".into()],
        operation: Operation::Ec2StopInstances {
            hibernate: true,
            force: false,
        },
    };
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"api": "ec2:StopInstances", "ids": ["i-1"], "params": {"Hibernate": true}})
    );
    let plain = r.with_ids(vec!["i-2".into()]);
    let plain = Request {
        operation: Operation::Ec2StartInstances,
        ..plain
    };
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        json!({"api": "ec2:StartInstances", "ids": ["i-2"]})
    );
    let back: RequestRecord = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
    assert_eq!(back, r.record());
}

#[test]
fn effects_change_what_the_next_describe_shows() {
    let mut doc = json!({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]});
    let m = doc.as_object_mut().unwrap();
    Operation::Ec2CreateTags {
        tags: vec![("a".into(), "9".into()), ("c".into(), "3".into())],
    }
    .effect(m);
    Operation::RdsRemoveTagsFromResource {
        arn: None,
        keys: vec!["b".into()],
    }
    .effect(m);
    Operation::Ec2StopInstances {
        hibernate: false,
        force: false,
    }
    .effect(m);
    assert_eq!(
        doc,
        json!({"Tags": [{"Key": "a", "Value": "9"}, {"Key": "c", "Value": "3"}], "State": {"Code": 64, "Name": "stopping"}})
    );
}

/// One operation of every variant, with parameters that change what they touch.
fn every_operation() -> Vec<Operation> {
    let pairs = || vec![("a".to_string(), "9".to_string()), ("c".to_string(), "3".to_string())];
    let ops = vec![
        Operation::Ec2CreateTags { tags: pairs() },
        Operation::Ec2DeleteTags { keys: vec!["a".into()] },
        Operation::Ec2StopInstances {
            hibernate: false,
            force: false,
        },
        Operation::Ec2StartInstances,
        Operation::Ec2RebootInstances,
        Operation::Ec2ModifyInstanceType {
            instance_type: "t3.nano".into(),
            restart: true,
        },
        Operation::Ec2MonitorInstances { enable: true },
        Operation::Ec2ModifyInstanceMetadataOptions {
            options: vec![("HttpTokens".into(), json!("required"))],
        },
        Operation::Ec2TerminateInstances { force: false },
        Operation::Ec2CancelSpotInstanceRequests,
        Operation::Ec2ModifyNetworkInterfaceGroups {
            interface: "eni-1".into(),
            groups: vec!["sg-9".into()],
        },
        Operation::Ec2CreateSnapshots {
            description: "d".into(),
            exclude_boot: false,
            copy_volume_tags: true,
            tags: pairs(),
        },
        Operation::RdsAddTagsToResource { arn: None, tags: pairs() },
        Operation::RdsRemoveTagsFromResource {
            arn: None,
            keys: vec!["b".into()],
        },
        Operation::RdsStopDbInstance,
        Operation::RdsStartDbInstance,
        Operation::RdsCreateDbSnapshot { snapshot: "s".into() },
        Operation::RdsModifyDbInstance {
            params: vec![("PubliclyAccessible".into(), json!(false))],
        },
        Operation::RdsModifyDbInstance {
            params: vec![("DeletionProtection".into(), json!(true))],
        },
        Operation::RdsDeleteDbInstance { final_snapshot: None },
        Operation::SnsPublish {
            topic_arn: "arn:aws:sns:us-east-1:1:t".into(),
            message: "m".into(),
            subject: None,
            attributes: Vec::new(),
        },
        Operation::SqsSendMessage {
            queue_url: "q".into(),
            body: "b".into(),
            attributes: Vec::new(),
        },
        Operation::SlackPost {
            webhook: Webhook::Env("HOOK".into()),
            payload: "{}".into(),
        },
    ];
    // Every variant once at least: a new one fails to compile here until it is listed.
    let variant = |o: &Operation| match o {
        Operation::Ec2CreateTags { .. } => 0,
        Operation::Ec2DeleteTags { .. } => 1,
        Operation::Ec2StopInstances { .. } => 2,
        Operation::Ec2StartInstances => 3,
        Operation::Ec2RebootInstances => 4,
        Operation::Ec2ModifyInstanceType { .. } => 5,
        Operation::Ec2MonitorInstances { .. } => 6,
        Operation::Ec2ModifyInstanceMetadataOptions { .. } => 7,
        Operation::Ec2TerminateInstances { .. } => 8,
        Operation::Ec2CancelSpotInstanceRequests => 9,
        Operation::Ec2ModifyNetworkInterfaceGroups { .. } => 10,
        Operation::Ec2CreateSnapshots { .. } => 11,
        Operation::RdsAddTagsToResource { .. } => 12,
        Operation::RdsRemoveTagsFromResource { .. } => 13,
        Operation::RdsStopDbInstance => 14,
        Operation::RdsStartDbInstance => 15,
        Operation::RdsCreateDbSnapshot { .. } => 16,
        Operation::RdsModifyDbInstance { .. } => 17,
        Operation::RdsDeleteDbInstance { .. } => 18,
        Operation::SnsPublish { .. } => 19,
        Operation::SqsSendMessage { .. } => 20,
        Operation::SlackPost { .. } => 21,
    };
    let seen: std::collections::BTreeSet<usize> = ops.iter().map(variant).collect();
    assert_eq!(seen, (0..22).collect());
    ops
}

#[test]
fn an_effect_reads_only_the_keys_it_declares() {
    let full = json!({
        "InstanceId": "i-1",
        "InstanceType": "t3.large",
        "State": {"Code": 16, "Name": "running"},
        "DBInstanceStatus": "available",
        "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        "MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "enabled"},
        "Monitoring": {"State": "disabled"},
        "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "Groups": [{"GroupId": "sg-1"}], "SubnetId": "s-1"}],
        "PubliclyAccessible": true,
    });
    let full = full.as_object().unwrap();
    for op in every_operation() {
        let mut whole = full.clone();
        op.effect(&mut whole);
        let mut part: Map<String, Value> = op
            .effect_reads()
            .iter()
            .filter_map(|k| full.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        op.effect(&mut part);
        for (k, v) in &whole {
            if full.get(k) != Some(v) {
                assert_eq!(part.get(k), Some(v), "{op:?} changes '{k}' from keys it does not declare");
            }
        }
        for (k, v) in &part {
            assert_eq!(whole.get(k), Some(v), "{op:?}: '{k}'");
        }
        assert!(full.keys().all(|k| whole.contains_key(k)), "{op:?} removes a key");
    }
}
