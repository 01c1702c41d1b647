//! The leader's ISR upkeep (Kafka's `Partition.maybeExpandIsr` and
//! `maybeShrinkIsr`, ZooKeeper mode): a follower that reached the high
//! watermark rejoins, one not caught up for `replica.lag.time.max.ms`
//! leaves; the leader writes the new ISR to the state znode guarded by its
//! version and leaves an `/isr_change_notification` for the controller.

use super::{Broker, Out, ZkPurpose};
use crate::protocol::{ZkOp, ZkReply, ZkResult};
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
}
