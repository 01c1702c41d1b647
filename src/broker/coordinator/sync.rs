//! SyncGroup on the coordinator: followers wait, the leader's assignment
//! is stored in `__consumer_offsets` (acks=all) before anyone gets it, and
//! then every member gets its partitions and the group is Stable.

use super::membership::{coordinator_error, sync_answer};
use super::records::{group_key, group_value, StoredGroup, StoredMember};
use super::{Group, GroupState, WriteKind};
use crate::broker::{Broker, Out};
use crate::protocol::group::SyncGroup;
use crate::protocol::KafkaError;
use crate::sim::{NodeId, NoteKind};
use crate::topic::TopicPartition;
use std::collections::BTreeMap;

impl Broker {
    pub(in crate::broker) fn on_sync_group(&mut self, from: NodeId, req: SyncGroup, out: &mut Out) {
        let c = req.correlation_id;
        if let Err(e) = self.serves(&req.group_id) {
            return out.send(from, sync_answer(c, e, Vec::new()));
        }
        let now = self.now;
        let Some(g) = self.coord.groups.get_mut(&req.group_id) else {
            return out.send(
                from,
                sync_answer(c, KafkaError::UnknownMemberId, Vec::new()),
            );
        };
        let Some(m) = g.members.get_mut(&req.member_id) else {
            return out.send(
                from,
                sync_answer(c, KafkaError::UnknownMemberId, Vec::new()),
            );
        };
        if req.generation_id != g.generation {
            return out.send(
                from,
                sync_answer(c, KafkaError::IllegalGeneration, Vec::new()),
            );
        }
        m.last_heard = now;
        match g.state {
            GroupState::PreparingRebalance => out.send(
                from,
                sync_answer(c, KafkaError::RebalanceInProgress, Vec::new()),
            ),
            GroupState::Stable => {
                out.send(from, sync_answer(c, KafkaError::None, m.assignment.clone()))
            }
            GroupState::CompletingRebalance => {
                m.awaiting_sync = Some(c);
                if g.leader.as_deref() != Some(req.member_id.as_str()) {
                    return;
                }
                let mut assignments: BTreeMap<String, Vec<TopicPartition>> = g
                    .members
                    .keys()
                    .map(|id| (id.clone(), Vec::new()))
                    .collect();
                for (id, parts) in req.assignments {
                    if let Some(slot) = assignments.get_mut(&id) {
                        *slot = parts;
                    }
                }
                let mut st = stored(g);
                for sm in &mut st.members {
                    sm.assignment = assignments[&sm.member_id].clone();
                }
                let (partition, generation) = (g.partition, g.generation);
                out.note(
                    NoteKind::Group,
                    format!(
                        "group {}: leader {} sent its assignment for generation {generation}; storing it in __consumer_offsets",
                        req.group_id, req.member_id
                    ),
                );
                let rec = (group_key(&req.group_id), Some(group_value(&st, now as i64)));
                let kind = WriteKind::Assignment {
                    group: req.group_id.clone(),
                    generation,
                    assignments: assignments.clone(),
                };
                if let Err(e) = self.append_offsets(partition, vec![rec], kind, out) {
                    self.assignment_stored(&req.group_id, generation, assignments, Err(e), out);
                }
            }
            GroupState::Empty | GroupState::Dead => out.send(
                from,
                sync_answer(c, KafkaError::UnknownMemberId, Vec::new()),
            ),
        }
    }

    /// The leader's assignment for `generation` is stored (or failed to be).
    pub(in crate::broker) fn assignment_stored(
        &mut self,
        group: &str,
        generation: i32,
        assignments: BTreeMap<String, Vec<TopicPartition>>,
        result: Result<(), KafkaError>,
        out: &mut Out,
    ) {
        let Some(g) = self.coord.groups.get_mut(group) else {
            return;
        };
        if g.generation != generation || g.state != GroupState::CompletingRebalance {
            return;
        }
        if let Err(e) = result {
            let error = coordinator_error(e);
            for m in g.members.values_mut() {
                if let Some(c) = m.awaiting_sync.take() {
                    out.send(m.client, sync_answer(c, error, Vec::new()));
                }
            }
            self.prepare_rebalance(group, format!("storing the assignment failed: {e}"), out);
            return;
        }
        for m in g.members.values_mut() {
            m.assignment = assignments.get(&m.member_id).cloned().unwrap_or_default();
            if let Some(c) = m.awaiting_sync.take() {
                out.send(
                    m.client,
                    sync_answer(c, KafkaError::None, m.assignment.clone()),
                );
            }
        }
        g.state = GroupState::Stable;
        out.note(
            NoteKind::Group,
            format!("group {group}: generation {generation} Stable"),
        );
    }
}

/// What a group looks like in its metadata record.
pub(super) fn stored(g: &Group) -> StoredGroup {
    StoredGroup {
        generation: g.generation,
        protocol: g.protocol.clone(),
        leader: g.leader.clone(),
        members: g
            .members
            .values()
            .map(|m| StoredMember {
                member_id: m.member_id.clone(),
                client_id: m.client_id.clone(),
                rebalance_timeout_ms: m.rebalance_timeout_ms as i32,
                session_timeout_ms: m.session_timeout_ms as i32,
                topics: m.topics(),
                assignment: m.assignment.clone(),
            })
            .collect(),
    }
}
