//! Consumers in the world: the consumer commands (add, reconfigure, close,
//! crash, seek, commit), carrying out a consumer's effects, and the
//! duplicate count: per group and partition the world remembers how far
//! any member has processed, and a record processed again below that
//! point is a duplicate (at-least-once delivery made visible).

use super::apply::{refuse, CommandError};
use super::{ConsumerSlot, NodeTimer, World};
use crate::client::consumer::{Consumer, ConsumerConfig, ConsumerTimer};
use crate::sim::{Command, NodeId, NoteKind, Outbox};
use crate::topic::TopicPartition;

/// Most consumers one world may have.
pub const MAX_CONSUMERS: usize = 128;

impl World {
    /// Consumers by id.
    pub fn consumers(&self) -> &std::collections::BTreeMap<i32, ConsumerSlot> {
        &self.consumers
    }

    /// Runs `f` on a running consumer, carries out its effects and counts
    /// the records it processed again.
    pub(super) fn with_consumer(
        &mut self,
        id: i32,
        f: impl FnOnce(&mut Consumer, &mut Outbox<ConsumerTimer>),
    ) {
        let Some(slot) = self.consumers.get_mut(&id) else {
            return;
        };
        if !slot.is_running() {
            return;
        }
        let mut out = Outbox::default();
        f(&mut slot.consumer, &mut out);
        let processed = slot.consumer.take_processed();
        let group = slot.consumer.config().group_id.clone();
        let incarnation = slot.incarnation;
        let mut dup = 0u64;
        for (tp, first, last) in processed {
            let seen = self.group_processed.entry((group.clone(), tp)).or_insert(0);
            if first < *seen {
                dup += (last.min(*seen - 1) - first + 1) as u64;
            }
            *seen = (*seen).max(last + 1);
        }
        if dup > 0 {
            let slot = self.consumers.get_mut(&id).expect("present");
            slot.duplicates += dup;
            self.note(
                NodeId::Consumer(id),
                NoteKind::Group,
                format!("processed {dup} record(s) its group had already processed (duplicates: read again from the last committed offset)"),
            );
        }
        self.flush(NodeId::Consumer(id), incarnation, out, NodeTimer::Consumer);
    }

    fn running_consumer(&self, id: i32) -> Result<(), CommandError> {
        match self.consumers.get(&id) {
            None => refuse(format!("there is no consumer {id}")),
            Some(c) if c.crashed_at.is_some() => refuse(format!("consumer {id} has crashed")),
            Some(c) if c.closed_at.is_some() => refuse(format!("consumer {id} is closed")),
            Some(_) => Ok(()),
        }
    }

    pub(super) fn apply_consumer_command(
        &mut self,
        command: &Command,
    ) -> Result<String, CommandError> {
        let now = self.now;
        match command {
            Command::AddConsumer { id, config } => self.add_consumer(*id, config.clone()),
            Command::SetConsumer { consumer, config } => {
                self.running_consumer(*consumer)?;
                config.validate().map_err(CommandError)?;
                let current = self.consumers[consumer].consumer.config().clone();
                if config.group_id != current.group_id || config.topics != current.topics {
                    return refuse("group.id and topics of a running consumer cannot change; close it and add another");
                }
                let cfg = config.clone();
                self.with_consumer(*consumer, |c, out| c.reconfigure(cfg, now, out));
                Ok(format!("consumer {consumer} reconfigured"))
            }
            Command::CloseConsumer { consumer } => {
                self.running_consumer(*consumer)?;
                self.with_consumer(*consumer, |c, out| c.close(now, out));
                let slot = self.consumers.get_mut(consumer).expect("checked");
                slot.closed_at = Some(now);
                slot.incarnation += 1;
                Ok(format!("closed consumer {consumer}"))
            }
            Command::CrashConsumer { consumer } => {
                self.running_consumer(*consumer)?;
                let slot = self.consumers.get_mut(consumer).expect("checked");
                slot.crashed_at = Some(now);
                slot.incarnation += 1;
                let c = &slot.consumer;
                let uncommitted: i64 = c
                    .positions()
                    .iter()
                    .map(|(tp, p)| p - c.committed().get(tp).copied().unwrap_or(*p))
                    .filter(|d| *d > 0)
                    .sum();
                self.note(
                    NodeId::Consumer(*consumer),
                    NoteKind::Fault,
                    format!(
                        "crashed (kill -9): no LeaveGroup; the coordinator notices after session.timeout.ms; {uncommitted} processed record(s) are not committed and will be read again"
                    ),
                );
                self.close_connections(NodeId::Consumer(*consumer));
                Ok(format!("crashed consumer {consumer}"))
            }
            Command::Seek {
                consumer,
                topic,
                partition,
                to,
            } => {
                self.running_consumer(*consumer)?;
                let tp = TopicPartition::new(topic, *partition);
                let to = *to;
                let mut result = Ok(());
                self.with_consumer(*consumer, |c, out| result = c.seek(now, &tp, to, out));
                result.map_err(CommandError)?;
                Ok(format!("consumer {consumer} seeks {tp}"))
            }
            Command::Commit { consumer } => {
                self.running_consumer(*consumer)?;
                self.with_consumer(*consumer, |c, out| c.commit_now(now, out));
                Ok(format!("consumer {consumer} commits its positions"))
            }
            _ => refuse("not a consumer command"),
        }
    }

    fn add_consumer(
        &mut self,
        id: Option<i32>,
        cfg: ConsumerConfig,
    ) -> Result<String, CommandError> {
        if self.consumers.len() >= MAX_CONSUMERS {
            return refuse(format!(
                "the cluster already has {MAX_CONSUMERS} consumers, the limit"
            ));
        }
        let id = id.unwrap_or_else(|| self.consumers.keys().max().map_or(1, |m| m + 1));
        if !(0..=super::apply::MAX_BROKER_ID).contains(&id) {
            return refuse(format!(
                "consumer id {id} is outside 0..={}",
                super::apply::MAX_BROKER_ID
            ));
        }
        if self.consumers.contains_key(&id) {
            return refuse(format!("consumer {id} already exists"));
        }
        cfg.validate().map_err(CommandError)?;
        for t in &cfg.topics {
            self.topic_assignment(t)?;
        }
        let bootstrap: Vec<i32> = self.brokers.keys().copied().collect();
        self.consumers.insert(
            id,
            ConsumerSlot {
                incarnation: 0,
                consumer: Box::new(Consumer::new(id, cfg, bootstrap)),
                crashed_at: None,
                closed_at: None,
                duplicates: 0,
            },
        );
        let now = self.now;
        self.with_consumer(id, |c, out| c.start(now, out));
        Ok(format!("added consumer {id}"))
    }
}
