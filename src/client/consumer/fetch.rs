//! The consumer's data path (Kafka's `Fetcher` and `poll()`): metadata,
//! committed offsets (`OffsetFetch`), resets by `auto.offset.reset` or a
//! seek (`ListOffsets`), one fetch at a time per leader for partitions
//! with nothing buffered, and the application polling at most
//! `max.poll.records` at its processing rate, auto-committing in poll.

use super::{Consumer, OffsetReset, Out, Phase, Req};
use crate::protocol::group::{
    ListOffsets, ListOffsetsResponse, OffsetFetch, OffsetFetchResponse, EARLIEST_TIMESTAMP,
    LATEST_TIMESTAMP,
};
use crate::protocol::kafka::{Fetch, FetchPartition, FetchResponse, MetadataResponse};
use crate::protocol::{KafkaError, Message};
use crate::sim::{NodeId, NoteKind};
use crate::topic::TopicPartition;
use std::collections::BTreeMap;

impl Consumer {
    pub(super) fn maybe_request_metadata(&mut self, out: &mut Out) {
        let stale = self
            .metadata_at
            .is_none_or(|t| self.now >= t + self.cfg.metadata_max_age_ms);
        if !(self.need_metadata || stale)
            || self.now < self.metadata_retry_at
            || self.in_flight.values().any(|(r, _)| *r == Req::Metadata)
        {
            return;
        }
        let Some(broker) = self.pick_broker() else {
            return;
        };
        let correlation_id = self.request(Req::Metadata, broker, out);
        out.send(
            NodeId::Broker(broker),
            Message::Metadata {
                correlation_id,
                topics: self.cfg.topics.clone(),
            },
        );
    }

    pub(super) fn on_metadata(&mut self, r: MetadataResponse, out: &mut Out) {
        for b in &r.brokers {
            if !self.bootstrap.contains(b) {
                self.bootstrap.push(*b);
            }
        }
        self.need_metadata = !r.unknown_topics.is_empty();
        self.metadata_retry_at = self.now + self.cfg.retry_backoff_ms;
        if !r.unknown_topics.is_empty() {
            self.note_limited(
                "unknown",
                format!(
                    "consumer-{}: topic(s) {} unknown (UNKNOWN_TOPIC_OR_PARTITION)",
                    self.id,
                    r.unknown_topics.join(",")
                ),
                out,
            );
        }
        self.metadata = r
            .partitions
            .into_iter()
            .filter(|p| self.cfg.topics.contains(&p.tp.topic))
            .map(|p| (p.tp.clone(), p))
            .collect();
        self.metadata_at = Some(self.now);
    }

    pub(super) fn drive_positions(&mut self, out: &mut Out) {
        if self.phase != Phase::Stable || self.now < self.retry_at {
            return;
        }
        if let (Some(c), false) = (self.coordinator, self.unpositioned.is_empty()) {
            if !self.in_flight.values().any(|(r, _)| *r == Req::OffsetFetch) {
                let correlation_id = self.request(Req::OffsetFetch, c, out);
                out.send(
                    NodeId::Broker(c),
                    Message::OffsetFetch(OffsetFetch {
                        correlation_id,
                        group_id: self.cfg.group_id.clone(),
                        partitions: self.unpositioned.clone(),
                    }),
                );
            }
        }
        if !self.resets.is_empty() && !self.in_flight.values().any(|(r, _)| *r == Req::ListOffsets)
        {
            let mut by_leader: BTreeMap<i32, Vec<(TopicPartition, i64)>> = BTreeMap::new();
            for (tp, ts) in &self.resets {
                match self.metadata.get(tp).filter(|p| p.leader >= 0) {
                    Some(ps) => by_leader
                        .entry(ps.leader)
                        .or_default()
                        .push((tp.clone(), *ts)),
                    None => self.need_metadata = true,
                }
            }
            for (leader, partitions) in by_leader {
                let correlation_id = self.request(Req::ListOffsets, leader, out);
                out.send(
                    NodeId::Broker(leader),
                    Message::ListOffsets(ListOffsets {
                        correlation_id,
                        partitions,
                    }),
                );
            }
        }
    }

