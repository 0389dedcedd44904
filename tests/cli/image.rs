//! The container image (scripts/build-image.sh, built by the test command where the machine
//! allows): `custodian validate` runs inside it, as its non-root user, on the policies it ships.

use std::process::Command;

fn buildah(args: &[&str]) -> std::process::Output {
    Command::new("buildah")
        .args(["--storage-driver", "vfs"])
        .args(args)
        .output()
        .expect("buildah runs")
}

#[test]
fn the_image_runs_custodian_validate_inside_itself_as_a_non_root_user() {
    let Ok(archive) = std::env::var("CUSTODIAN_IMAGE") else {
        let why = std::env::var("CUSTODIAN_IMAGE_UNAVAILABLE")
            .expect("neither CUSTODIAN_IMAGE nor CUSTODIAN_IMAGE_UNAVAILABLE is set: run ./scripts/test.sh");
        eprintln!("the image was not built on this machine: {why}");
        return;
    };
    let from = buildah(&["from", "--quiet", &format!("oci-archive:{archive}")]);
    assert!(from.status.success(), "{}", String::from_utf8_lossy(&from.stderr));
    let ctr = String::from_utf8(from.stdout).unwrap().trim().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["run", "--isolation", "chroot", &ctr, "--"];
        all.extend_from_slice(args);
        buildah(&all)
    };
    let user = buildah(&["inspect", "--format", "{{.OCIv1.Config.User}}", &ctr]);
    let valid = run(&["/usr/local/bin/custodian", "validate", "/usr/share/custodian/policies"]);
    let invalid = run(&["/usr/local/bin/custodian", "validate", "/no/such/policies"]);
    let help = run(&["/usr/local/bin/custodian", "schema", "--help"]);
    let _ = buildah(&["rm", &ctr]);
    assert_eq!(String::from_utf8_lossy(&user.stdout).trim(), "65532:65532");
    assert!(valid.status.success(), "{}", String::from_utf8_lossy(&valid.stderr));
    assert!(
        String::from_utf8_lossy(&valid.stdout).contains("policies valid"),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );
    assert!(!invalid.status.success());
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("no such file or directory"));
    assert!(help.status.success(), "the static binary runs on the empty base");
}
