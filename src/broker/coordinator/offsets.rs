//! Offsets: `OffsetCommit` (checked against the member and generation,
//! stored as records keyed (group, topic, partition) and answered once
//! replicated), `OffsetFetch` from the coordinator's cache, and
//! `ListOffsets` on partition leaders (earliest, latest, or by time).

use super::membership::coordinator_error;
use super::records::{offset_key, offset_value};
use super::{Group, GroupState, WriteKind};
use crate::broker::{Broker, Out};
use crate::protocol::group::{
    ListOffsets, ListOffsetsResponse, ListedOffset, OffsetCommit, OffsetCommitResponse,
    OffsetFetch, OffsetFetchResponse, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP,
};
use crate::protocol::{KafkaError, Message};
use crate::sim::{Mutation, NodeId, NoteKind};
use crate::topic::TopicPartition;

impl Broker {
    pub(in crate::broker) fn commit_check(
        &mut self,
        req: &OffsetCommit,
    ) -> Result<i32, KafkaError> {
        let partition = self.serves(&req.group_id)?;
        let g = self
            .coord
            .groups
            .entry(req.group_id.clone())
            .or_insert_with(|| Group::new(&req.group_id, partition));
        if req.generation_id < 0 && g.state == GroupState::Empty {
            return Ok(partition);
        }
        if self.cfg.mutation == Some(Mutation::StaleGenerationCommit) && g.state != GroupState::Dead
        {
            // Planted bug: no fencing, a zombie's commit is taken.
            return Ok(partition);
        }
        if !g.members.contains_key(&req.member_id) {
            return Err(KafkaError::UnknownMemberId);
        }
        if req.generation_id != g.generation {
            return Err(KafkaError::IllegalGeneration);
        }
        match g.state {
            GroupState::Stable | GroupState::PreparingRebalance => Ok(partition),
            GroupState::CompletingRebalance => Err(KafkaError::RebalanceInProgress),
            GroupState::Empty | GroupState::Dead => Err(KafkaError::UnknownMemberId),
        }
    }

    pub(in crate::broker) fn on_offset_commit(
        &mut self,
        from: NodeId,
        req: OffsetCommit,
        out: &mut Out,
    ) {
        let refuse = |error: KafkaError, req: &OffsetCommit, out: &mut Out| {
            out.send(
                from,
                Message::OffsetCommitResponse(OffsetCommitResponse {
                    correlation_id: req.correlation_id,
                    partitions: req
                        .offsets
                        .iter()
                        .map(|(tp, _)| (tp.clone(), error))
                        .collect(),
                }),
            );
        };
        let partition = match self.commit_check(&req) {
            Ok(p) => p,
            Err(e) => {
                if e == KafkaError::IllegalGeneration {
                    let generation = self.coord.groups[&req.group_id].generation;
                    out.note(
                        NoteKind::Group,
                        format!(
                            "group {}: refused a commit from {} for generation {} (now {generation}): ILLEGAL_GENERATION",
                            req.group_id, req.member_id, req.generation_id
                        ),
                    );
                }
                return refuse(e, &req, out);
            }
        };
        let now = self.now as i64;
        let records = req
            .offsets
            .iter()
            .map(|(tp, o)| (offset_key(&req.group_id, tp), Some(offset_value(*o, now))))
            .collect();
        let kind = WriteKind::Commit {
            from,
            correlation_id: req.correlation_id,
            group: req.group_id.clone(),
            offsets: req.offsets.clone(),
        };
        if let Err(e) = self.append_offsets(partition, records, kind, out) {
            refuse(coordinator_error(e), &req, out);
        }
    }

    pub(in crate::broker) fn commit_done(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        group: &str,
        offsets: Vec<(TopicPartition, i64)>,
        result: Result<(), KafkaError>,
        out: &mut Out,
    ) {
        let error = match result {
            Ok(()) => {
                if let Some(g) = self.coord.groups.get_mut(group) {
                    for (tp, o) in &offsets {
                        g.offsets.insert(tp.clone(), *o);
                    }
                }
                KafkaError::None
            }
            Err(e) => coordinator_error(e),
        };
        out.send(
            from,
            Message::OffsetCommitResponse(OffsetCommitResponse {
                correlation_id,
                partitions: offsets.into_iter().map(|(tp, _)| (tp, error)).collect(),
            }),
        );
    }

    pub(in crate::broker) fn on_offset_fetch(
        &mut self,
        from: NodeId,
        req: OffsetFetch,
        out: &mut Out,
    ) {
        let (error, offsets) = match self.serves(&req.group_id) {
            Err(e) => (e, Vec::new()),
            Ok(_) => {
                let g = self.coord.groups.get(&req.group_id);
                let offsets = req
                    .partitions
                    .iter()
                    .map(|tp| {
                        let o = g.and_then(|g| g.offsets.get(tp)).copied().unwrap_or(-1);
                        (tp.clone(), o)
                    })
                    .collect();
                (KafkaError::None, offsets)
            }
        };
        out.send(
            from,
            Message::OffsetFetchResponse(OffsetFetchResponse {
                correlation_id: req.correlation_id,
                error,
                offsets,
            }),
        );
    }

    pub(in crate::broker) fn on_list_offsets(
        &mut self,
        from: NodeId,
        req: ListOffsets,
        out: &mut Out,
    ) {
        let partitions = req
            .partitions
            .into_iter()
            .map(|(tp, timestamp)| {
                let mut lo = ListedOffset {
                    tp: tp.clone(),
                    error: KafkaError::None,
                    timestamp,
                    offset: -1,
                };
                if let Some(e) = self.leader_error(&tp, -1) {
                    lo.error = e;
                    return lo;
                }
                let log = &self.disk.logs[&tp];
                let hw = self.replicas[&tp].hw;
                lo.offset = match timestamp {
                    EARLIEST_TIMESTAMP => log.log_start_offset(),
                    LATEST_TIMESTAMP => hw,
                    t => log
                        .offset_for_timestamp(t)
                        .filter(|o| *o < hw)
                        .unwrap_or(-1),
                };
                lo
            })
            .collect();
        out.send(
            from,
            Message::ListOffsetsResponse(ListOffsetsResponse {
                correlation_id: req.correlation_id,
                partitions,
            }),
        );
    }
}
