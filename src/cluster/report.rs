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

/// One partition in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionReport {
    /// Topic.
    pub topic: String,
    /// Partition number.
    pub partition: i32,
    /// Assigned replicas, preferred leader first.
    pub replicas: Vec<i32>,
    /// Leader as the state znode says (-1: offline, null: no state yet).
    pub leader: Option<i32>,
    /// Leader epoch from the state znode.
    pub leader_epoch: Option<i32>,
    /// ISR from the state znode.
    pub isr: Vec<i32>,
    /// The leader's high watermark (-1 when no leader runs).
    pub high_watermark: i64,
    /// Log end offset of every replica with a log (running or not).
    pub log_end_offsets: BTreeMap<i32, i64>,
}

/// One producer in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProducerReport {
    /// Producer id.
    pub id: i32,
    /// Records handed to send().
    pub sent: u64,
    /// Records acknowledged.
    pub acked: u64,
    /// Records that failed for good.
    pub failed: u64,
    /// Topic.
    pub topic: String,
    /// `acks` as configured.
    pub acks: String,
    /// True while it runs.
    pub alive: bool,
    /// Records it held unacknowledged when it crashed.
    pub lost_in_buffer: u64,
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
    /// Every partition of every topic.
    pub partitions: Vec<PartitionReport>,
    /// Every producer.
    pub producers: Vec<ProducerReport>,
    /// Acknowledged records later lost.
    pub acked_lost: u64,
    /// The lost records (the first 10000).
    pub acked_lost_records: Vec<crate::cluster::LostRecord>,
    /// Every consumer group.
    pub groups: Vec<super::GroupReport>,
    /// Every consumer.
    pub consumers: Vec<super::ConsumerReport>,
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
            violation: self.violation.as_ref().map(ToString::to_string),
            groups: self.group_reports(),
            consumers: self.consumer_reports(),
            partitions: self.partition_reports(),
            producers: self
                .producers
                .values()
                .map(|slot| {
                    let s = slot.producer.stats();
                    ProducerReport {
                        id: slot.producer.id(),
                        sent: s.sent,
                        acked: s.acked,
                        failed: s.failed,
                        topic: slot.producer.config().topic.clone(),
                        acks: crate::protocol::acks_name(slot.producer.config().acks.0).into(),
                        alive: slot.crashed_at.is_none(),
                        lost_in_buffer: slot.lost_in_buffer,
                    }
                })
                .collect(),
            acked_lost: self.ledger.lost_total(),
            acked_lost_records: self.ledger.lost().to_vec(),
        }
    }

    /// Every partition as ZooKeeper and the replicas' logs have it.
    pub fn partition_reports(&self) -> Vec<PartitionReport> {
        use crate::topic::{parse_assignment, LeaderIsr, TopicPartition};
        let tree = self.zk.tree();
        let mut out = Vec::new();
        for topic in tree.children("/brokers/topics") {
            let Some(assignment) = tree
                .get(&format!("/brokers/topics/{topic}"))
                .and_then(|n| parse_assignment(&n.data))
            else {
                continue;
            };
            for (p, replicas) in assignment {
                let tp = TopicPartition::new(&topic, p);
                let state = tree
                    .get(&tp.state_path())
                    .and_then(|n| LeaderIsr::from_json(&n.data));
                let high_watermark = state
                    .as_ref()
                    .and_then(|s| self.broker(s.leader))
                    .and_then(|b| b.replicas().get(&tp))
                    .map_or(-1, |r| r.hw);
                let log_end_offsets = replicas
                    .iter()
                    .filter_map(|b| Some((*b, self.log_of(*b, &tp)?.log_end_offset())))
                    .collect();
                out.push(PartitionReport {
                    topic: topic.clone(),
                    partition: p,
                    replicas,
                    leader: state.as_ref().map(|s| s.leader),
                    leader_epoch: state.as_ref().map(|s| s.leader_epoch),
                    isr: state.map(|s| s.isr).unwrap_or_default(),
                    high_watermark,
                    log_end_offsets,
                });
            }
        }
        out
    }
}
