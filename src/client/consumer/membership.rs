//! The consumer's side of the group protocol (Kafka's `AbstractCoordinator`
//! and `ConsumerCoordinator`): FindCoordinator, JoinGroup (rejoining with
//! the member id after MEMBER_ID_REQUIRED), the assignor run by the
//! leader, SyncGroup (heartbeats are in `heartbeat.rs`), and offset
//! commits.

use super::{Consumer, Out, Phase, Req};
use crate::client::assignor::{assign_with_owned, MemberSubscription, Members};
use crate::protocol::group::{
    FindCoordinator, FindCoordinatorResponse, GroupProtocol, JoinGroup, JoinGroupResponse,
    OffsetCommit, OffsetCommitResponse, SyncGroup, SyncGroupResponse,
};
use crate::protocol::{KafkaError, Message};
use crate::sim::{NodeId, NoteKind};
use crate::topic::TopicPartition;
use std::collections::BTreeMap;

impl Consumer {
    fn in_flight_of(&self, want: impl Fn(&Req) -> bool) -> bool {
        self.in_flight.values().any(|(r, _)| want(r))
    }

    pub(super) fn drive_membership(&mut self, out: &mut Out) {
        if self.phase == Phase::Closed || self.now < self.retry_at {
            return;
        }
        let Some(c) = self.coordinator else {
            if self.in_flight_of(|r| *r == Req::FindCoordinator) {
                return;
            }
            if let Some(broker) = self.pick_broker() {
                let correlation_id = self.request(Req::FindCoordinator, broker, out);
                out.send(
                    NodeId::Broker(broker),
                    Message::FindCoordinator(FindCoordinator {
                        correlation_id,
                        key: self.cfg.group_id.clone(),
                    }),
                );
            }
            return;
        };
        match self.phase {
            Phase::Unjoined => self.send_join(c, out),
            Phase::Stable => {
                if !self.heartbeat(c, out) {
                    return;
                }
                if self.is_leader() && self.metadata_at.is_some() {
                    let counts = self.partition_counts();
                    if counts != self.assigned_counts {
                        self.rejoin(
                            format!(
                                "as leader it saw the partition counts change ({:?} -> {counts:?})",
                                self.assigned_counts
                            ),
                            out,
                        );
                    }
                }
            }
            Phase::CommittingBeforeJoin | Phase::Syncing => {
                self.heartbeat(c, out);
            }
            Phase::Joining | Phase::Closed => {}
        }
    }

