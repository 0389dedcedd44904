//! Actions: what a policy does to the resources it matched. Validated here, planned in [`plan`].

pub mod plan;

use crate::resource::ResourceKind;
use jiff::tz::TimeZone;

/// Action names (canonical), each with c7n's aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionName {
    /// `tag` (alias `mark`)
    Tag,
    /// `remove-tag` (aliases `unmark`, `untag`)
    RemoveTag,
    /// `mark-for-op`
    MarkForOp,
    /// `stop`
    Stop,
    /// `start`
    Start,
    /// `terminate`
    Terminate,
    /// `snapshot` (RDS)
    Snapshot,
    /// `delete` (RDS)
    Delete,
    /// `cancel` (spot requests)
    Cancel,
}

/// Every accepted action name and what it means.
pub const ACTION_NAMES: &[(&str, ActionName)] = &[
    ("tag", ActionName::Tag),
    ("mark", ActionName::Tag),
    ("remove-tag", ActionName::RemoveTag),
    ("unmark", ActionName::RemoveTag),
    ("untag", ActionName::RemoveTag),
    ("mark-for-op", ActionName::MarkForOp),
    ("stop", ActionName::Stop),
    ("start", ActionName::Start),
    ("terminate", ActionName::Terminate),
    ("snapshot", ActionName::Snapshot),
    ("delete", ActionName::Delete),
    ("cancel", ActionName::Cancel),
];

impl ActionName {
    /// Looks up an action by name or alias.
    pub fn from_name(name: &str) -> Option<ActionName> {
        ACTION_NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        ACTION_NAMES.iter().find(|(_, a)| *a == self).map(|(n, _)| *n).unwrap_or("?")
    }

    /// Every IAM permission the action may need on a kind, whatever its options.
    pub fn permissions(self, kind: ResourceKind) -> &'static [&'static str] {
        use ActionName::*;
        use ResourceKind::*;
        match (kind, self) {
            (Ec2 | SpotRequest, Tag | MarkForOp) => &["ec2:CreateTags"],
            (Ec2 | SpotRequest, RemoveTag) => &["ec2:DeleteTags"],
            (Ec2, Stop) => &["ec2:StopInstances", "ec2:ModifyInstanceAttribute"],
            (Ec2, Start) => &["ec2:StartInstances"],
            (Ec2, Terminate) => &["ec2:TerminateInstances", "ec2:ModifyInstanceAttribute"],
            (Rds, Tag | MarkForOp) => &["rds:AddTagsToResource"],
            (Rds, RemoveTag) => &["rds:RemoveTagsFromResource"],
            (Rds, Stop) => &["rds:StopDBInstance"],
            (Rds, Start) => &["rds:StartDBInstance"],
            (Rds, Snapshot) => &["rds:CreateDBSnapshot"],
            (Rds, Delete) => &["rds:DeleteDBInstance", "rds:CreateDBSnapshot"],
            (SpotRequest, Cancel) => &["ec2:CancelSpotInstanceRequests", "ec2:TerminateInstances"],
            _ => &[],
        }
    }
}

/// A validated action.
#[derive(Debug, Clone)]
pub enum Action {
    /// Add or overwrite tags. Values may use `{region}` and `{now}`.
    Tag {
        /// Key/value pairs, in policy order.
        tags: Vec<(String, String)>,
    },
    /// Remove tags by key.
    RemoveTag {
        /// Keys to remove (default `maid_status`).
        keys: Vec<String>,
    },
    /// Tag the resource for a later action, c7n's format: `msg` with `{op}@{action_date}`.
    MarkForOp(MarkForOp),
    /// Stop EC2 instances (only `running` ones) or RDS instances (eligible, `available`).
    Stop {
        /// EC2: hibernate instead of stopping.
        hibernate: bool,
        /// EC2: clear stop protection first if the call is refused.
        force: bool,
    },
    /// Start EC2 instances (only `stopped`) or RDS instances (eligible, `stopped`).
    Start,
    /// Terminate EC2 instances (running, stopped, pending, stopping).
    Terminate {
        /// Clear termination protection first if the call is refused.
        force: bool,
    },
    /// RDS: take a manual snapshot.
    Snapshot,
    /// RDS: delete the instance, with a final snapshot unless `skip-snapshot`.
    Delete {
        /// Skip the final snapshot.
        skip_snapshot: bool,
    },
    /// Spot requests: cancel, and optionally terminate the instances they launched.
    Cancel {
        /// Also terminate the requests' instances (after cancelling, so they are not relaunched).
        terminate_instances: bool,
    },
}

/// `mark-for-op` parameters.
#[derive(Debug, Clone)]
pub struct MarkForOp {
    /// Tag key (default `maid_status`).
    pub tag: String,
    /// The action to take later (default `stop`).
    pub op: ActionName,
    /// Message template with `{op}` and `{action_date}`.
    pub msg: String,
    /// Days from now (default 0, as c7n).
    pub days: f64,
    /// Hours from now (default 0); when non-zero the date carries the time and zone.
    pub hours: f64,
    /// Zone for the date.
    pub tz: TimeZone,
}

/// c7n's default `mark-for-op` message.
pub const DEFAULT_MARK_MSG: &str = "Resource does not meet policy: {op}@{action_date}";
/// c7n's default tag for `mark-for-op` / `marked-for-op` / `remove-tag`.
pub const DEFAULT_MARK_TAG: &str = "maid_status";

impl Action {
    /// The IAM actions this action, as configured, calls on `kind`: the action's permissions
    /// ([`ActionName::permissions`]) less those only an unused option calls (`force`, a final
    /// snapshot, terminating a spot request's instances).
    pub fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        let needed = |api: &str| match (api, self) {
            ("ec2:ModifyInstanceAttribute", Action::Stop { force, .. } | Action::Terminate { force }) => *force,
            ("rds:CreateDBSnapshot", Action::Delete { skip_snapshot }) => !skip_snapshot,
            ("ec2:TerminateInstances", Action::Cancel { terminate_instances }) => *terminate_instances,
            _ => true,
        };
        self.name().permissions(kind).iter().copied().filter(|api| needed(api)).collect()
    }

    /// The action's canonical name.
    pub fn name(&self) -> ActionName {
        match self {
            Action::Tag { .. } => ActionName::Tag,
            Action::RemoveTag { .. } => ActionName::RemoveTag,
            Action::MarkForOp(_) => ActionName::MarkForOp,
            Action::Stop { .. } => ActionName::Stop,
            Action::Start => ActionName::Start,
            Action::Terminate { .. } => ActionName::Terminate,
            Action::Snapshot => ActionName::Snapshot,
            Action::Delete { .. } => ActionName::Delete,
            Action::Cancel { .. } => ActionName::Cancel,
        }
    }
}