    /// Asks the leaders for these offsets (`seek` and resets).
    pub(super) fn list_offsets(&mut self, parts: Vec<(TopicPartition, i64)>, out: &mut Out) {
        for (tp, ts) in parts {
            self.positions.remove(&tp);
            self.fetch_offsets.remove(&tp);
            self.resets.insert(tp, ts);
        }
        self.drive_positions(out);
    }

    pub(super) fn on_offset_fetch(&mut self, r: OffsetFetchResponse, out: &mut Out) {
        if r.error != KafkaError::None {
            self.coordinator_unknown(r.error, out);
            self.retry_at = self.now + self.cfg.retry_backoff_ms;
            return;
        }
        for (tp, offset) in r.offsets {
            if !self.unpositioned.contains(&tp) {
                continue;
            }
            self.unpositioned.retain(|t| t != &tp);
            if offset >= 0 {
                self.committed.insert(tp.clone(), offset);
                self.positions.insert(tp.clone(), offset);
                self.fetch_offsets.insert(tp, offset);
                continue;
            }
            let ts = match self.cfg.auto_offset_reset {
                OffsetReset::Earliest => EARLIEST_TIMESTAMP,
                OffsetReset::Latest => LATEST_TIMESTAMP,
                OffsetReset::None => {
                    out.note(
                        NoteKind::Client,
                        format!("consumer-{}: no committed offset for {tp} and auto.offset.reset=none (NoOffsetForPartitionException): not reading it", self.id),
                    );
                    continue;
                }
            };
            out.note(
                NoteKind::Client,
                format!(
                    "consumer-{}: no committed offset for {tp}: auto.offset.reset={} asks the leader for the {} offset",
                    self.id,
                    if ts == EARLIEST_TIMESTAMP { "earliest" } else { "latest" },
                    if ts == EARLIEST_TIMESTAMP { "first" } else { "last" },
                ),
            );
            self.resets.insert(tp, ts);
        }
    }

    pub(super) fn on_list_offsets(&mut self, r: ListOffsetsResponse, out: &mut Out) {
        for lo in r.partitions {
            if self.resets.get(&lo.tp) != Some(&lo.timestamp) {
                continue;
            }
            if lo.error != KafkaError::None {
                self.need_metadata = true;
                self.retry_at = self.now + self.cfg.retry_backoff_ms;
                continue;
            }
            self.resets.remove(&lo.tp);
            if !self.assignment.contains(&lo.tp) {
                continue;
            }
            let offset = if lo.offset < 0 {
                let end = self.high_watermarks.get(&lo.tp).copied().unwrap_or(0);
                out.note(
                    NoteKind::Client,
                    format!(
                        "consumer-{}: no record of {} at or after time {}: position at the end",
                        self.id, lo.tp, lo.timestamp
                    ),
                );
                end
            } else {
                lo.offset
            };
            self.positions.insert(lo.tp.clone(), offset);
            self.fetch_offsets.insert(lo.tp, offset);
        }
    }

    /// The application's `poll()` loop: auto-commit when due, then up to
    /// `max.poll.records` records per poll, processed at the processing
    /// rate (without one, polls follow each other until the buffer is empty).
    pub(super) fn poll(&mut self, out: &mut Out) {
        if self.processing_until.is_some_and(|t| t > self.now) {
            return;
        }
        self.processing_until = None;
        if self.phase != Phase::Stable {
            return;
        }
        if self.cfg.enable_auto_commit
            && self.now >= self.last_commit + self.cfg.auto_commit_interval_ms
        {
            self.send_commit(false, out);
        }
        loop {
            let taken = self.poll_once();
            if taken == 0 {
                return;
            }
            if self.cfg.processing_rate > 0.0 {
                let ms = (taken as f64 * 1000.0 / self.cfg.processing_rate).ceil() as u64;
                self.processing_until = Some(self.now + ms.max(1));
                return;
            }
        }
    }

    /// One `poll()`: up to `max.poll.records` buffered records, in fetch
    /// order, each at its partition's position; returns how many.
    fn poll_once(&mut self) -> u64 {
        let mut left = u64::from(self.cfg.max_poll_records);
        let mut taken = 0u64;
        while left > 0 {
            let Some((tp, first, last)) = self.buffer.pop_front() else {
                break;
            };
            let Some(pos) = self.positions.get(&tp).copied() else {
                continue;
            };
            if last < pos {
                continue;
            }
            let from = first.max(pos);
            let n = ((last - from + 1) as u64).min(left);
            let to = from + n as i64 - 1;
            if to < last {
                self.buffer.push_front((tp.clone(), to + 1, last));
            }
            self.positions.insert(tp.clone(), to + 1);
            self.processed.push((tp, from, to));
            left -= n;
            taken += n;
        }
        self.stats.consumed += taken;
        taken
    }

