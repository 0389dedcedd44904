//! `engine`, `upgrade-available` and `consecutive-snapshots` against c7n's rules.

use super::super::*;
use super::filter;
use crate::resource::details::{Details, Lookup};
use serde_json::json;

fn details() -> Details {
    let mut d = Details::default();
    let target = |v: &str, major: bool| json!({"Engine": "postgres", "EngineVersion": v, "IsMajorVersionUpgrade": major});
    d.add_related(
        Related::EngineVersions,
        Some(&["postgres".into()]),
        vec![json!({"Engine": "postgres", "DBEngineVersions": [
            {"Engine": "postgres", "EngineVersion": "13.4", "Status": "deprecated",
             "ValidUpgradeTarget": [target("13.20", false)]},
            {"Engine": "postgres", "EngineVersion": "13.9", "Status": "available",
             "ValidUpgradeTarget": [target("13.10", false), target("13.20", false), target("13.9.1", false), target("16.2", true)]},
            {"Engine": "postgres", "EngineVersion": "16.2", "Status": "available", "ValidUpgradeTarget": []}]})],
    );
    let snap = |day: &str, status: &str| json!({"SnapshotCreateTime": format!("{day}T03:00:00Z"), "Status": status});
    d.add_related(
        Related::DbSnapshots,
        Some(&["daily".into(), "gappy".into()]),
        vec![
            json!({"DBInstanceIdentifier": "daily", "DBSnapshots": [snap("2026-06-30", "available"), snap("2026-06-29", "available"), snap("2026-06-28", "available")]}),
            json!({"DBInstanceIdentifier": "gappy", "DBSnapshots": [snap("2026-06-30", "available"), snap("2026-06-29", "creating"), snap("2026-06-28", "available")]}),
        ],
    );
    d
}

fn check(f: &Filter, doc: &Value) -> Option<bool> {
    let d = details();
    let cx = EvalContext {
        details: Some(&d),
        ..EvalContext::new(ResourceKind::Rds, "2026-07-01T10:00:00Z".parse().unwrap())
    };
    f.check(doc, &cx)
}

fn db(version: &str) -> Value {
    json!({"DBInstanceIdentifier": "db", "Engine": "postgres", "EngineVersion": version})
}

#[test]
fn loose_versions_order_like_python() {
    assert_eq!(loose_cmp("13.10", "13.9"), std::cmp::Ordering::Greater);
    assert_eq!(loose_cmp("13.9.1", "13.9"), std::cmp::Ordering::Greater);
    assert_eq!(loose_cmp("12.1.0.2.v5", "12.1.0.2.v10"), std::cmp::Ordering::Less);
    assert_eq!(loose_cmp("5.7", "5.7"), std::cmp::Ordering::Equal);
}

#[test]
fn upgrades_and_engine_metadata() {
    let minor = filter("rds", "- type: upgrade-available");
    assert_eq!(check(&minor, &db("13.9")), Some(true));
    assert_eq!(check(&minor, &db("16.2")), Some(false));
    assert_eq!(
        check(&minor, &db("13.4")),
        Some(false),
        "a deprecated version is not listed by c7n's call"
    );
    let none = filter("rds", "- type: upgrade-available\n  value: false");
    assert_eq!(check(&none, &db("16.2")), Some(true));
    assert_eq!(check(&none, &db("13.9")), Some(false));
    let all = details();
    let versions = all.related(Related::EngineVersions, "postgres");
    let Lookup::Found(doc) = versions else { panic!() };
    let list = doc["DBEngineVersions"].as_array().unwrap();
    assert_eq!(upgrade_target(list, "13.9", false), Some("13.20"));
    assert_eq!(upgrade_target(list, "13.9", true), Some("16.2"));
    let deprecated = filter("rds", "- type: engine\n  key: Status\n  value: deprecated");
    assert_eq!(check(&deprecated, &db("13.4")), Some(true));
    assert_eq!(check(&deprecated, &db("13.9")), Some(false));
    assert_eq!(check(&deprecated, &db("9.6")), Some(false), "unknown version");
}

#[test]
fn consecutive_snapshots_need_every_day() {
    let three = filter("rds", "- type: consecutive-snapshots\n  days: 3");
    let inst = |id: &str| json!({"DBInstanceIdentifier": id});
    assert_eq!(check(&three, &inst("daily")), Some(true));
    assert_eq!(check(&three, &inst("gappy")), Some(false), "a creating snapshot does not count");
    let four = filter("rds", "- type: consecutive-snapshots\n  days: 4");
    assert_eq!(check(&four, &inst("daily")), Some(false));
}
