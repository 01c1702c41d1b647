//! Replication rules: at most one leader per partition per leader epoch;
//! every replica's high watermark at most its log end offset; the leader's
//! high watermark at most every ISR member's log end offset; logs
//! identical below the high watermark across the ISR; and no acknowledged
//! record lost when Kafka promises it (acks=all, `min.insync.replicas` >= 2,
//! unclean election off). The last three are Kafka's guarantees only with
//! KIP-101's truncation and clean elections: with the pre-KIP-101 switch or
//! `unclean.leader.election.enable` they are known to fail, as in Kafka, and
//! are not checked. Compacted logs are cleaned by each replica on its own
//! schedule, so they are not compared byte for byte.

use super::{broken, raise, Checker, Violation};
use crate::cluster::{Process, World};
use crate::log::{peek, Log};
use crate::topic::{TopicConfig, TopicPartition};
use std::collections::BTreeMap;

/// How far a follower's log is known to match its leader's.
#[derive(Clone, Copy, Debug)]
pub(super) struct Verified {
    /// The leader and its leader epoch it was compared with.
    leader: (i32, i32),
    leader_rewrites: u64,
    member_rewrites: u64,
    upto: i64,
}

/// (base offset, last offset, crc) of the whole batches of `log` with a
/// base at or past `from` and a last offset below `to`.
fn heads(log: &Log, from: i64, to: i64) -> Vec<(i64, i64, u32)> {
    let mut out = Vec::new();
    let Some(first) = log.segments().range(..=from).next_back().map(|(b, _)| *b) else {
        return out;
    };
    for seg in log.segments().range(first..).map(|(_, s)| s) {
        if seg.base_offset() >= to {
            break;
        }
        let bytes = seg.log_bytes();
        let mut at = seg.locate(from).unwrap_or(bytes.len());
        while let Some(info) = bytes.get(at..).and_then(peek) {
            let last = info.last_offset();
            if last >= to {
                return out;
            }
            if info.base_offset >= from {
                out.push((info.base_offset, last, info.crc));
            }
            at += info.size;
        }
    }
    out
}

/// Which of the data guarantees Kafka makes for a topic.
fn guarantees(world: &World, cfg: &TopicConfig) -> bool {
    !world.config().truncate_to_high_watermark && !cfg.unclean_leader_election_enable
}

impl Checker {
    pub(super) fn check_replicas(&mut self, world: &World) -> Result<(), Violation> {
        let mut leaders: BTreeMap<(&TopicPartition, i32), i32> = BTreeMap::new();
        for (id, slot) in world.brokers() {
            let Process::Up(b) = &slot.process else {
                continue;
            };
            for (tp, r) in b.replicas() {
                raise(&mut self.hw_max, tp, r.hw);
                let Some(log) = b.disk().logs.get(tp) else {
                    continue;
                };
                let leo = log.log_end_offset();
                if r.hw > leo {
                    return broken(
                        "a replica's high watermark never passes its log end offset",
                        format!("broker {id}: {tp} high watermark {} > LEO {leo}", r.hw),
                    );
                }
                if r.leader != *id {
                    continue;
                }
                if let Some(other) = leaders.insert((tp, r.leader_epoch), *id) {
                    return broken(
                        "one leader per partition per leader epoch",
                        format!(
                            "brokers {other} and {id} both lead {tp} in leader epoch {}",
                            r.leader_epoch
                        ),
                    );
                }
                if !guarantees(world, &r.cfg) {
                    continue;
                }
                for m in r.isr.iter().filter(|m| *m != id) {
                    let Some(mlog) = world.log_of(*m, tp) else {
                        continue;
                    };
                    let mleo = mlog.log_end_offset();
                    if r.hw > mleo {
                        return broken(
                            "the leader's high watermark never passes an ISR member's log end offset",
                            format!(
                                "broker {id} leads {tp} with high watermark {} but ISR member {m} ends at {mleo}",
                                r.hw
                            ),
                        );
                    }
                    if !r.cfg.log.cleanup_policy.compacts() {
                        self.same_below_hw(tp, (*id, r.leader_epoch, log), (*m, mlog), r.hw)?;
                    }
                }
            }
        }
        self.check_acked(world)
    }

    /// Compares the leader's batches below `hw` with an ISR member's, from
    /// where they were last seen equal.
    fn same_below_hw(
        &mut self,
        tp: &TopicPartition,
        (leader, epoch, log): (i32, i32, &Log),
        (member, mlog): (i32, &Log),
        hw: i64,
    ) -> Result<(), Violation> {
        let start = log.log_start_offset().max(mlog.log_start_offset());
        let from = match self.verified.get(tp).and_then(|m| m.get(&member)) {
            Some(v)
                if v.leader == (leader, epoch)
                    && v.leader_rewrites == log.rewrites()
                    && v.member_rewrites == mlog.rewrites()
                    && v.upto <= hw =>
            {
                v.upto.max(start)
            }
            _ => start,
        };
        if from >= hw {
            return Ok(());
        }
        let (a, b) = (heads(log, from, hw), heads(mlog, from, hw));
        if let Some(i) = (0..a.len().max(b.len())).find(|i| a.get(*i) != b.get(*i)) {
            let show = |h: Option<&(i64, i64, u32)>| {
                h.map_or("nothing".to_string(), |(base, last, crc)| {
                    format!("batch {base}..={last} crc {crc:#010x}")
                })
            };
            return broken(
                "logs are identical below the high watermark across the ISR",
                format!(
                    "{tp} below high watermark {hw}: leader {leader} has {} where ISR member {member} has {}",
                    show(a.get(i)),
                    show(b.get(i))
                ),
            );
        }
        let upto = a.last().map_or(from, |h| h.1 + 1);
        let per_member = match self.verified.get_mut(tp) {
            Some(m) => m,
            None => self.verified.entry(tp.clone()).or_default(),
        };
        per_member.insert(
            member,
            Verified {
                leader: (leader, epoch),
                leader_rewrites: log.rewrites(),
                member_rewrites: mlog.rewrites(),
                upto,
            },
        );
        Ok(())
    }

    /// An acknowledged record lost where Kafka promises none: written with
    /// acks=all to a topic with `min.insync.replicas` >= 2.
    fn check_acked(&mut self, world: &World) -> Result<(), Violation> {
        let lost = world.ledger().lost();
        let new = &lost[self.lost_seen.min(lost.len())..];
        self.lost_seen = lost.len();
        for rec in new {
            let tp = TopicPartition::new(&rec.topic, rec.partition);
            let acks_all = world
                .producers()
                .get(&rec.producer)
                .is_some_and(|p| p.producer.config().acks.0 == -1);
            let cfg = world.brokers().values().find_map(|s| match &s.process {
                Process::Up(b) => b.replicas().get(&tp).map(|r| r.cfg.clone()),
                _ => None,
            });
            if let Some(cfg) = cfg {
                if acks_all && cfg.min_insync_replicas >= 2 && guarantees(world, &cfg) {
                    return broken(
                        "no acknowledged record lost with acks=all and min.insync.replicas >= 2",
                        format!(
                            "{tp} offset {}: record #{} of producer {} acknowledged by broker {} is gone",
                            rec.offset, rec.seq, rec.producer, rec.acked_by
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}
