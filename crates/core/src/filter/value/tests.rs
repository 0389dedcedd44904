use super::*;
use serde_json::json;

fn now() -> Timestamp {
    "2026-06-15T12:00:00Z".parse().unwrap()
}

fn vf(key: &str, op: Option<&str>, value: Value, vt: Option<&str>) -> ValueFilter {
    let op = op.map(|o| Op::from_name(o).unwrap_or_else(|| panic!("op {o}")));
    let pattern = match (op, &value) {
        (Some(Op::Glob), Value::String(s)) => Some(Pattern::glob(s)),
        (Some(Op::Regex), Value::String(s)) => Some(Pattern::regex(s, true).unwrap()),
        (Some(Op::RegexCase), Value::String(s)) => Some(Pattern::regex(s, false).unwrap()),
        _ => None,
    };
    ValueFilter {
        key: KeyPath::parse(key).unwrap(),
        op,
        value,
        value_type: vt.map(|t| ValueType::from_name(t).unwrap()),
        pattern,
        value_regex: None,
        value_from: None,
        tag_key_transforms: Vec::new(),
    }
}

fn doc() -> Value {
    json!({
        "InstanceId": "i-0abc",
        "InstanceType": "p3.2xlarge",
        "CpuCount": 8,
        "Ratio": 0.5,
        "EbsOptimized": true,
        "Flag": false,
        "Zero": 0,
        "EmptyStr": "",
        "EmptyList": [],
        "Groups": ["web", "db"],
        "Numbers": [1, 2, 3],
        "Nested": [[1], [2]],
        "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
        "State": {"Name": "running", "Code": 16},
        "LaunchTime": "2026-05-01T12:00:00+00:00",
        "ExpiresAt": "2026-06-25T12:00:00Z",
        "Padded": "  MixedCase  ",
        "StrNum": " 42 ",
        "StrFloat": "2.5",
        "Tags": [
            {"Key": "Name", "Value": "web-01"},
            {"Key": "Env", "Value": "Prod"},
            {"Key": "EmptyTag", "Value": ""}
        ]
    })
}

fn m(key: &str, op: Option<&str>, value: Value, vt: Option<&str>) -> bool {
    vf(key, op, value, vt).matches(&doc(), now())
}

#[test]
fn equality_is_python_equality() {
    assert!(m("InstanceType", None, json!("p3.2xlarge"), None));
    assert!(m("InstanceType", Some("eq"), json!("p3.2xlarge"), None));
    assert!(m("InstanceType", Some("equal"), json!("p3.2xlarge"), None));
    assert!(!m("InstanceType", Some("eq"), json!("P3.2xlarge"), None));
    assert!(m("CpuCount", Some("eq"), json!(8.0), None), "int == float");
    assert!(m("EbsOptimized", Some("eq"), json!(1), None), "True == 1");
    assert!(!m("CpuCount", Some("eq"), json!("8"), None), "8 != '8'");
    assert!(m("Groups", Some("eq"), json!(["web", "db"]), None));
    assert!(m(
        "Placement",
        Some("eq"),
        json!({"Tenancy": "default", "AvailabilityZone": "us-east-1a"}),
        None
    ));
}

#[test]
fn ne_matches_missing_key_but_eq_does_not() {
    assert!(m("Missing", Some("ne"), json!("x"), None));
    assert!(m("Missing", Some("not-equal"), json!("x"), None));
    assert!(!m("Missing", Some("eq"), json!("x"), None));
    assert!(!m("InstanceType", Some("ne"), json!("p3.2xlarge"), None));
}

#[test]
fn ordering_operators_and_type_mismatch() {
    assert!(m("CpuCount", Some("gt"), json!(4), None));
    assert!(m("CpuCount", Some("greater-than"), json!(4), None));
    assert!(m("CpuCount", Some("ge"), json!(8), None));
    assert!(m("CpuCount", Some("gte"), json!(8), None));
    assert!(m("CpuCount", Some("lt"), json!(9.5), None));
    assert!(m("CpuCount", Some("less-than"), json!(9), None));
    assert!(m("CpuCount", Some("le"), json!(8), None));
    assert!(m("CpuCount", Some("lte"), json!(8), None));
    assert!(!m("CpuCount", Some("gt"), json!(8), None));
    assert!(m("InstanceType", Some("gt"), json!("m5"), None), "string order");
    // Type mismatches raise TypeError in Python: no match, whatever the op.
    assert!(!m("CpuCount", Some("gt"), json!("4"), None));
    assert!(!m("CpuCount", Some("lt"), json!("400"), None));
    assert!(!m("Missing", Some("gt"), json!(1), None));
    assert!(!m("Missing", Some("lt"), json!(1), None));
}

