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

use super::{Broker, BrokerTimer, Out, ZkPurpose};
use crate::log::Log;
use crate::protocol::kafka::{
    EpochEnd, Fetch, FetchResponse, FetchedPartition, LeaderAndIsr, MetadataResponse,
    OffsetsForLeaderEpoch, OffsetsForLeaderEpochResponse, Produce, ProducePartitionResponse,
    ProduceResponse,
};
use crate::protocol::{KafkaError, Message, ZkOp, ZkReply, ZkResult};
use crate::sim::{NodeId, NoteKind, Tick};
use crate::topic::{LeaderIsr, TopicConfig, TopicPartition, NO_LEADER};
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
    fn maximal_isr(&self) -> Vec<i32> {
        let mut all: BTreeSet<i32> = self.isr.iter().copied().collect();
        if let Some(p) = &self.pending_isr {
            all.extend(p.iter().copied());
        }
        all.into_iter().collect()
    }
}

/// An acks=all produce waiting for the high watermark.
#[derive(Clone, Debug)]
pub(super) struct DelayedProduce {
    from: NodeId,
    correlation_id: u64,
    /// Per partition: last offset needed, and the answer once decided.
    parts: Vec<(TopicPartition, i64, i64, Option<KafkaError>)>,
}

/// A follower fetch held until data arrives or `max_wait_ms` passes.
#[derive(Clone, Debug)]
pub(super) struct ParkedFetch {
    from: NodeId,
    request: Fetch,
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

