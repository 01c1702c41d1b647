//! The follower side of replication (Kafka's `ReplicaFetcherThread`): one
//! fetcher per leader broker pulls every partition this broker follows
//! there, appends what comes back and takes the leader's high watermark.
//! A new follower first asks the leader where its own latest leader epoch
//! ends (`OffsetsForLeaderEpoch`, KIP-101) and truncates there; with the
//! pre-KIP-101 switch it truncated to its high watermark instead (done when
//! the leadership changed).

use super::replica::Follow;
use super::{Broker, BrokerTimer, Out};
use crate::log::{peek as peek_batch, Log};
use crate::protocol::kafka::{
    EpochQuery, Fetch, FetchPartition, FetchResponse, OffsetsForLeaderEpoch,
    OffsetsForLeaderEpochResponse,
};
use crate::protocol::{KafkaError, Message};
use crate::sim::{Mutation, NodeId, NoteKind};
use crate::topic::TopicPartition;

/// One fetcher: the request in flight to a leader, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fetcher {
    /// Correlation id of the fetch in flight.
    pub in_flight: Option<u64>,
    /// Waiting `replica.fetch.backoff.ms` after an error.
    pub backing_off: bool,
    /// Correlation id of the `OffsetsForLeaderEpoch` in flight.
    pub epoch_query: Option<u64>,
}

impl Broker {
    /// Fetchers by leader broker.
    pub fn fetchers(&self) -> &std::collections::BTreeMap<i32, Fetcher> {
        &self.fetchers
    }

    fn followed(&self, leader: i32, follow: Follow) -> Vec<TopicPartition> {
        self.replicas
            .iter()
            .filter(|(_, r)| r.leader == leader && r.follow == follow && leader != self.id)
            .map(|(tp, _)| tp.clone())
            .collect()
    }

