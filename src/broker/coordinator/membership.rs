//! The classic group protocol on the coordinator: JoinGroup (with
//! MEMBER_ID_REQUIRED, KIP-394), the join phase ending when every known
//! member rejoined or the rebalance timeout passed (or, for a new group,
//! after `group.initial.rebalance.delay.ms`), the member leader chosen and
//! the generation bumped, SyncGroup carrying the leader's assignment (stored
//! in `__consumer_offsets` before anyone gets it), Heartbeat answering
//! REBALANCE_IN_PROGRESS during a rebalance, LeaveGroup, and members
//! removed when their session times out.

use super::records::{group_key, group_value, StoredGroup};
use super::sync::stored;
use super::{Group, GroupState, Member, WriteKind};
use crate::broker::{Broker, Out};
use crate::protocol::group::{
    Heartbeat, JoinGroup, JoinGroupMember, JoinGroupResponse, LeaveGroup, SyncGroupResponse,
};
use crate::protocol::{KafkaError, Message};
use crate::sim::{NodeId, NoteKind};
use crate::topic::TopicPartition;

fn join_error(correlation_id: u64, member_id: String, error: KafkaError) -> Message {
    Message::JoinGroupResponse(JoinGroupResponse {
        correlation_id,
        error,
        generation_id: -1,
        protocol_name: String::new(),
        leader: String::new(),
        member_id,
        members: Vec::new(),
    })
}

pub(super) fn sync_answer(
    correlation_id: u64,
    error: KafkaError,
    assignment: Vec<TopicPartition>,
) -> Message {
    Message::SyncGroupResponse(SyncGroupResponse {
        correlation_id,
        error,
        assignment,
    })
}

impl Broker {
    /// Answers a member's pending JoinGroup or SyncGroup with `error`.
    pub(in crate::broker) fn answer_pending(
        &self,
        m: &mut Member,
        error: KafkaError,
        out: &mut Out,
    ) {
        if let Some(c) = m.awaiting_join.take() {
            out.send(m.client, join_error(c, m.member_id.clone(), error));
        }
        if let Some(c) = m.awaiting_sync.take() {
            out.send(m.client, sync_answer(c, error, Vec::new()));
        }
    }

