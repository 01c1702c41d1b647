//! The consumer's heartbeats (Kafka's `HeartbeatThread` and `Heartbeat`):
//! from the JoinGroup answer on (syncing, stable, and committing before a
//! rejoin), a heartbeat goes to the coordinator every
//! `heartbeat.interval.ms` from the background thread, whether or not the
//! last one was answered (the processing of records never delays it).
//! While stable, REBALANCE_IN_PROGRESS makes it rejoin, and
//! ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID (the coordinator expired it)
//! make it drop its assignment without committing and rejoin, with a new
//! member id after UNKNOWN_MEMBER_ID. When no heartbeat has been answered
//! for `session.timeout.ms` it takes the coordinator for dead ("session
//! timed out without receiving a heartbeat response") and looks for it
//! again.
//!
//! Invariant: heartbeats are sent only between the JoinGroup answer and
//! the next JoinGroup, at most one per `heartbeat.interval.ms`; answers to
//! an older generation's heartbeats are ignored.

use super::{Consumer, Out, Phase, Req};
use crate::protocol::group::Heartbeat;
use crate::protocol::{KafkaError, Message};
use crate::sim::{NodeId, NoteKind};

impl Consumer {
    /// True while the heartbeat thread runs (Kafka: COMPLETING_REBALANCE
    /// and STABLE; committing before a rejoin happens while still STABLE).
    pub(super) fn heartbeating(&self) -> bool {
        matches!(
            self.phase,
            Phase::Syncing | Phase::Stable | Phase::CommittingBeforeJoin
        )
    }

    /// Sends a heartbeat to coordinator `c` when one is due; false when the
    /// session timed out on the client's side and the coordinator was
    /// marked unknown.
    pub(super) fn heartbeat(&mut self, c: i32, out: &mut Out) -> bool {
        if self.now >= self.heartbeat_ok_at + self.cfg.session_timeout_ms {
            out.note(
                NoteKind::Group,
                format!(
                    "consumer-{}: session timed out without receiving a heartbeat response ({} ms): coordinator broker {c} marked unknown, looking for it again",
                    self.id, self.cfg.session_timeout_ms
                ),
            );
            self.coordinator = None;
            self.in_flight
                .retain(|_, (r, to)| !(matches!(r, Req::Heartbeat { .. }) && *to == c));
            return false;
        }
        if self.now >= self.next_heartbeat {
            self.next_heartbeat = self.now + self.cfg.heartbeat_interval_ms;
            let generation = self.generation;
            let correlation_id = self.request(Req::Heartbeat { generation }, c, out);
            out.send(
                NodeId::Broker(c),
                Message::Heartbeat(Heartbeat {
                    correlation_id,
                    group_id: self.cfg.group_id.clone(),
                    generation_id: self.generation,
                    member_id: self.member_id.clone(),
                }),
            );
        }
        true
    }

    /// The answer to a heartbeat sent in `generation`; answers to an older
    /// generation's heartbeats are ignored, as Kafka does.
    pub(super) fn on_heartbeat(&mut self, generation: i32, error: KafkaError, out: &mut Out) {
        if generation != self.generation || !self.heartbeating() {
            return;
        }
        if self.phase != Phase::Stable {
            // Mid-rebalance the SyncGroup or OffsetCommit answer carries any
            // error; the heartbeat only keeps the session alive.
            if matches!(error, KafkaError::None | KafkaError::RebalanceInProgress) {
                self.heartbeat_ok_at = self.now;
            }
            return;
        }
        match error {
            KafkaError::None => self.heartbeat_ok_at = self.now,
            KafkaError::RebalanceInProgress => {
                self.heartbeat_ok_at = self.now;
                self.rejoin("its heartbeat got REBALANCE_IN_PROGRESS".into(), out)
            }
            KafkaError::IllegalGeneration | KafkaError::UnknownMemberId => {
                out.note(
                    NoteKind::Group,
                    format!(
                        "consumer-{}: heartbeat got {error}: the group moved on without it; its uncommitted positions are lost",
                        self.id
                    ),
                );
                self.reset_generation(error == KafkaError::UnknownMemberId);
                self.rejoin(format!("heartbeat got {error}"), out);
            }
            e => self.coordinator_unknown(e, out),
        }
    }
}
