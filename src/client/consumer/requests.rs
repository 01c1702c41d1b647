//! The consumer's requests: correlation ids and their timeouts, which
//! broker to ask (skipping one whose last request failed, for
//! `retry.backoff.ms`), what a failed request means, and the next wake-up.

use super::{Consumer, ConsumerTimer, Out, Phase, Req};
use crate::protocol::KafkaError;
use crate::sim::{NoteKind, Tick};

impl Consumer {
    pub(super) fn request(&mut self, req: Req, broker: i32, out: &mut Out) -> u64 {
        let c = self.next_correlation;
        self.next_correlation += 1;
        self.in_flight.insert(c, (req, broker));
        out.timer(
            self.now + self.cfg.request_timeout_ms,
            ConsumerTimer::RequestTimeout { correlation_id: c },
        );
        c
    }

    pub(super) fn note_limited(&mut self, key: &str, text: String, out: &mut Out) {
        if self.noted.get(key).is_none_or(|t| self.now >= t + 1_000) {
            self.noted.insert(key.to_string(), self.now);
            out.note(NoteKind::Client, text);
        }
    }

    /// The next broker to ask for metadata or the coordinator: round robin
    /// over the known brokers, skipping those backing off after a failure.
    pub(super) fn pick_broker(&mut self) -> Option<i32> {
        let n = self.bootstrap.len();
        for _ in 0..n {
            let b = self.bootstrap[self.next_bootstrap % n];
            self.next_bootstrap += 1;
            if self.node_backoff.get(&b).is_none_or(|t| *t <= self.now) {
                return Some(b);
            }
        }
        None
    }

    /// True when `broker` may be sent a request now.
    pub(super) fn reachable(&self, broker: i32) -> bool {
        self.node_backoff
            .get(&broker)
            .is_none_or(|t| *t <= self.now)
    }

    pub(super) fn request_failed(
        &mut self,
        req: Req,
        broker: i32,
        error: KafkaError,
        out: &mut Out,
    ) {
        self.note_limited(
            &format!("fail-{broker}"),
            format!("{} to broker {broker} failed: {error}", req.name()),
            out,
        );
        self.node_backoff
            .insert(broker, self.now + self.cfg.retry_backoff_ms);
        match req {
            Req::Metadata | Req::Fetch | Req::ListOffsets => {
                self.need_metadata = true;
                return;
            }
            Req::FindCoordinator => {}
            Req::Leave => {}
            Req::Commit {
                offsets,
                before_join,
            } => {
                self.coordinator_unknown(error, out);
                self.commit_failed(offsets, before_join, error, out);
            }
            // A heartbeat runs beside the join: its failure leaves the phase alone.
            Req::Heartbeat { .. } => self.coordinator_unknown(error, out),
            Req::Join | Req::Sync | Req::OffsetFetch => {
                self.coordinator_unknown(error, out);
                if matches!(self.phase, Phase::Joining | Phase::Syncing) {
                    self.phase = Phase::Unjoined;
                }
                if !self.unpositioned.is_empty() && self.phase == Phase::Stable {
                    self.retry_at = self.now + self.cfg.retry_backoff_ms;
                }
            }
        }
        self.retry_at = self.retry_at.max(self.now + self.cfg.retry_backoff_ms);
    }

    pub(super) fn schedule(&mut self, out: &mut Out) {
        let now = self.now;
        let mut next: Option<Tick> = None;
        // Whatever is due now was done in this round or waits for an answer
        // (which runs a round); only future moments need a wake-up.
        let mut at = |t: Tick| {
            if t > now {
                next = Some(next.map_or(t, |n: Tick| n.min(t)));
            }
        };
        at(self.retry_at);
        if let Some(t) = self.processing_until {
            at(t);
        }
        if self.heartbeating() {
            at(self.next_heartbeat);
            at(self.heartbeat_ok_at + self.cfg.session_timeout_ms);
        }
        if self.phase == Phase::Stable && self.cfg.enable_auto_commit {
            at(self.last_commit + self.cfg.auto_commit_interval_ms);
        }
        if let Some(t) = self.metadata_at {
            at(t + self.cfg.metadata_max_age_ms);
        }
        if self.need_metadata {
            at(self.metadata_retry_at);
        }
        for t in self.node_backoff.values() {
            at(*t);
        }
        let Some(t) = next else {
            return;
        };
        let t = t.max(self.now + 1);
        if self.wake_at.is_none_or(|w| t < w || w <= self.now) {
            self.wake_at = Some(t);
            out.timer(t, ConsumerTimer::Wake);
        }
    }
}