#[test]
fn glob_is_fnmatch_case_sensitive() {
    assert!(m("InstanceType", Some("glob"), json!("p3.*"), None));
    assert!(m("InstanceType", Some("glob"), json!("p?.2xlarge"), None));
    assert!(m("InstanceType", Some("glob"), json!("[gp]3.*"), None));
    assert!(!m("InstanceType", Some("glob"), json!("[!p]3.*"), None));
    assert!(!m("InstanceType", Some("glob"), json!("P3.*"), None), "case-sensitive");
    assert!(!m("InstanceType", Some("glob"), json!("p3"), None), "whole string");
    assert!(m("tag:Name", Some("glob"), json!("web-*"), None));
    assert!(!m("CpuCount", Some("glob"), json!("8"), None), "non-strings never glob-match");
    assert!(Pattern::glob("a/*").is_match("a/b/c"), "* crosses slashes like fnmatch");
    assert!(Pattern::glob("x**").is_match("xyz"));
}

#[test]
fn regex_is_anchored_at_start_and_case_insensitive() {
    assert!(m("InstanceType", Some("regex"), json!("P3"), None), "case-insensitive prefix match");
    assert!(!m("InstanceType", Some("regex"), json!("2xlarge"), None), "anchored at the start");
    assert!(m("InstanceType", Some("regex"), json!(".*2XLARGE"), None));
    assert!(m("InstanceType", Some("regex"), json!("p3\\.2xlarge$"), None));
    assert!(!m("InstanceType", Some("regex-case"), json!("P3"), None));
    assert!(m("InstanceType", Some("regex-case"), json!("p3"), None));
    assert!(!m("CpuCount", Some("regex"), json!("8"), None), "non-strings never regex-match");
    assert!(!m("Missing", Some("regex"), json!(".*"), None));
}

#[test]
fn in_and_not_in() {
    assert!(m("InstanceType", Some("in"), json!(["p3.2xlarge", "g5.xlarge"]), None));
    assert!(!m("InstanceType", Some("in"), json!(["t3.micro"]), None));
    assert!(m("InstanceType", Some("not-in"), json!(["t3.micro"]), None));
    assert!(m("InstanceType", Some("ni"), json!(["t3.micro"]), None));
    assert!(m("CpuCount", Some("in"), json!([8.0, 16]), None));
    // Missing key: `in` never matches, `not-in` always does.
    assert!(!m("Missing", Some("in"), json!(["a", null]), None));
    assert!(m("Missing", Some("not-in"), json!(["a"]), None));
    // A string policy value is a substring test, as Python's `in`.
    assert!(m("InstanceType", Some("in"), json!("xx-p3.2xlarge-yy"), None));
    // int in str raises TypeError: no match either way.
    assert!(!m("CpuCount", Some("in"), json!("888"), None));
    assert!(!m("CpuCount", Some("not-in"), json!("888"), None));
}

#[test]
fn contains_difference_intersect() {
    assert!(m("Groups", Some("contains"), json!("web"), None));
    assert!(!m("Groups", Some("contains"), json!("cache"), None));
    assert!(m("InstanceType", Some("contains"), json!("2xl"), None), "substring on strings");
    assert!(!m("Missing", Some("contains"), json!("x"), None));
    assert!(m("Groups", Some("difference"), json!(["web"]), None), "db is not in the policy set");
    assert!(!m("Groups", Some("difference"), json!(["web", "db", "x"]), None));
    assert!(m("Groups", Some("intersect"), json!(["db", "x"]), None));
    assert!(!m("Groups", Some("intersect"), json!(["x"]), None));
    assert!(!m("Nested", Some("intersect"), json!([[1]]), None), "unhashable lists: TypeError");
    assert!(!m("CpuCount", Some("intersect"), json!([8]), None), "int is not iterable");
}

#[test]
fn sentinels_absent_present_empty_not_null() {
    assert!(m("tag:Owner", None, json!("absent"), None));
    assert!(!m("tag:Name", None, json!("absent"), None));
    assert!(m("tag:Name", None, json!("present"), None));
    assert!(m("tag:EmptyTag", None, json!("present"), None), "an empty tag is present");
    assert!(!m("tag:Owner", None, json!("present"), None));
    assert!(m("tag:EmptyTag", None, json!("empty"), None));
    assert!(m("Missing", None, json!("empty"), None));
    assert!(m("EmptyList", None, json!("empty"), None));
    assert!(m("Zero", None, json!("empty"), None));
    assert!(!m("tag:Name", None, json!("empty"), None));
    assert!(m("tag:Name", None, json!("not-null"), None));
    assert!(!m("tag:EmptyTag", None, json!("not-null"), None));
    assert!(!m("Flag", None, json!("not-null"), None), "False is falsy");
    // A sentinel that does not fire falls through to the operator with the literal string.
    assert!(m("tag:Name", Some("ne"), json!("absent"), None));
    assert!(!m("tag:Name", Some("eq"), json!("absent"), None));
    // Under `in`, a missing value becomes () which is "present" and "empty" in c7n.
    assert!(m("Missing", Some("in"), json!("present"), None));
}

