//! Logs through the binary: `-q` only errors, `-v` one line per AWS API call (counted against
//! the calls the proxy in front of moto saw), `--log-format json`, no control characters off a
//! terminal, and no credential or webhook URL at any verbosity.

use crate::live::helper;
use crate::util::{custodian, custodian_env, StandIn};
use serde_json::Value;

const REGION: &str = "eu-west-1";
/// Its own account (moto keeps accounts apart): credentials from moto's STS for it.
const ACCOUNT: &str = "100000000051";
const WEBHOOK: &str = "http://127.0.0.1:9/services/T0/B0/webhook-secret-token";

struct Logged {
    code: i32,
    stdout: String,
    stderr: String,
    /// The requests the proxy forwarded to moto.
    calls: usize,
}

/// One real run of a policy that marks, and notifies a (dead) Slack webhook, over the seeded
/// account, through a counting proxy; `flags` are the logging flags.
fn run_logged(flags: &[&str], env: &[(&str, &str)]) -> (Logged, Value) {
    let (endpoint, _) = crate::live::moto_endpoint();
    let creds = helper("assume.py", &[ACCOUNT]);
    let proxy = StandIn::start("fault_proxy.py", &[&endpoint, "{}"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.yml");
    std::fs::write(
        &file,
        "policies:
  - name: untagged-notify
    resource: aws.ec2
    filters: [{InstanceType: m5.large}]
    actions:
      - {type: tag, key: seen, value: 'yes'}
      - type: notify
        subject: untagged
        violation_desc: no tags
        action_desc: tagged
        to: ['#ops']
        transport: {type: slack, webhook: CUSTODIAN_TEST_WEBHOOK}
",
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let mut args = vec!["run", "-r", REGION, "-s", out_dir.to_str().unwrap(), file.to_str().unwrap()];
    args.extend_from_slice(flags);
    let key = |k: &str| creds[k].as_str().unwrap().to_string();
    let (id, secret, token) = (key("AccessKeyId"), key("SecretAccessKey"), key("SessionToken"));
    let mut all_env = vec![
        ("AWS_ENDPOINT_URL", proxy.url.as_str()),
        ("AWS_ACCESS_KEY_ID", id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_SESSION_TOKEN", token.as_str()),
        ("CUSTODIAN_TEST_WEBHOOK", WEBHOOK),
    ];
    all_env.extend_from_slice(env);
    let o = custodian_env(&args, &all_env);
    let calls = proxy.get_json("/_log").as_array().unwrap().len();
    (
        Logged {
            code: o.code,
            stdout: o.stdout,
            stderr: o.stderr,
            calls,
        },
        creds,
    )
}

fn seed_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        helper("seed.py", &[REGION, ACCOUNT]);
    });
}

#[test]
fn verbose_logs_one_line_per_api_call_and_never_a_secret() {
    seed_once();
    for flags in [&["-v"][..], &["-vv"], &["-vv", "--log-format", "json"]] {
        let (o, creds) = run_logged(flags, &[]);
        assert!(o.stdout.contains("untagged-notify"), "the summary stays on stdout: {}", o.stdout);
        let lines: Vec<&str> = o.stderr.lines().filter(|l| l.contains("api call")).collect();
        assert_eq!(lines.len(), o.calls, "{flags:?}: one line per call the proxy saw:\n{}", o.stderr);
        assert!(
            lines.iter().any(|l| l.contains("DescribeInstances") && l.contains(REGION)),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.contains("GetCallerIdentity")), "{lines:?}");
        // Once the account is known, every line names it.
        assert!(
            lines
                .iter()
                .any(|l| l.contains("CreateTags") && l.contains(ACCOUNT) && l.contains("ids")),
            "{lines:?}"
        );
        if flags.contains(&"json") {
            for line in o.stderr.lines() {
                let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
            }
        }
        // Off a terminal: no colours, no cursor movement, no carriage returns.
        assert!(
            !o.stderr.chars().any(|c| c.is_control() && c != '\n'),
            "control characters: {:?}",
            o.stderr
        );
        for secret in ["AccessKeyId", "SecretAccessKey", "SessionToken"] {
            let value = creds[secret].as_str().unwrap();
            assert!(!o.stderr.contains(value), "{flags:?}: {secret} in the logs");
        }
        assert!(
            !o.stderr.contains("webhook-secret-token"),
            "{flags:?}: the webhook URL in the logs:\n{}",
            o.stderr
        );
        assert_eq!(o.code, 2, "the dead webhook fails its action: {}", o.stderr);
    }
}

