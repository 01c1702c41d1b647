//! The data side of the snapshot: topics, every partition replica each
//! broker hosts (its role, log end offset and high watermark), the
//! producers with their accumulators and the consumer groups (`groups`);
//! `__consumer_offsets` is folded (`internal`). Leadership and the ISR are
//! read from the partition state znodes (what the controller decided);
//! offsets from the replicas' logs, which survive a crash.
//!
//! Invariant: everything here is read-only and bounded by the world's own
//! limits (partitions, producers); nothing is kept between frames.

use super::data_layout::topic_color;
use super::groups::{groups, GroupSnap};
use super::internal::{fold_internal, InternalSnap};
use crate::broker::OFFSETS_TOPIC;
use crate::cluster::{PartitionReport, World};
use crate::protocol::acks_name;
use crate::topic::TopicPartition;
use std::collections::BTreeMap;

/// Most batches drawn per partition queue of a producer (the count goes on).
pub const MAX_DRAWN_BATCHES: usize = 4;

/// A topic as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicSnap {
    /// Name.
    pub name: String,
    /// Kafka's internal topic `__consumer_offsets` (folded on the canvas).
    pub internal: bool,
    /// Its colour: the user's topics share the palette, the internal one is grey.
    pub color: &'static str,
    /// Partition count.
    pub partitions: usize,
    /// Replication factor (replicas of partition 0).
    pub replication_factor: usize,
}

/// What a replica is, as the state znode and its broker say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaRole {
    /// It leads the partition.
    Leader,
    /// It follows and is in the ISR.
    Follower,
    /// It follows but is not in the ISR (out of sync).
    OutOfSync,
    /// The partition has no leader (leader -1): offline.
    Offline,
    /// Its broker is not running; its log waits on the disk.
    Down,
}

impl ReplicaRole {
    /// Word for labels and the page.
    pub fn name(self) -> &'static str {
        match self {
            ReplicaRole::Leader => "leader",
            ReplicaRole::Follower => "follower",
            ReplicaRole::OutOfSync => "out of sync",
            ReplicaRole::Offline => "offline",
            ReplicaRole::Down => "broker down",
        }
    }
}

/// One partition replica on one broker.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSnap {
    /// Index into `Snapshot::topics`.
    pub topic: usize,
    /// Partition number.
    pub partition: i32,
    /// Role.
    pub role: ReplicaRole,
    /// Log end offset (-1: no log yet).
    pub leo: i64,
    /// This replica's own high watermark (-1: not known); on a broker that is
    /// down, the one it would restart from (`Disk::restart_hw`).
    pub hw: i64,
    /// The partition's high watermark (the leader's).
    pub partition_hw: i64,
    /// Offsets the partition's bars show: `lo..hi` (the log's tail).
    pub window: (i64, i64),
    /// A follower truncating before it fetches (KIP-101).
    pub truncating: bool,
    /// The partition has no leader (leader -1), whatever this replica is.
    pub offline: bool,
}

impl ReplicaSnap {
    /// The high watermark its row shows: the partition's, except on a
    /// broker that is down, where the partition moves on without it and the
    /// replica shows the one its checkpoint would restart it from.
    pub fn shown_hw(&self) -> i64 {
        if self.role == ReplicaRole::Down {
            self.hw
        } else {
            self.partition_hw
        }
    }
}

/// A batch in a producer's accumulator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchSnap {
    /// Bytes against `batch.size` (0..=1).
    pub fill: f32,
    /// Records in it.
    pub records: usize,
    /// Waiting for a retry.
    pub retrying: bool,
}

/// One partition queue of a producer.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSnap {
    /// Partition.
    pub partition: i32,
    /// Batches, oldest first (at most `MAX_DRAWN_BATCHES`).
    pub batches: Vec<BatchSnap>,
    /// All batches in the queue.
    pub total: usize,
}

/// A producer as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct ProducerSnap {
    /// Id.
    pub id: i32,
    /// Topic.
    pub topic: String,
    /// `acks`: "0", "1" or "all".
    pub acks: &'static str,
    /// Records per second.
    pub rate: f64,
    /// Keys drawn from this many (0: no keys).
    pub key_space: u32,
    /// Running.
    pub alive: bool,
    /// Records sent, acknowledged, failed.
    pub sent: u64,
    /// Acknowledged.
    pub acked: u64,
    /// Failed for good.
    pub failed: u64,
    /// Lost in its buffer at a crash.
    pub lost_in_buffer: u64,
    /// Records queued and in flight.
    pub queued: u64,
    /// In flight.
    pub in_flight: u64,
    /// Non-empty queues by partition.
    pub queues: Vec<QueueSnap>,
    /// Partitions its metadata knows.
    pub partitions: usize,
    /// Brokers its metadata names as leaders of its topic's partitions.
    pub leaders: Vec<i32>,
}

/// Topics and replicas per broker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataSnap {
    /// Topics by name.
    pub topics: Vec<TopicSnap>,
    /// Replicas hosted per broker id, by topic then partition (without the
    /// folded `__consumer_offsets` replicas).
    pub replicas: BTreeMap<i32, Vec<ReplicaSnap>>,
    /// `__consumer_offsets` on each broker, folded to counts and the
    /// partitions that hold a group.
    pub internal: BTreeMap<i32, InternalSnap>,
    /// Every `__consumer_offsets` partition is drawn as a cell too.
    pub internal_expanded: bool,
    /// Consumer groups with their members.
    pub groups: Vec<GroupSnap>,
    /// Producers by id.
    pub producers: Vec<ProducerSnap>,
    /// Acknowledged records found lost.
    pub acked_lost: u64,
}

