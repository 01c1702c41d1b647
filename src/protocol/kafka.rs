//! Kafka's data-plane and replication requests as the model carries them:
//! `LeaderAndIsr`, `Fetch`, `OffsetsForLeaderEpoch`, `Metadata`
//! and `Produce`, with Kafka's field names. Record batches travel as the
//! exact v2 bytes that end up in the `.log` files.

use super::KafkaError;
use crate::topic::{PartitionState, TopicConfig, TopicPartition};
use serde::Serialize;
use std::collections::BTreeMap;

/// `LeaderAndIsrRequest`: who leads, who is in sync, for the receiver's replicas.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LeaderAndIsr {
    /// Request id.
    pub correlation_id: u64,
    /// Sender's broker id.
    pub controller_id: i32,
    /// Sender's controller epoch: brokers refuse older ones.
    pub controller_epoch: i32,
    /// The partitions.
    pub partitions: Vec<PartitionState>,
    /// Each topic's configuration (a broker reads `/config/topics` in Kafka;
    /// here the controller hands it over with the leadership).
    pub configs: BTreeMap<String, TopicConfig>,
}

/// One partition of a fetch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchPartition {
    /// Which partition.
    pub tp: TopicPartition,
    /// The fetcher's idea of the leader epoch (fences stale leaders and followers).
    pub current_leader_epoch: i32,
    /// First offset wanted (the follower's LEO).
    pub fetch_offset: i64,
}

/// `FetchRequest` from a follower (`replica_id` >= 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fetch {
    /// Request id.
    pub correlation_id: u64,
    /// The fetching broker.
    pub replica_id: i32,
    /// `replica.fetch.wait.max.ms`: how long the leader may hold an empty answer.
    pub max_wait_ms: u64,
    /// `replica.fetch.max.bytes` per partition.
    pub max_bytes: usize,
    /// The partitions.
    pub partitions: Vec<FetchPartition>,
}

/// One partition of a fetch answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchedPartition {
    /// Which partition.
    pub tp: TopicPartition,
    /// Error for this partition.
    pub error: KafkaError,
    /// The leader's high watermark.
    pub high_watermark: i64,
    /// The leader's log start offset.
    pub log_start_offset: i64,
    /// Whole record batches from the fetch offset on.
    #[serde(skip)]
    pub records: Vec<u8>,
}

/// `FetchResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchResponse {
    /// Request id.
    pub correlation_id: u64,
    /// The fetch came from a consumer (records below the high watermark only).
    pub consumer: bool,
    /// The partitions.
    pub partitions: Vec<FetchedPartition>,
}

/// One partition of `OffsetsForLeaderEpoch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EpochQuery {
    /// Which partition.
    pub tp: TopicPartition,
    /// The follower's idea of the current leader epoch.
    pub current_leader_epoch: i32,
    /// The follower's latest epoch in its own log.
    pub leader_epoch: i32,
}

/// `OffsetsForLeaderEpochRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetsForLeaderEpoch {
    /// Request id.
    pub correlation_id: u64,
    /// The asking broker.
    pub replica_id: i32,
    /// The partitions.
    pub partitions: Vec<EpochQuery>,
}

/// One partition of the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EpochEnd {
    /// Which partition.
    pub tp: TopicPartition,
    /// Error for this partition.
    pub error: KafkaError,
    /// Largest epoch at or below the asked one that the leader knows.
    pub leader_epoch: i32,
    /// Where that epoch ends in the leader's log.
    pub end_offset: i64,
}

/// `OffsetsForLeaderEpochResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetsForLeaderEpochResponse {
    /// Request id.
    pub correlation_id: u64,
    /// The partitions.
    pub partitions: Vec<EpochEnd>,
}

/// `MetadataResponse` from a broker's metadata cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MetadataResponse {
    /// Request id.
    pub correlation_id: u64,
    /// Live brokers.
    pub brokers: Vec<i32>,
    /// The controller, if the broker knows it.
    pub controller_id: Option<i32>,
    /// Partitions of the topics asked about.
    pub partitions: Vec<PartitionState>,
    /// Topics the broker does not know.
    pub unknown_topics: Vec<String>,
}

/// One partition's batch in a produce request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProduceBatch {
    /// Records in it.
    pub record_count: i32,
    /// The v2 batch bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// `ProduceRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Produce {
    /// Request id.
    pub correlation_id: u64,
    /// 0, 1 or -1 (all).
    pub acks: i16,
    /// `request.timeout.ms`: how long the leader waits for the ISR with acks=all.
    pub timeout_ms: u64,
    /// One batch per partition.
    pub partitions: Vec<(TopicPartition, ProduceBatch)>,
}

/// One partition of a produce answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducePartitionResponse {
    /// Which partition.
    pub tp: TopicPartition,
    /// Error for this partition.
    pub error: KafkaError,
    /// Offset given to the batch's first record (-1 on error).
    pub base_offset: i64,
}

/// `ProduceResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProduceResponse {
    /// Request id.
    pub correlation_id: u64,
    /// The partitions.
    pub partitions: Vec<ProducePartitionResponse>,
}