    /// Partition counts of the subscribed topics in the metadata.
    pub(super) fn partition_counts(&self) -> BTreeMap<String, u32> {
        let mut counts = BTreeMap::new();
        for tp in self.metadata.keys() {
            if self.cfg.topics.contains(&tp.topic) {
                *counts.entry(tp.topic.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    fn send_join(&mut self, c: i32, out: &mut Out) {
        if self.in_flight_of(|r| *r == Req::Join) {
            return;
        }
        let correlation_id = self.request(Req::Join, c, out);
        self.phase = Phase::Joining;
        let protocol = GroupProtocol {
            name: super::assignor_name(self.cfg.partition_assignment_strategy).to_string(),
            topics: self.cfg.topics.clone(),
            owned: self.previous.0.clone(),
            generation: self.previous.1,
        };
        out.send(
            NodeId::Broker(c),
            Message::JoinGroup(JoinGroup {
                correlation_id,
                group_id: self.cfg.group_id.clone(),
                session_timeout_ms: self.cfg.session_timeout_ms,
                rebalance_timeout_ms: self.cfg.max_poll_interval_ms,
                member_id: self.member_id.clone(),
                client_id: self.client_id(),
                protocol_type: "consumer".into(),
                protocols: vec![protocol],
            }),
        );
    }

    /// Gives up the assignment (eager protocol) and joins again, committing
    /// first with auto-commit on.
    pub(super) fn rejoin(&mut self, reason: String, out: &mut Out) {
        if matches!(
            self.phase,
            Phase::Closed | Phase::Joining | Phase::CommittingBeforeJoin
        ) {
            return;
        }
        out.note(
            NoteKind::Group,
            format!(
                "consumer-{} rejoins group {}: {reason}",
                self.id, self.cfg.group_id
            ),
        );
        let committing = self.cfg.enable_auto_commit
            && self.generation >= 0
            && self.coordinator.is_some()
            && self.send_commit(true, out);
        self.phase = if committing {
            Phase::CommittingBeforeJoin
        } else {
            Phase::Unjoined
        };
        self.revoke();
    }

    fn revoke(&mut self) {
        self.previous = (std::mem::take(&mut self.assignment), self.generation);
        self.buffer.clear();
        self.positions.clear();
        self.fetch_offsets.clear();
        self.unpositioned.clear();
        self.resets.clear();
    }

    /// Forgets the generation (and with `member` the member id) after the
    /// coordinator refused them.
    pub(super) fn reset_generation(&mut self, member: bool) {
        self.generation = -1;
        if member {
            self.member_id.clear();
        }
    }

    /// The coordinator moved or is unreachable: look for it again.
    pub(super) fn coordinator_unknown(&mut self, error: KafkaError, out: &mut Out) {
        if error == KafkaError::CoordinatorLoadInProgress {
            self.retry_at = self.now + self.cfg.retry_backoff_ms;
            self.note_limited(
                "loading",
                format!(
                    "consumer-{}: broker {} is still loading the group from __consumer_offsets (COORDINATOR_LOAD_IN_PROGRESS); retrying",
                    self.id,
                    self.coordinator.unwrap_or(-1)
                ),
                out,
            );
            return;
        }
        if !error.coordinator_moved() {
            return;
        }
        if let Some(c) = self.coordinator.take() {
            out.note(
                NoteKind::Group,
                format!("consumer-{}: coordinator broker {c} unavailable ({error}); looking for it again", self.id),
            );
        }
        self.retry_at = self.now + self.cfg.retry_backoff_ms;
    }

    pub(super) fn on_find_coordinator(&mut self, r: FindCoordinatorResponse, out: &mut Out) {
        if r.error != KafkaError::None {
            self.retry_at = self.now + self.cfg.retry_backoff_ms;
            self.note_limited(
                "find",
                format!(
                    "FindCoordinator for group {}: {}; retrying",
                    self.cfg.group_id, r.error
                ),
                out,
            );
            return;
        }
        if self.coordinator != Some(r.node_id) {
            out.note(
                NoteKind::Group,
                format!(
                    "consumer-{}: the coordinator of group {} is broker {}",
                    self.id, self.cfg.group_id, r.node_id
                ),
            );
        }
        self.coordinator = Some(r.node_id);
        // Kafka resets the session timer when it finds the coordinator.
        self.heartbeat_ok_at = self.now;
    }

    pub(super) fn on_join(&mut self, r: JoinGroupResponse, out: &mut Out) {
        self.phase = Phase::Unjoined;
        match r.error {
            KafkaError::None => {}
            KafkaError::MemberIdRequired => {
                self.member_id = r.member_id;
                return;
            }
            KafkaError::UnknownMemberId => {
                self.reset_generation(true);
                return;
            }
            KafkaError::InconsistentGroupProtocol | KafkaError::InvalidSessionTimeout => {
                out.note(
                    NoteKind::Group,
                    format!(
                        "consumer-{} cannot join group {}: {}; it stops",
                        self.id, self.cfg.group_id, r.error
                    ),
                );
                self.phase = Phase::Closed;
                return;
            }
            e => {
                self.coordinator_unknown(e, out);
                self.retry_at = self.now + self.cfg.retry_backoff_ms;
                return;
            }
        }
        self.member_id = r.member_id;
        self.generation = r.generation_id;
        self.leader = r.leader;
        self.stats.rebalances += 1;
        let Some(c) = self.coordinator else {
            return;
        };
        let mut assignments = Vec::new();
        if self.is_leader() {
            let members: Members = r
                .members
                .iter()
                .map(|m| {
                    let owned = m
                        .metadata
                        .owned
                        .iter()
                        .map(|tp| (tp.topic.clone(), tp.partition as u32))
                        .collect();
                    let sub = MemberSubscription::new(m.metadata.topics.iter().cloned().collect())
                        .owning(owned, m.metadata.generation);
                    (m.member_id.clone(), sub)
                })
                .collect();
            let counts = self.partition_counts();
            let result =
                assign_with_owned(self.cfg.partition_assignment_strategy, &members, &counts);
            self.assigned_counts = counts;
            let text: Vec<String> = result
                .iter()
                .map(|(m, parts)| {
                    let list: Vec<String> = parts.iter().map(|(t, p)| format!("{t}-{p}")).collect();
                    format!("{m}: [{}]", list.join(", "))
                })
                .collect();
            out.note(
                NoteKind::Group,
                format!(
                    "consumer-{} leads generation {} of group {}: {} assignment {}",
                    self.id,
                    self.generation,
                    self.cfg.group_id,
                    r.protocol_name,
                    text.join("; ")
                ),
            );
            assignments = result
                .into_iter()
                .map(|(m, parts)| {
                    let parts = parts
                        .into_iter()
                        .map(|(t, p)| TopicPartition::new(&t, p as i32))
                        .collect();
                    (m, parts)
                })
                .collect();
        }
        let correlation_id = self.request(Req::Sync, c, out);
        self.phase = Phase::Syncing;
        // Kafka's heartbeat thread starts again here (COMPLETING_REBALANCE).
        self.heartbeat_ok_at = self.now;
        self.next_heartbeat = self.now + self.cfg.heartbeat_interval_ms;
        out.send(
            NodeId::Broker(c),
            Message::SyncGroup(SyncGroup {
                correlation_id,
                group_id: self.cfg.group_id.clone(),
                generation_id: self.generation,
                member_id: self.member_id.clone(),
                assignments,
            }),
        );
    }

    pub(super) fn on_sync(&mut self, r: SyncGroupResponse, out: &mut Out) {
        match r.error {
            KafkaError::None => {
                self.phase = Phase::Stable;
                self.next_heartbeat = self.now + self.cfg.heartbeat_interval_ms;
                self.heartbeat_ok_at = self.now;
                self.assignment = r.assignment;
                self.unpositioned = self.assignment.clone();
                let list: Vec<String> = self.assignment.iter().map(|tp| tp.to_string()).collect();
                out.note(
                    NoteKind::Group,
                    format!(
                        "consumer-{} got generation {} of group {}: {}",
                        self.id,
                        self.generation,
                        self.cfg.group_id,
                        if list.is_empty() {
                            "no partitions (idle: more members than partitions)".to_string()
                        } else {
                            list.join(", ")
                        }
                    ),
                );
            }
            KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                self.reset_generation(r.error == KafkaError::UnknownMemberId);
                self.phase = Phase::Unjoined;
            }
            e => {
                self.coordinator_unknown(e, out);
                self.phase = Phase::Unjoined;
            }
        }
    }

    /// Sends an `OffsetCommit` of the current positions; false when there
    /// is nothing to commit or no coordinator.
    pub(super) fn send_commit(&mut self, before_join: bool, out: &mut Out) -> bool {
        let Some(c) = self.coordinator else {
            return false;
        };
        let offsets: Vec<(TopicPartition, i64)> = self
            .assignment
            .iter()
            .filter_map(|tp| self.positions.get(tp).map(|o| (tp.clone(), *o)))
            .filter(|(tp, o)| self.committed.get(tp) != Some(o))
            .collect();
        self.last_commit = self.now;
        if offsets.is_empty() {
            return false;
        }
        let correlation_id = self.request(
            Req::Commit {
                offsets: offsets.clone(),
                before_join,
            },
            c,
            out,
        );
        out.send(
            NodeId::Broker(c),
            Message::OffsetCommit(OffsetCommit {
                correlation_id,
                group_id: self.cfg.group_id.clone(),
                generation_id: self.generation,
                member_id: self.member_id.clone(),
                offsets,
            }),
        );
        true
    }

    pub(super) fn on_commit(
        &mut self,
        offsets: Vec<(TopicPartition, i64)>,
        before_join: bool,
        r: OffsetCommitResponse,
        out: &mut Out,
    ) {
        match r
            .partitions
            .iter()
            .map(|p| p.1)
            .find(|e| *e != KafkaError::None)
        {
            None => {
                self.stats.commits += 1;
                for (tp, o) in offsets {
                    self.committed.insert(tp, o);
                }
                if before_join {
                    self.phase = Phase::Unjoined;
                }
            }
            Some(e) => self.commit_failed(offsets, before_join, e, out),
        }
    }

    pub(super) fn commit_failed(
        &mut self,
        offsets: Vec<(TopicPartition, i64)>,
        before_join: bool,
        error: KafkaError,
        out: &mut Out,
    ) {
        self.stats.failed_commits += 1;
        out.note(
            NoteKind::Group,
            format!(
                "consumer-{}: commit of {} partition(s) failed: {error}{}",
                self.id,
                offsets.len(),
                if matches!(
                    error,
                    KafkaError::IllegalGeneration | KafkaError::UnknownMemberId
                ) {
                    " (CommitFailedException): records after the last commit will be read again"
                } else {
                    ""
                }
            ),
        );
        self.coordinator_unknown(error, out);
        if before_join {
            self.phase = Phase::Unjoined;
            return;
        }
        match error {
            KafkaError::IllegalGeneration | KafkaError::UnknownMemberId => {
                self.reset_generation(error == KafkaError::UnknownMemberId);
                self.rejoin(format!("commit got {error}"), out);
            }
            KafkaError::RebalanceInProgress => {
                self.rejoin("commit got REBALANCE_IN_PROGRESS".into(), out)
            }
            _ => {}
        }
    }
}
