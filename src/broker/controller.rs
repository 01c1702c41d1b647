//! The controller role (Kafka's `KafkaController` after it won the election):
//! it watches `/brokers/ids`, notices brokers joining and leaving, and tells
//! every live broker through `UpdateMetadata`, each request stamped with its
//! controller epoch. Like Kafka's `ControllerChannelManager` it keeps one
//! request in flight per broker and sends it again when
//! `controller.socket.timeout.ms` passes without an answer.

use super::partitions::{CtlOp, TopicMeta};
use super::{Broker, BrokerTimer, Out, ZkPurpose};
use crate::protocol::{KafkaError, Message, ZkOp, ZkReply, ZkResult};
use crate::sim::{NodeId, NoteKind, Tick};
use crate::topic::{LeaderIsr, PartitionState, TopicPartition};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most requests queued for one broker; older ones are dropped first.
pub const MAX_QUEUED_PER_BROKER: usize = 16;

/// Requests to one broker: the one in flight and those waiting.
#[derive(Clone, Debug, Default)]
struct Channel {
    in_flight: Option<(u64, Message)>,
    queue: VecDeque<Message>,
}

/// State a broker holds while it is the controller.
#[derive(Clone, Debug)]
pub struct ControllerRole {
    epoch: i32,
    pub(super) live_brokers: BTreeSet<i32>,
    channels: BTreeMap<i32, Channel>,
    /// Version of `/controller_epoch` this controller wrote: every state
    /// write checks it.
    pub(super) epoch_zk_version: i32,
    pub(super) topics: BTreeMap<String, TopicMeta>,
    pub(super) states: BTreeMap<TopicPartition, (LeaderIsr, i32)>,
    pub(super) reading: BTreeSet<TopicPartition>,
    pub(super) ops: BTreeMap<u64, CtlOp>,
    pub(super) shutting_down: BTreeSet<i32>,
    pub(super) deleting: BTreeSet<String>,
    pub(super) pending_lai: BTreeMap<i32, BTreeSet<TopicPartition>>,
    pub(super) metadata_dirty: bool,
    /// `/brokers/topics` has been read since this controller won.
    pub(super) topics_listed: bool,
    /// Each live broker's epoch: the czxid of its `/brokers/ids` znode
    /// (KIP-380), to notice a broker that restarted between two reads.
    pub(super) broker_epochs: BTreeMap<i32, u64>,
}

impl ControllerRole {
    pub(super) fn new(epoch: i32, epoch_zk_version: i32) -> Self {
        ControllerRole {
            epoch,
            live_brokers: BTreeSet::new(),
            channels: BTreeMap::new(),
            epoch_zk_version,
            topics: BTreeMap::new(),
            states: BTreeMap::new(),
            reading: BTreeSet::new(),
            ops: BTreeMap::new(),
            shutting_down: BTreeSet::new(),
            deleting: BTreeSet::new(),
            pending_lai: BTreeMap::new(),
            metadata_dirty: false,
            topics_listed: false,
            broker_epochs: BTreeMap::new(),
        }
    }

    /// Topics the controller knows, with their assignment.
    pub fn topics(&self) -> &BTreeMap<String, TopicMeta> {
        &self.topics
    }

    /// Partition states as the controller last wrote or read them.
    pub fn states(&self) -> &BTreeMap<TopicPartition, (LeaderIsr, i32)> {
        &self.states
    }

    /// True once the controller's context is loaded (Kafka's
    /// `initializeControllerContext`): the topic list read, every topic's
    /// assignment and config read, and the state of every partition read
    /// or created. Until then `UpdateMetadata`, a full snapshot here, would
    /// tell brokers that topics or partitions do not exist.
    pub(super) fn metadata_ready(&self) -> bool {
        self.topics_listed
            && !self.writes_pending()
            && self
                .topics
                .values()
                .all(|meta| meta.config.is_some() && meta.assignment_loaded)
            && !self.reading.iter().any(|tp| {
                !self.states.contains_key(tp)
                    && self
                        .topics
                        .get(&tp.topic)
                        .is_some_and(|m| m.assignment.contains_key(&tp.partition))
            })
    }

