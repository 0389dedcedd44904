//! Milestones of long work, as `tracing` events on the [`TARGET`] target: a stage begins with
//! its number of steps, each finished step says what it did. The CLI draws them as progress
//! bars on a terminal and prints them as plain log lines elsewhere (`-v`); the Lambda logs them.
//! Nothing here knows how they are shown.

/// The `tracing` target of every milestone.
pub const TARGET: &str = "custodian::progress";

/// A stage of work with a known number of steps ("fetch", "policies", "accounts").
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    name: &'static str,
}

impl Stage {
    /// Begins `name` with `total` steps.
    pub fn begin(name: &'static str, total: usize) -> Stage {
        tracing::info!(target: TARGET, stage = name, total = total as u64, "{name}: {total} to do");
        Stage { name }
    }

    /// One step done: `message` says what it did.
    pub fn step(&self, message: &str) {
        tracing::info!(target: TARGET, stage = self.name, step = true, "{message}");
    }

    /// The stage is over.
    pub fn end(self) {
        tracing::info!(target: TARGET, stage = self.name, end = true, "{}: done", self.name);
    }
}
