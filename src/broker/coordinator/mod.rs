//! The group coordinator every broker runs (Kafka's `GroupCoordinator` and
//! `GroupMetadataManager`): it serves the groups whose `__consumer_offsets`
//! partition this broker leads. On becoming that leader it reads the
//! partition back (answering COORDINATOR_LOAD_IN_PROGRESS meanwhile) to
//! rebuild the groups and their committed offsets; on losing it, it drops
//! them. Commits and group metadata are appended to the partition as
//! records and answered once the high watermark passes them (acks=all).
//! The internal topic is created on the first FindCoordinator, with
//! `offsets.topic.num.partitions` partitions and
//! `offsets.topic.replication.factor` replicas, compacted.

mod group;
mod membership;
mod offsets;
pub mod records;
mod sync;

pub use group::{Group, GroupState, Member};

use super::{Broker, BrokerTimer, Out, ZkPurpose};
use crate::log::{encode_batch, Record};
use crate::protocol::group::{FindCoordinator, FindCoordinatorResponse};
use crate::protocol::{KafkaError, Message, ZkOp};
use crate::sim::{NodeId, NoteKind, Tick};
use crate::topic::{assignment_json, config_json, TopicPartition};
use std::collections::BTreeMap;

/// The internal topic's name.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Simulated time to start reading an offsets partition back.
const LOAD_BASE_MS: Tick = 20;
/// Simulated read speed when loading: bytes per ms (about 100 MB/s).
const LOAD_BYTES_PER_MS: usize = 100_000;

/// Where this broker stands with one `__consumer_offsets` partition it leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadState {
    /// Reading the partition back; requests get COORDINATOR_LOAD_IN_PROGRESS.
    Loading {
        /// Leader epoch the load is for.
        epoch: i32,
        /// Since when.
        since: Tick,
    },
    /// Serving its groups.
    Loaded {
        /// Leader epoch.
        epoch: i32,
    },
}

/// What an append to `__consumer_offsets` is for.
#[derive(Clone, Debug)]
pub(super) enum WriteKind {
    /// An `OffsetCommit` to answer.
    Commit {
        from: NodeId,
        correlation_id: u64,
        group: String,
        offsets: Vec<(TopicPartition, i64)>,
    },
    /// The leader's assignment for `generation`: when stored, the group is Stable.
    Assignment {
        group: String,
        generation: i32,
        assignments: BTreeMap<String, Vec<TopicPartition>>,
    },
    /// A group became empty (nothing waits on it).
    Empty,
}

/// An append waiting for the high watermark.
#[derive(Clone, Debug)]
pub(super) struct PendingWrite {
    pub(super) tp: TopicPartition,
    pub(super) last_offset: i64,
    pub(super) kind: WriteKind,
}

/// The coordinator's state on one broker.
#[derive(Clone, Debug, Default)]
pub struct Coordinator {
    partitions: BTreeMap<i32, LoadState>,
    groups: BTreeMap<String, Group>,
    writes: BTreeMap<u64, PendingWrite>,
    timer_at: Option<Tick>,
    next_member: u64,
    creating_topic: bool,
}

impl Coordinator {
    /// Groups served here.
    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }

    /// The `__consumer_offsets` partitions this broker leads, and how far their load is.
    pub fn partitions(&self) -> &BTreeMap<i32, LoadState> {
        &self.partitions
    }
}

impl Broker {
    /// The group coordinator's state.
    pub fn coordinator(&self) -> &Coordinator {
        &self.coord
    }

    pub(in crate::broker) fn offsets_partition(&self, group: &str) -> i32 {
        super::group::coordinator_partition(group, self.cfg.offsets_topic_num_partitions) as i32
    }

    /// `Ok` when this broker serves `group` now.
    pub(in crate::broker) fn serves(&self, group: &str) -> Result<i32, KafkaError> {
        let p = self.offsets_partition(group);
        match self.coord.partitions.get(&p) {
            Some(LoadState::Loaded { .. }) => Ok(p),
            Some(LoadState::Loading { .. }) => Err(KafkaError::CoordinatorLoadInProgress),
            None => Err(KafkaError::NotCoordinator),
        }
    }

