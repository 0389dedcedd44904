//! `custodian kubernetes`: the checked-in Kustomize base is what the shipped policies give, it
//! passes a Kubernetes schema validator, and its jobs are the hardened, never-retried runs the
//! design asks for; the PreSync validate Job fails on an invalid policy.

use crate::util::{custodian, root};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const ARGS: [&str; 8] = [
    "kubernetes",
    "policies/",
    "--output-url",
    "s3://custodian-outputs/custodian",
    "--role-arn",
    "arn:aws:iam::111122223333:role/custodian",
    "--timezone",
    "UTC",
];

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    custodian::input::parse(&text).unwrap().to_json()
}

fn validate_k8s(file: &Path) {
    let tool =
        std::env::var("CUSTODIAN_KUBERNETES_VALIDATE").expect("run the tests with ./scripts/test.sh, which installs kubernetes-validate");
    let out = Command::new(tool)
        .args(["-k", "1.31.0", "--strict"])
        .arg(file)
        .output()
        .expect("kubernetes-validate runs");
    assert!(
        out.status.success(),
        "{}: {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_checked_in_manifests_are_current_and_valid_and_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = ARGS.to_vec();
    args.extend(["-o", dir.path().to_str().unwrap()]);
    let out = custodian(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let checked_in = root().join("deploy/kubernetes");
    let mut names: Vec<String> = Vec::new();
    for entry in walk(dir.path()) {
        let rel = entry.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned();
        let ours = std::fs::read_to_string(checked_in.join(&rel)).unwrap_or_default();
        assert_eq!(
            ours,
            std::fs::read_to_string(&entry).unwrap(),
            "deploy/kubernetes/{rel} is stale: run `custodian {}`",
            ARGS.join(" ") + " -o deploy/kubernetes"
        );
        names.push(rel);
    }
    assert_eq!(
        walk(&checked_in).len(),
        names.len(),
        "deploy/kubernetes has files the generator does not write"
    );

    let k = yaml(&checked_in.join("kustomization.yaml"));
    let resources: Vec<&str> = k["resources"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    for r in &resources {
        validate_k8s(&checked_in.join(r));
    }
    // The ConfigMaps Kustomize generates, validated as well.
    for generator in k["configMapGenerator"].as_array().unwrap() {
        let mut data = serde_json::Map::new();
        for f in generator["files"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            assert!(checked_in.join(f).is_file(), "{f}");
            let key = Path::new(f).file_name().unwrap().to_string_lossy().into_owned();
            data.insert(key, Value::String(std::fs::read_to_string(checked_in.join(f)).unwrap()));
        }
        let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"], "annotations": generator["options"]["annotations"]}, "data": data});
        let file = dir.path().join(format!("{}.json", generator["name"].as_str().unwrap()));
        std::fs::write(&file, cm.to_string()).unwrap();
        validate_k8s(&file);
    }

    let cronjobs: Vec<Value> = resources
        .iter()
        .map(|r| yaml(&checked_in.join(r)))
        .filter(|d| d["kind"] == "CronJob")
        .collect();
    assert_eq!(cronjobs.len(), 3, "one per distinct schedule of the shipped policies");
    let mut scheduled: Vec<String> = Vec::new();
    for c in &cronjobs {
        let spec = &c["spec"];
        assert_eq!(spec["concurrencyPolicy"], "Forbid");
        assert_eq!(spec["timeZone"], "UTC");
        assert!(spec["startingDeadlineSeconds"].as_u64().is_some());
        let job = &spec["jobTemplate"]["spec"];
        assert_eq!(job["backoffLimit"], 0, "actions are never re-run blindly");
        assert!(job["activeDeadlineSeconds"].as_u64().is_some());
        let pod = &job["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Never");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
        let container = &pod["containers"][0];
        assert!(
            container["env"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"name": "AWS_EC2_METADATA_DISABLED", "value": "true"})),
            "no fallback to the node's role through instance metadata"
        );
        let sc = &container["securityContext"];
        assert_eq!(
            (sc["readOnlyRootFilesystem"].as_bool(), sc["allowPrivilegeEscalation"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(sc["capabilities"]["drop"][0], "ALL");
        let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        assert_eq!(args[0], "run");
        assert!(args.windows(2).any(|w| w == ["-s", "s3://custodian-outputs/custodian"]), "{args:?}");
        let names: Vec<&str> = c["metadata"]["annotations"]["custodian/policies"]
            .as_str()
            .unwrap()
            .split(',')
            .collect();
        for n in &names {
            assert!(args.windows(2).any(|w| w == ["-p", n]), "{n} in {args:?}");
            scheduled.push(n.to_string());
        }
    }
    scheduled.sort();
    let periodic = custodian::policy::load(&[root().join("policies")]).unwrap();
    let mut expected: Vec<String> = periodic
        .iter()
        .filter(|p| matches!(p.mode, custodian::policy::Mode::Periodic { .. }))
        .map(|p| p.name.clone())
        .collect();
    expected.sort();
    assert_eq!(scheduled, expected, "every scheduled policy runs in exactly one CronJob");
    let hook = yaml(&checked_in.join("validate-job.yaml"));
    assert_eq!(hook["metadata"]["annotations"]["argocd.argoproj.io/hook"], "PreSync");
    assert_eq!(
        hook["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"],
        "custodian-policies-presync"
    );
    let sa = yaml(&checked_in.join("serviceaccount.yaml"));
    assert_eq!(
        sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/custodian"
    );
}

#[test]
fn the_presync_validate_job_fails_the_sync_on_an_invalid_policy() {
    // The hook's command over a copy of the ConfigMap's files, as the pod sees them at /policies.
    let hook = yaml(&root().join("deploy/kubernetes/validate-job.yaml"));
    let args: Vec<String> = hook["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(args, ["validate", "/policies"]);
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(root().join("deploy/kubernetes/policies")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let policies = dir.path().to_str().unwrap();
    assert_eq!(custodian(["validate", policies]).code, 0);
    std::fs::write(
        dir.path().join("broken.yml"),
        "policies:\n  - name: x\n    resource: ec2\n    filters: [{type: tga}]\n",
    )
    .unwrap();
    let out = custodian(["validate", policies]);
    assert_eq!(out.code, 1, "a failed hook fails the sync");
    assert!(out.stderr.contains("broken.yml:4:"), "{}", out.stderr);
}

#[test]
fn what_a_cronjob_cannot_run_is_refused() {
    let out = custodian(["kubernetes", "policies/", "-o", "/tmp/never", "--output-url", "/var/out"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("outputs go to S3"), "{}", out.stderr);
    let out = custodian([
        "kubernetes",
        "policies/",
        "-o",
        "/tmp/never",
        "--output-url",
        "s3://b/p",
        "--timezone",
        "Mars/Base",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not an IANA time zone"), "{}", out.stderr);
    assert!(!Path::new("/tmp/never").exists());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn a_jobs_outputs_go_to_s3_under_the_runs_key() {
    let moto = std::env::var("CUSTODIAN_MOTO_ENDPOINT").expect("run ./scripts/test.sh, which starts moto");
    let python = std::env::var("CUSTODIAN_MOTO_PYTHON").unwrap();
    let s3 = |code: &str| {
        let script = format!(
            "import boto3, json\ns3 = boto3.client('s3', region_name='us-east-1', endpoint_url='{moto}', aws_access_key_id='testing', aws_secret_access_key='testing')\n{code}"
        );
        let out = Command::new(&python).args(["-c", &script]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    s3("s3.create_bucket(Bucket='custodian-job-outputs')");
    let out = crate::util::custodian_env(
        [
            "run",
            "--snapshot",
            "examples/account",
            "--now",
            "2026-11-23T15:00:00Z",
            "--dryrun",
            "-s",
            "s3://custodian-job-outputs/custodian",
            "policies/",
        ],
        &[("AWS_ENDPOINT_URL", moto.as_str()), ("AWS_REGION", "us-east-1")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let keys = s3("print(json.dumps([o['Key'] for o in s3.list_objects_v2(Bucket='custodian-job-outputs')['Contents']]))");
    let keys: Vec<String> = serde_json::from_str(&keys).unwrap();
    // custodian/YYYY/MM/DD/HH/run-<ms>: this run's key, every output under it.
    let parts: Vec<&str> = keys[0].split('/').take(6).collect();
    let prefix = parts.join("/");
    assert!(parts[0] == "custodian" && parts[5].starts_with("run-"), "{prefix}");
    assert!(
        keys.contains(&format!("{prefix}/us-east-1/ec2-gpu-without-approval/metadata.json")),
        "{keys:?}"
    );
    assert!(keys.iter().all(|k| k.starts_with(&prefix)), "{keys:?}");
    assert!(
        out.stdout.contains(&format!("output in s3://custodian-job-outputs/{prefix}/")),
        "{}",
        out.stdout
    );
}

#[test]
fn an_organization_base_runs_org_run_over_its_bundled_accounts_and_validates_them_presync() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("accounts.yml");
    std::fs::write(
        &accounts,
        "accounts:\n  - name: payments\n    account_id: '111111111111'\n    role: custodian-member\n    regions: [us-east-1, eu-west-1]\n",
    )
    .unwrap();
    let base = dir.path().join("base");
    let out = custodian([
        "kubernetes",
        "policies/",
        "--org",
        accounts.to_str().unwrap(),
        "--output-url",
        "s3://b/custodian",
        "-o",
        base.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let k = yaml(&base.join("kustomization.yaml"));
    assert!(k["configMapGenerator"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "custodian-accounts"));
    for r in k["resources"].as_array().unwrap() {
        validate_k8s(&base.join(r.as_str().unwrap()));
    }
    let job = yaml(&base.join("custodian-1.yaml"));
    let pod = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&args[..4], ["org", "run", "-c", "/config/accounts.yml"]);
    assert!(pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["configMap"]["name"] == "custodian-accounts"));
    // The hook's command, run here over the same files: valid for every account and region.
    let hook = yaml(&base.join("validate-job.yaml"));
    let hook_args: Vec<String> = hook["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("/config/accounts.yml", base.join("accounts.yml").to_str().unwrap())
                .replace("/policies", base.join("policies").to_str().unwrap())
        })
        .collect();
    assert!(hook_args.contains(&"--validate-only".to_string()), "{hook_args:?}");
    let out = custodian(&hook_args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("valid for 1 account(s), 2 account-region(s)"), "{}", out.stdout);
}