    fn leaders_followed(&self) -> Vec<i32> {
        let mut v: Vec<i32> = self
            .replicas
            .values()
            .filter(|r| r.follow != Follow::Idle && r.leader >= 0 && r.leader != self.id)
            .map(|r| r.leader)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Sends `OffsetsForLeaderEpoch` for partitions that just became followers.
    pub(super) fn start_truncations(&mut self, out: &mut Out) {
        for leader in self.leaders_followed() {
            let parts = self.followed(leader, Follow::Truncating);
            if parts.is_empty()
                || self
                    .fetchers
                    .get(&leader)
                    .is_some_and(|f| f.epoch_query.is_some())
            {
                continue;
            }
            let partitions = parts
                .iter()
                .map(|tp| EpochQuery {
                    tp: tp.clone(),
                    current_leader_epoch: self.replicas[tp].leader_epoch,
                    leader_epoch: self.disk.logs[tp]
                        .leader_epochs()
                        .latest_epoch()
                        .unwrap_or(-1),
                })
                .collect();
            let correlation_id = self.next_correlation;
            self.next_correlation += 1;
            self.fetchers.entry(leader).or_default().epoch_query = Some(correlation_id);
            out.send(
                NodeId::Broker(leader),
                Message::OffsetsForLeaderEpoch(OffsetsForLeaderEpoch {
                    correlation_id,
                    replica_id: self.id,
                    partitions,
                }),
            );
            out.timer(
                self.now + self.cfg.replica_socket_timeout_ms,
                BrokerTimer::EpochQueryTimeout {
                    leader,
                    correlation_id,
                },
            );
        }
    }

    pub(super) fn epoch_query_timeout(&mut self, leader: i32, correlation_id: u64, out: &mut Out) {
        if let Some(f) = self.fetchers.get_mut(&leader) {
            if f.epoch_query == Some(correlation_id) {
                f.epoch_query = None;
                self.start_truncations(out);
            }
        }
    }

    pub(super) fn on_epoch_response(
        &mut self,
        from: NodeId,
        resp: OffsetsForLeaderEpochResponse,
        out: &mut Out,
    ) {
        let NodeId::Broker(leader) = from else {
            return;
        };
        match self.fetchers.get_mut(&leader) {
            Some(f) if f.epoch_query == Some(resp.correlation_id) => f.epoch_query = None,
            _ => return,
        }
        let now = self.now;
        let mut retry = false;
        for p in resp.partitions {
            let Some(r) = self.replicas.get_mut(&p.tp) else {
                continue;
            };
            if r.leader != leader || r.follow != Follow::Truncating {
                continue;
            }
            if p.error != KafkaError::None {
                retry = true;
                continue;
            }
            let log = self.disk.logs.get_mut(&p.tp).expect("a replica has a log");
            let leo = log.log_end_offset();
            let target = if self.cfg.mutation == Some(Mutation::FollowerSkipsTruncation) {
                leo
            } else if p.end_offset < 0 {
                r.hw.min(leo)
            } else {
                p.end_offset.min(leo)
            };
            if target < leo {
                out.note(
                    NoteKind::Truncate,
                    format!(
                        "{}: leader {leader} says epoch {} ends at {}: truncated its log from {leo} to {target} (KIP-101)",
                        p.tp, p.leader_epoch, p.end_offset
                    ),
                );
                log.truncate_to(now, target);
                r.hw = r.hw.min(target);
            }
            r.follow = Follow::Fetching;
        }
        if retry {
            self.back_off(leader, out);
        } else {
            // Partitions that became followers while this query was out.
            self.start_truncations(out);
        }
        self.pump_fetchers(out);
    }

    /// Sends a fetch to every leader that has none in flight.
    pub(super) fn pump_fetchers(&mut self, out: &mut Out) {
        for leader in self.leaders_followed() {
            self.pump_fetcher(leader, out);
        }
    }

    fn pump_fetcher(&mut self, leader: i32, out: &mut Out) {
        let f = self.fetchers.entry(leader).or_default();
        if f.in_flight.is_some() || f.backing_off {
            return;
        }
        let parts = self.followed(leader, Follow::Fetching);
        if parts.is_empty() {
            return;
        }
        let partitions = parts
            .iter()
            .map(|tp| FetchPartition {
                tp: tp.clone(),
                current_leader_epoch: self.replicas[tp].leader_epoch,
                fetch_offset: self.disk.logs[tp].log_end_offset(),
            })
            .collect();
        let correlation_id = self.next_correlation;
        self.next_correlation += 1;
        self.fetchers.entry(leader).or_default().in_flight = Some(correlation_id);
        out.send(
            NodeId::Broker(leader),
            Message::Fetch(Fetch {
                correlation_id,
                replica_id: self.id,
                max_wait_ms: self.cfg.replica_fetch_wait_max_ms,
                max_bytes: self.cfg.replica_fetch_max_bytes,
                partitions,
            }),
        );
        out.timer(
            self.now + self.cfg.replica_socket_timeout_ms,
            BrokerTimer::FetchTimeout {
                leader,
                correlation_id,
            },
        );
    }

    /// A leader's process went away: its requests will never be answered.
    pub(super) fn on_connection_closed(&mut self, from: NodeId, out: &mut Out) {
        let NodeId::Broker(leader) = from else {
            return;
        };
        let Some(f) = self.fetchers.get_mut(&leader) else {
            return;
        };
        if f.in_flight.is_none() && f.epoch_query.is_none() {
            return;
        }
        f.in_flight = None;
        f.epoch_query = None;
        self.back_off(leader, out);
    }

    /// Waits `replica.fetch.backoff.ms` before asking `leader` again.
    fn back_off(&mut self, leader: i32, out: &mut Out) {
        let f = self.fetchers.entry(leader).or_default();
        if !f.backing_off {
            f.backing_off = true;
            out.timer(
                self.now + self.cfg.replica_fetch_backoff_ms,
                BrokerTimer::FetchBackoff { leader },
            );
        }
    }

    pub(super) fn fetch_timeout(&mut self, leader: i32, correlation_id: u64, out: &mut Out) {
        if let Some(f) = self.fetchers.get_mut(&leader) {
            if f.in_flight == Some(correlation_id) {
                f.in_flight = None;
                self.pump_fetcher(leader, out);
            }
        }
    }

    pub(super) fn fetch_backoff_over(&mut self, leader: i32, out: &mut Out) {
        if let Some(f) = self.fetchers.get_mut(&leader) {
            f.backing_off = false;
        }
        self.start_truncations(out);
        self.pump_fetcher(leader, out);
    }

    pub(super) fn on_fetch_response(&mut self, from: NodeId, resp: FetchResponse, out: &mut Out) {
        let NodeId::Broker(leader) = from else {
            return;
        };
        match self.fetchers.get_mut(&leader) {
            Some(f) if f.in_flight == Some(resp.correlation_id) => f.in_flight = None,
            _ => return,
        }
        let now = self.now;
        let mut failed = false;
        let mut appended = 0;
        for p in resp.partitions {
            let Some(r) = self.replicas.get_mut(&p.tp) else {
                continue;
            };
            if r.leader != leader || r.follow != Follow::Fetching {
                continue;
            }
            let log = self.disk.logs.get_mut(&p.tp).expect("a replica has a log");
            match p.error {
                KafkaError::None => {
                    let mut at = 0;
                    while let Some(info) = p.records.get(at..).and_then(peek_batch) {
                        let Some(bytes) = p.records.get(at..at + info.size) else {
                            break;
                        };
                        if log.append_as_follower(now, bytes).is_err() {
                            break;
                        }
                        at += info.size;
                    }
                    appended += at;
                    r.hw = p.high_watermark.min(log.log_end_offset());
                }
                KafkaError::OffsetOutOfRange => {
                    let leo = log.log_end_offset();
                    if leo < p.log_start_offset {
                        *log = Log::starting_at(r.cfg.log.clone(), p.log_start_offset, now);
                        out.note(
                            NoteKind::Truncate,
                            format!(
                                "{}: its log ends before the leader's log start {}: starting over there",
                                p.tp, p.log_start_offset
                            ),
                        );
                    } else {
                        let target = p.high_watermark.max(0).min(leo);
                        log.truncate_to(now, target);
                        out.note(
                            NoteKind::Truncate,
                            format!(
                                "{}: fetch offset {leo} is past the leader's log: truncated to {target}",
                                p.tp
                            ),
                        );
                    }
                    r.hw = r.hw.min(log.log_end_offset());
                }
                _ => failed = true,
            }
        }
        self.appended_bytes(appended, out);
        if failed {
            self.back_off(leader, out);
        }
        self.pump_fetcher(leader, out);
    }
}