    pub(in crate::broker) fn on_find_coordinator(
        &mut self,
        from: NodeId,
        req: FindCoordinator,
        out: &mut Out,
    ) {
        let p = self.offsets_partition(&req.key);
        let tp = TopicPartition::new(OFFSETS_TOPIC, p);
        let (error, node_id) = match self.metadata_partitions.get(&tp) {
            Some(ps) if ps.leader >= 0 => (KafkaError::None, ps.leader),
            Some(_) => (KafkaError::CoordinatorNotAvailable, -1),
            None => {
                if !self
                    .metadata_partitions
                    .keys()
                    .any(|t| t.topic == OFFSETS_TOPIC)
                {
                    self.create_offsets_topic(out);
                }
                (KafkaError::CoordinatorNotAvailable, -1)
            }
        };
        out.send(
            from,
            Message::FindCoordinatorResponse(FindCoordinatorResponse {
                correlation_id: req.correlation_id,
                error,
                node_id,
            }),
        );
    }

    /// Creates `__consumer_offsets` in ZooKeeper, as a broker does on the
    /// first FindCoordinator (Kafka's `createInternalTopic`).
    fn create_offsets_topic(&mut self, out: &mut Out) {
        if self.coord.creating_topic || self.session().is_none() {
            return;
        }
        let rf = self.cfg.offsets_topic_replication_factor;
        let mut brokers = self.metadata_brokers.clone();
        brokers.sort_unstable();
        if (brokers.len() as u32) < rf {
            let text = format!(
                "cannot create {OFFSETS_TOPIC}: offsets.topic.replication.factor={rf} but only {} broker(s) alive (COORDINATOR_NOT_AVAILABLE until enough are)",
                brokers.len()
            );
            self.note_limited(
                &TopicPartition::new(OFFSETS_TOPIC, -1),
                "rf",
                NoteKind::Group,
                text,
                out,
            );
            return;
        }
        let partitions = self.cfg.offsets_topic_num_partitions;
        let start = (self.now as usize) % brokers.len().max(1);
        let Ok(replicas) =
            super::assignment::kafka_assignment_fixed(&brokers, partitions, rf, start, start)
        else {
            return;
        };
        let assignment: BTreeMap<i32, Vec<i32>> = replicas
            .into_iter()
            .enumerate()
            .map(|(p, r)| (p as i32, r))
            .collect();
        let overrides: BTreeMap<String, String> = [
            ("cleanup.policy", "compact".to_string()),
            (
                "segment.bytes",
                self.cfg.offsets_topic_segment_bytes.to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        self.coord.creating_topic = true;
        self.zk_request(
            ZkOp::Create {
                path: format!("/config/topics/{OFFSETS_TOPIC}"),
                data: config_json(&overrides),
                ephemeral: false,
            },
            ZkPurpose::CreateOffsetsTopic,
            out,
        );
        self.zk_request(
            ZkOp::Create {
                path: format!("/brokers/topics/{OFFSETS_TOPIC}"),
                data: assignment_json(&assignment),
                ephemeral: false,
            },
            ZkPurpose::CreateOffsetsTopic,
            out,
        );
    }

    /// A create of the internal topic's znodes came back: the assignment
    /// znode's success means this broker created the topic.
    pub(in crate::broker) fn offsets_topic_created(
        &mut self,
        result: &crate::protocol::ZkResult,
        out: &mut Out,
    ) {
        self.coord.creating_topic = false;
        if let Ok(crate::protocol::ZkReply::Created(path)) = result {
            if path.starts_with("/brokers/topics/") {
                out.note(
                    NoteKind::Group,
                    format!(
                        "first FindCoordinator: created the internal topic {OFFSETS_TOPIC} ({} partitions x {} replicas, cleanup.policy=compact)",
                        self.cfg.offsets_topic_num_partitions, self.cfg.offsets_topic_replication_factor
                    ),
                );
            }
        }
    }

    /// This broker became (or stays) leader of `tp` in `epoch`: if it is an
    /// offsets partition, start loading it.
    pub(in crate::broker) fn coordinator_elected(
        &mut self,
        tp: &TopicPartition,
        epoch: i32,
        out: &mut Out,
    ) {
        if tp.topic != OFFSETS_TOPIC {
            return;
        }
        if let Some(LoadState::Loaded { epoch: e } | LoadState::Loading { epoch: e, .. }) =
            self.coord.partitions.get(&tp.partition)
        {
            if *e == epoch {
                return;
            }
        }
        let size = self.disk.logs.get(tp).map_or(0, |l| l.size_bytes());
        let took = LOAD_BASE_MS + (size / LOAD_BYTES_PER_MS) as Tick;
        self.coord.partitions.insert(
            tp.partition,
            LoadState::Loading {
                epoch,
                since: self.now,
            },
        );
        out.timer(
            self.now + took,
            BrokerTimer::OffsetsLoaded {
                partition: tp.partition,
                epoch,
            },
        );
    }

    /// This broker stopped leading `tp`: its groups move to the new leader.
    pub(in crate::broker) fn coordinator_resigned(&mut self, tp: &TopicPartition, out: &mut Out) {
        if tp.topic != OFFSETS_TOPIC || self.coord.partitions.remove(&tp.partition).is_none() {
            return;
        }
        let gone: Vec<String> = self
            .coord
            .groups
            .values()
            .filter(|g| g.partition == tp.partition)
            .map(|g| g.group_id.clone())
            .collect();
        for id in gone {
            let mut g = self.coord.groups.remove(&id).expect("listed");
            g.state = GroupState::Dead;
            for m in g.members.values_mut() {
                self.answer_pending(m, KafkaError::NotCoordinator, out);
            }
            out.note(
                NoteKind::Group,
                format!("no longer coordinator of group {id}: {tp} moved away"),
            );
        }
    }

    pub(in crate::broker) fn offsets_loaded(&mut self, partition: i32, epoch: i32, out: &mut Out) {
        let Some(LoadState::Loading { epoch: e, since }) =
            self.coord.partitions.get(&partition).copied()
        else {
            return;
        };
        if e != epoch {
            return;
        }
        let tp = TopicPartition::new(OFFSETS_TOPIC, partition);
        let mut loaded: BTreeMap<String, Group> = BTreeMap::new();
        let mut offsets = 0usize;
        if let Some(log) = self.disk.logs.get(&tp) {
            for r in log.records() {
                let Some(key) = r.key.as_deref() else {
                    continue;
                };
                match records::decode(key, r.value.as_deref()) {
                    Some(records::OffsetsRecord::Offset { group, tp, offset }) => {
                        let g = loaded
                            .entry(group.clone())
                            .or_insert_with(|| Group::new(&group, partition));
                        match offset {
                            Some(o) => g.offsets.insert(tp, o),
                            None => g.offsets.remove(&tp),
                        };
                    }
                    Some(records::OffsetsRecord::Group { group, value }) => {
                        let g = loaded
                            .entry(group.clone())
                            .or_insert_with(|| Group::new(&group, partition));
                        self.restore_group(g, value);
                    }
                    None => {}
                }
            }
        }
        let groups = loaded.len();
        for (id, g) in loaded {
            offsets += g.offsets.len();
            self.coord.groups.insert(id, g);
        }
        self.coord
            .partitions
            .insert(partition, LoadState::Loaded { epoch });
        if groups > 0 {
            out.note(
            NoteKind::Group,
            format!(
                "coordinator for {tp}: loaded {groups} group(s) and {offsets} committed offset(s) in {} ms",
                self.now - since
            ),
        );
        }
        self.schedule_group_timer(out);
    }

    /// Appends `records` (key, value or tombstone) to the group's offsets
    /// partition as its leader; `kind` is settled when the high watermark
    /// passes them.
    pub(in crate::broker) fn append_offsets(
        &mut self,
        partition: i32,
        records: Vec<(Vec<u8>, Option<Vec<u8>>)>,
        kind: WriteKind,
        out: &mut Out,
    ) -> Result<(), KafkaError> {
        let tp = TopicPartition::new(OFFSETS_TOPIC, partition);
        if let Some(e) = self.leader_error(&tp, -1) {
            return Err(e);
        }
        let r = &self.replicas[&tp];
        if (r.isr.len() as u32) < r.cfg.min_insync_replicas {
            return Err(KafkaError::NotEnoughReplicas);
        }
        let epoch = r.leader_epoch;
        let now = self.now as i64;
        let recs: Vec<Record> = records
            .iter()
            .enumerate()
            .map(|(i, (k, v))| Record::new(i as i64, now, Some(k), v.as_deref()))
            .collect();
        let bytes = encode_batch(&recs, epoch);
        let log = self.disk.logs.get_mut(&tp).expect("a replica has a log");
        let info = log
            .append_as_leader(self.now, &bytes, epoch)
            .map_err(|e| KafkaError::from(&e))?;
        let key = self.next_correlation;
        self.next_correlation += 1;
        self.coord.writes.insert(
            key,
            PendingWrite {
                tp: tp.clone(),
                last_offset: info.last_offset,
                kind,
            },
        );
        out.timer(
            self.now + self.cfg.offsets_commit_timeout_ms,
            BrokerTimer::OffsetWriteTimeout { key },
        );
        self.maybe_advance_hw(&tp, out);
        self.wake_parked_fetches(std::slice::from_ref(&tp), out);
        Ok(())
    }

    /// Settles appends on `tp` the high watermark passed (or all of them
    /// with `fail`).
    pub(in crate::broker) fn settle_offset_writes(
        &mut self,
        tp: &TopicPartition,
        fail: Option<KafkaError>,
        out: &mut Out,
    ) {
        if tp.topic != OFFSETS_TOPIC || self.coord.writes.is_empty() {
            return;
        }
        let hw = self.replicas.get(tp).map_or(-1, |r| r.hw);
        let done: Vec<u64> = self
            .coord
            .writes
            .iter()
            .filter(|(_, w)| &w.tp == tp && (fail.is_some() || hw > w.last_offset))
            .map(|(k, _)| *k)
            .collect();
        for key in done {
            let w = self.coord.writes.remove(&key).expect("listed");
            self.write_done(w.kind, fail.map_or(Ok(()), Err), out);
        }
    }

    pub(in crate::broker) fn offset_write_timeout(&mut self, key: u64, out: &mut Out) {
        if let Some(w) = self.coord.writes.remove(&key) {
            self.write_done(w.kind, Err(KafkaError::RequestTimedOut), out);
        }
    }

    fn write_done(&mut self, kind: WriteKind, result: Result<(), KafkaError>, out: &mut Out) {
        match kind {
            WriteKind::Commit {
                from,
                correlation_id,
                group,
                offsets,
            } => self.commit_done(from, correlation_id, &group, offsets, result, out),
            WriteKind::Assignment {
                group,
                generation,
                assignments,
            } => self.assignment_stored(&group, generation, assignments, result, out),
            WriteKind::Empty => {}
        }
    }

    /// Sets a timer for the earliest group deadline, unless one is set sooner.
    pub(in crate::broker) fn schedule_group_timer(&mut self, out: &mut Out) {
        let next = self
            .coord
            .groups
            .values()
            .filter_map(Group::next_deadline)
            .min();
        if let Some(at) = next {
            let at = at.max(self.now + 1);
            if self.coord.timer_at.is_none_or(|t| at < t) {
                self.coord.timer_at = Some(at);
                out.timer(at, BrokerTimer::GroupDeadlines);
            }
        }
    }

    pub(in crate::broker) fn group_deadlines(&mut self, out: &mut Out) {
        if self.coord.timer_at.is_some_and(|t| t > self.now) {
            return;
        }
        self.coord.timer_at = None;
        let ids: Vec<String> = self.coord.groups.keys().cloned().collect();
        for id in ids {
            self.group_due(&id, out);
        }
        self.schedule_group_timer(out);
    }

    pub(in crate::broker) fn new_member_id(&mut self, client_id: &str) -> String {
        self.coord.next_member += 1;
        let n = self.coord.next_member;
        let mix = (n ^ (u64::from(self.id as u32) << 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        format!(
            "{client_id}-{:08x}-{:04x}-{:04x}",
            (mix >> 32) as u32,
            (mix >> 16) as u16,
            mix as u16
        )
    }
}

#[cfg(test)]
mod tests;
