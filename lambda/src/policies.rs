//! The policies the function runs: the periodic and event-mode ones bundled at build time from
//! `policies/`, or those under `CUSTODIAN_POLICIES`.

use crate::error::InitError;
use custodian_core::policy::Policy;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/bundled_policies.rs"));

/// Loads and validates the periodic and event-mode policies: from `path` when given, else the
/// bundled ones. Every error is reported at once; a set with none of them is an error too.
pub fn load(path: Option<&Path>) -> Result<Vec<Policy>, InitError> {
    let loaded = match path {
        Some(p) => custodian_core::policy::load(&[p.to_path_buf()]),
        None => custodian_core::policy::load_texts(BUNDLED),
    };
    let policies = loaded.map_err(|diagnostics| InitError::InvalidPolicy(diagnostics.iter().map(|d| d.to_string()).collect()))?;
    let periodic: Vec<Policy> = policies.into_iter().filter(custodian_core::deploy::template::deployed).collect();
    if periodic.is_empty() {
        return Err(InitError::InvalidPolicy(vec![format!(
            "{}: no policy has 'mode: {{type: periodic, schedule: ...}}' or an event mode",
            path.map(|p| p.display().to_string()).unwrap_or_else(|| "bundled policies".into())
        )]));
    }
    Ok(periodic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_periodic_and_event_policies_are_bundled() {
        let names: Vec<String> = load(None).unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names.len(), 13, "{names:?}");
        assert!(
            names.contains(&"gpu-spot-fulfilled-unapproved".to_string()),
            "event policies are bundled too"
        );
        assert!(names.contains(&"gpu-spot-requests-forgotten".to_string()));
        assert!(BUNDLED.iter().all(|(name, _)| name.starts_with("policies/")));
    }

    #[test]
    fn an_invalid_policy_fails_with_its_location() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.yml");
        std::fs::write(
            &file,
            "policies:\n  - name: x\n    resource: aws.ec2\n    mode: {type: periodic, schedule: 'rate(1 hours)'}\n",
        )
        .unwrap();
        let InitError::InvalidPolicy(errors) = load(Some(&file)).unwrap_err() else {
            panic!("expected InvalidPolicy")
        };
        assert!(
            errors[0].contains("bad.yml:4:38: EventBridge requires 'rate(1 hour)'"),
            "{errors:?}"
        );
        std::fs::write(&file, "policies:\n  - name: x\n    resource: aws.ec2\n").unwrap();
        let InitError::InvalidPolicy(errors) = load(Some(&file)).unwrap_err() else {
            panic!("expected InvalidPolicy")
        };
        assert!(errors[0].contains("no policy has 'mode"), "{errors:?}");
    }
}