#[test]
fn value_type_age_and_expiration() {
    // LaunchTime is 45 days before now.
    assert!(m("LaunchTime", Some("gt"), json!(30), Some("age")), "older than 30 days");
    assert!(!m("LaunchTime", Some("gt"), json!(60), Some("age")));
    assert!(m("LaunchTime", Some("lt"), json!(60), Some("age")), "younger than 60 days");
    assert!(m("LaunchTime", Some("gt"), json!(44.5), Some("age")), "fractional days");
    assert!(!m("Missing", Some("gt"), json!(30), Some("age")), "missing date: no match");
    assert!(!m("Missing", Some("lt"), json!(30), Some("age")));
    // ExpiresAt is 10 days after now.
    assert!(m("ExpiresAt", Some("lt"), json!(30), Some("expiration")), "expires within 30 days");
    assert!(!m("ExpiresAt", Some("lt"), json!(5), Some("expiration")));
    assert!(m("ExpiresAt", Some("gt"), json!(5), Some("expiration")));
}

#[test]
fn value_type_date() {
    assert!(m("LaunchTime", Some("lt"), json!("2026-05-02"), Some("date")));
    assert!(m("LaunchTime", Some("gt"), json!("2026/04/30"), Some("date")));
    assert!(m("LaunchTime", Some("eq"), json!("2026-05-01T14:00:00+02:00"), Some("date")));
    assert!(!m("Missing", Some("lt"), json!("2026-05-02"), Some("date")));
}

#[test]
fn value_type_integer_float_size_normalize_swap() {
    assert!(m("StrNum", Some("eq"), json!(42), Some("integer")));
    assert!(m("StrNum", Some("gt"), json!(40), Some("integer")));
    assert!(m("StrFloat", Some("eq"), json!(0), Some("integer")), "int('2.5') fails: 0");
    assert!(m("Missing", Some("eq"), json!(0), Some("integer")), "int('None') fails: 0");
    assert!(m("StrFloat", Some("eq"), json!(2.5), Some("float")));
    assert!(m("CpuCount", Some("eq"), json!(8.0), Some("float")));
    assert!(m("Missing", Some("eq"), json!(0.0), Some("float")));
    assert!(m("Groups", Some("eq"), json!(2), Some("size")));
    assert!(m("tag:Name", Some("eq"), json!(6), Some("size")));
    assert!(m("Missing", Some("eq"), json!(0), Some("size")));
    assert!(m("Placement", Some("eq"), json!(2), Some("size")));
    assert!(m("Padded", Some("eq"), json!("mixedcase"), Some("normalize")));
    assert!(!m("Padded", Some("eq"), json!("mixedcase"), None));
    // swap: op(v, r) -> `in` with swap asks whether the policy value is in the resource list.
    assert!(m("Groups", Some("in"), json!("web"), Some("swap")));
    // swap makes the comparison op(policy value, resource value): 10 > 8.
    assert!(m("CpuCount", Some("gt"), json!(10), Some("swap")));
    assert!(!m("CpuCount", Some("lt"), json!(10), Some("swap")));
}

#[test]
fn value_regex_extracts_a_capture_group() {
    let mut f = vf("tag:Name", Some("eq"), json!("01"), None);
    f.value_regex = Some(Regex::new(r"web-(\d+)").unwrap());
    assert!(f.matches(&doc(), now()));
    f.value = json!("02");
    assert!(!f.matches(&doc(), now()));
}

#[test]
fn operator_names_cover_c7n_aliases() {
    for name in [
        "eq",
        "equal",
        "ne",
        "not-equal",
        "gt",
        "greater-than",
        "ge",
        "gte",
        "lt",
        "less-than",
        "le",
        "lte",
        "glob",
        "regex",
        "regex-case",
        "in",
        "ni",
        "not-in",
        "contains",
        "difference",
        "intersect",
    ] {
        assert!(Op::from_name(name).is_some(), "{name}");
    }
    assert!(Op::from_name("equals").is_none());
}

#[test]
fn jmespath_keys_compare_like_any_other_value() {
    let d = json!({"InstanceId": "i-1", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}]});
    assert!(vf("length(Tags)", Some("ge"), json!(3), None).matches(&d, now()));
    assert!(!vf("length(Tags)", Some("gt"), json!(3), None).matches(&d, now()));
    assert!(vf("Tags[?Key=='b'].Value | [0]", None, json!("2"), None).matches(&d, now()));
    assert!(vf("Tags[?Key=='z'].Value | [0]", None, json!("absent"), None).matches(&d, now()));
    let mut fields = std::collections::BTreeSet::new();
    vf("length(Tags)", Some("ge"), json!(3), None).read_fields(&mut fields);
    assert!(fields.contains("Tags"), "the view keeps what the expression reads: {fields:?}");
    let mut all = std::collections::BTreeSet::new();
    vf("length(keys(@))", Some("gt"), json!(1), None).read_fields(&mut all);
    assert!(all.contains(crate::resource::document::ALL_FIELDS));
}
