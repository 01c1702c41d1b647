//! The small serde views the page's panels poll: status line, legend.

use crate::cluster::{state_name, Process, World};
use crate::protocol::MsgKind;
use serde::Serialize;

/// A broker in the status view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusBroker {
    /// `broker.id`.
    pub id: i32,
    /// State name.
    pub state: &'static str,
    /// True for the controller `/controller` names, acting for the current epoch.
    pub is_controller: bool,
}

/// What the status bar shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Status {
    /// Simulated time.
    pub now_ms: u64,
    /// Animation speed.
    pub speed: f64,
    /// Paused.
    pub paused: bool,
    /// Seed.
    pub seed: u64,
    /// The controller `/controller` names.
    pub controller: Option<i32>,
    /// `/controller_epoch`.
    pub controller_epoch: i32,
    /// Brokers.
    pub brokers: Vec<StatusBroker>,
    /// Digest of the run so far.
    pub trace_digest: String,
    /// Event-log lines written so far.
    pub events_total: u64,
    /// Messages on the wire.
    pub in_flight: usize,
}

/// The status of the world.
pub fn status(world: &World) -> Status {
    let controller = world.controller();
    let epoch = world.controller_epoch();
    Status {
        now_ms: world.now(),
        speed: world.speed(),
        paused: world.paused(),
        seed: world.seed(),
        controller,
        controller_epoch: epoch,
        brokers: world
            .brokers()
            .iter()
            .map(|(id, slot)| StatusBroker {
                id: *id,
                state: state_name(&slot.process),
                is_controller: controller == Some(*id)
                    && matches!(&slot.process, Process::Up(b) if b.role().map(|r| r.epoch()) == Some(epoch)),
            })
            .collect(),
        trace_digest: world.trace().digest_hex(),
        events_total: world.log_total(),
        in_flight: world.in_flight().len(),
    }
}

#[derive(Serialize)]
struct LegendEntry {
    kind: MsgKind,
    label: &'static str,
    color: &'static str,
}

/// The message legend as JSON: kind, label, colour.
pub fn legend_json() -> String {
    let entries: Vec<LegendEntry> = MsgKind::ALL
        .iter()
        .map(|k| LegendEntry {
            kind: *k,
            label: k.label(),
            color: k.color(),
        })
        .collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
}
