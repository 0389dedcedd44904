//! `ephemeral` (EC2): the instance's root device is instance store, c7n's
//! `EphemeralInstanceFilter.is_ephemeral` (`c7n/resources/ec2.py`): the first mapping named
//! `/dev/sda1`, `/dev/xvda` or `xvda` decides (EBS: not ephemeral); no such mapping is
//! ephemeral.

use super::{Filter, FilterDef, FilterInput};
use crate::input::Checker;
use crate::resource::ResourceKind;

/// The `ephemeral` row of the filter table.
pub const EPHEMERAL: FilterDef = FilterDef {
    name: "ephemeral",
    summary: "The EC2 instance's root device is instance store (no EBS mapping at /dev/sda1, /dev/xvda or xvda).",
    example: "- ephemeral",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    keys: &["type"],
    parse,
};

pub use crate::resource::is_ephemeral;

fn parse(_c: &mut Checker, _f: &FilterInput) -> Option<Filter> {
    Some(Filter::Ephemeral)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_root_mapping_decides() {
        assert!(!is_ephemeral(
            &json!({"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-1"}}]})
        ));
        assert!(is_ephemeral(&json!({"BlockDeviceMappings": [{"DeviceName": "/dev/sda1"}]})));
        assert!(
            is_ephemeral(&json!({"BlockDeviceMappings": [{"DeviceName": "/dev/sdb", "Ebs": {}}]})),
            "no root mapping"
        );
        assert!(is_ephemeral(&json!({})));
    }
}
