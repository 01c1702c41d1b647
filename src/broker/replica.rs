//! The replica manager, leader side (Kafka's `ReplicaManager` and
//! `Partition`): it applies `LeaderAndIsr`, appends producer batches as the
//! leader, serves follower fetches, tracks each follower's log end offset,
//! moves the high watermark to the smallest LEO in the ISR, completes
//! acks=all produces once the high watermark passes them, and changes the
//! ISR in the partition's state znode (then notifies the controller through
//! `/isr_change_notification`): a follower that has not caught up for
//! `replica.lag.time.max.ms` leaves, one that reached the high watermark
//! rejoins.
//!
//! Invariants: the high watermark never goes down while a broker leads;
//! acks=all is answered only once every ISR member has the batch (or with
//! an error); a leader only answers for the leader epoch it holds.

use super::{Broker, BrokerTimer, Out};
use crate::log::Log;
use crate::protocol::kafka::{
    EpochEnd, Fetch, FetchResponse, FetchedPartition, LeaderAndIsr, MetadataResponse,
    OffsetsForLeaderEpoch, OffsetsForLeaderEpochResponse,
};
use crate::protocol::{KafkaError, Message};
use crate::sim::{Mutation, NodeId, NoteKind, Tick};
use crate::topic::{TopicConfig, TopicPartition, NO_LEADER};
use std::collections::{BTreeMap, BTreeSet};

/// What a broker keeps across a crash: its logs and the last high
/// watermark checkpoint (`replication-offset-checkpoint`).
#[derive(Clone, Debug, Default)]
pub struct Disk {
    /// Every partition log on this broker.
    pub logs: BTreeMap<TopicPartition, Log>,
    /// High watermarks as last checkpointed.
    pub hw_checkpoint: BTreeMap<TopicPartition, i64>,
}

impl Disk {
    /// The high watermark a replica of `tp` starts from after a restart: the
    /// checkpointed one (0 if none was written), never past its log end.
    pub fn restart_hw(&self, tp: &TopicPartition) -> i64 {
        let leo = self.logs.get(tp).map_or(0, Log::log_end_offset);
        self.checkpointed_hw(tp).min(leo)
    }

    /// The high watermark last checkpointed for `tp` (0 if none was written).
    pub fn checkpointed_hw(&self, tp: &TopicPartition) -> i64 {
        self.hw_checkpoint.get(tp).copied().unwrap_or(0)
    }
}

/// The leader's view of one follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowerView {
    /// The follower's LEO as its last fetch offset said (-1: not heard yet).
    pub leo: i64,
    /// Last time the follower was caught up with the leader.
    pub last_caught_up: Tick,
    last_fetch_leader_leo: i64,
    last_fetch_time: Tick,
}

/// What a follower replica is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Not following (this broker leads, or the partition has no leader).
    Idle,
    /// Waiting for the leader's `OffsetsForLeaderEpoch` answer to truncate.
    Truncating,
    /// Fetching from the leader.
    Fetching,
}

/// A partition replica hosted by this broker.
#[derive(Clone, Debug)]
pub struct Replica {
    /// Leader, or -1.
    pub leader: i32,
    /// Leader epoch.
    pub leader_epoch: i32,
    /// In-sync replicas as this broker knows them.
    pub isr: Vec<i32>,
    /// Assigned replicas.
    pub replicas: Vec<i32>,
    /// State znode version this broker's ISR is based on.
    pub zk_version: i32,
    /// Controller epoch of the `LeaderAndIsr` that set this state.
    pub controller_epoch: i32,
    /// High watermark.
    pub hw: i64,
    /// Topic configuration.
    pub cfg: TopicConfig,
    /// The leader's view of the followers.
    pub followers: BTreeMap<i32, FollowerView>,
    /// An ISR change written to ZooKeeper and not confirmed yet.
    pub pending_isr: Option<Vec<i32>>,
    /// Follower activity.
    pub follow: Follow,
}