/// The tail of a partition's log the bars show: wide enough to hold every
/// in-sync replica's LEO and the high watermark, in power-of-two steps so
/// it does not jitter from frame to frame.
fn window(p: &PartitionReport) -> (i64, i64) {
    let hi = p
        .log_end_offsets
        .values()
        .copied()
        .max()
        .unwrap_or(0)
        .max(0);
    let mut low = hi;
    for b in &p.isr {
        if let Some(leo) = p.log_end_offsets.get(b) {
            low = low.min(*leo);
        }
    }
    if p.high_watermark >= 0 {
        low = low.min(p.high_watermark);
    }
    let need = ((hi - low) * 5 / 4).max(16) as u64;
    let span = need.next_power_of_two() as i64;
    ((hi - span).max(0), (hi - span).max(0) + span)
}

/// Colour of the internal topic's replicas.
pub const INTERNAL_COLOR: &str = "#94a3b8";

/// Reads topics, replicas, producers and groups from the world; with
/// `expand_internal` every `__consumer_offsets` replica stays in the
/// brokers' lists.
pub fn data(world: &World, expand_internal: bool) -> DataSnap {
    let reports = world.partition_reports();
    let mut topics: Vec<TopicSnap> = Vec::new();
    let mut replicas: BTreeMap<i32, Vec<ReplicaSnap>> = BTreeMap::new();
    let mut user_topics = 0;
    for p in &reports {
        if topics.last().map(|t| &t.name) != Some(&p.topic) {
            let internal = p.topic == OFFSETS_TOPIC;
            let color = if internal {
                INTERNAL_COLOR
            } else {
                user_topics += 1;
                topic_color(user_topics - 1)
            };
            topics.push(TopicSnap {
                name: p.topic.clone(),
                internal,
                color,
                partitions: 0,
                replication_factor: p.replicas.len(),
            });
        }
        let ti = topics.len() - 1;
        topics[ti].partitions += 1;
        let tp = TopicPartition::new(&p.topic, p.partition);
        let win = window(p);
        for b in &p.replicas {
            let running = world.broker(*b);
            let mine = running.and_then(|br| br.replicas().get(&tp));
            let role = match (running, p.leader) {
                (None, _) => ReplicaRole::Down,
                (_, Some(l)) if l < 0 => ReplicaRole::Offline,
                (_, Some(l)) if l == *b => ReplicaRole::Leader,
                _ if p.isr.contains(b) => ReplicaRole::Follower,
                _ => ReplicaRole::OutOfSync,
            };
            replicas.entry(*b).or_default().push(ReplicaSnap {
                topic: ti,
                partition: p.partition,
                role,
                leo: p.log_end_offsets.get(b).copied().unwrap_or(-1),
                hw: if running.is_some() {
                    mine.map_or(-1, |r| r.hw)
                } else {
                    world.disk(*b).map_or(-1, |d| d.restart_hw(&tp))
                },
                partition_hw: p.high_watermark,
                window: win,
                truncating: mine.is_some_and(|r| r.follow == crate::broker::Follow::Truncating),
                offline: p.leader.is_some_and(|l| l < 0),
            });
        }
    }
    for id in world.brokers().keys() {
        replicas.entry(*id).or_default();
    }
    let groups = groups(world, &topics, &reports);
    let internal = fold_internal(world, &topics, &groups, &mut replicas, expand_internal);
    let producers = world
        .producers()
        .values()
        .map(|slot| {
            let p = &slot.producer;
            let cfg = p.config();
            let stats = p.stats();
            let (queued, in_flight) = p.unacknowledged();
            let batch_size = cfg.batch_size.max(1) as f32;
            let queues = p
                .queues()
                .iter()
                .filter(|(_, q)| !q.is_empty())
                .map(|(part, q)| QueueSnap {
                    partition: *part,
                    batches: q
                        .iter()
                        .take(MAX_DRAWN_BATCHES)
                        .map(|b| BatchSnap {
                            fill: (b.bytes as f32 / batch_size).clamp(0.0, 1.0),
                            records: b.records.len(),
                            retrying: b.attempts > 0,
                        })
                        .collect(),
                    total: q.len(),
                })
                .collect();
            ProducerSnap {
                id: p.id(),
                topic: cfg.topic.clone(),
                acks: acks_name(cfg.acks.0),
                rate: cfg.rate,
                key_space: cfg.key_space,
                alive: slot.crashed_at.is_none(),
                sent: stats.sent,
                acked: stats.acked,
                failed: stats.failed,
                lost_in_buffer: slot.lost_in_buffer,
                queued,
                in_flight,
                queues,
                partitions: p.metadata().len(),
                leaders: {
                    let mut l: Vec<i32> = p
                        .metadata()
                        .values()
                        .map(|m| m.leader)
                        .filter(|l| *l >= 0)
                        .collect();
                    l.sort_unstable();
                    l.dedup();
                    l
                },
            }
        })
        .collect();
    DataSnap {
        topics,
        replicas,
        internal,
        internal_expanded: expand_internal,
        groups,
        producers,
        acked_lost: world.ledger().lost_total(),
    }
}