    fn apply_partition_state(
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
        let log = self
            .disk
            .logs
            .entry(tp.clone())
            .or_insert_with(|| Log::new(cfg.log.clone(), now));
        let leo = log.log_end_offset();
        let hw = self
            .replicas
            .get(&tp)
            .map(|r| r.hw)
            .or_else(|| self.disk.hw_checkpoint.get(&tp).copied())
            .unwrap_or(0)
            .min(leo);
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
            if !was_leader {
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
        if ps.leader != NO_LEADER && self.replicas.get(&tp).map(|o| o.leader) != Some(ps.leader) {
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
    fn leader_error(&self, tp: &TopicPartition, epoch: i32) -> Option<KafkaError> {
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

    pub(super) fn on_produce(&mut self, from: NodeId, req: Produce, out: &mut Out) {
        let now = self.now;
        let mut answers = Vec::with_capacity(req.partitions.len());
        let mut appended = Vec::new();
        for (tp, batch) in req.partitions {
            let result = match self.leader_error(&tp, -1) {
                Some(e) => Err(e),
                None => {
                    let r = &self.replicas[&tp];
                    if req.acks == -1 && (r.isr.len() as u32) < r.cfg.min_insync_replicas {
                        let text = format!(
                            "refused a produce to {tp}: ISR {:?} is smaller than min.insync.replicas={} (NOT_ENOUGH_REPLICAS)",
                            r.isr, r.cfg.min_insync_replicas
                        );
                        self.note_limited(&tp, "ner", NoteKind::Replication, text, out);
                        Err(KafkaError::NotEnoughReplicas)
                    } else {
                        let epoch = r.leader_epoch;
                        let log = self.disk.logs.get_mut(&tp).expect("a replica has a log");
                        log.append_as_leader(now, &batch.bytes, epoch)
                            .map(|info| (info.first_offset, info.last_offset))
                            .map_err(|e| KafkaError::from(&e))
                    }
                }
            };
            match result {
                Ok((first, last)) => {
                    appended.push(tp.clone());
                    answers.push((tp, first, last, None));
                }
                Err(e) => answers.push((tp, -1, -1, Some(e))),
            }
        }
        for tp in &appended {
            self.maybe_advance_hw(tp, out);
        }
        self.wake_parked_fetches(&appended, out);
        if req.acks == 0 {
            return;
        }
        let mut delayed = DelayedProduce {
            from,
            correlation_id: req.correlation_id,
            parts: answers,
        };
        for (tp, _, last, result) in &mut delayed.parts {
            if result.is_none() && (req.acks == 1 || self.replicas[tp].hw > *last) {
                *result = Some(KafkaError::None);
            }
        }
        if delayed.parts.iter().all(|p| p.3.is_some()) {
            Self::answer_produce(delayed, out);
            return;
        }
        let key = self.next_correlation;
        self.next_correlation += 1;
        self.delayed_produce.insert(key, delayed);
        out.timer(now + req.timeout_ms, BrokerTimer::ProduceTimeout { key });
    }

    fn answer_produce(d: DelayedProduce, out: &mut Out) {
        let partitions = d
            .parts
            .into_iter()
            .map(|(tp, first, _, e)| {
                let error = e.unwrap_or(KafkaError::RequestTimedOut);
                ProducePartitionResponse {
                    tp,
                    error,
                    base_offset: if error == KafkaError::None { first } else { -1 },
                }
            })
            .collect();
        out.send(
            d.from,
            Message::ProduceResponse(ProduceResponse {
                correlation_id: d.correlation_id,
                partitions,
            }),
        );
    }

    pub(super) fn produce_timeout(&mut self, key: u64, out: &mut Out) {
        if let Some(d) = self.delayed_produce.remove(&key) {
            for (tp, _, _, e) in &d.parts {
                if e.is_none() {
                    let text = format!("acks=all produce to {tp} timed out waiting for the ISR (REQUEST_TIMED_OUT)");
                    self.note_limited(tp, "timeout", NoteKind::Replication, text, out);
                }
            }
            Self::answer_produce(d, out);
        }
    }

    /// Decides delayed produces on `tp` now that its high watermark moved
    /// (or its leadership ended with `fail`).
    fn settle_delayed(&mut self, tp: &TopicPartition, fail: Option<KafkaError>, out: &mut Out) {
        let (hw, isr, min_isr) = match self.replicas.get(tp) {
            Some(r) => (r.hw, r.isr.len() as u32, r.cfg.min_insync_replicas),
            None => (-1, 0, 1),
        };
        let mut done = Vec::new();
        for (key, d) in self.delayed_produce.iter_mut() {
            for (p, _, last, result) in d.parts.iter_mut() {
                if p != tp || result.is_some() {
                    continue;
                }
                if let Some(e) = fail {
                    *result = Some(e);
                } else if hw > *last {
                    *result = Some(if isr >= min_isr {
                        KafkaError::None
                    } else {
                        KafkaError::NotEnoughReplicasAfterAppend
                    });
                }
            }
            if d.parts.iter().all(|p| p.3.is_some()) {
                done.push(*key);
            }
        }
        for key in done {
            let d = self.delayed_produce.remove(&key).expect("listed");
            Self::answer_produce(d, out);
        }
    }

    fn fail_delayed(&mut self, tp: &TopicPartition, error: KafkaError, out: &mut Out) {
        self.settle_delayed(tp, Some(error), out);
        let keys: Vec<u64> = self
            .parked_fetches
            .iter()
            .filter(|(_, p)| p.request.partitions.iter().any(|f| &f.tp == tp))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.answer_parked(key, out);
        }
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
        for b in r.maximal_isr() {
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
            if p.fetch_offset < leo {
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

    fn answer_fetch(&self, from: NodeId, req: &Fetch, out: &mut Out) {
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
                partitions,
            }),
        );
    }

    pub(super) fn answer_parked(&mut self, key: u64, out: &mut Out) {
        if let Some(p) = self.parked_fetches.remove(&key) {
            self.answer_fetch(p.from, &p.request, out);
        }
    }

    fn wake_parked_fetches(&mut self, appended: &[TopicPartition], out: &mut Out) {
        if appended.is_empty() {
            return;
        }
        let keys: Vec<u64> = self
            .parked_fetches
            .iter()
            .filter(|(_, p)| {
                p.request
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

    fn maybe_expand_isr(&mut self, tp: &TopicPartition, follower: i32, out: &mut Out) {
        let Some(r) = self.replicas.get(tp) else {
            return;
        };
        if r.isr.contains(&follower) || r.pending_isr.is_some() {
            return;
        }
        let Some(f) = r.followers.get(&follower) else {
            return;
        };
        let epoch_start = self.disk.logs[tp]
            .leader_epochs()
            .entries()
            .iter()
            .find(|(e, _)| *e == r.leader_epoch)
            .map_or(0, |(_, o)| *o);
        if f.leo >= r.hw && f.leo >= epoch_start {
            let mut isr = r.isr.clone();
            isr.push(follower);
            out.note(
                NoteKind::Replication,
                format!(
                    "broker {follower} caught up on {tp} (LEO {} >= high watermark {}): adding it to the ISR",
                    f.leo, r.hw
                ),
            );
            self.propose_isr(tp, isr, out);
        }
    }

    /// ISR expiration: followers that have not caught up within
    /// `replica.lag.time.max.ms` leave the ISR.
    pub(super) fn isr_check(&mut self, out: &mut Out) {
        let now = self.now;
        let lag_max = self.cfg.replica_lag_time_max_ms;
        let mut shrinks = Vec::new();
        for (tp, r) in &self.replicas {
            if r.leader != self.id || r.pending_isr.is_some() {
                continue;
            }
            let slow: Vec<i32> = r
                .isr
                .iter()
                .copied()
                .filter(|b| *b != self.id)
                .filter(|b| {
                    r.followers
                        .get(b)
                        .is_none_or(|f| now.saturating_sub(f.last_caught_up) > lag_max)
                })
                .collect();
            if !slow.is_empty() {
                let isr: Vec<i32> = r
                    .isr
                    .iter()
                    .copied()
                    .filter(|b| !slow.contains(b))
                    .collect();
                shrinks.push((tp.clone(), slow, isr));
            }
        }
        for (tp, slow, isr) in shrinks {
            out.note(
                NoteKind::Replication,
                format!(
                    "ISR shrink on {tp}: broker(s) {slow:?} not caught up for more than replica.lag.time.max.ms ({lag_max} ms); proposing ISR {isr:?}"
                ),
            );
            self.propose_isr(&tp, isr, out);
        }
    }

    /// Writes a new ISR to the partition's state znode, guarded by the
    /// znode version this leader knows (Kafka's ZooKeeper-mode
    /// `Partition.updateIsr`), then tells the controller through an
    /// `/isr_change_notification` sequential znode.
    fn propose_isr(&mut self, tp: &TopicPartition, isr: Vec<i32>, out: &mut Out) {
        let Some(r) = self.replicas.get_mut(tp) else {
            return;
        };
        r.pending_isr = Some(isr.clone());
        let state = LeaderIsr {
            leader: self.id,
            leader_epoch: r.leader_epoch,
            isr,
            controller_epoch: r.controller_epoch,
        };
        let op = ZkOp::SetData {
            path: tp.state_path(),
            data: state.to_json(),
            version: Some(r.zk_version),
        };
        match self.zk_request(op, ZkPurpose::IsrUpdate, out) {
            Some(xid) => {
                self.isr_writes.insert(xid, tp.clone());
            }
            None => {
                if let Some(r) = self.replicas.get_mut(tp) {
                    r.pending_isr = None;
                }
            }
        }
    }

    /// After a connection loss, ISR writes whose answers may be lost are
    /// given up (the next check proposes again).
    pub(super) fn forget_isr_writes(&mut self) {
        for tp in std::mem::take(&mut self.isr_writes).into_values() {
            if let Some(r) = self.replicas.get_mut(&tp) {
                r.pending_isr = None;
            }
        }
    }

    pub(super) fn on_isr_written(&mut self, xid: u64, result: ZkResult, out: &mut Out) {
        let Some(tp) = self.isr_writes.remove(&xid) else {
            return;
        };
        let Some(r) = self.replicas.get_mut(&tp) else {
            return;
        };
        let Some(isr) = r.pending_isr.take() else {
            return;
        };
        match result {
            Ok(ZkReply::Set(stat)) => {
                r.isr = isr;
                r.zk_version = stat.version;
                out.note(
                    NoteKind::Replication,
                    format!("ISR of {tp} is now {:?} (written to {})", r.isr, tp.state_path()),
                );
                let data = serde_json::json!({"version": 1, "partitions": [tp]}).to_string();
                self.zk_request(
                    ZkOp::CreateSequential {
                        prefix: "/isr_change_notification/isr_change_".into(),
                        data,
                    },
                    ZkPurpose::IsrNotification,
                    out,
                );
                self.maybe_advance_hw(&tp, out);
                self.settle_delayed(&tp, None, out);
            }
            Ok(_) | Err(_) => out.note(
                NoteKind::Replication,
                format!(
                    "{tp}: cached zkVersion {} no longer matches {}; skipped the ISR change, waiting for LeaderAndIsr",
                    r.zk_version,
                    tp.state_path()
                ),
            ),
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

    /// Retention and cleaning, every `log.retention.check.interval.ms`.
    pub(super) fn retention_check(&mut self, out: &mut Out) {
        let now = self.now;
        for (tp, r) in &self.replicas {
            let Some(log) = self.disk.logs.get_mut(tp) else {
                continue;
            };
            log.apply_retention(now, r.hw);
            if log.config().cleanup_policy.compacts() {
                log.compact(now, r.hw);
            }
            for event in log.take_events() {
                if let crate::log::LogEvent::SegmentDeleted {
                    base_offset,
                    reason,
                    ..
                } = event
                {
                    out.note(
                        NoteKind::Storage,
                        format!(
                            "{tp}: deleted segment {} ({reason}); log start offset now {}",
                            crate::log::file_stem(base_offset),
                            log.log_start_offset()
                        ),
                    );
                }
            }
        }
    }
}