impl Replica {
    /// The ISR the high watermark must respect: the current one plus any
    /// proposed members not yet written.
    pub(super) fn maximal_isr(&self) -> Vec<i32> {
        let mut all: BTreeSet<i32> = self.isr.iter().copied().collect();
        if let Some(p) = &self.pending_isr {
            all.extend(p.iter().copied());
        }
        all.into_iter().collect()
    }
}

/// A follower fetch held until data arrives or `max_wait_ms` passes.
#[derive(Clone, Debug)]
pub(super) struct ParkedFetch {
    from: NodeId,
    pub(super) request: Fetch,
}

impl Broker {
    /// Partition replicas this broker hosts.
    pub fn replicas(&self) -> &BTreeMap<TopicPartition, Replica> {
        &self.replicas
    }

    /// This broker's logs.
    pub fn disk(&self) -> &Disk {
        &self.disk
    }

    /// Partitions this broker started leading (with the leader epoch)
    /// since the last call.
    pub fn take_became_leader(&mut self) -> Vec<(TopicPartition, i32)> {
        std::mem::take(&mut self.became_leader)
    }

    /// Hands the disk over (the process is going away).
    pub fn take_disk(&mut self) -> Disk {
        self.checkpoint_hw();
        std::mem::take(&mut self.disk)
    }

    pub(super) fn checkpoint_hw(&mut self) {
        for (tp, r) in &self.replicas {
            self.disk.hw_checkpoint.insert(tp.clone(), r.hw);
        }
    }

    /// Notes at most once a second per partition and kind, so a retrying
    /// producer does not flood the event log.
    pub(super) fn note_limited(
        &mut self,
        tp: &TopicPartition,
        what: &'static str,
        kind: NoteKind,
        text: String,
        out: &mut Out,
    ) {
        let key = (tp.clone(), what);
        if self.noted.get(&key).is_some_and(|t| self.now < t + 1_000) {
            return;
        }
        self.noted.insert(key, self.now);
        out.note(kind, text);
    }

    pub(super) fn on_leader_and_isr(&mut self, from: NodeId, req: LeaderAndIsr, out: &mut Out) {
        let error = if req.controller_epoch < self.controller_epoch {
            out.note(
                NoteKind::Fence,
                format!(
                    "refused LeaderAndIsr from broker {}: controller epoch {} is older than {} (STALE_CONTROLLER_EPOCH)",
                    req.controller_id, req.controller_epoch, self.controller_epoch
                ),
            );
            KafkaError::StaleControllerEpoch
        } else {
            self.controller_epoch = req.controller_epoch;
            self.controller_id = Some(req.controller_id);
            for ps in req.partitions {
                if !ps.replicas.contains(&self.id) {
                    continue;
                }
                let cfg = req.configs.get(&ps.tp.topic).cloned().unwrap_or_default();
                self.apply_partition_state(ps, cfg, out);
            }
            KafkaError::None
        };
        if from != NodeId::Broker(self.id) {
            out.send(
                from,
                Message::LeaderAndIsrResponse {
                    correlation_id: req.correlation_id,
                    error,
                },
            );
        }
        self.start_truncations(out);
        self.pump_fetchers(out);
    }