    pub(in crate::broker) fn on_join_group(&mut self, from: NodeId, req: JoinGroup, out: &mut Out) {
        let c = req.correlation_id;
        let partition = match self.serves(&req.group_id) {
            Ok(p) => p,
            Err(e) => return out.send(from, join_error(c, req.member_id, e)),
        };
        if !(self.cfg.group_min_session_timeout_ms..=self.cfg.group_max_session_timeout_ms)
            .contains(&req.session_timeout_ms)
        {
            return out.send(
                from,
                join_error(c, req.member_id, KafkaError::InvalidSessionTimeout),
            );
        }
        let now = self.now;
        let g = self
            .coord
            .groups
            .entry(req.group_id.clone())
            .or_insert_with(|| Group::new(&req.group_id, partition));
        if !g.supports(&req.protocols) {
            return out.send(
                from,
                join_error(c, req.member_id, KafkaError::InconsistentGroupProtocol),
            );
        }
        if req.member_id.is_empty() {
            let id = self.new_member_id(&req.client_id);
            let g = self.coord.groups.get_mut(&req.group_id).expect("inserted");
            g.pending_members
                .insert(id.clone(), now + req.session_timeout_ms);
            out.send(from, join_error(c, id, KafkaError::MemberIdRequired));
            self.schedule_group_timer(out);
            return;
        }
        let g = self.coord.groups.get_mut(&req.group_id).expect("inserted");
        let known = g.members.contains_key(&req.member_id);
        if !known && g.pending_members.remove(&req.member_id).is_none() {
            return out.send(
                from,
                join_error(c, req.member_id, KafkaError::UnknownMemberId),
            );
        }
        let changed = g
            .members
            .get(&req.member_id)
            .is_none_or(|m| m.protocols != req.protocols);
        let is_leader = g.leader.as_deref() == Some(req.member_id.as_str());
        let member = g
            .members
            .entry(req.member_id.clone())
            .or_insert_with(|| Member {
                member_id: req.member_id.clone(),
                client_id: req.client_id.clone(),
                client: from,
                protocols: req.protocols.clone(),
                session_timeout_ms: req.session_timeout_ms,
                rebalance_timeout_ms: req.rebalance_timeout_ms,
                assignment: Vec::new(),
                awaiting_join: None,
                awaiting_sync: None,
                last_heard: now,
                is_new: true,
            });
        member.client = from;
        member.protocols = req.protocols;
        member.session_timeout_ms = req.session_timeout_ms;
        member.rebalance_timeout_ms = req.rebalance_timeout_ms;
        member.last_heard = now;
        member.awaiting_join = Some(c);
        let id = req.member_id;
        match g.state {
            GroupState::PreparingRebalance => {
                if !known {
                    out.note(
                        NoteKind::Group,
                        format!("group {}: member {id} joined the rebalance", g.group_id),
                    );
                    if let (Some(cap), Some(_)) = (g.initial_cap, g.join_deadline) {
                        g.join_deadline =
                            Some((now + self.cfg.group_initial_rebalance_delay_ms).min(cap));
                    }
                }
            }
            GroupState::CompletingRebalance | GroupState::Stable
                if known && !changed && !is_leader =>
            {
                // Kafka answers a follower that rejoins unchanged with the current generation.
                let m = g.members.get_mut(&id).expect("present");
                m.awaiting_join = None;
                let resp = Self::join_response(g, &id, c);
                out.send(from, resp);
                return;
            }
            _ => {
                let reason = if known {
                    format!("member {id} rejoined")
                } else {
                    format!("new member {id} joined")
                };
                self.prepare_rebalance(&req.group_id, reason, out);
            }
        }
        self.maybe_complete_join(&req.group_id, out);
        self.schedule_group_timer(out);
    }

