//! The run report: what `kafkascope run` prints and tests read. Its field
//! names are a contract other tools rely on: add fields, never rename them.

use super::{Process, World};
use crate::sim::{NodeId, NoteKind, Tick};
use serde::Serialize;
use std::collections::BTreeMap;

/// One broker in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerReport {
    /// `broker.id`.
    pub id: i32,
    /// True while the process runs.
    pub alive: bool,
    /// `running`, `starting`, `shutting_down`, `crashed` or `stopped`.
    pub state: String,
}

/// One event-log line in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventReport {
    /// When.
    pub at_ms: Tick,
    /// Who.
    pub node: NodeId,
    /// About what.
    pub kind: NoteKind,
    /// In plain words.
    pub text: String,
}

/// The state of the world at the end of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Seed of the run.
    pub seed: u64,
    /// Simulated time at the end.
    pub now_ms: Tick,
    /// The controller named by `/controller`, or null.
    pub controller: Option<i32>,
    /// The value of `/controller_epoch`.
    pub controller_epoch: i32,
    /// Every broker.
    pub brokers: Vec<BrokerReport>,
    /// Every znode with its data.
    pub znodes: BTreeMap<String, String>,
    /// Digest of every event processed.
    pub trace_digest: String,
    /// The event log, oldest first (the most recent lines when it overflowed).
    pub events: Vec<EventReport>,
    /// Number of events processed.
    pub events_processed: u64,
    /// The first broken invariant, when checks were on.
    pub violation: Option<String>,
}

/// The state name of a broker slot, as the report and the view write it.
pub fn state_name(process: &Process) -> &'static str {
    use crate::broker::BrokerState;
    match process {
        Process::Up(b) => match b.state() {
            BrokerState::Starting => "starting",
            BrokerState::Running => "running",
            BrokerState::ShuttingDown => "shutting_down",
            BrokerState::Stopped(_) => "stopped",
        },
        Process::Crashed { .. } => "crashed",
        Process::Stopped { .. } => "stopped",
    }
}

impl World {
    /// The report of the world as it is now.
    pub fn report(&self) -> Report {
        Report {
            seed: self.seed,
            now_ms: self.now,
            controller: self.controller(),
            controller_epoch: self.controller_epoch(),
            brokers: self
                .brokers
                .iter()
                .map(|(id, slot)| BrokerReport {
                    id: *id,
                    alive: matches!(slot.process, Process::Up(_)),
                    state: state_name(&slot.process).to_string(),
                })
                .collect(),
            znodes: self
                .zk
                .tree()
                .iter()
                .map(|(p, n)| (p.clone(), n.data.clone()))
                .collect(),
            trace_digest: self.trace.digest_hex(),
            events: self
                .log
                .iter()
                .map(|l| EventReport {
                    at_ms: l.at_ms,
                    node: l.node,
                    kind: l.kind,
                    text: l.text.clone(),
                })
                .collect(),
            events_processed: self.trace.count(),
            violation: self.violation.clone(),
        }
    }
}