    /// Partitions whose state write is waiting for ZooKeeper's answer.
    pub(super) fn writing(&self) -> BTreeSet<&TopicPartition> {
        self.ops
            .values()
            .filter_map(|op| match op {
                CtlOp::Write(tps) => Some(tps.iter()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    pub(super) fn writes_pending(&self) -> bool {
        self.ops.values().any(|op| matches!(op, CtlOp::Write(_)))
    }

    pub(super) fn replicas_of(&self, tp: &TopicPartition) -> Option<Vec<i32>> {
        self.topics
            .get(&tp.topic)?
            .assignment
            .get(&tp.partition)
            .cloned()
    }

    pub(super) fn partition_state(&self, tp: &TopicPartition) -> Option<PartitionState> {
        let (s, version) = self.states.get(tp)?;
        Some(PartitionState {
            tp: tp.clone(),
            leader: s.leader,
            leader_epoch: s.leader_epoch,
            isr: s.isr.clone(),
            replicas: self.replicas_of(tp)?,
            zk_version: *version,
        })
    }

    pub(super) fn metadata_message(&self, me: i32) -> Message {
        Message::UpdateMetadata {
            correlation_id: 0,
            controller_id: me,
            controller_epoch: self.epoch,
            live_brokers: self.live_brokers.iter().copied().collect(),
            partitions: self
                .states
                .keys()
                .filter_map(|tp| self.partition_state(tp))
                .collect(),
        }
    }

    /// The controller epoch this role won.
    pub fn epoch(&self) -> i32 {
        self.epoch
    }

    /// Live brokers as the controller last read `/brokers/ids`.
    pub fn live_brokers(&self) -> &BTreeSet<i32> {
        &self.live_brokers
    }

    /// Brokers with a request in flight (for the view).
    pub fn awaiting(&self) -> impl Iterator<Item = i32> + '_ {
        self.channels
            .iter()
            .filter(|(_, c)| c.in_flight.is_some())
            .map(|(b, _)| *b)
    }
}

fn with_correlation(msg: &Message, id: u64) -> Message {
    let mut msg = msg.clone();
    match &mut msg {
        Message::UpdateMetadata { correlation_id, .. }
        | Message::StopReplica { correlation_id, .. } => *correlation_id = id,
        Message::LeaderAndIsr(r) => r.correlation_id = id,
        _ => {}
    }
    msg
}

/// Folds a new request into one already queued of the same kind: a newer
/// `UpdateMetadata` replaces the queued one (it is a full snapshot), and
/// `LeaderAndIsr` partitions merge, the newer state winning.
fn merge_into(queue: &mut VecDeque<Message>, msg: Message) -> Option<Message> {
    match msg {
        Message::UpdateMetadata { .. } => {
            if let Some(slot) = queue
                .iter_mut()
                .find(|m| matches!(m, Message::UpdateMetadata { .. }))
            {
                *slot = msg;
                return None;
            }
            Some(msg)
        }
        Message::LeaderAndIsr(new) => {
            if let Some(Message::LeaderAndIsr(old)) = queue
                .iter_mut()
                .find(|m| matches!(m, Message::LeaderAndIsr(_)))
            {
                for p in new.partitions {
                    old.partitions.retain(|q| q.tp != p.tp);
                    old.partitions.push(p);
                }
                old.configs.extend(new.configs);
                return None;
            }
            Some(Message::LeaderAndIsr(new))
        }
        other => Some(other),
    }
}

impl Broker {
    /// Reads `/brokers/ids` and leaves a child watch on it.
    pub(super) fn watch_brokers(&mut self, out: &mut Out) {
        self.zk_request(
            ZkOp::GetChildren {
                path: "/brokers/ids".into(),
                watch: true,
            },
            ZkPurpose::WatchBrokers,
            out,
        );
    }

    pub(super) fn on_broker_children(&mut self, result: ZkResult, out: &mut Out) {
        let Ok(ZkReply::Children(names)) = result else {
            return;
        };
        let Some(role) = self.role.as_mut() else {
            return;
        };
        let live: BTreeSet<i32> = names.iter().filter_map(|n| n.parse().ok()).collect();
        let first = role.live_brokers.is_empty();
        let joined: Vec<i32> = live.difference(&role.live_brokers).copied().collect();
        let gone: Vec<i32> = role.live_brokers.difference(&live).copied().collect();
        if first {
            out.note(
                NoteKind::Controller,
                format!(
                    "controller (epoch {}) sees live brokers {live:?}",
                    role.epoch
                ),
            );
        } else {
            for b in &joined {
                out.note(
                    NoteKind::Controller,
                    format!("broker {b} joined /brokers/ids"),
                );
            }
            for b in &gone {
                out.note(
                    NoteKind::Controller,
                    format!("broker {b} is gone: its /brokers/ids/{b} znode was deleted"),
                );
            }
        }
        let changed = first || !joined.is_empty() || !gone.is_empty();
        for b in &gone {
            role.channels.remove(b);
            role.broker_epochs.remove(b);
        }
        let unchanged: Vec<i32> = live.intersection(&role.live_brokers).copied().collect();
        role.live_brokers = live;
        if changed {
            role.metadata_dirty = true;
            self.on_brokers_changed(&joined, &gone, out);
        }
        for b in unchanged.into_iter().chain(joined) {
            self.ctl_request(
                ZkOp::GetData {
                    path: format!("/brokers/ids/{b}"),
                    watch: false,
                },
                CtlOp::BrokerEpoch(b),
                out,
            );
        }
    }

    /// The czxid of `/brokers/ids/<b>`: a new one for a broker already
    /// known means it restarted in between (a bounced broker).
    pub(super) fn on_broker_epoch(&mut self, b: i32, czxid: u64, out: &mut Out) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        if !role.live_brokers.contains(&b) {
            return;
        }
        match role.broker_epochs.insert(b, czxid) {
            Some(old) if old != czxid => {
                out.note(
                    NoteKind::Controller,
                    format!("broker {b} restarted between two reads of /brokers/ids (its broker epoch changed): handling it as gone and back"),
                );
                role.channels.remove(&b);
                self.on_brokers_changed(&[b], &[b], out);
            }
            _ => {}
        }
    }

    pub(super) fn enqueue(&mut self, now: Tick, target: i32, msg: Message, out: &mut Out) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        let channel = role.channels.entry(target).or_default();
        let Some(msg) = merge_into(&mut channel.queue, msg) else {
            return;
        };
        if channel.queue.len() >= MAX_QUEUED_PER_BROKER {
            channel.queue.pop_front();
        }
        channel.queue.push_back(msg);
        self.pump(now, target, out);
    }

    /// Sends the next queued request to `target` if none is in flight.
    fn pump(&mut self, now: Tick, target: i32, out: &mut Out) {
        let correlation_id = self.next_correlation;
        let timeout = self.cfg.controller_socket_timeout_ms;
        let Some(channel) = self.role.as_mut().and_then(|r| r.channels.get_mut(&target)) else {
            return;
        };
        if channel.in_flight.is_some() {
            return;
        }
        let Some(next) = channel.queue.pop_front() else {
            return;
        };
        let msg = with_correlation(&next, correlation_id);
        channel.in_flight = Some((correlation_id, msg.clone()));
        self.next_correlation += 1;
        out.send(NodeId::Broker(target), msg);
        out.timer(
            now + timeout,
            BrokerTimer::ControllerRequestTimeout {
                target,
                correlation_id,
            },
        );
    }

    pub(super) fn on_controller_response(
        &mut self,
        now: Tick,
        from: NodeId,
        correlation_id: u64,
        error: KafkaError,
        out: &mut Out,
    ) {
        let NodeId::Broker(target) = from else {
            return;
        };
        let epoch = self.role.as_ref().map(|r| r.epoch);
        let Some(channel) = self.role.as_mut().and_then(|r| r.channels.get_mut(&target)) else {
            if error == KafkaError::StaleControllerEpoch {
                out.note(
                    NoteKind::Fence,
                    format!("broker {target} refused its old request: STALE_CONTROLLER_EPOCH"),
                );
            }
            return;
        };
        if channel.in_flight.as_ref().map(|(c, _)| *c) != Some(correlation_id) {
            return;
        }
        channel.in_flight = None;
        if error == KafkaError::StaleControllerEpoch {
            out.note(
                NoteKind::Fence,
                format!(
                    "broker {target} refused UpdateMetadata of epoch {}: STALE_CONTROLLER_EPOCH, a newer controller exists",
                    epoch.unwrap_or_default()
                ),
            );
        }
        self.pump(now, target, out);
    }

    pub(super) fn controller_request_timeout(
        &mut self,
        now: Tick,
        target: i32,
        correlation_id: u64,
        out: &mut Out,
    ) {
        let timeout = self.cfg.controller_socket_timeout_ms;
        let Some(channel) = self.role.as_mut().and_then(|r| r.channels.get_mut(&target)) else {
            return;
        };
        let Some((c, msg)) = channel.in_flight.take() else {
            return;
        };
        if c != correlation_id {
            channel.in_flight = Some((c, msg));
            return;
        }
        out.note(
            NoteKind::Controller,
            format!(
                "no answer from broker {target} within controller.socket.timeout.ms ({timeout} ms): sending {} again",
                msg.label()
            ),
        );
        channel.queue.push_front(msg);
        self.pump(now, target, out);
    }
}
