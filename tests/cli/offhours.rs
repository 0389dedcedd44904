//! Off-hours end to end: the shipped off-hours policies on the example snapshot at several
//! instants, and `custodian schedule explain`.

use crate::util::{custodian, ids, read_json};
use std::path::Path;

fn run_at(now: &str, out: &Path) -> crate::util::Output {
    let o = custodian([
        "run",
        "--dryrun",
        "--snapshot",
        "examples/account",
        "--now",
        now,
        "-p",
        "*hours*",
        "-s",
        out.to_str().unwrap(),
        "policies/",
    ]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    o
}

fn matched(out: &Path, region: &str, policy: &str) -> Vec<String> {
    let id = if policy.starts_with("rds") {
        "DBInstanceIdentifier"
    } else {
        "InstanceId"
    };
    ids(&out.join(region).join(policy).join("resources.json"), id)
}

#[test]
fn shipped_offhours_policies_at_several_instants() {
    let dir = tempfile::tempdir().unwrap();
    // (instant, region, policy, expected ids)
    let table: &[(&str, &str, &str, &[&str])] = &[
        // Monday 10:00 New York: on hours.
        ("2026-11-23T15:00:00Z", "us-east-1", "ec2-offhours-stop", &[]),
        ("2026-11-23T15:00:00Z", "us-east-1", "rds-offhours-stop", &[]),
        // Monday 19:30 New York: default schedules stop (the opted-out, Pacific and unparsable ones do not).
        (
            "2026-11-24T00:30:00Z",
            "us-east-1",
            "ec2-offhours-stop",
            &[
                "i-0de0000000000001",
                "i-0bad000000000001",
                "i-0fixed0000000001",
                "i-0gpu000000000003",
            ],
        ),
        (
            "2026-11-24T00:30:00Z",
            "eu-west-1",
            "ec2-offhours-stop",
            &["i-0eubad0000000001", "i-0eugpu0000000001"],
        ),
        (
            "2026-11-24T00:30:00Z",
            "us-east-1",
            "rds-offhours-stop",
            &["reporting-dev", "qa-db"],
        ),
        ("2026-11-24T00:30:00Z", "us-east-1", "ec2-onhours-start", &[]),
        // Monday 20:30 Pacific: the instance with its own tz=pt schedule.
        ("2026-11-24T04:30:00Z", "us-east-1", "ec2-offhours-stop", &["i-0de0000000000002"]),
        // Tuesday 07:30 New York: stopped dev machines start.
        ("2026-11-24T12:30:00Z", "us-east-1", "ec2-onhours-start", &["i-0de0000000000003"]),
        ("2026-11-24T12:30:00Z", "eu-west-1", "ec2-onhours-start", &["i-0eugpu0000000002"]),
        (
            "2026-11-24T12:30:00Z",
            "us-east-1",
            "rds-onhours-start",
            &["reporting-dev", "qa-db"],
        ),
        ("2026-11-24T12:30:00Z", "us-east-1", "rds-offhours-stop", &[]),
        // Saturday: RDS stays off (stay-off), so AWS's automatic restart is undone.
        (
            "2026-11-28T15:00:00Z",
            "us-east-1",
            "rds-offhours-stop",
            &["reporting-dev", "qa-db"],
        ),
        ("2026-11-28T15:00:00Z", "us-east-1", "ec2-offhours-stop", &[]),
    ];
    for (now, region, policy, want) in table {
        let out = dir.path().join(now.replace(':', ""));
        if !out.exists() {
            run_at(now, &out);
        }
        assert_eq!(matched(&out, region, policy), *want, "{now} {region} {policy}");
    }
    // Planning applies the implicit state filters: qa-db is already stopped.
    let meta = read_json(&dir.path().join("2026-11-24T003000Z/us-east-1/rds-offhours-stop/metadata.json"));
    assert_eq!(meta["actions"][0]["requests"][0]["ids"], serde_json::json!(["reporting-dev"]));
    assert_eq!(meta["actions"][0]["skipped"][0]["id"], "qa-db");
}

#[test]
fn unparsable_and_opted_out_tags_are_recorded_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_at("2026-11-24T00:30:00Z", dir.path());
    let policy = dir.path().join("us-east-1/ec2-offhours-stop");
    let errors = read_json(&policy.join("parse_errors.json"));
    assert_eq!(
        errors,
        serde_json::json!([[
            "i-0gpu000000000001",
            "off=(x,19)",
            "'(x,19)': days 'x' are not m t w h f s u or a range"
        ]])
    );
    assert_eq!(ids(&policy.join("opted_out.json"), "InstanceId"), vec!["i-0de0000000000004"]);
    assert!(
        !dir.path().join("eu-west-1/ec2-offhours-stop/parse_errors.json").exists(),
        "written only when there is something to say"
    );
    assert!(
        o.stdout
            .contains("warning: us-east-1 i-0gpu000000000001: schedule tag 'off=(x,19)' does not parse"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("warning: us-east-1 i-0bad000000000001: schedule tag 'off=(M-F,19); on=(M-F,7)': a space next to ';'"),
        "{}",
        o.stdout
    );
    assert_eq!(
        o.stdout.matches("i-0bad000000000001: schedule tag").count(),
        1,
        "one warning per resource"
    );
    let md = custodian([
        "report",
        "-s",
        dir.path().to_str().unwrap(),
        "--format",
        "markdown",
        "-p",
        "ec2-offhours-stop",
        "policies/",
    ]);
    assert!(md.stdout.contains("- warning: schedule tag on i-0gpu000000000001"), "{}", md.stdout);
}

fn explain(args: &[&str]) -> String {
    let mut all = vec!["schedule", "explain"];
    all.extend_from_slice(args);
    let o = custodian(all);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout
}

#[test]
fn explain_default_schedule_in_new_york() {
    assert_eq!(
        explain(&["", "--from", "2026-11-23T15:00:00Z", "--next", "4"]),
        "zone: America/New_York
next 4 transitions after 2026-11-23T15:00:00Z:
  off  Mon 2026-11-23 19:00 EST (-05:00)  2026-11-24T00:00:00Z
  on   Tue 2026-11-24 07:00 EST (-05:00)  2026-11-24T12:00:00Z
  off  Tue 2026-11-24 19:00 EST (-05:00)  2026-11-25T00:00:00Z
  on   Wed 2026-11-25 07:00 EST (-05:00)  2026-11-25T12:00:00Z
"
    );
}

#[test]
fn explain_tag_schedule_across_both_los_angeles_dst_changes() {
    assert_eq!(
        explain(&["off=(U,2);on=(U,9);tz=pt", "--from", "2026-03-06T00:00:00Z", "--next", "3"]),
        "zone: America/Los_Angeles
next 3 transitions after 2026-03-06T00:00:00Z:
  on   Sun 2026-03-08 09:00 PDT (-07:00)  2026-03-08T16:00:00Z
  off  Sun 2026-03-15 02:00 PDT (-07:00)  2026-03-15T09:00:00Z
  on   Sun 2026-03-15 09:00 PDT (-07:00)  2026-03-15T16:00:00Z
notes:
  - 2026-03-08: 02:00 does not exist (DST starts): Cloud Custodian's exact-hour match never fires 'off' that day; with lookback it fires at 03:00 PDT
"
    );
    assert_eq!(
        explain(&["off=(U,1);on=(U,9);tz=pt", "--from", "2026-10-30T00:00:00Z", "--next", "2"]),
        "zone: America/Los_Angeles
next 2 transitions after 2026-10-30T00:00:00Z:
  off  Sun 2026-11-01 01:00 PDT (-07:00)  2026-11-01T08:00:00Z  (happens again at 01:00 PST: Cloud Custodian matches both hours; lookback counts it once)
  on   Sun 2026-11-01 09:00 PST (-08:00)  2026-11-01T17:00:00Z
"
    );
}

#[test]
fn explain_cron_schedule_in_berlin_with_holidays() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("holidays.txt");
    std::fs::write(&file, "# Christmas, every year\n12-25\n2026-12-24  # Christmas Eve this year\n").unwrap();
    assert_eq!(
        explain(&[
            "off=cron(30 19 * * MON-FRI);on=cron(0 7 * * MON-FRI);tz=Europe/Berlin",
            "--from",
            "2026-12-23T12:00:00Z",
            "--next",
            "4",
            "--holidays-file",
            file.to_str().unwrap()
        ]),
        "zone: Europe/Berlin
next 4 transitions after 2026-12-23T12:00:00Z:
  off  Wed 2026-12-23 19:30 CET (+01:00)  2026-12-23T18:30:00Z
  on   Mon 2026-12-28 07:00 CET (+01:00)  2026-12-28T06:00:00Z
  off  Mon 2026-12-28 19:30 CET (+01:00)  2026-12-28T18:30:00Z
  on   Tue 2026-12-29 07:00 CET (+01:00)  2026-12-29T06:00:00Z
notes:
  - 2026-12-24: holiday, no 'off' at 19:30
  - 2026-12-24: holiday, no 'on' at 07:00
  - 2026-12-25: holiday, no 'off' at 19:30
  - 2026-12-25: holiday, no 'on' at 07:00
"
    );
}

#[test]
fn explain_rejects_bad_schedules_and_warns_on_lint() {
    let o = custodian(["schedule", "explain", "off=(M-F,24)"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("hour 24 is not 0-23"), "{}", o.stderr);
    let o = custodian(["schedule", "explain", "off", "--tz", "utc"]);
    assert_eq!(o.code, 1);
    let out = explain(&["off=(M-F,19); on=(M-F,7)", "--from", "2026-11-23T15:00:00Z", "--next", "1"]);
    assert!(out.contains("warning: a space next to ';'"), "{out}");
}
