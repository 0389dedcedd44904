//! Kubernetes manifests, a Kustomize base computed from the policies: one CronJob per distinct
//! schedule (`concurrencyPolicy: Forbid`, `backoffLimit: 0` so actions are never re-run
//! blindly, the schedules' time zone, deadlines, a hardened pod), the policies in a generated
//! ConfigMap, a ServiceAccount for IRSA (or EKS Pod Identity), and a `validate` Job that Argo CD
//! runs as a PreSync hook, so an invalid policy fails the sync before anything is applied.

use super::template::schedules;
use crate::input::emit::to_yaml;
use crate::policy::Policy;
use serde_json::{json, Value};

/// The user the image runs as (distroless' `nonroot`).
pub const USER_ID: u32 = 65532;

/// What the manifests are for.
#[derive(Debug, Clone, PartialEq)]
pub struct KubernetesOptions {
    /// The container image.
    pub image: String,
    /// The IAM role for IRSA (`eks.amazonaws.com/role-arn`); none: EKS Pod Identity, whose
    /// association is made outside the manifests.
    pub role_arn: Option<String>,
    /// Where outputs go (`s3://bucket/prefix`).
    pub output: String,
    /// Regions (`-r`); none: the pod's `AWS_REGION`.
    pub regions: Vec<String>,
    /// The pod's `AWS_REGION`.
    pub home_region: String,
    /// IANA time zone of the schedules.
    pub timezone: String,
    /// Report only: every job is a dry run.
    pub dry_run: bool,
    /// An accounts file: each job is an organization run over it (`org run`).
    pub accounts_file: Option<String>,
}

/// An EventBridge schedule expression as a Kubernetes cron schedule (five fields; AWS's
/// day-of-week 1-7 is SUN-SAT, Kubernetes' 0-6). What cron cannot say is an error.
pub fn cron_of(expression: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("schedule '{expression}': {why}"));
    if let Some(body) = expression.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let (n, unit) = body.trim().split_once(' ').unwrap_or((body, ""));
        let n: u32 = n.parse().map_err(|_| format!("schedule '{expression}': not a rate"))?;
        return match (unit.trim_end_matches('s'), n) {
            ("minute", 1) => Ok("* * * * *".into()),
            ("minute", n) if 60 % n == 0 => Ok(format!("*/{n} * * * *")),
            ("hour", 1) => Ok("0 * * * *".into()),
            ("hour", n) if 24 % n == 0 => Ok(format!("0 */{n} * * *")),
            ("day", 1) => Ok("0 0 * * *".into()),
            ("minute" | "hour", _) => bad("cron repeats evenly within the hour or day only: use a rate that divides it"),
            _ => bad("cron has no such rate; write it as cron(...)"),
        };
    }
    let Some(body) = expression.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) else {
        return bad("not rate(...) or cron(...)");
    };
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [minute, hour, dom, month, dow, year] = fields.as_slice() else {
        return bad("an EventBridge cron has six fields");
    };
    if *year != "*" {
        return bad("Kubernetes cron has no year field");
    }
    // Day names (WED, SAT) hold W and L too: only the operators are refused.
    let last_weekday = dow
        .split([',', '-'])
        .any(|d| d == "L" || (d.len() > 1 && d.ends_with('L') && d[..d.len() - 1].bytes().all(|b| b.is_ascii_digit())));
    if dom.contains(['L', 'W']) || dow.contains('#') || last_weekday {
        return bad("L, W and # have no Kubernetes cron equivalent");
    }
    let dow = dow
        .split(',')
        .map(|part| {
            part.split('-')
                .map(|d| match d.parse::<u8>() {
                    Ok(n @ 1..=7) => Ok((n - 1).to_string()),
                    Ok(_) => Err(format!("schedule '{expression}': day of week {d} is not 1-7")),
                    Err(_) => Ok(d.to_string()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join("-"))
        })
        .collect::<Result<Vec<_>, _>>()?
        .join(",");
    let q = |f: &str| if f == "?" { "*".to_string() } else { f.to_string() };
    Ok(format!("{minute} {hour} {} {month} {}", q(dom), q(&dow)))
}

fn labels() -> Value {
    json!({"app.kubernetes.io/name": "custodian", "app.kubernetes.io/part-of": "custodian"})
}

/// The pod template running `args`, hardened: non-root, read-only root filesystem, no
/// privilege escalation, no capabilities, the runtime's seccomp profile, scratch in `/tmp`.
fn pod(options: &KubernetesOptions, args: Vec<String>, memory_mb: u32) -> Value {
    let mut mounts = vec![
        json!({"name": "policies", "mountPath": "/policies", "readOnly": true}),
        json!({"name": "tmp", "mountPath": "/tmp"}),
    ];
    let mut volumes = vec![
        json!({"name": "policies", "configMap": {"name": "custodian-policies"}}),
        json!({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}),
    ];
    if options.accounts_file.is_some() {
        mounts.push(json!({"name": "accounts", "mountPath": "/config", "readOnly": true}));
        volumes.push(json!({"name": "accounts", "configMap": {"name": "custodian-accounts"}}));
    }
    json!({
        "metadata": {"labels": labels()},
        "spec": {
            "serviceAccountName": "custodian",
            "restartPolicy": "Never",
            "securityContext": {
                "runAsNonRoot": true, "runAsUser": USER_ID, "runAsGroup": USER_ID, "fsGroup": USER_ID,
                "seccompProfile": {"type": "RuntimeDefault"}
            },
            "containers": [{
                "name": "custodian",
                "image": options.image,
                "args": args,
                // No instance metadata: when IRSA or Pod Identity is missing, the SDK fails
                // loudly instead of using the node's role.
                "env": [
                    {"name": "AWS_REGION", "value": options.home_region},
                    {"name": "TMPDIR", "value": "/tmp"},
                    {"name": "AWS_EC2_METADATA_DISABLED", "value": "true"}
                ],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"memory": format!("{memory_mb}Mi")}
                },
                "securityContext": {
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "runAsNonRoot": true,
                    "capabilities": {"drop": ["ALL"]}
                },
                "volumeMounts": mounts
            }],
            "volumes": volumes
        }
    })
}