    pub(super) fn send_fetches(&mut self, out: &mut Out) {
        if self.phase != Phase::Stable {
            return;
        }
        let busy: Vec<i32> = self
            .in_flight
            .values()
            .filter(|(r, _)| *r == Req::Fetch)
            .map(|(_, b)| *b)
            .collect();
        let mut by_leader: BTreeMap<i32, Vec<FetchPartition>> = BTreeMap::new();
        for tp in &self.assignment {
            let Some(offset) = self.fetch_offsets.get(tp) else {
                continue;
            };
            if self.buffer.iter().any(|(t, _, _)| t == tp) {
                continue;
            }
            match self.metadata.get(tp).filter(|p| p.leader >= 0) {
                Some(ps) if !busy.contains(&ps.leader) && self.reachable(ps.leader) => by_leader
                    .entry(ps.leader)
                    .or_default()
                    .push(FetchPartition {
                        tp: tp.clone(),
                        current_leader_epoch: ps.leader_epoch,
                        fetch_offset: *offset,
                    }),
                Some(_) => {}
                None => self.need_metadata = true,
            }
        }
        for (leader, partitions) in by_leader {
            let correlation_id = self.request(Req::Fetch, leader, out);
            out.send(
                NodeId::Broker(leader),
                Message::Fetch(Fetch {
                    correlation_id,
                    replica_id: -1,
                    max_wait_ms: self.cfg.fetch_max_wait_ms,
                    max_bytes: self.cfg.max_partition_fetch_bytes as usize,
                    partitions,
                }),
            );
        }
    }

    pub(super) fn on_fetch(&mut self, from: NodeId, r: FetchResponse, out: &mut Out) {
        for p in r.partitions {
            let Some(at) = self.fetch_offsets.get(&p.tp).copied() else {
                continue;
            };
            match p.error {
                KafkaError::None => {}
                KafkaError::OffsetOutOfRange => {
                    let ts = match self.cfg.auto_offset_reset {
                        OffsetReset::Earliest => EARLIEST_TIMESTAMP,
                        _ => LATEST_TIMESTAMP,
                    };
                    out.note(
                        NoteKind::Client,
                        format!("consumer-{}: fetch at {at} of {} from {from}: OFFSET_OUT_OF_RANGE; resetting", self.id, p.tp),
                    );
                    self.resets.insert(p.tp.clone(), ts);
                    self.stats.out_of_range_resets += 1;
                    self.fetch_offsets.remove(&p.tp);
                    continue;
                }
                e => {
                    if e.needs_metadata() {
                        self.need_metadata = true;
                    }
                    self.retry_at = self.now + self.cfg.retry_backoff_ms;
                    continue;
                }
            }
            self.high_watermarks.insert(p.tp.clone(), p.high_watermark);
            let max = self
                .high_watermarks_max
                .entry(p.tp.clone())
                .or_insert(p.high_watermark);
            *max = (*max).max(p.high_watermark);
            let mut bytes = p.records.as_slice();
            let mut next = at;
            while let Some(info) = crate::log::peek(bytes) {
                let Some(batch) = bytes.get(..info.size) else {
                    break;
                };
                let last = info.base_offset + i64::from(info.last_offset_delta);
                if last >= next {
                    if i64::from(info.record_count) == last - info.base_offset + 1 {
                        self.buffer
                            .push_back((p.tp.clone(), info.base_offset.max(next), last));
                    } else if let Ok(recs) = crate::log::records(batch) {
                        for rec in recs.iter().filter(|r| r.offset >= next) {
                            self.buffer
                                .push_back((p.tp.clone(), rec.offset, rec.offset));
                        }
                    }
                    next = last + 1;
                }
                bytes = &bytes[info.size..];
            }
            self.fetch_offsets.insert(p.tp, next);
        }
    }
}
