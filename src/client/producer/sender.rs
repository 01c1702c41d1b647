//! The sender (Kafka's `Sender`): ready batches grouped by leader into
//! produce requests, at most `max.in.flight.requests.per.connection` per
//! broker; answers, retries after `retry.backoff.ms`, failures after
//! `delivery.timeout.ms`, and metadata requests.

use super::*;

impl Producer {
    pub(super) fn on_produce_response(
        &mut self,
        from: NodeId,
        resp: ProduceResponse,
        out: &mut Out,
    ) {
        let Some(req) = self.in_flight.remove(&resp.correlation_id) else {
            return;
        };
        let mut batches: BTreeMap<i32, ProducerBatch> = req.batches.into_iter().collect();
        for part in resp.partitions {
            let Some(batch) = batches.remove(&part.tp.partition) else {
                continue;
            };
            if part.error == KafkaError::None {
                self.stats.acked += batch.records.len() as u64;
                self.buffered_bytes = self.buffered_bytes.saturating_sub(batch.bytes as u64);
                self.acked.push(AckedBatch {
                    tp: part.tp,
                    base_offset: part.base_offset,
                    seqs: batch.records.clone(),
                    broker: req.broker,
                });
            } else {
                if part.error.needs_metadata() {
                    self.need_metadata = true;
                }
                let _ = from;
                self.retry_or_fail(part.tp.partition, batch, part.error, out);
            }
        }
        for (p, batch) in batches {
            self.retry_or_fail(p, batch, KafkaError::RequestTimedOut, out);
        }
    }

    pub(super) fn retry_or_fail(
        &mut self,
        partition: i32,
        mut batch: ProducerBatch,
        error: KafkaError,
        out: &mut Out,
    ) {
        let expired = self.now >= batch.created + self.cfg.delivery_timeout_ms;
        if error.is_retriable() && batch.attempts <= self.cfg.retries && !expired {
            let key = (partition, error.to_string());
            if self.noted.get(&key).is_none_or(|t| self.now >= t + 1_000) {
                self.noted.insert(key, self.now);
                out.note(
                    NoteKind::Client,
                    format!(
                        "{}-{partition}: batch of {} records got {error}; retrying in retry.backoff.ms ({} ms)",
                        self.cfg.topic,
                        batch.records.len(),
                        self.cfg.retry_backoff_ms
                    ),
                );
            }
            batch.retry_at = self.now + self.cfg.retry_backoff_ms;
            self.queues.entry(partition).or_default().push_front(batch);
        } else {
            let why = if expired {
                format!(
                    "delivery.timeout.ms ({} ms) passed",
                    self.cfg.delivery_timeout_ms
                )
            } else {
                error.to_string()
            };
            out.note(
                NoteKind::Client,
                format!(
                    "{}-{partition}: batch of {} records FAILED ({why}); the application gets an error",
                    self.cfg.topic,
                    batch.records.len()
                ),
            );
            self.stats.failed += batch.records.len() as u64;
            self.buffered_bytes = self.buffered_bytes.saturating_sub(batch.bytes as u64);
        }
    }

    pub(super) fn leader_of(&self, partition: i32) -> Option<i32> {
        self.metadata
            .get(&partition)
            .map(|s| s.leader)
            .filter(|l| *l >= 0)
    }

    pub(super) fn batch_ready(&self, b: &ProducerBatch, more_behind: bool) -> bool {
        if b.retry_at > self.now {
            return false;
        }
        more_behind
            || b.attempts > 0
            || b.bytes >= self.cfg.batch_size as usize * 9 / 10
            || self.now >= b.created + self.cfg.linger_ms
    }

    pub(super) fn expire(&mut self, out: &mut Out) {
        let deadline = self.cfg.delivery_timeout_ms;
        let now = self.now;
        let mut expired = Vec::new();
        for (p, q) in self.queues.iter_mut() {
            while q.front().is_some_and(|b| now >= b.created + deadline) {
                expired.push((*p, q.pop_front().expect("checked")));
            }
        }
        for (p, b) in expired {
            self.retry_or_fail(p, b, KafkaError::RequestTimedOut, out);
        }
    }

    pub(super) fn send_ready(&mut self, out: &mut Out) {
        let mut by_leader: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        let mut unknown_leader = false;
        for (p, q) in &self.queues {
            let Some(front) = q.front() else {
                continue;
            };
            if !self.batch_ready(front, q.len() > 1) {
                continue;
            }
            match self.leader_of(*p) {
                Some(l) => by_leader.entry(l).or_default().push(*p),
                // Kafka's sender asks for fresh metadata when a ready batch has no leader.
                None => unknown_leader = true,
            }
        }
        if unknown_leader {
            self.need_metadata = true;
        }
        for (leader, parts) in by_leader {
            if !self.ready(leader) {
                self.connect(leader, out);
                continue;
            }
            if self.in_flight_to(leader) >= self.cfg.max_in_flight as usize {
                continue;
            }
            let mut batches = Vec::with_capacity(parts.len());
            for p in parts {
                let mut b = self
                    .queues
                    .get_mut(&p)
                    .and_then(VecDeque::pop_front)
                    .expect("ready batch");
                b.attempts += 1;
                if self.sticky == Some(p) && self.queues.get(&p).is_none_or(VecDeque::is_empty) {
                    self.sticky = None;
                }
                batches.push((p, b));
            }
            let correlation_id = self.next_correlation;
            self.next_correlation += 1;
            let partitions = batches
                .iter()
                .map(|(p, b)| {
                    (
                        TopicPartition::new(&self.cfg.topic, *p),
                        ProduceBatch {
                            record_count: b.records.len() as i32,
                            bytes: b.builder.finish(-1),
                        },
                    )
                })
                .collect();
            out.send(
                NodeId::Broker(leader),
                Message::Produce(Produce {
                    correlation_id,
                    acks: self.cfg.acks.0,
                    timeout_ms: self.cfg.request_timeout_ms,
                    partitions,
                }),
            );
            if self.cfg.acks.0 == 0 {
                for (p, b) in batches {
                    self.stats.acked += b.records.len() as u64;
                    self.buffered_bytes = self.buffered_bytes.saturating_sub(b.bytes as u64);
                    self.acked.push(AckedBatch {
                        tp: TopicPartition::new(&self.cfg.topic, p),
                        base_offset: -1,
                        seqs: b.records.clone(),
                        broker: leader,
                    });
                }
                continue;
            }
            self.in_flight.insert(
                correlation_id,
                InFlightRequest {
                    broker: leader,
                    batches,
                },
            );
            out.timer(
                self.now + self.cfg.request_timeout_ms,
                ProducerTimer::RequestTimeout { correlation_id },
            );
        }
    }
}