/// The Kustomize `images` entry of `image`: `name@sha256:...` (pinned: what runs is exactly
/// the image built, whatever is later pushed under its tag) or `name[:tag]` (the name up to the
/// last `:` after the last `/`).
fn image_entry(image: &str) -> Value {
    if let Some((named, digest)) = image.split_once('@') {
        let slash = named.rfind('/').map(|i| i + 1).unwrap_or(0);
        let name = named[slash..].rfind(':').map(|i| &named[..slash + i]).unwrap_or(named);
        return json!({"name": name, "digest": digest});
    }
    let slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[slash..].rfind(':') {
        Some(i) => json!({"name": &image[..slash + i], "newTag": &image[slash + i + 1..]}),
        None => json!({"name": image}),
    }
}

#[cfg(test)]
#[test]
fn an_image_by_digest_is_pinned_by_digest() {
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(
        image_entry(&format!("registry.example.com:5000/custodian:0.1.0@{digest}")),
        json!({"name": "registry.example.com:5000/custodian", "digest": digest})
    );
    assert_eq!(
        image_entry("registry.example.com:5000/custodian:0.1.0"),
        json!({"name": "registry.example.com:5000/custodian", "newTag": "0.1.0"})
    );
}

/// The arguments of one scheduled job.
fn run_args(names: &[&str], options: &KubernetesOptions) -> Vec<String> {
    let mut args: Vec<String> = match &options.accounts_file {
        Some(_) => vec!["org".into(), "run".into(), "-c".into(), "/config/accounts.yml".into()],
        None => vec!["run".into()],
    };
    for n in names {
        args.extend(["-p".to_string(), n.to_string()]);
    }
    for r in &options.regions {
        args.extend(["-r".to_string(), r.clone()]);
    }
    args.extend(["-s".to_string(), options.output.clone()]);
    if options.dry_run {
        args.push("--dryrun".into());
    }
    args.push("/policies".into());
    args
}

