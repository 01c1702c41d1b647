//! The controller's partition state machine (Kafka's
//! `PartitionStateMachine`, ZooKeeper mode): it creates each partition's
//! state znode (leader = first live replica, ISR = live replicas), elects
//! leaders when brokers fail or return, preferred leaders, and moves
//! leaderships away from a broker in controlled shutdown. Loading topics
//! from ZooKeeper and deleting them is in `topics.rs`. Every state write is a `multi` that
//! first checks `/controller_epoch`'s version, so a deposed controller's
//! write fails; only after ZooKeeper accepted it do replicas hear of it.

use super::{Broker, Out};
use crate::protocol::{Message, ZkError, ZkOp, ZkReply, ZkResult};
use crate::sim::{Mutation, NodeId, NoteKind};
use crate::topic::{LeaderIsr, PartitionState, TopicConfig, TopicPartition, NO_LEADER};
use std::collections::BTreeMap;

/// Path the preferred-leader election tool writes.
pub const PREFERRED_ELECTION_PATH: &str = "/admin/preferred_replica_election";

/// A topic as the controller knows it.
#[derive(Clone, Debug, Default)]
pub struct TopicMeta {
    /// Replicas per partition, preferred leader first.
    pub assignment: BTreeMap<i32, Vec<i32>>,
    /// Its configuration.
    pub config: Option<TopicConfig>,
    pub(super) assignment_loaded: bool,
}

/// A ZooKeeper request the controller is waiting on.
#[derive(Clone, Debug)]
pub(super) enum CtlOp {
    TopicList,
    TopicData(String),
    TopicConfig(String),
    ReadState(TopicPartition, ReadWhy),
    Write(Vec<TopicPartition>),
    DeleteList,
    PreferredExists,
    PreferredElection,
    IsrChanges,
    IsrChange(String),
    BrokerEpoch(i32),
    Ignore,
}

/// Why a partition state is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ReadWhy {
    /// Loading the partition (new controller, new topic, a failed write):
    /// its replicas hear `LeaderAndIsr`.
    Load,
    /// A leader changed the ISR: every broker hears `UpdateMetadata`.
    IsrChanged,
}

/// Picks a leader as Kafka's `OfflinePartitionLeaderElectionStrategy`: the
/// first assigned replica that is alive and in the ISR; failing that, with
/// unclean election on, the first live replica (second value true).
pub fn elect_leader(
    replicas: &[i32],
    isr: &[i32],
    live: impl Fn(i32) -> bool,
    unclean: bool,
) -> Option<(i32, bool)> {
    if let Some(r) = replicas.iter().find(|r| isr.contains(r) && live(**r)) {
        return Some((*r, false));
    }
    if unclean {
        return replicas.iter().find(|r| live(**r)).map(|r| (*r, true));
    }
    None
}

