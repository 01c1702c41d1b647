//! The leader's ISR upkeep (Kafka's `Partition.maybeExpandIsr` and
//! `maybeShrinkIsr`, ZooKeeper mode): a follower that reached the high
//! watermark rejoins, one not caught up for `replica.lag.time.max.ms`
//! leaves; the leader writes the new ISR to the state znode guarded by its
//! version and leaves an `/isr_change_notification` for the controller.

use super::{Broker, Out, ZkPurpose};
use crate::protocol::{ZkError, ZkOp, ZkReply, ZkResult};
use crate::sim::NoteKind;
use crate::topic::{LeaderIsr, TopicPartition};

impl Broker {
    pub(super) fn maybe_expand_isr(&mut self, tp: &TopicPartition, follower: i32, out: &mut Out) {
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
    pub(super) fn propose_isr(&mut self, tp: &TopicPartition, isr: Vec<i32>, out: &mut Out) {
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

    /// After a connection loss or a new session the answers to ISR writes
    /// may be lost: write them again (Kafka's ZooKeeper client retries a
    /// request that failed with CONNECTIONLOSS). A write that had landed
    /// then gets BADVERSION and is recognised by reading the znode back.
    pub(super) fn retry_isr_writes(&mut self, out: &mut Out) {
        self.isr_writes.clear();
        let me = self.id;
        let retry: Vec<(TopicPartition, Vec<i32>)> = self
            .replicas
            .iter()
            .filter(|(_, r)| r.leader == me)
            .filter_map(|(tp, r)| Some((tp.clone(), r.pending_isr.clone()?)))
            .collect();
        for (tp, isr) in retry {
            self.propose_isr(&tp, isr, out);
        }
    }

    /// The partition an ISR request `xid` was for, with the ISR it
    /// proposed (none if the proposal was given up meanwhile).
    fn isr_request(&mut self, xid: u64) -> Option<(TopicPartition, Vec<i32>, i32)> {
        let tp = self.isr_writes.remove(&xid)?;
        let r = self.replicas.get(&tp)?;
        let isr = r.pending_isr.clone()?;
        let epoch = r.leader_epoch;
        Some((tp, isr, epoch))
    }

    pub(super) fn on_isr_written(&mut self, xid: u64, result: ZkResult, out: &mut Out) {
        let Some((tp, isr, _)) = self.isr_request(xid) else {
            return;
        };
        match result {
            Ok(ZkReply::Set(stat)) => self.isr_written(&tp, isr, stat.version, out),
            Err((_, ZkError::BadVersion)) => {
                // Kafka's `checkLeaderAndIsrZkData`: the write may have landed
                // with its answer lost (a connection loss, a new session);
                // read the znode and take it if it holds this very change.
                let op = ZkOp::GetData {
                    path: tp.state_path(),
                    watch: false,
                };
                match self.zk_request(op, ZkPurpose::IsrRecheck, out) {
                    Some(xid) => {
                        self.isr_writes.insert(xid, tp);
                    }
                    None => self.isr_skipped(&tp, out),
                }
            }
            Ok(_) | Err(_) => self.isr_skipped(&tp, out),
        }
    }

    /// The answer to the read after a BADVERSION: the state znode holds
    /// this leader's proposed ISR in its leader epoch, or the change lost.
    pub(super) fn on_isr_rechecked(&mut self, xid: u64, result: ZkResult, out: &mut Out) {
        let Some((tp, isr, leader_epoch)) = self.isr_request(xid) else {
            return;
        };
        match result {
            Ok(ZkReply::Data(data, stat))
                if LeaderIsr::from_json(&data).is_some_and(|s| {
                    s.leader == self.id && s.leader_epoch == leader_epoch && s.isr == isr
                }) =>
            {
                self.isr_written(&tp, isr, stat.version, out)
            }
            _ => self.isr_skipped(&tp, out),
        }
    }

    fn isr_written(&mut self, tp: &TopicPartition, isr: Vec<i32>, version: i32, out: &mut Out) {
        let Some(r) = self.replicas.get_mut(tp) else {
            return;
        };
        r.pending_isr = None;
        r.isr = isr;
        r.zk_version = version;
        out.note(
            NoteKind::Replication,
            format!(
                "ISR of {tp} is now {:?} (written to {})",
                r.isr,
                tp.state_path()
            ),
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
        self.maybe_advance_hw(tp, out);
        self.settle_delayed(tp, None, out);
    }

    fn isr_skipped(&mut self, tp: &TopicPartition, out: &mut Out) {
        let Some(r) = self.replicas.get_mut(tp) else {
            return;
        };
        r.pending_isr = None;
        out.note(
            NoteKind::Replication,
            format!(
                "{tp}: cached zkVersion {} no longer matches {}; skipped the ISR change, waiting for LeaderAndIsr",
                r.zk_version,
                tp.state_path()
            ),
        );
    }
}