    pub(super) fn apply_partition_state(
        &mut self,
        ps: crate::topic::PartitionState,
        cfg: TopicConfig,
        out: &mut Out,
    ) {
        let now = self.now;
        if let Some(r) = self.replicas.get(&ps.tp) {
            if r.leader_epoch >= ps.leader_epoch {
                return;
            }
        }
        let tp = ps.tp.clone();
        let was_leader = self.replicas.get(&tp).is_some_and(|r| r.leader == self.id);
        if was_leader && ps.leader != self.id {
            self.fail_delayed(&tp, KafkaError::NotLeaderOrFollower, out);
        }
        let hw = self
            .replicas
            .get(&tp)
            .map_or_else(|| self.disk.checkpointed_hw(&tp), |r| r.hw);
        let log = self
            .disk
            .logs
            .entry(tp.clone())
            .or_insert_with(|| Log::new(cfg.log.clone(), now));
        let leo = log.log_end_offset();
        let hw = hw.min(leo);
        let old_followers = self
            .replicas
            .get(&tp)
            .map(|r| r.followers.clone())
            .unwrap_or_default();
        let mut r = Replica {
            leader: ps.leader,
            leader_epoch: ps.leader_epoch,
            isr: ps.isr.clone(),
            replicas: ps.replicas.clone(),
            zk_version: ps.zk_version,
            controller_epoch: self.controller_epoch,
            hw,
            cfg,
            followers: BTreeMap::new(),
            pending_isr: None,
            follow: Follow::Idle,
        };
        if ps.leader == self.id {
            log.assign_leader_epoch(ps.leader_epoch);
            self.became_leader.push((tp.clone(), ps.leader_epoch));
            for b in ps.replicas.iter().filter(|b| **b != self.id) {
                let keep = old_followers.get(b).filter(|_| was_leader).copied();
                r.followers.insert(
                    *b,
                    keep.unwrap_or(FollowerView {
                        leo: -1,
                        last_caught_up: now,
                        last_fetch_leader_leo: -1,
                        last_fetch_time: now,
                    }),
                );
            }
            if !was_leader && tp.topic != super::OFFSETS_TOPIC {
                out.note(
                    NoteKind::Replication,
                    format!(
                        "became leader of {tp} (leader epoch {}, ISR {:?}, log end offset {leo}, high watermark {hw})",
                        ps.leader_epoch, ps.isr
                    ),
                );
            }
            self.replicas.insert(tp.clone(), r);
            self.maybe_advance_hw(&tp, out);
            self.coordinator_elected(&tp, ps.leader_epoch, out);
            return;
        }
        if ps.leader == NO_LEADER {
            out.note(
                NoteKind::Replication,
                format!("{tp} has no leader (offline): waiting for an ISR replica to return"),
            );
        } else if self.cfg.legacy_truncate_to_hw {
            if leo > hw {
                out.note(
                    NoteKind::Truncate,
                    format!(
                        "following broker {} for {tp}: truncated its log from {leo} to its high watermark {hw} (pre-KIP-101 rule)",
                        ps.leader
                    ),
                );
                log.truncate_to(now, hw);
            }
            r.follow = Follow::Fetching;
        } else if log.leader_epochs().latest_epoch().is_some() {
            r.follow = Follow::Truncating;
        } else {
            r.follow = Follow::Fetching;
        }
        if ps.leader != NO_LEADER
            && tp.topic != super::OFFSETS_TOPIC
            && self.replicas.get(&tp).map(|o| o.leader) != Some(ps.leader)
        {
            out.note(
                NoteKind::Replication,
                format!(
                    "following broker {} for {tp} (leader epoch {})",
                    ps.leader, ps.leader_epoch
                ),
            );
        }
        self.replicas.insert(tp, r);
    }

    pub(super) fn on_stop_replica(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        controller_epoch: i32,
        partitions: Vec<TopicPartition>,
        delete: bool,
        out: &mut Out,
    ) {
        let error = if controller_epoch < self.controller_epoch {
            KafkaError::StaleControllerEpoch
        } else {
            for tp in partitions {
                if self.replicas.remove(&tp).is_some() {
                    self.fail_delayed(&tp, KafkaError::NotLeaderOrFollower, out);
                }
                if delete && self.disk.logs.remove(&tp).is_some() {
                    self.disk.hw_checkpoint.remove(&tp);
                    out.note(
                        NoteKind::Replication,
                        format!("deleted replica {tp} and its log (topic deleted)"),
                    );
                }
            }
            KafkaError::None
        };
        if from != NodeId::Broker(self.id) {
            out.send(
                from,
                Message::StopReplicaResponse {
                    correlation_id,
                    error,
                },
            );
        }
    }