#[test]
fn no_secret_at_debug_in_every_crate_either() {
    seed_once();
    let (o, creds) = run_logged(&[], &[("RUST_LOG", "debug")]);
    assert!(o.stderr.lines().count() > o.calls, "every crate logs at debug: {}", o.stderr.len());
    for secret in ["SecretAccessKey", "SessionToken"] {
        assert!(!o.stderr.contains(creds[secret].as_str().unwrap()), "{secret} in the logs");
    }
    assert!(!o.stderr.contains("webhook-secret-token"), "the webhook URL in the logs");
}

#[test]
fn quiet_prints_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("out");
    // The shipped policies over the example snapshot, a dry run, with `flags`.
    let shipped = |flags: &[&str]| {
        let mut args = vec![
            "run",
            "policies/",
            "--snapshot",
            "examples/account",
            "--dryrun",
            "-s",
            s.to_str().unwrap(),
        ];
        args.extend_from_slice(flags);
        custodian(args)
    };
    let ok = shipped(&["-q"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(ok.stderr, "", "nothing but errors");
    assert!(ok.stdout.contains("ec2-required-tags-mark"), "the summary is still printed");
    let bad = custodian(["run", "-q", "tests/invalid/unknown-filter.yml", "--snapshot", "examples/account"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("unknown filter"), "errors still show: {}", bad.stderr);
    // Milestones are info: -v shows them as plain lines, the default does not.
    let v = shipped(&["-v"]);
    assert!(
        v.stderr.lines().any(|l| l.contains("INFO") && l.contains("fetch: ")),
        "{}",
        v.stderr
    );
    assert!(
        v.stderr
            .lines()
            .any(|l| l.contains("ec2-required-tags-mark@") && l.contains("matched")),
        "{}",
        v.stderr
    );
    let quiet_default = shipped(&[]);
    assert!(!quiet_default.stderr.contains("INFO"), "{}", quiet_default.stderr);
}

#[test]
fn completions_man_page_and_version() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = custodian(["completions", shell]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        assert!(o.stdout.contains("custodian") && o.stdout.contains("validate"), "{shell}");
    }
    let bash = custodian(["completions", "bash"]);
    assert!(
        bash.stdout.contains("--log-format") && bash.stdout.contains("--dryrun"),
        "flags complete too"
    );
    let man = custodian(["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH custodian"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(
        man.stdout.contains("org") && man.stdout.contains("\\-\\-verbose"),
        "commands and global flags"
    );
    let run = custodian(["man", "org", "run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(".TH custodian\\-org\\-run") || run.stdout.contains("custodian-org-run"),
        "{}",
        run.stdout
    );
    let none = custodian(["man", "nosuch"]);
    assert_eq!(none.code, 1);
    assert!(none.stderr.contains("no command 'nosuch'"), "{}", none.stderr);
    let v = custodian(["version"]);
    assert_eq!(v.code, 0);
    let first = v.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("custodian {} (git ", env!("CARGO_PKG_VERSION"))),
        "{first}"
    );
    assert!(
        v.stdout.contains("EC2 on-demand of 2026-") && v.stdout.contains("RDS on-demand of 2026-"),
        "{}",
        v.stdout
    );
}

#[test]
fn progress_bars_on_a_terminal_and_none_under_ci() {
    // `script` (util-linux) gives the command a pseudo-terminal and records what it drew.
    let dir = tempfile::tempdir().unwrap();
    let on_tty = |ci: bool| {
        let record = dir.path().join(format!("tty-{ci}.out"));
        let command = format!(
            "{} run policies/ --snapshot examples/account --dryrun -s {}",
            env!("CARGO_BIN_EXE_custodian"),
            dir.path().join("out").display()
        );
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &command, record.to_str().unwrap()])
            .current_dir(crate::util::root())
            .env_remove("CI")
            .stdout(std::process::Stdio::null());
        if ci {
            c.env("CI", "true");
        }
        assert!(c.status().expect("script (util-linux) runs").success());
        std::fs::read_to_string(&record).unwrap()
    };
    let drawn = on_tty(false);
    assert!(drawn.contains("fetch [") && drawn.contains("/6"), "a bar per stage: {drawn:?}");
    assert!(drawn.contains("policies ["), "{drawn:?}");
    let ci = on_tty(true);
    assert!(
        !ci.contains("fetch [") && !ci.contains('\u{1b}'),
        "nothing animated under CI: {ci:?}"
    );
}
