use super::*;
use crate::schedule::parse_window;
use serde_json::json;

fn filter(t: Transition, tz: &str) -> OffHours {
    let (zone, name) = crate::time::resolve_tz(tz).unwrap();
    OffHours {
        transition: t,
        hour: if t == Transition::Off { 19 } else { 7 },
        default_tz_name: name,
        default_tz: zone,
        tag: "maid_offhours".into(),
        opt_out: false,
        weekends: true,
        weekends_only: false,
        holidays: Holidays::default(),
        remote_skip_days: None,
        fallback: None,
        state_filter: true,
        lookback: None,
        cron: None,
        stay_off: false,
        on_hour: 7,
    }
}

fn ec2(state: &str, tag: Option<&str>) -> Value {
    match tag {
        Some(v) => json!({"InstanceId": "i-1", "State": {"Name": state}, "Tags": [{"Key": "Maid_Offhours", "Value": v}]}),
        None => json!({"InstanceId": "i-1", "State": {"Name": state}}),
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn off_at(f: &OffHours, tag: &str, when: &str) -> bool {
    f.matches(ResourceKind::Ec2, &ec2("running", Some(tag)), at(when), None)
}

fn on_at(f: &OffHours, tag: &str, when: &str) -> bool {
    f.matches(ResourceKind::Ec2, &ec2("stopped", Some(tag)), at(when), None)
}

#[test]
fn weekdays_match_during_the_scheduled_hour_only() {
    let off = filter(Transition::Off, "et");
    // Monday 2026-11-23; New York is UTC-5 in November.
    let table = [
        ("2026-11-23T23:59:59Z", false), // 18:59:59
        ("2026-11-24T00:00:00Z", true),  // 19:00
        ("2026-11-24T00:59:59Z", true),  // 19:59:59
        ("2026-11-24T01:00:00Z", false), // 20:00
    ];
    for (when, want) in table {
        assert_eq!(off_at(&off, "", when), want, "{when}");
    }
    let on = filter(Transition::On, "et");
    assert!(on_at(&on, "", "2026-11-24T12:30:00Z"), "Tuesday 07:30");
    assert!(!on_at(&on, "", "2026-11-24T13:00:00Z"), "Tuesday 08:00");
}

#[test]
fn weekends_weekends_only_and_every_day() {
    let mut off = filter(Transition::Off, "utc");
    let saturday = "2026-11-28T19:15:00Z";
    let friday = "2026-11-27T19:15:00Z";
    let monday = "2026-11-23T19:15:00Z";
    assert!(
        !off_at(&off, "", saturday),
        "weekends: true keeps weekends off the default schedule"
    );
    off.weekends = false;
    assert!(off_at(&off, "", saturday));
    off.weekends_only = true;
    assert!(off_at(&off, "", friday), "weekends-only: off on Friday");
    assert!(!off_at(&off, "", monday));
    let mut on = filter(Transition::On, "utc");
    on.weekends_only = true;
    assert!(on_at(&on, "", "2026-11-30T07:10:00Z"), "weekends-only: on on Monday");
    assert!(!on_at(&on, "", "2026-12-01T07:10:00Z"));
}

#[test]
fn skip_days_and_recurring_holidays() {
    let mut off = filter(Transition::Off, "pt");
    off.holidays.add("2026-11-26").unwrap();
    off.holidays.add("12-25").unwrap();
    // Thanksgiving, 19:30 Pacific.
    assert!(!off_at(&off, "", "2026-11-27T03:30:00Z"));
    assert!(off_at(&off, "", "2026-11-26T03:30:00Z"), "the day before");
    // Christmas 2028 is a Monday.
    assert!(!off_at(&off, "", "2028-12-26T03:30:00Z"));
    assert!(off.holidays.add("13-01").is_err());
    assert!(off.holidays.add("2026-02-30").is_err());
}

#[test]
fn tag_schedules_zones_and_state_filter() {
    let off = filter(Transition::Off, "et");
    // 21:00 Pacific on a Monday = 05:00Z Tuesday.
    assert!(off_at(&off, "off=[(M-F,21),(U,18)];on=(M-F,7);tz=pt", "2026-11-24T05:00:00Z"));
    assert!(
        !off_at(&off, "off=[(M-F,21),(U,18)];on=(M-F,7);tz=pt", "2026-11-24T00:00:00Z"),
        "not the default 19 ET"
    );
    // Sunday 18:00 Pacific.
    assert!(off_at(&off, "off=[(M-F,21),(U,18)];tz=pt", "2026-11-23T02:00:00Z"));
    // IANA names, any case.
    assert!(off_at(&off, "tz=Europe/Berlin", "2026-11-23T18:00:00Z"));
    // A stopped instance is not a candidate for offhour.
    assert!(!off.matches(ResourceKind::Ec2, &ec2("stopped", Some("")), at("2026-11-24T00:00:00Z"), None));
    let mut no_state = off.clone();
    no_state.state_filter = false;
    assert!(no_state.matches(ResourceKind::Ec2, &ec2("stopped", Some("")), at("2026-11-24T00:00:00Z"), None));
}

#[test]
fn opt_in_opt_out_fallback_and_notes() {
    let mut off = filter(Transition::Off, "et");
    let untagged = ec2("running", None);
    let when = at("2026-11-24T00:30:00Z");
    assert!(
        !off.matches(ResourceKind::Ec2, &untagged, when, None),
        "opt-in: untagged resources are left alone"
    );
    off.opt_out = true;
    assert!(
        off.matches(ResourceKind::Ec2, &untagged, when, None),
        "opt-out: untagged resources take the defaults"
    );
    off.opt_out = false;
    off.fallback = Some(tag::normalize("off=(M-F,18)"));
    assert!(!off.matches(ResourceKind::Ec2, &untagged, when, None));
    assert!(
        off.matches(ResourceKind::Ec2, &untagged, at("2026-11-23T23:30:00Z"), None),
        "fallback schedule: 18:00"
    );

    let notes = ScheduleNotes::default();
    let off = filter(Transition::Off, "et");
    assert!(!off.matches(ResourceKind::Ec2, &ec2("running", Some("off")), when, Some(&notes)));
    assert!(!off.matches(ResourceKind::Ec2, &ec2("running", Some("off=(M-F,25)")), when, Some(&notes)));
    assert!(!off.matches(ResourceKind::Ec2, &ec2("running", Some("tz=Mars/Base")), when, Some(&notes)));
    assert_eq!(notes.opted_out.borrow().as_slice(), ["i-1"]);
    let errors = notes.parse_errors.borrow();
    assert_eq!(errors.len(), 1, "one entry per resource");
    assert!(errors[0].2.contains("hour 25"), "{errors:?}");
    assert!(!notes.lint.borrow().is_empty());
}

#[test]
fn dst_los_angeles_spring_forward_and_fall_back() {
    let off = filter(Transition::Off, "pt");
    // 2026-03-08 (Sunday): 02:00 PST jumps to 03:00 PDT. A 02:00 rule never matches (c7n).
    let tag = "off=(U,2)";
    for when in ["2026-03-08T09:30:00Z", "2026-03-08T10:30:00Z", "2026-03-08T11:30:00Z"] {
        assert!(!off_at(&off, tag, when), "{when}");
    }
    // 2026-11-01 (Sunday): 01:00 PDT falls back to 01:00 PST. A 01:00 rule matches in both hours (c7n).
    let tag = "off=(U,1)";
    assert!(off_at(&off, tag, "2026-11-01T08:30:00Z"), "01:30 PDT");
    assert!(off_at(&off, tag, "2026-11-01T09:30:00Z"), "01:30 PST");
    assert!(!off_at(&off, tag, "2026-11-01T10:30:00Z"));
    // With lookback, each transition is one instant: the skipped 02:00 happens at 03:00 PDT...
    let mut lb = off.clone();
    lb.lookback = Some(SignedDuration::from_hours(1));
    assert!(!off_at(&lb, "off=(U,2)", "2026-03-08T09:59:00Z"));
    assert!(off_at(&lb, "off=(U,2)", "2026-03-08T10:00:00Z"));
    assert!(off_at(&lb, "off=(U,2)", "2026-03-08T10:45:00Z"));
    // ...and the repeated 01:00 counts once, at its first occurrence.
    assert!(off_at(&lb, "off=(U,1)", "2026-11-01T08:30:00Z"));
    assert!(!off_at(&lb, "off=(U,1)", "2026-11-01T09:30:00Z"));
}

#[test]
fn dst_berlin_both_directions() {
    let off = filter(Transition::Off, "Europe/Berlin");
    // 2026-03-29 (Sunday): 02:00 CET jumps to 03:00 CEST at 01:00Z.
    assert!(!off_at(&off, "off=(U,2)", "2026-03-29T00:30:00Z"), "01:30 CET");
    assert!(!off_at(&off, "off=(U,2)", "2026-03-29T01:30:00Z"), "03:30 CEST");
    assert!(off_at(&off, "off=(U,3)", "2026-03-29T01:30:00Z"));
    // 2026-10-25 (Sunday): 03:00 CEST falls back to 02:00 CET; 02:xx happens twice.
    assert!(off_at(&off, "off=(U,2)", "2026-10-25T00:30:00Z"), "02:30 CEST");
    assert!(off_at(&off, "off=(U,2)", "2026-10-25T01:30:00Z"), "02:30 CET");
    assert!(!off_at(&off, "off=(U,2)", "2026-10-25T02:30:00Z"));
    let mut lb = off.clone();
    lb.lookback = Some(SignedDuration::from_hours(3));
    assert!(off_at(&lb, "off=(U,2)", "2026-10-25T00:30:00Z"));
    assert!(off_at(&lb, "off=(U,2)", "2026-10-25T02:59:00Z"), "within three hours of 00:00Z");
    assert!(!off_at(&lb, "off=(U,2)", "2026-10-25T03:00:01Z"));
}

#[test]
fn half_hour_zones() {
    // Kolkata is UTC+05:30: 19:00 IST is 13:30Z.
    let off = filter(Transition::Off, "it");
    assert!(!off_at(&off, "", "2026-11-23T13:29:59Z"));
    assert!(off_at(&off, "", "2026-11-23T13:30:00Z"));
    assert!(off_at(&off, "", "2026-11-23T14:29:59Z"));
    assert!(!off_at(&off, "", "2026-11-23T14:30:00Z"));
}

#[test]
fn lookback_catches_up_a_missed_run() {
    let mut off = filter(Transition::Off, "et");
    // The 19:00 run was missed; the next run is at 21:10.
    assert!(!off_at(&off, "", "2026-11-24T02:10:00Z"));
    off.lookback = Some(parse_window("3h").unwrap());
    assert!(off_at(&off, "", "2026-11-24T02:10:00Z"));
    assert!(!off_at(&off, "", "2026-11-24T03:10:00Z"), "more than three hours later");
    assert!(!off_at(&off, "", "2026-11-23T23:50:00Z"), "before the transition");
}

#[test]
fn cron_schedules_with_zones_and_holidays() {
    let mut off = filter(Transition::Off, "Europe/Berlin");
    off.cron = Some("30 19 * * MON-FRI".parse().unwrap());
    // Monday 19:30 CET = 18:30Z; default window one hour.
    assert!(!off_at(&off, "", "2026-11-23T18:29:00Z"));
    assert!(off_at(&off, "", "2026-11-23T18:30:00Z"));
    assert!(off_at(&off, "", "2026-11-23T19:29:00Z"));
    assert!(!off_at(&off, "", "2026-11-23T19:31:00Z"));
    assert!(!off_at(&off, "", "2026-11-28T18:45:00Z"), "Saturday");
    // The first Monday of the month only.
    off.cron = Some("0 8 * * MON#1".parse().unwrap());
    assert!(off_at(&off, "", "2026-12-07T07:10:00Z"));
    assert!(!off_at(&off, "", "2026-12-14T07:10:00Z"));
    off.holidays.add("12-07").unwrap();
    assert!(!off_at(&off, "", "2026-12-07T07:10:00Z"));
    // A tag with its own rules overrides the cron default.
    assert!(off_at(&off, "off=(M,9)", "2026-12-14T08:10:00Z"));
}

#[test]
fn windows_parse() {
    assert_eq!(parse_window("3h").unwrap(), SignedDuration::from_hours(3));
    assert_eq!(parse_window("1h30m").unwrap(), SignedDuration::from_mins(90));
    assert_eq!(parse_window("1d").unwrap(), SignedDuration::from_hours(24));
    for bad in ["", "3", "h", "3x", "0h"] {
        assert!(parse_window(bad).is_err(), "{bad}");
    }
}

#[test]
fn stay_off_matches_for_the_whole_off_period() {
    let mut off = filter(Transition::Off, "utc");
    off.stay_off = true;
    let db = |tag: &str| json!({"DBInstanceIdentifier": "db1", "DBInstanceStatus": "available", "Tags": [{"Key": "maid_offhours", "Value": tag}]});
    let m = |f: &OffHours, tag: &str, when: &str| f.matches(ResourceKind::Rds, &db(tag), at(when), None);
    assert!(!m(&off, "", "2026-11-23T18:59:00Z"), "Monday before 19:00: on period");
    assert!(m(&off, "", "2026-11-23T19:00:00Z"));
    assert!(m(&off, "", "2026-11-24T03:00:00Z"), "Tuesday 03:00, still off");
    assert!(!m(&off, "", "2026-11-24T07:00:00Z"), "on again at 07:00");
    assert!(
        m(&off, "", "2026-11-28T12:00:00Z"),
        "Saturday: off since Friday 19:00 (AWS's 7-day restart gets stopped)"
    );
    assert!(m(&off, "", "2026-11-30T06:59:00Z"), "Monday before 07:00");
    assert!(!m(&off, "", "2026-11-30T07:00:00Z"));
    // The tag's own on rule counts.
    assert!(m(&off, "off=(M-F,19);on=(M-F,9)", "2026-11-24T08:00:00Z"));
    assert!(!m(&off, "off=(M-F,19);on=(M-F,9)", "2026-11-24T09:00:00Z"));
    assert!(!m(&off, "off", "2026-11-28T12:00:00Z"), "opted out");
}

#[test]
fn off_hours_per_week_follow_the_schedule() {
    let off = filter(Transition::Off, "et");
    let monday = at("2026-11-23T05:00:00Z");
    // Defaults: off 19:00, on 07:00, Monday to Friday: four 12-hour nights and a 60-hour weekend.
    assert_eq!(off.off_hours_per_week(&ec2("running", Some("")), monday), Some(4 * 12 + 60));
    // Its own schedule: off at 18, on at 8 every day: 14 hours a day.
    assert_eq!(
        off.off_hours_per_week(&ec2("running", Some("off=(M-U,18);on=(M-U,8);tz=et")), monday),
        Some(7 * 14)
    );
    assert_eq!(off.off_hours_per_week(&ec2("running", None), monday), None, "no tag: not scheduled");
    assert_eq!(off.off_hours_per_week(&ec2("running", Some("off")), monday), None, "opted out");
    assert_eq!(
        filter(Transition::On, "et").off_hours_per_week(&ec2("running", Some("")), monday),
        None
    );
}