    /// Leader check for a request naming `epoch` (-1: no epoch given).
    pub(super) fn leader_error(&self, tp: &TopicPartition, epoch: i32) -> Option<KafkaError> {
        let Some(r) = self.replicas.get(tp) else {
            return Some(KafkaError::NotLeaderOrFollower);
        };
        if epoch >= 0 && epoch < r.leader_epoch {
            return Some(KafkaError::FencedLeaderEpoch);
        }
        if epoch > r.leader_epoch {
            return Some(KafkaError::UnknownLeaderEpoch);
        }
        (r.leader != self.id).then_some(KafkaError::NotLeaderOrFollower)
    }

    /// Moves the leader's high watermark to the smallest LEO in the ISR.
    pub(super) fn maybe_advance_hw(&mut self, tp: &TopicPartition, out: &mut Out) {
        let Some(r) = self.replicas.get(tp) else {
            return;
        };
        if r.leader != self.id {
            return;
        }
        let leo = self.disk.logs[tp].log_end_offset();
        let mut low = leo;
        let isr = if self.planted(Mutation::HwWithoutIsr) {
            Vec::new()
        } else {
            r.maximal_isr()
        };
        for b in isr {
            if b == self.id {
                continue;
            }
            match r.followers.get(&b) {
                Some(f) if f.leo >= 0 => low = low.min(f.leo),
                _ => return,
            }
        }
        if low > r.hw {
            self.replicas.get_mut(tp).expect("present").hw = low;
            self.settle_delayed(tp, None, out);
            self.wake_consumer_fetches(tp, out);
        }
    }

    pub(super) fn on_fetch(&mut self, from: NodeId, req: Fetch, out: &mut Out) {
        let now = self.now;
        let mut any_data = false;
        let mut any_error = false;
        for p in &req.partitions {
            if self.leader_error(&p.tp, p.current_leader_epoch).is_some() {
                any_error = true;
                continue;
            }
            let leo = self.disk.logs[&p.tp].log_end_offset();
            let start = self.disk.logs[&p.tp].log_start_offset();
            if p.fetch_offset > leo || p.fetch_offset < start {
                any_error = true;
                continue;
            }
            let visible = if req.replica_id < 0 && !self.planted(Mutation::ConsumerReadsPastHw) {
                self.replicas[&p.tp].hw
            } else {
                leo
            };
            if p.fetch_offset < visible {
                any_data = true;
            }
            let r = self.replicas.get_mut(&p.tp).expect("checked");
            if let Some(f) = r.followers.get_mut(&req.replica_id) {
                if p.fetch_offset >= leo {
                    f.last_caught_up = now;
                } else if p.fetch_offset >= f.last_fetch_leader_leo {
                    f.last_caught_up = f.last_caught_up.max(f.last_fetch_time);
                }
                f.leo = p.fetch_offset;
                f.last_fetch_leader_leo = leo;
                f.last_fetch_time = now;
            }
            self.maybe_expand_isr(&p.tp, req.replica_id, out);
            self.maybe_advance_hw(&p.tp, out);
        }
        if any_data || any_error || req.max_wait_ms == 0 {
            self.answer_fetch(from, &req, out);
            return;
        }
        let key = self.next_correlation;
        self.next_correlation += 1;
        out.timer(now + req.max_wait_ms, BrokerTimer::FetchWait { key });
        self.parked_fetches
            .insert(key, ParkedFetch { from, request: req });
    }

