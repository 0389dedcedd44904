//! The organization runner over the example account snapshot: variables per account and
//! region, a failing account reported while the others run, outputs per account and region.

use super::*;
use crate::org::accounts::parse;
use crate::org::summary::JobStatus;
use crate::provider::snapshot::SnapshotProvider;

const ACCOUNTS: &str = "vars:\n  charge_code: CC-1001\naccounts:\n  - name: payments\n    account_id: '111111111111'\n    role: custodian\n    regions: [us-east-1, eu-west-1]\n  - name: research\n    account_id: '222222222222'\n    role: custodian\n    regions: [us-east-1]\n    vars: {charge_code: CC-3003}\n  - name: locked\n    account_id: '333333333333'\n    role: custodian\n    regions: [us-east-1, eu-west-1]\n";

const POLICY: &str = "policies:\n  - name: by-charge-code\n    resource: ec2\n    filters:\n      - tag:CostCenter: '{charge_code}'\n      - State.Name: running\n    actions:\n      - type: tag\n        key: Account\n        value: '{account}-{account_id}-{region}'\n";

/// Every account reads the example snapshot; `locked` cannot be reached.
struct Fake;

impl Connector for Fake {
    fn connect(&self, account: &Account, _regions: &[String]) -> Result<Box<dyn Provider + Send>, String> {
        if account.name == "locked" {
            return Err("AssumeRole arn:aws:iam::333333333333:role/custodian: AccessDenied: not authorized".into());
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/account");
        Ok(Box::new(SnapshotProvider::open(&dir).map_err(|e| e.to_string())?))
    }
}

fn spec<'a>(accounts: &'a [Account], files: &'a PolicyFiles, out: &std::path::Path) -> OrgRunSpec<'a> {
    OrgRunSpec {
        accounts,
        regions: &[],
        files,
        policy_globs: &[],
        concurrency: 4,
        dry_run: true,
        output_dir: out.to_path_buf(),
        clock: crate::time::Clock::Fixed("2026-12-02T10:00:00Z".parse().unwrap()),
        prices: std::sync::Arc::new(crate::pricing::PriceTable::embedded().clone()),
    }
}

#[test]
fn each_account_and_region_runs_with_its_own_variables_and_a_failing_account_stops_nothing() {
    let accounts = parse("accounts.yml", ACCOUNTS).unwrap();
    let files = PolicyFiles::from_texts(vec![("p.yml".into(), POLICY.into())]);
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&accounts, &files, dir.path());
    validate(&spec).unwrap();
    let jobs = run(&spec, &Fake);
    let seen: Vec<(&str, &str, usize)> = jobs
        .iter()
        .map(|j| (j.account.as_str(), j.region.as_str(), j.policies.iter().map(|p| p.matched).sum()))
        .collect();
    // payments: CC-1001 (the org's var) runs 8 instances in us-east-1, none in eu-west-1;
    // research: its own CC-3003, the 3 GPU instances; locked: nothing ran, in both regions.
    assert_eq!(
        seen,
        vec![
            ("payments", "eu-west-1", 0),
            ("payments", "us-east-1", 8),
            ("research", "us-east-1", 3),
            ("locked", "eu-west-1", 0),
            ("locked", "us-east-1", 0),
        ]
    );
    for j in &jobs[3..] {
        let JobStatus::Failed(why) = &j.status else { panic!("{j:?}") };
        assert!(
            why.starts_with("cannot connect: AssumeRole") && why.contains("AccessDenied"),
            "{why}"
        );
    }
    assert!(jobs[..3].iter().all(|j| j.status == JobStatus::Ok));
    // Outputs per account and region; the tag value carries that pair's variables.
    let meta = std::fs::read_to_string(dir.path().join("research/us-east-1/by-charge-code/metadata.json")).unwrap();
    assert!(meta.contains("research-222222222222-us-east-1"), "{meta}");
    assert!(dir.path().join("payments/eu-west-1/by-charge-code/resources.json").is_file());
    assert!(!dir.path().join("locked").exists());
    let t = crate::org::summary::totals(&jobs);
    assert_eq!((t.accounts, t.jobs, t.failed_jobs, t.matched), (3, 5, 2, 11));
    let table = crate::org::summary::table(&jobs);
    assert!(
        table.contains("| locked (333333333333)") && table.contains("3 accounts, 5 account-regions (2 failed): 11 matched"),
        "{table}"
    );
}

#[test]
fn validation_names_the_account_and_region_whose_variables_break_a_policy() {
    // research's `days` is not a number: only its expansion is invalid.
    let accounts_text = "accounts:\n  - name: payments\n    account_id: '111111111111'\n    role: r\n    vars: {days: 4}\n  - name: research\n    account_id: '222222222222'\n    role: r\n    regions: [us-east-1]\n    vars: {days: soon}\n";
    let accounts = parse("accounts.yml", accounts_text).unwrap();
    let policy = "policies:\n  - name: old\n    resource: ec2\n    filters:\n      - type: instance-age\n        days: '{days}'\n";
    let files = PolicyFiles::from_texts(vec![("p.yml".into(), policy.into())]);
    let dir = tempfile::tempdir().unwrap();
    let errors = validate(&spec(&accounts, &files, dir.path())).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("account research (222222222222), region us-east-1: p.yml:6:15"),
        "{}",
        errors[0]
    );
}

#[test]
fn event_mode_policies_are_left_to_the_event_runs() {
    let accounts = parse(
        "accounts.yml",
        "accounts:\n  - name: a\n    account_id: '111111111111'\n    role: r\n",
    )
    .unwrap();
    let policy = "policies:\n  - name: on-launch\n    resource: ec2\n    mode: {type: cloudtrail, events: [RunInstances]}\n";
    let files = PolicyFiles::from_texts(vec![("p.yml".into(), policy.into())]);
    let dir = tempfile::tempdir().unwrap();
    let errors = validate(&spec(&accounts, &files, dir.path())).unwrap_err();
    assert!(errors[0].contains("every selected policy runs on events"), "{errors:?}");
}

#[test]
fn all_regions_are_the_ones_the_connected_account_has() {
    let accounts = parse(
        "accounts.yml",
        "accounts:\n  - name: a\n    account_id: '111111111111'\n    role: r\n    regions: [all]\n",
    )
    .unwrap();
    let files = PolicyFiles::from_texts(vec![(
        "p.yml".into(),
        "policies:\n  - name: running\n    resource: ec2\n    filters: [{State.Name: running}]\n".into(),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let jobs = run(&spec(&accounts, &files, dir.path()), &Fake);
    let regions: Vec<&str> = jobs.iter().map(|j| j.region.as_str()).collect();
    assert_eq!(regions, vec!["eu-west-1", "us-east-1"], "the example account's regions");
    assert!(jobs.iter().all(|j| j.status == JobStatus::Ok && j.policies[0].matched > 0));
}