/// The Kustomize base: `(file name, text)` pairs. `policy_files` are the policy files by the
/// names they get in the ConfigMap (one directory level: keys cannot hold `/`).
pub fn manifests(
    policy_files: &[(String, String)],
    policies: &[Policy],
    options: &KubernetesOptions,
) -> Result<Vec<(String, String)>, String> {
    if !options.output.starts_with("s3://") {
        return Err(format!(
            "--output '{}': a job's outputs go to S3 (s3://bucket/prefix); its filesystem is discarded",
            options.output
        ));
    }
    let scheduled = schedules(policies);
    if scheduled.is_empty() {
        return Err("no policy has 'mode: {type: periodic, schedule: ...}'; nothing to schedule".into());
    }
    let mut files: Vec<(String, String)> = Vec::new();
    let mut resources = vec!["serviceaccount.yaml".to_string(), "validate-job.yaml".to_string()];
    let mut account = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "custodian", "labels": labels()}, "automountServiceAccountToken": false});
    if let Some(arn) = &options.role_arn {
        account["metadata"]["annotations"] = json!({"eks.amazonaws.com/role-arn": arn, "eks.amazonaws.com/sts-regional-endpoints": "true"});
    }
    files.push(("serviceaccount.yaml".into(), to_yaml(&account)));
    for (i, (expression, members)) in scheduled.into_iter().enumerate() {
        let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        let cron = cron_of(expression)?;
        let timeout = members.iter().filter_map(|p| p.mode.function_size().1).max().unwrap_or(3300);
        let memory = members
            .iter()
            .filter_map(|p| p.mode.function_size().0)
            .max()
            .unwrap_or(512)
            .max(256);
        let mut job_pod = pod(options, run_args(&names, options), memory);
        job_pod["spec"]["activeDeadlineSeconds"] = json!(timeout);
        let name = format!("custodian-{}", i + 1);
        let cronjob = json!({
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {
                "name": name,
                "labels": labels(),
                "annotations": {"custodian/schedule": expression, "custodian/policies": names.join(",")}
            },
            "spec": {
                "schedule": cron,
                "timeZone": options.timezone,
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 600,
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 5,
                "jobTemplate": {
                    "metadata": {"labels": labels()},
                    "spec": {"backoffLimit": 0, "activeDeadlineSeconds": timeout + 60, "ttlSecondsAfterFinished": 86400, "template": job_pod}
                }
            }
        });
        files.push((format!("{name}.yaml"), to_yaml(&cronjob)));
        resources.push(format!("{name}.yaml"));
    }
    // The validate hook: Argo CD runs it before syncing, on its own copy of the policies
    // (hooks run before the sync creates the new ConfigMap).
    let mut check = vec!["validate".to_string(), "/policies".to_string()];
    if options.accounts_file.is_some() {
        check = vec![
            "org".into(),
            "run".into(),
            "-c".into(),
            "/config/accounts.yml".into(),
            "--validate-only".into(),
            "/policies".into(),
        ];
    }
    let mut hook_pod = pod(options, check, 256);
    hook_pod["spec"]["volumes"][0]["configMap"]["name"] = json!("custodian-policies-presync");
    let validate = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "custodian-validate",
            "labels": labels(),
            "annotations": {
                "argocd.argoproj.io/hook": "PreSync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded",
                "argocd.argoproj.io/sync-wave": "0"
            }
        },
        "spec": {"backoffLimit": 0, "activeDeadlineSeconds": 300, "ttlSecondsAfterFinished": 3600, "template": hook_pod}
    });
    files.push(("validate-job.yaml".into(), to_yaml(&validate)));
    let policy_names: Vec<String> = policy_files.iter().map(|(n, _)| format!("policies/{n}")).collect();
    let mut generators = vec![
        json!({"name": "custodian-policies", "files": policy_names}),
        json!({
            "name": "custodian-policies-presync",
            "files": policy_names,
            "options": {"annotations": {
                "argocd.argoproj.io/hook": "PreSync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
                "argocd.argoproj.io/sync-wave": "-1"
            }}
        }),
    ];
    if let Some(text) = &options.accounts_file {
        generators.push(json!({"name": "custodian-accounts", "files": ["accounts.yml"]}));
        files.push(("accounts.yml".into(), text.clone()));
    }
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "labels": [{"pairs": labels(), "includeSelectors": false}],
        "resources": resources,
        "configMapGenerator": generators,
        // Overlays point `newName` at their registry.
        "images": [image_entry(&options.image)]
    });
    let header = "# Written by `custodian kubernetes`: regenerate it after changing policies/.\n";
    files.insert(0, ("kustomization.yaml".into(), format!("{header}{}", to_yaml(&kustomization))));
    for (n, text) in policy_files {
        files.push((format!("policies/{n}"), text.clone()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eventbridge_schedules_become_kubernetes_cron() {
        assert_eq!(cron_of("cron(0 6 * * ? *)").unwrap(), "0 6 * * *");
        assert_eq!(cron_of("cron(0 19 ? * MON-FRI *)").unwrap(), "0 19 * * MON-FRI");
        assert_eq!(cron_of("cron(30 7 ? * 2-6 *)").unwrap(), "30 7 * * 1-5", "AWS's 2-6 is MON-FRI");
        assert_eq!(cron_of("cron(0 8 1 * ? *)").unwrap(), "0 8 1 * *");
        assert_eq!(cron_of("rate(1 hour)").unwrap(), "0 * * * *");
        assert_eq!(cron_of("rate(15 minutes)").unwrap(), "*/15 * * * *");
        assert_eq!(cron_of("rate(6 hours)").unwrap(), "0 */6 * * *");
        assert_eq!(cron_of("rate(1 day)").unwrap(), "0 0 * * *");
        assert!(cron_of("rate(7 minutes)").unwrap_err().contains("divides"));
        assert!(cron_of("cron(0 6 * * ? 2027)").unwrap_err().contains("no year field"));
        assert!(cron_of("cron(0 6 L * ? *)").unwrap_err().contains("L, W and #"));
        assert!(cron_of("cron(0 6 ? * 6L *)").unwrap_err().contains("L, W and #"));
        assert!(cron_of("cron(0 6 ? * 2#1 *)").unwrap_err().contains("L, W and #"));
        assert_eq!(cron_of("cron(0 6 ? * WED,SAT *)").unwrap(), "0 6 * * WED,SAT");
        assert!(cron_of("rate(3 days)").unwrap_err().contains("no such rate"));
    }
}