    pub(super) fn answer_fetch(&self, from: NodeId, req: &Fetch, out: &mut Out) {
        let partitions = req
            .partitions
            .iter()
            .map(|p| {
                let mut fp = FetchedPartition {
                    tp: p.tp.clone(),
                    error: KafkaError::None,
                    high_watermark: -1,
                    log_start_offset: -1,
                    records: Vec::new(),
                };
                if let Some(e) = self.leader_error(&p.tp, p.current_leader_epoch) {
                    fp.error = e;
                    return fp;
                }
                let log = &self.disk.logs[&p.tp];
                fp.high_watermark = self.replicas[&p.tp].hw;
                fp.log_start_offset = log.log_start_offset();
                match log.read(p.fetch_offset, req.max_bytes) {
                    Ok(bytes)
                        if req.replica_id < 0 && !self.planted(Mutation::ConsumerReadsPastHw) =>
                    {
                        fp.records = below(bytes, fp.high_watermark).to_vec()
                    }
                    Ok(bytes) => fp.records = bytes.to_vec(),
                    Err(e) => fp.error = KafkaError::from(&e),
                }
                fp
            })
            .collect();
        out.send(
            from,
            Message::FetchResponse(FetchResponse {
                correlation_id: req.correlation_id,
                consumer: req.replica_id < 0,
                partitions,
            }),
        );
    }

    pub(super) fn answer_parked(&mut self, key: u64, out: &mut Out) {
        if let Some(p) = self.parked_fetches.remove(&key) {
            self.answer_fetch(p.from, &p.request, out);
        }
    }

    pub(super) fn wake_parked_fetches(&mut self, appended: &[TopicPartition], out: &mut Out) {
        if appended.is_empty() {
            return;
        }
        let keys: Vec<u64> = self
            .parked_fetches
            .iter()
            .filter(|(_, p)| {
                p.request.replica_id >= 0
                    && p.request
                        .partitions
                        .iter()
                        .any(|f| appended.contains(&f.tp))
            })
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.answer_parked(key, out);
        }
    }

    /// Answers held consumer fetches on `tp`: its high watermark moved.
    fn wake_consumer_fetches(&mut self, tp: &TopicPartition, out: &mut Out) {
        let keys: Vec<u64> = self
            .parked_fetches
            .iter()
            .filter(|(_, p)| {
                p.request.replica_id < 0 && p.request.partitions.iter().any(|f| &f.tp == tp)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.answer_parked(key, out);
        }
    }

    pub(super) fn on_epoch_query(&self, from: NodeId, req: OffsetsForLeaderEpoch, out: &mut Out) {
        let partitions = req
            .partitions
            .into_iter()
            .map(|q| {
                let (error, (leader_epoch, end_offset)) =
                    match self.leader_error(&q.tp, q.current_leader_epoch) {
                        Some(e) => (e, (-1, -1)),
                        None => (
                            KafkaError::None,
                            self.disk.logs[&q.tp].end_offset_for_epoch(q.leader_epoch),
                        ),
                    };
                EpochEnd {
                    tp: q.tp,
                    error,
                    leader_epoch,
                    end_offset,
                }
            })
            .collect();
        out.send(
            from,
            Message::OffsetsForLeaderEpochResponse(OffsetsForLeaderEpochResponse {
                correlation_id: req.correlation_id,
                partitions,
            }),
        );
    }

    pub(super) fn on_metadata_request(
        &self,
        from: NodeId,
        correlation_id: u64,
        topics: Vec<String>,
        out: &mut Out,
    ) {
        let partitions = self
            .metadata_partitions
            .values()
            .filter(|p| topics.is_empty() || topics.contains(&p.tp.topic))
            .cloned()
            .collect::<Vec<_>>();
        let unknown_topics = topics
            .into_iter()
            .filter(|t| !partitions.iter().any(|p| &p.tp.topic == t))
            .collect();
        out.send(
            from,
            Message::MetadataResponse(MetadataResponse {
                correlation_id,
                brokers: self.metadata_brokers.clone(),
                controller_id: self.controller_id,
                partitions,
                unknown_topics,
            }),
        );
    }
}

/// The whole batches of `bytes` that end below `high_watermark` (what a
/// consumer may see).
fn below(bytes: &[u8], high_watermark: i64) -> &[u8] {
    let mut end = 0;
    while let Some(info) = bytes.get(end..).and_then(crate::log::peek) {
        if info.base_offset + i64::from(info.last_offset_delta) >= high_watermark {
            break;
        }
        end += info.size;
    }
    &bytes[..end]
}
