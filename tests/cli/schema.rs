//! `custodian schema`.

use crate::util::custodian;

#[test]
fn lists_resources_filters_actions_and_examples() {
    let out = custodian(["schema"]);
    assert_eq!(out.code, 0);
    for k in ["aws.ec2", "aws.rds", "aws.ec2-spot-request"] {
        assert!(out.stdout.contains(k), "{}", out.stdout);
    }
    let out = custodian(["schema", "aws.ec2-spot-request.actions"]);
    assert!(
        out.stdout.contains("cancel") && !out.stdout.contains("terminate "),
        "{}",
        out.stdout
    );
    let out = custodian(["schema", "ec2.actions.stop"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("resource: aws.ec2") && out.stdout.contains("- stop"),
        "{}",
        out.stdout
    );
    let out = custodian(["schema", "ec2.filters.instance-uptime"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("- type: instance-uptime"), "{}", out.stdout);
    let out = custodian(["schema", "rds.filters.instance-uptime"]);
    assert_eq!(out.code, 1, "instance-uptime is EC2 only");
    let out = custodian(["schema", "rds.filters.state-age"]);
    assert_eq!(out.code, 1, "state-age is EC2 only");
    let out = custodian(["schema", "aws.ec2.filters.instance-agee"]);
    assert!(out.stderr.contains("did you mean 'instance-age'"), "{}", out.stderr);
}