impl Broker {
    pub(super) fn on_state_read(
        &mut self,
        tp: TopicPartition,
        why: ReadWhy,
        result: ZkResult,
        out: &mut Out,
    ) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        role.reading.remove(&tp);
        let Some(replicas) = role.replicas_of(&tp) else {
            return;
        };
        match result {
            Ok(ZkReply::Data(data, stat)) => {
                let Some(state) = LeaderIsr::from_json(&data) else {
                    return;
                };
                if role.states.get(&tp).is_some_and(|(_, v)| *v > stat.version) {
                    // Read before this controller's own later write of the
                    // znode: the cache already holds the newer state.
                    return;
                }
                if why == ReadWhy::IsrChanged {
                    out.note(
                        NoteKind::Controller,
                        format!("ISR change notification: {tp} ISR is {:?}", state.isr),
                    );
                }
                role.states
                    .insert(tp.clone(), (state.clone(), stat.version));
                role.metadata_dirty = true;
                let live = |b: i32| role.live_brokers.contains(&b);
                if state.leader == NO_LEADER || !live(state.leader) {
                    self.elect_partitions(&[tp], &[], false, out);
                } else if why == ReadWhy::Load {
                    self.queue_leader_and_isr(&tp);
                }
            }
            Err((_, ZkError::NoNode)) => {
                // A new partition: leader = first live replica, ISR = live replicas.
                let live: Vec<i32> = replicas
                    .iter()
                    .copied()
                    .filter(|b| role.live_brokers.contains(b))
                    .collect();
                let Some(&leader) = live.first() else {
                    out.note(
                        NoteKind::Controller,
                        format!(
                            "{tp}: no replica of {replicas:?} is alive; it stays new until one is"
                        ),
                    );
                    return;
                };
                let state = LeaderIsr {
                    leader,
                    leader_epoch: 0,
                    isr: live,
                    controller_epoch: role.epoch(),
                };
                out.note(
                    NoteKind::Controller,
                    format!(
                        "new partition {tp}: replicas {replicas:?}, leader {leader}, ISR {:?}",
                        state.isr
                    ),
                );
                self.write_states(vec![(tp, state)], out);
            }
            _ => {}
        }
    }

    /// Writes partition states in one `multi` guarded by the controller
    /// epoch's znode version; the cache is updated at once (this broker is
    /// ZooKeeper's only writer of these znodes, and its requests are applied
    /// in order).
    pub(super) fn write_states(&mut self, writes: Vec<(TopicPartition, LeaderIsr)>, out: &mut Out) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        if writes.is_empty() {
            return;
        }
        let mut ops = vec![ZkOp::Check {
            path: "/controller_epoch".into(),
            version: role.epoch_zk_version,
        }];
        let mut tps = Vec::with_capacity(writes.len());
        for (tp, mut state) in writes {
            state.controller_epoch = role.epoch();
            let data = state.to_json();
            match role.states.get(&tp) {
                Some((_, version)) => {
                    ops.push(ZkOp::SetData {
                        path: tp.state_path(),
                        data,
                        version: Some(*version),
                    });
                    role.states.insert(tp.clone(), (state, version + 1));
                }
                None => {
                    ops.push(ZkOp::Create {
                        path: format!("/brokers/topics/{}/partitions/{}", tp.topic, tp.partition),
                        data: String::new(),
                        ephemeral: false,
                    });
                    ops.push(ZkOp::Create {
                        path: tp.state_path(),
                        data,
                        ephemeral: false,
                    });
                    role.states.insert(tp.clone(), (state, 0));
                }
            }
            tps.push(tp);
        }
        role.metadata_dirty = true;
        self.ctl_request(ZkOp::Multi(ops), CtlOp::Write(tps), out);
    }

    pub(super) fn on_state_written(
        &mut self,
        tps: Vec<TopicPartition>,
        result: ZkResult,
        out: &mut Out,
    ) {
        match result {
            Ok(_) => {
                for tp in &tps {
                    self.queue_leader_and_isr(tp);
                }
            }
            Err((0, ZkError::BadVersion)) => {
                self.resign(
                    "its partition-state write failed: /controller_epoch moved, a newer controller exists",
                    out,
                );
            }
            Err((_, e)) => {
                out.note(
                    NoteKind::Controller,
                    format!("partition state write failed ({e}): a leader changed it meanwhile; reading the states again"),
                );
                for tp in tps {
                    if let Some(role) = self.role.as_mut() {
                        role.states.remove(&tp);
                    }
                    self.read_state(tp, ReadWhy::Load, out);
                }
            }
        }
    }

    pub(super) fn queue_leader_and_isr(&mut self, tp: &TopicPartition) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        let Some(state) = role.partition_state(tp) else {
            return;
        };
        for b in &state.replicas {
            if role.live_brokers.contains(b) {
                role.pending_lai.entry(*b).or_default().insert(tp.clone());
            }
        }
        role.metadata_dirty = true;
    }

    /// Elects leaders for `tps` whose leader is gone (or is in `exclude`:
    /// shutting down or bounced), removing dead or leaving brokers from the
    /// ISR as
    /// Kafka's controller does.
    pub(super) fn elect_partitions(
        &mut self,
        tps: &[TopicPartition],
        exclude: &[i32],
        controlled: bool,
        out: &mut Out,
    ) {
        let Some(role) = self.role.as_ref() else {
            return;
        };
        let mut writes = Vec::new();
        for tp in tps {
            let (Some((state, _)), Some(replicas)) = (role.states.get(tp), role.replicas_of(tp))
            else {
                continue;
            };
            let unclean = role
                .topics
                .get(&tp.topic)
                .and_then(|m| m.config.as_ref())
                .is_some_and(|c| c.unclean_leader_election_enable);
            let live = |b: i32| role.live_brokers.contains(&b) && !exclude.contains(&b);
            let leader_ok = state.leader != NO_LEADER && live(state.leader);
            let isr_live: Vec<i32> = state.isr.iter().copied().filter(|b| live(*b)).collect();
            let mut next = state.clone();
            if leader_ok {
                if isr_live.len() == state.isr.len() {
                    continue;
                }
                next.isr = isr_live;
                out.note(
                    NoteKind::Controller,
                    format!(
                        "{tp}: removed dead or leaving replicas from the ISR, now {:?}",
                        next.isr
                    ),
                );
            } else {
                let planted = self.planted(Mutation::UncleanWhenDisabled);
                let allow_unclean = (unclean || planted) && !controlled;
                match elect_leader(&replicas, &state.isr, live, allow_unclean) {
                    Some((leader, false)) => {
                        next.leader = leader;
                        next.isr = isr_live;
                        out.note(
                            NoteKind::Election,
                            format!(
                                "{tp}: leader {} gone; elected broker {leader} from the ISR (leader epoch {})",
                                fmt_leader(state.leader),
                                state.leader_epoch + 1
                            ),
                        );
                    }
                    Some((leader, true)) => {
                        next.leader = leader;
                        next.isr = vec![leader];
                        out.note(
                            NoteKind::Election,
                            format!(
                                "{tp}: UNCLEAN leader election: no ISR replica of {:?} is alive, so broker {leader} (not in sync) leads; records it lacks are lost",
                                state.isr
                            ),
                        );
                    }
                    None if controlled => continue,
                    None => {
                        if state.leader == NO_LEADER {
                            continue;
                        }
                        next.leader = NO_LEADER;
                        if state.isr.len() > 1 {
                            next.isr.retain(|b| *b != state.leader);
                        }
                        out.note(
                            NoteKind::Election,
                            format!(
                                "{tp} is OFFLINE (leader -1): no live replica in ISR {:?}{}",
                                state.isr,
                                if unclean {
                                    ""
                                } else {
                                    " and unclean.leader.election.enable=false"
                                }
                            ),
                        );
                    }
                }
            }
            next.leader_epoch += 1;
            writes.push((tp.clone(), next));
        }
        self.write_states(writes, out);
    }

    /// Brokers joined or left `/brokers/ids`.
    pub(super) fn on_brokers_changed(&mut self, joined: &[i32], gone: &[i32], out: &mut Out) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        for b in gone {
            role.shutting_down.remove(b);
        }
        // Failures first (a bounced broker is both gone and joined), then startups.
        let failed: Vec<TopicPartition> = role
            .states
            .iter()
            .filter(|(_, (s, _))| gone.iter().any(|b| s.isr.contains(b) || s.leader == *b))
            .map(|(tp, _)| tp.clone())
            .collect();
        self.elect_partitions(&failed, gone, false, out);
        let Some(role) = self.role.as_mut() else {
            return;
        };
        let affected: Vec<TopicPartition> = role
            .states
            .iter()
            .filter(|(tp, (s, _))| {
                s.leader == NO_LEADER
                    && role
                        .replicas_of(tp)
                        .is_some_and(|r| r.iter().any(|b| joined.contains(b)))
            })
            .map(|(tp, _)| tp.clone())
            .collect();
        for j in joined {
            let hosted: Vec<TopicPartition> = role
                .states
                .keys()
                .filter(|tp| role.replicas_of(tp).is_some_and(|r| r.contains(j)))
                .cloned()
                .collect();
            for tp in hosted {
                role.pending_lai.entry(*j).or_default().insert(tp);
            }
        }
        let topics: Vec<String> = role.topics.keys().cloned().collect();
        self.elect_partitions(&affected, &[], false, out);
        if !joined.is_empty() {
            for t in topics {
                self.maybe_load_partitions(&t, out);
            }
        }
    }

    /// `ControlledShutdown` from `broker`: move its leaderships and take it
    /// out of ISRs; returns how many partitions it still leads.
    pub(super) fn controlled_shutdown_moves(&mut self, broker: i32, out: &mut Out) -> usize {
        let Some(role) = self.role.as_mut() else {
            return 0;
        };
        role.shutting_down.insert(broker);
        let tps: Vec<TopicPartition> = role
            .states
            .iter()
            .filter(|(_, (s, _))| s.leader == broker || s.isr.contains(&broker))
            .map(|(tp, _)| tp.clone())
            .collect();
        self.elect_partitions(&tps, &[broker], true, out);
        self.role.as_ref().map_or(0, |r| {
            r.states
                .values()
                .filter(|(s, _)| s.leader == broker)
                .count()
        })
    }

    /// Moves leadership back to each partition's first assigned replica
    /// when it is alive and in sync (all partitions when `tps` is empty).
    pub(super) fn preferred_election(&mut self, tps: &[TopicPartition], out: &mut Out) {
        let Some(role) = self.role.as_ref() else {
            return;
        };
        let mut writes = Vec::new();
        for (tp, (state, _)) in &role.states {
            if !tps.is_empty() && !tps.contains(tp) {
                continue;
            }
            let Some(&preferred) = role
                .replicas_of(tp)
                .and_then(|r| r.first().copied())
                .as_ref()
            else {
                continue;
            };
            if state.leader == preferred {
                continue;
            }
            if !role.live_brokers.contains(&preferred) || !state.isr.contains(&preferred) {
                out.note(
                    NoteKind::Election,
                    format!(
                        "{tp}: preferred replica {preferred} is not alive and in the ISR {:?} (as the controller knows it); leadership stays",
                        state.isr
                    ),
                );
                continue;
            }
            let mut next = state.clone();
            next.leader = preferred;
            next.leader_epoch += 1;
            out.note(
                NoteKind::Election,
                format!(
                    "{tp}: preferred leader election moves leadership from broker {} to broker {preferred}",
                    fmt_leader(state.leader)
                ),
            );
            writes.push((tp.clone(), next));
        }
        self.write_states(writes, out);
    }

    /// `auto.leader.rebalance.enable`: brokers whose share of partitions
    /// they should lead but do not is above
    /// `leader.imbalance.per.broker.percentage` get them back.
    pub(super) fn leader_rebalance_check(&mut self, out: &mut Out) {
        let Some(role) = self.role.as_ref() else {
            return;
        };
        let pct = self.cfg.leader_imbalance_per_broker_percentage as usize;
        let mut per_broker: BTreeMap<i32, (usize, Vec<TopicPartition>)> = BTreeMap::new();
        for (tp, (state, _)) in &role.states {
            let Some(&preferred) = role
                .replicas_of(tp)
                .and_then(|r| r.first().copied())
                .as_ref()
            else {
                continue;
            };
            let e = per_broker.entry(preferred).or_default();
            e.0 += 1;
            if state.leader != preferred {
                e.1.push(tp.clone());
            }
        }
        let mut todo = Vec::new();
        for (b, (total, off)) in per_broker {
            if !off.is_empty() && off.len() * 100 > total * pct && role.live_brokers.contains(&b) {
                todo.extend(off);
            }
        }
        if !todo.is_empty() {
            out.note(
                NoteKind::Controller,
                "auto.leader.rebalance.enable: leader imbalance above leader.imbalance.per.broker.percentage; electing preferred leaders",
            );
            self.preferred_election(&todo, out);
        }
    }

    /// Sends a controller request (queued per broker), or applies it at once
    /// when the target is this broker itself.
    pub(super) fn send_to_broker(&mut self, target: i32, msg: Message, out: &mut Out) {
        if target == self.id {
            let me = NodeId::Broker(self.id);
            let now = self.now;
            self.handle_message(now, me, msg, out);
            return;
        }
        let now = self.now;
        self.enqueue(now, target, msg, out);
    }

    /// Sends the `LeaderAndIsr` and `UpdateMetadata` requests that the
    /// input just handled made necessary: one of each per broker.
    pub(super) fn flush_controller_requests(&mut self, out: &mut Out) {
        let me = self.id;
        let Some(role) = self.role.as_mut() else {
            return;
        };
        if role.pending_lai.is_empty() && !role.metadata_dirty {
            return;
        }
        let lai = std::mem::take(&mut role.pending_lai);
        let dirty = role.metadata_dirty && role.metadata_ready();
        if dirty {
            role.metadata_dirty = false;
        }
        // A state whose write ZooKeeper has not confirmed is not told to
        // anyone (Kafka's controller writes synchronously): its write's
        // answer queues it again, or its failure reads it back.
        let writing = role.writing();
        let epoch = role.epoch();
        let mut sends = Vec::new();
        for (b, tps) in lai {
            let partitions: Vec<PartitionState> = tps
                .iter()
                .filter(|tp| !writing.contains(*tp))
                .filter_map(|tp| role.partition_state(tp))
                .collect();
            if partitions.is_empty() {
                continue;
            }
            let configs = partitions
                .iter()
                .filter_map(|p| {
                    let cfg = role.topics.get(&p.tp.topic)?.config.clone()?;
                    Some((p.tp.topic.clone(), cfg))
                })
                .collect();
            sends.push((
                b,
                Message::LeaderAndIsr(Box::new(crate::protocol::kafka::LeaderAndIsr {
                    correlation_id: 0,
                    controller_id: me,
                    controller_epoch: epoch,
                    partitions,
                    configs,
                })),
            ));
        }
        if dirty {
            let msg = role.metadata_message(me);
            for b in role.live_brokers.iter() {
                sends.push((*b, msg.clone()));
            }
        }
        for (b, msg) in sends {
            self.send_to_broker(b, msg, out);
        }
    }
}

fn fmt_leader(leader: i32) -> String {
    if leader == NO_LEADER {
        "-1 (none)".to_string()
    } else {
        leader.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::elect_leader;

    #[test]
    fn election_prefers_the_isr_in_assignment_order() {
        let live = |b: i32| b != 1;
        assert_eq!(
            elect_leader(&[1, 2, 3], &[1, 3], live, false),
            Some((3, false))
        );
        assert_eq!(elect_leader(&[1, 2, 3], &[1], live, false), None);
        assert_eq!(elect_leader(&[1, 2, 3], &[1], live, true), Some((2, true)));
        assert_eq!(elect_leader(&[1], &[1], live, true), None);
    }
}
