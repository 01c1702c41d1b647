//! The small serde views the page's panels poll: status line (with the
//! partitions, producers, the acknowledged-but-lost counter, consumer
//! groups and consumers), legend.

use super::status_groups::{consumers, StatusConsumer};
use super::INTERNAL_COLOR;
use crate::broker::OFFSETS_TOPIC;
use crate::client::producer::ProducerConfig;
use crate::cluster::{state_name, GroupReport, PartitionReport, Process, World};
use crate::protocol::{acks_name, MsgKind};
use crate::sim::LinkConfig;
use serde::Serialize;
use std::collections::BTreeMap;

/// A topic in the status view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusTopic {
    /// Name.
    pub name: String,
    /// Kafka's internal `__consumer_offsets`.
    pub internal: bool,
    /// Partitions.
    pub partitions: usize,
    /// Replication factor.
    pub replication_factor: usize,
    /// Its colour on the canvas.
    pub color: &'static str,
    /// `min.insync.replicas` in effect.
    pub min_insync_replicas: Option<u32>,
    /// `unclean.leader.election.enable` in effect.
    pub unclean_leader_election_enable: Option<bool>,
    /// Partitions with no leader (leader -1).
    pub offline: usize,
    /// Partitions whose ISR is smaller than their replica set.
    pub under_replicated: usize,
}

/// A producer in the status view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusProducer {
    /// Id.
    pub id: i32,
    /// Topic.
    pub topic: String,
    /// `acks`.
    pub acks: &'static str,
    /// Running.
    pub alive: bool,
    /// Records handed to send().
    pub sent: u64,
    /// Acknowledged.
    pub acked: u64,
    /// Failed for good.
    pub failed: u64,
    /// Lost in its buffer at a crash.
    pub lost_in_buffer: u64,
    /// Records in the accumulator.
    pub queued: u64,
    /// Records in produce requests in flight.
    pub in_flight: u64,
    /// Its settings (to change one with set_producer).
    pub config: ProducerConfig,
}

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
    /// Topics.
    pub topics: Vec<StatusTopic>,
    /// Every partition: replicas, leader, ISR, high watermark, log end offsets.
    pub partitions: Vec<PartitionReport>,
    /// Producers.
    pub producers: Vec<StatusProducer>,
    /// Acknowledged records later lost.
    pub acked_lost: u64,
    /// The first broken invariant (the page checks once a frame).
    pub violation: Option<crate::check::Broken>,
    /// The cluster's link settings (what a slowed link goes back to).
    pub network: LinkConfig,
    /// Consumer groups as `kafka-consumer-groups --describe` shows them.
    pub groups: Vec<GroupReport>,
    /// Each group's colour on the canvas.
    pub group_colors: BTreeMap<String, &'static str>,
    /// Consumers.
    pub consumers: Vec<StatusConsumer>,
}

fn topics(world: &World, partitions: &[PartitionReport]) -> Vec<StatusTopic> {
    let mut out: Vec<StatusTopic> = Vec::new();
    let mut user_topics = 0;
    for p in partitions {
        if out.last().map(|t| &t.name) != Some(&p.topic) {
            let internal = p.topic == OFFSETS_TOPIC;
            let color = if internal {
                INTERNAL_COLOR
            } else {
                user_topics += 1;
                super::topic_color(user_topics - 1)
            };
            let cfg = world
                .zk()
                .tree()
                .get(&format!("/config/topics/{}", p.topic))
                .and_then(|n| crate::topic::parse_config(&n.data, &world.config().topic_defaults));
            out.push(StatusTopic {
                name: p.topic.clone(),
                internal,
                partitions: 0,
                replication_factor: p.replicas.len(),
                color,
                min_insync_replicas: cfg.as_ref().map(|c| c.min_insync_replicas),
                unclean_leader_election_enable: cfg.map(|c| c.unclean_leader_election_enable),
                offline: 0,
                under_replicated: 0,
            });
        }
        if let Some(t) = out.last_mut() {
            t.partitions += 1;
            if p.leader.is_some_and(|l| l < 0) {
                t.offline += 1;
            }
            if p.isr.len() < p.replicas.len() {
                t.under_replicated += 1;
            }
        }
    }
    out
}

/// The status of the world.
pub fn status(world: &World) -> Status {
    let controller = world.controller();
    let epoch = world.controller_epoch();
    let partitions = world.partition_reports();
    let groups = world.group_reports();
    let group_colors = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.group.clone(), super::group_color(i)))
        .collect();
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
        topics: topics(world, &partitions),
        partitions,
        producers: world
            .producers()
            .values()
            .map(|slot| {
                let p = &slot.producer;
                let s = p.stats();
                let (queued, in_flight) = p.unacknowledged();
                StatusProducer {
                    id: p.id(),
                    topic: p.config().topic.clone(),
                    acks: acks_name(p.config().acks.0),
                    alive: slot.crashed_at.is_none(),
                    sent: s.sent,
                    acked: s.acked,
                    failed: s.failed,
                    lost_in_buffer: slot.lost_in_buffer,
                    queued,
                    in_flight,
                    config: p.config().clone(),
                }
            })
            .collect(),
        acked_lost: world.ledger().lost_total(),
        violation: world.violation().cloned(),
        network: world.config().network,
        groups,
        group_colors,
        consumers: consumers(world),
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
