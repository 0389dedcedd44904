//! `custodian org run` end to end against moto: three member accounts (moto keeps accounts
//! apart; their credentials come from AssumeRole), two regions each, one account whose role STS
//! refuses (the fault proxy in front of moto's STS answers AccessDenied for it, as STS does).

use crate::live::{helper, id};
use crate::util::{custodian, custodian_env, read_json, StandIn};
use serde_json::Value;

const NOW: &str = "2026-11-23T15:00:00Z";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// Accounts no other test uses: every region is free in them.
const PAYMENTS: &str = "100000000001";
const RESEARCH: &str = "100000000002";
const LOCKED: &str = "100000000003";

fn state(region: &str, account: &str) -> Value {
    helper("state.py", &[region, account])
}

#[test]
fn org_run_acts_in_every_reachable_account_and_region_and_reports_the_one_it_cannot_reach() {
    let moto = std::env::var("CUSTODIAN_MOTO_ENDPOINT").expect("run ./scripts/test.sh, which starts moto");
    assert!(moto.starts_with("http://127.0.0.1:"));
    let mut ids = std::collections::BTreeMap::new();
    for account in [PAYMENTS, RESEARCH] {
        for region in REGIONS {
            ids.insert((account, region), helper("seed.py", &[region, account]));
        }
    }
    let before: Vec<Value> = ids.keys().map(|(a, r)| state(r, a)).collect();
    let locked_role = format!("arn:aws:iam::{LOCKED}:role/custodian");
    // Moto's STS behind the fault proxy, which refuses the locked account's role as STS does.
    let gate = StandIn::start(
        "fault_proxy.py",
        &[&moto, &serde_json::json!({"deny_assume": [&locked_role]}).to_string()],
    );
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("accounts.yml");
    std::fs::write(
        &accounts,
        format!(
            "vars:\n  charge_code: CC-1\naccounts:\n  - name: payments\n    account_id: '{PAYMENTS}'\n    role: custodian\n    regions: [us-east-1, eu-west-1]\n    tags: [env:prod]\n  - name: research\n    account_id: '{RESEARCH}'\n    role: arn:aws:iam::{RESEARCH}:role/custodian\n    regions: [us-east-1, eu-west-1]\n    vars: {{charge_code: CC-none}}\n  - name: locked\n    account_id: '{LOCKED}'\n    role: custodian\n    regions: [us-east-1, eu-west-1]\n"
        ),
    )
    .unwrap();
    // A policy of our own with the accounts' variables, beside the shipped ones.
    let vars_policy = dir.path().join("vars.yml");
    std::fs::write(
        &vars_policy,
        "policies:\n  - name: charge-code-owner\n    resource: ec2\n    filters:\n      - tag:CostCenter: '{charge_code}'\n      - State.Name: running\n    actions:\n      - type: tag\n        key: org-account\n        value: '{account}/{account_id}/{region}'\n",
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = custodian_env(
        [
            "org",
            "run",
            "-c",
            accounts.to_str().unwrap(),
            "--now",
            NOW,
            "--concurrency",
            "4",
            "-s",
            out_dir.to_str().unwrap(),
            "-u",
            "policies/",
            vars_policy.to_str().unwrap(),
        ],
        &[("AWS_ENDPOINT_URL", moto.as_str()), ("AWS_ENDPOINT_URL_STS", gate.url.as_str())],
    );
    // One account failed: exit code 2, and it is named with STS's reason, in both regions.
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    for region in REGIONS {
        let line = format!("account locked ({LOCKED}) in {region}: cannot connect: cannot assume {locked_role}: AccessDenied");
        assert!(out.stderr.contains(&line), "{}", out.stderr);
    }
    assert_eq!(
        out.stderr.matches("account ").count(),
        2,
        "only the locked account failed:\n{}",
        out.stderr
    );
    assert!(out.stdout.contains("3 accounts, 6 account-regions (2 failed)"), "{}", out.stdout);

    for (((account, region), ids), before) in ids.iter().zip(&before) {
        let after = state(region, account);
        let inst = |k: &str| &after["instances"][id(ids, k)];
        // The shipped policies acted here: the unapproved GPU stopped, the untagged marked.
        assert_eq!(inst("gpu_forbidden")["state"], "stopped", "{account} {region}");
        assert_eq!(inst("gpu_approved")["state"], "running", "{account} {region}");
        let mark = "Missing required tags (Environment, CostCenter, Owner): stop@2026/11/27";
        assert_eq!(inst("untagged")["tags"]["maid_status"], mark, "{account} {region}");
        assert_eq!(after["db"]["untagged-db"]["tags"]["maid_status"], mark, "{account} {region}");
        assert_eq!(after["db"]["dev-db"], before["db"]["dev-db"]);
        // The variables: payments' charge code CC-1 matches its dev instances, research's does not.
        for i in ids["dev_ok"].as_array().unwrap() {
            let tags = &after["instances"][i.as_str().unwrap()]["tags"];
            if *account == PAYMENTS {
                assert_eq!(tags["org-account"], format!("payments/{PAYMENTS}/{region}"));
            } else {
                assert!(tags.get("org-account").is_none(), "{tags}");
            }
        }
        // Outputs per account and region, as `run` writes them.
        let name = if *account == PAYMENTS { "payments" } else { "research" };
        let meta = read_json(&out_dir.join(name).join(region).join("ec2-gpu-without-approval/metadata.json"));
        assert_eq!(meta["actions"][0]["applied"], true, "{meta}");
    }
    // Each reachable account's role was assumed once for both its regions; the locked one was
    // asked once and never retried (AccessDenied is final).
    let log = gate.get_json("/_log");
    let mut assumed: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["role"].as_str().map(str::to_string))
        .collect();
    assumed.sort();
    assert_eq!(
        assumed,
        vec![
            format!("arn:aws:iam::{PAYMENTS}:role/custodian"),
            format!("arn:aws:iam::{RESEARCH}:role/custodian"),
            locked_role.clone(),
        ]
    );
    let summary = read_json(&out_dir.join("org-summary.json"));
    assert_eq!(summary["totals"]["jobs"], 6);
    assert_eq!(summary["totals"]["failed_jobs"], 2);
    let locked: Vec<&Value> = summary["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["account"] == "locked")
        .collect();
    assert!(locked
        .iter()
        .all(|j| j["status"] == "failed" && j["reason"].as_str().unwrap().contains("AccessDenied")));
    assert!(!out_dir.join("locked").exists());

    // Selection: -t picks payments only; a dry run there changes nothing and exits 0.
    let before = state("us-east-1", PAYMENTS);
    let out = custodian_env(
        [
            "org",
            "run",
            "-c",
            accounts.to_str().unwrap(),
            "-t",
            "env:prod",
            "-r",
            "us-east-1",
            "--dryrun",
            "--format",
            "json",
            "-s",
            dir.path().join("dry").to_str().unwrap(),
            "policies/",
        ],
        &[("AWS_ENDPOINT_URL", moto.as_str()), ("AWS_ENDPOINT_URL_STS", gate.url.as_str())],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["totals"]["jobs"], 1);
    assert_eq!(json["jobs"][0]["account"], "payments");
    assert_eq!(state("us-east-1", PAYMENTS), before, "a dry run changes nothing");
}

#[test]
fn org_accounts_writes_an_accounts_file_from_aws_organizations() {
    let moto = std::env::var("CUSTODIAN_MOTO_ENDPOINT").expect("run ./scripts/test.sh, which starts moto");
    let ids = helper("organization.py", &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.yml");
    let out = custodian_env(
        [
            "org",
            "accounts",
            "--ou",
            "/prod",
            "--active",
            "--tag",
            "env=prod",
            "-r",
            "us-east-1",
            "--role",
            "custodian",
            "-f",
            file.to_str().unwrap(),
        ],
        &[("AWS_ENDPOINT_URL", moto.as_str())],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("2 account(s) written"), "{}", out.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    let accounts = custodian::org::accounts::parse("accounts.yml", &text).unwrap();
    // /prod's subtree, active, env=prod: web and payments; not the closed old-web, not /dev.
    let mut names: Vec<(&str, &str)> = accounts.iter().map(|a| (a.name.as_str(), a.account_id.as_str())).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("payments", ids["payments"].as_str().unwrap()),
            ("web", ids["web"].as_str().unwrap())
        ]
    );
    let payments = accounts.iter().find(|a| a.name == "payments").unwrap();
    assert_eq!(payments.roles, vec![format!("arn:aws:iam::{}:role/custodian", payments.account_id)]);
    assert!(payments.tags.contains(&"path:/prod/payments".to_string()), "{:?}", payments.tags);
    assert_eq!(payments.vars["charge_code"], "CC-1");
    assert_eq!(payments.regions, vec!["us-east-1".to_string()]);
    // An OU that does not exist is named.
    let out = custodian_env(["org", "accounts", "--ou", "/nope"], &[("AWS_ENDPOINT_URL", moto.as_str())]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--ou /nope: no OU named 'nope'"), "{}", out.stderr);
}

#[test]
fn validate_only_checks_every_account_and_region_with_its_variables_without_aws() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("accounts.yml");
    std::fs::write(
        &accounts,
        "accounts:\n  - name: payments\n    account_id: '111111111111'\n    role: custodian\n    regions: [us-east-1, eu-west-1]\n    vars: {days: 4}\n  - name: research\n    account_id: '222222222222'\n    role: custodian\n    vars: {days: soon}\n",
    )
    .unwrap();
    let policy = dir.path().join("p.yml");
    std::fs::write(
        &policy,
        "policies:\n  - name: old\n    resource: ec2\n    filters:\n      - type: instance-age\n        days: '{days}'\n",
    )
    .unwrap();
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = ["org", "run", "-c", accounts.to_str().unwrap(), "--validate-only"]
            .map(String::from)
            .to_vec();
        a.extend(extra.iter().map(|e| e.to_string()));
        a.push(policy.to_str().unwrap().to_string());
        a
    };
    // No endpoint, no credentials: nothing may reach AWS.
    let out = custodian(args(&[]));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr.contains("account research (222222222222), region us-east-1: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("p.yml:6:15"), "{}", out.stderr);
    let out = custodian(args(&["-a", "payments"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "valid for 1 account(s), 2 account-region(s)");
    let out = custodian(args(&["-a", "nobody"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no account is selected"), "{}", out.stderr);
}
