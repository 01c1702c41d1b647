//! Produce requests on the leader (Kafka's `ReplicaManager.appendRecords`
//! and `DelayedProduce`): append as leader, refuse acks=all below
//! `min.insync.replicas`, and hold acks=all answers until the high
//! watermark passes the batch (or `request.timeout.ms`).

use super::{Broker, BrokerTimer, Out};
use crate::protocol::kafka::{Produce, ProducePartitionResponse, ProduceResponse};
use crate::protocol::{KafkaError, Message};
use crate::sim::{NodeId, NoteKind};
use crate::topic::TopicPartition;

/// An acks=all produce waiting for the high watermark.
#[derive(Clone, Debug)]
pub(super) struct DelayedProduce {
    pub(super) from: NodeId,
    pub(super) correlation_id: u64,
    /// Per partition: last offset needed, and the answer once decided.
    pub(super) parts: Vec<(TopicPartition, i64, i64, Option<KafkaError>)>,
}

impl Broker {
    pub(super) fn on_produce(&mut self, from: NodeId, req: Produce, out: &mut Out) {
        let now = self.now;
        let mut answers = Vec::with_capacity(req.partitions.len());
        let mut appended = Vec::new();
        for (tp, batch) in req.partitions {
            let result = match self.leader_error(&tp, -1) {
                Some(e) => Err(e),
                None => {
                    let r = &self.replicas[&tp];
                    if req.acks == -1 && (r.isr.len() as u32) < r.cfg.min_insync_replicas {
                        let text = format!(
                            "refused a produce to {tp}: ISR {:?} is smaller than min.insync.replicas={} (NOT_ENOUGH_REPLICAS)",
                            r.isr, r.cfg.min_insync_replicas
                        );
                        self.note_limited(&tp, "ner", NoteKind::Replication, text, out);
                        Err(KafkaError::NotEnoughReplicas)
                    } else {
                        let epoch = r.leader_epoch;
                        let log = self.disk.logs.get_mut(&tp).expect("a replica has a log");
                        let appended = log
                            .append_as_leader(now, &batch.bytes, epoch)
                            .map(|info| (info.first_offset, info.last_offset))
                            .map_err(|e| KafkaError::from(&e));
                        if appended.is_ok() {
                            self.appended_bytes(batch.bytes.len(), out);
                        }
                        appended
                    }
                }
            };
            match result {
                Ok((first, last)) => {
                    appended.push(tp.clone());
                    answers.push((tp, first, last, None));
                }
                Err(e) => answers.push((tp, -1, -1, Some(e))),
            }
        }
        for tp in &appended {
            self.maybe_advance_hw(tp, out);
        }
        self.wake_parked_fetches(&appended, out);
        if req.acks == 0 {
            // No answer is expected; on an error Kafka closes the connection
            // so that the producer refreshes its metadata. The records are gone.
            if let Some((tp, _, _, Some(e))) = answers.iter().find(|a| a.3.is_some()) {
                let text = format!(
                    "acks=0 produce to {tp} from {from} failed ({e}): closing the connection, the records are dropped"
                );
                self.note_limited(tp, "acks0", NoteKind::Replication, text, out);
                out.send(from, Message::ConnectionClosed);
            }
            return;
        }
        let mut delayed = DelayedProduce {
            from,
            correlation_id: req.correlation_id,
            parts: answers,
        };
        for (tp, _, last, result) in &mut delayed.parts {
            if result.is_none() && (req.acks == 1 || self.replicas[tp].hw > *last) {
                *result = Some(KafkaError::None);
            }
        }
        if delayed.parts.iter().all(|p| p.3.is_some()) {
            Self::answer_produce(delayed, out);
            return;
        }
        let key = self.next_correlation;
        self.next_correlation += 1;
        self.delayed_produce.insert(key, delayed);
        out.timer(now + req.timeout_ms, BrokerTimer::ProduceTimeout { key });
    }

    pub(super) fn answer_produce(d: DelayedProduce, out: &mut Out) {
        let partitions = d
            .parts
            .into_iter()
            .map(|(tp, first, _, e)| {
                let error = e.unwrap_or(KafkaError::RequestTimedOut);
                ProducePartitionResponse {
                    tp,
                    error,
                    base_offset: if error == KafkaError::None { first } else { -1 },
                }
            })
            .collect();
        out.send(
            d.from,
            Message::ProduceResponse(ProduceResponse {
                correlation_id: d.correlation_id,
                partitions,
            }),
        );
    }

    pub(super) fn produce_timeout(&mut self, key: u64, out: &mut Out) {
        if let Some(d) = self.delayed_produce.remove(&key) {
            for (tp, _, _, e) in &d.parts {
                if e.is_none() {
                    let text = format!("acks=all produce to {tp} timed out waiting for the ISR (REQUEST_TIMED_OUT)");
                    self.note_limited(tp, "timeout", NoteKind::Replication, text, out);
                }
            }
            Self::answer_produce(d, out);
        }
    }

    /// Decides delayed produces on `tp` now that its high watermark moved
    /// (or its leadership ended with `fail`).
    pub(super) fn settle_delayed(
        &mut self,
        tp: &TopicPartition,
        fail: Option<KafkaError>,
        out: &mut Out,
    ) {
        let (hw, isr, min_isr) = match self.replicas.get(tp) {
            Some(r) => (r.hw, r.isr.len() as u32, r.cfg.min_insync_replicas),
            None => (-1, 0, 1),
        };
        let mut done = Vec::new();
        for (key, d) in self.delayed_produce.iter_mut() {
            for (p, _, last, result) in d.parts.iter_mut() {
                if p != tp || result.is_some() {
                    continue;
                }
                if let Some(e) = fail {
                    *result = Some(e);
                } else if hw > *last {
                    *result = Some(if isr >= min_isr {
                        KafkaError::None
                    } else {
                        KafkaError::NotEnoughReplicasAfterAppend
                    });
                }
            }
            if d.parts.iter().all(|p| p.3.is_some()) {
                done.push(*key);
            }
        }
        for key in done {
            let d = self.delayed_produce.remove(&key).expect("listed");
            Self::answer_produce(d, out);
        }
        self.settle_offset_writes(tp, fail, out);
    }

    pub(super) fn fail_delayed(&mut self, tp: &TopicPartition, error: KafkaError, out: &mut Out) {
        self.settle_delayed(tp, Some(error), out);
        self.coordinator_resigned(tp, out);
        let keys: Vec<u64> = self
            .parked_fetches
            .iter()
            .filter(|(_, p)| p.request.partitions.iter().any(|f| &f.tp == tp))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.answer_parked(key, out);
        }
    }
}