    /// Starts (or restarts) the join phase of `group`.
    pub(in crate::broker) fn prepare_rebalance(
        &mut self,
        group: &str,
        reason: String,
        out: &mut Out,
    ) {
        let now = self.now;
        let initial_delay = self.cfg.group_initial_rebalance_delay_ms;
        let Some(g) = self.coord.groups.get_mut(group) else {
            return;
        };
        if g.state == GroupState::CompletingRebalance {
            for m in g.members.values_mut() {
                if let Some(c) = m.awaiting_sync.take() {
                    out.send(
                        m.client,
                        sync_answer(c, KafkaError::RebalanceInProgress, Vec::new()),
                    );
                }
            }
        }
        let timeout = g
            .members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0);
        if g.state == GroupState::Empty {
            g.initial_cap = Some(now + timeout);
            g.join_deadline = Some(now + initial_delay.min(timeout));
        } else {
            g.initial_cap = None;
            g.join_deadline = Some(now + timeout);
        }
        let how = if g.state == GroupState::Empty {
            format!(
                "; waiting group.initial.rebalance.delay.ms ({initial_delay} ms) for more members"
            )
        } else {
            "; the other members learn it from their heartbeat (REBALANCE_IN_PROGRESS) and rejoin"
                .to_string()
        };
        out.note(
            NoteKind::Group,
            format!(
                "group {group}: {} -> PreparingRebalance ({reason}){how}",
                g.state.name()
            ),
        );
        g.state = GroupState::PreparingRebalance;
        g.rebalance_reason = reason;
    }

    /// Ends the join phase when every known member has rejoined (not
    /// before the initial delay for a new group).
    pub(in crate::broker) fn maybe_complete_join(&mut self, group: &str, out: &mut Out) {
        let Some(g) = self.coord.groups.get(group) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance && g.all_joined() && g.initial_cap.is_none() {
            self.complete_join(group, out);
        }
    }

    fn complete_join(&mut self, group: &str, out: &mut Out) {
        let now = self.now;
        let Some(g) = self.coord.groups.get_mut(group) else {
            return;
        };
        let late: Vec<String> = g
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in &late {
            g.members.remove(id);
            out.note(
                NoteKind::Group,
                format!("group {group}: removed member {id}: it did not rejoin within the rebalance timeout"),
            );
        }
        g.join_deadline = None;
        g.initial_cap = None;
        g.generation += 1;
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.leader = None;
            g.protocol = None;
            out.note(
                NoteKind::Group,
                format!(
                    "group {group}: generation {} has no members: Empty",
                    g.generation
                ),
            );
            let (partition, stored) = (g.partition, stored(g));
            let rec = (group_key(group), Some(group_value(&stored, now as i64)));
            let _ = self.append_offsets(partition, vec![rec], WriteKind::Empty, out);
            return;
        }
        if g.leader.as_ref().is_none_or(|l| !g.members.contains_key(l)) {
            g.leader = g.members.keys().next().cloned();
        }
        g.protocol = g.common_protocols().into_iter().next();
        g.state = GroupState::CompletingRebalance;
        let leader = g.leader.clone().unwrap_or_default();
        out.note(
            NoteKind::Group,
            format!(
                "group {group}: generation {} with {} member(s), leader {leader}, assignor {}: CompletingRebalance, waiting for the leader's SyncGroup",
                g.generation,
                g.members.len(),
                g.protocol.as_deref().unwrap_or("-")
            ),
        );
        let ids: Vec<String> = g.members.keys().cloned().collect();
        for id in ids {
            let g = self.coord.groups.get_mut(group).expect("present");
            let m = g.members.get_mut(&id).expect("listed");
            m.is_new = false;
            m.last_heard = now;
            m.assignment.clear();
            let Some(c) = m.awaiting_join.take() else {
                continue;
            };
            let to = m.client;
            let resp = Self::join_response(g, &id, c);
            out.send(to, resp);
        }
    }

    fn join_response(g: &Group, id: &str, correlation_id: u64) -> Message {
        let leader = g.leader.clone().unwrap_or_default();
        let protocol = g.protocol.clone().unwrap_or_default();
        let members = if leader == id {
            g.members
                .values()
                .map(|m| JoinGroupMember {
                    member_id: m.member_id.clone(),
                    metadata: m
                        .protocols
                        .iter()
                        .find(|p| p.name == protocol)
                        .cloned()
                        .unwrap_or_else(|| m.protocols[0].clone()),
                })
                .collect()
        } else {
            Vec::new()
        };
        Message::JoinGroupResponse(JoinGroupResponse {
            correlation_id,
            error: KafkaError::None,
            generation_id: g.generation,
            protocol_name: protocol,
            leader,
            member_id: id.to_string(),
            members,
        })
    }

    pub(in crate::broker) fn on_heartbeat(&mut self, from: NodeId, req: Heartbeat, out: &mut Out) {
        let now = self.now;
        let error = match self.serves(&req.group_id) {
            Err(e) => e,
            Ok(_) => match self.coord.groups.get_mut(&req.group_id) {
                None => KafkaError::UnknownMemberId,
                Some(g) => match g.members.get_mut(&req.member_id) {
                    None => KafkaError::UnknownMemberId,
                    Some(m) => {
                        m.last_heard = now;
                        if req.generation_id != g.generation {
                            KafkaError::IllegalGeneration
                        } else if g.state == GroupState::PreparingRebalance {
                            KafkaError::RebalanceInProgress
                        } else {
                            KafkaError::None
                        }
                    }
                },
            },
        };
        out.send(
            from,
            Message::HeartbeatResponse {
                correlation_id: req.correlation_id,
                error,
            },
        );
        self.schedule_group_timer(out);
    }

    pub(in crate::broker) fn on_leave_group(
        &mut self,
        from: NodeId,
        req: LeaveGroup,
        out: &mut Out,
    ) {
        let error = match self.serves(&req.group_id) {
            Err(e) => e,
            Ok(_) => {
                let known = self
                    .coord
                    .groups
                    .get(&req.group_id)
                    .is_some_and(|g| g.members.contains_key(&req.member_id));
                if known {
                    self.remove_member(
                        &req.group_id,
                        &req.member_id,
                        format!("member {} left (LeaveGroup)", req.member_id),
                        out,
                    );
                    KafkaError::None
                } else {
                    KafkaError::UnknownMemberId
                }
            }
        };
        out.send(
            from,
            Message::LeaveGroupResponse {
                correlation_id: req.correlation_id,
                error,
            },
        );
    }

    fn remove_member(&mut self, group: &str, id: &str, reason: String, out: &mut Out) {
        let Some(g) = self.coord.groups.get_mut(group) else {
            return;
        };
        if let Some(mut m) = g.members.remove(id) {
            self.answer_pending(&mut m, KafkaError::UnknownMemberId, out);
        }
        let g = self.coord.groups.get(group).expect("present");
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(group, reason, out);
                self.maybe_complete_join(group, out);
            }
            GroupState::PreparingRebalance => {
                out.note(NoteKind::Group, format!("group {group}: {reason}"));
                self.maybe_complete_join(group, out);
            }
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// Session ends, join deadlines, forgotten pending members of `group`.
    pub(in crate::broker) fn group_due(&mut self, group: &str, out: &mut Out) {
        let now = self.now;
        let Some(g) = self.coord.groups.get_mut(group) else {
            return;
        };
        g.pending_members.retain(|_, until| *until > now);
        let expired: Vec<(String, u64)> = g
            .members
            .values()
            .filter(|m| m.session_deadline().is_some_and(|d| d <= now))
            .map(|m| (m.member_id.clone(), m.session_timeout_ms))
            .collect();
        for (id, timeout) in expired {
            self.remove_member(
                group,
                &id,
                format!(
                    "member {id} missed its session timeout ({timeout} ms without a heartbeat)"
                ),
                out,
            );
        }
        let Some(g) = self.coord.groups.get_mut(group) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance && g.join_deadline.is_some_and(|d| d <= now) {
            g.initial_cap = None;
            self.complete_join(group, out);
        }
    }

    /// Rebuilds a group from its stored metadata (or its tombstone).
    pub(in crate::broker) fn restore_group(&self, g: &mut Group, value: Option<StoredGroup>) {
        g.members.clear();
        let Some(v) = value else {
            g.state = GroupState::Empty;
            g.generation = 0;
            g.leader = None;
            g.protocol = None;
            return;
        };
        g.generation = v.generation;
        g.leader = v.leader;
        g.protocol = v.protocol.clone();
        g.state = if v.members.is_empty() {
            GroupState::Empty
        } else {
            GroupState::Stable
        };
        for sm in v.members {
            let protocol = crate::protocol::group::GroupProtocol {
                name: v.protocol.clone().unwrap_or_default(),
                topics: sm.topics,
                owned: Vec::new(),
                generation: v.generation,
            };
            g.members.insert(
                sm.member_id.clone(),
                Member {
                    member_id: sm.member_id.clone(),
                    client_id: sm.client_id.clone(),
                    client: sm.client_id.parse().unwrap_or(NodeId::Zk),
                    protocols: vec![protocol],
                    session_timeout_ms: sm.session_timeout_ms.max(0) as u64,
                    rebalance_timeout_ms: sm.rebalance_timeout_ms.max(0) as u64,
                    assignment: sm.assignment,
                    awaiting_join: None,
                    awaiting_sync: None,
                    last_heard: self.now,
                    is_new: false,
                },
            );
        }
    }
}

/// How Kafka maps an append error to what a group client sees.
pub(in crate::broker) fn coordinator_error(e: KafkaError) -> KafkaError {
    match e {
        KafkaError::NotLeaderOrFollower => KafkaError::NotCoordinator,
        KafkaError::NotEnoughReplicas
        | KafkaError::NotEnoughReplicasAfterAppend
        | KafkaError::RequestTimedOut
        | KafkaError::UnknownTopicOrPartition => KafkaError::CoordinatorNotAvailable,
        other => other,
    }
}
