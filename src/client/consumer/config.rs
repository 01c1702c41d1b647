//! A consumer's settings: Kafka's names and defaults, and the simulated
//! processing rate of the application that polls it.

use crate::client::assignor::Assignor;
use serde::{Deserialize, Serialize};

/// Highest simulated processing rate, records per second.
pub const MAX_PROCESSING_RATE: f64 = 10_000_000.0;

/// `auto.offset.reset`: where to start without a committed offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    /// The log start offset.
    Earliest,
    /// The high watermark (only new records).
    Latest,
    /// No reset: the consumer reports NoOffsetForPartition and reads nothing.
    None,
}

/// A consumer's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsumerConfig {
    /// `group.id`.
    #[serde(rename = "group.id")]
    pub group_id: String,
    /// Topics subscribed (`subscribe()`).
    pub topics: Vec<String>,
    /// `auto.offset.reset` (latest).
    #[serde(rename = "auto.offset.reset")]
    pub auto_offset_reset: OffsetReset,
    /// `enable.auto.commit` (true).
    #[serde(rename = "enable.auto.commit")]
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms` (5000).
    #[serde(rename = "auto.commit.interval.ms")]
    pub auto_commit_interval_ms: u64,
    /// `max.poll.records` (500).
    #[serde(rename = "max.poll.records")]
    pub max_poll_records: u32,
    /// `session.timeout.ms` (45000).
    #[serde(rename = "session.timeout.ms")]
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms` (3000).
    #[serde(rename = "heartbeat.interval.ms")]
    pub heartbeat_interval_ms: u64,
    /// `max.poll.interval.ms` (300000): also the rebalance timeout.
    #[serde(rename = "max.poll.interval.ms")]
    pub max_poll_interval_ms: u64,
    /// `fetch.max.wait.ms` (500).
    #[serde(rename = "fetch.max.wait.ms")]
    pub fetch_max_wait_ms: u64,
    /// `max.partition.fetch.bytes` (1048576).
    #[serde(rename = "max.partition.fetch.bytes")]
    pub max_partition_fetch_bytes: u64,
    /// `request.timeout.ms` (30000).
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// `retry.backoff.ms` (100).
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    /// `metadata.max.age.ms` (300000): the leader notices added partitions
    /// at the next refresh.
    #[serde(rename = "metadata.max.age.ms")]
    pub metadata_max_age_ms: u64,
    /// `partition.assignment.strategy` (range): range, roundrobin or sticky.
    #[serde(rename = "partition.assignment.strategy")]
    pub partition_assignment_strategy: Assignor,
    /// Not a Kafka setting: records per second the application processes
    /// (0: as fast as they come).
    pub processing_rate: f64,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            group_id: String::new(),
            topics: Vec::new(),
            auto_offset_reset: OffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            max_poll_records: 500,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            metadata_max_age_ms: 300_000,
            partition_assignment_strategy: Assignor::Range,
            processing_rate: 0.0,
        }
    }
}

impl ConsumerConfig {
    /// Checks ranges; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.group_id.is_empty() {
            return Err("group.id: a consumer in a group needs a group.id".into());
        }
        if self.group_id.len() > 249 || self.group_id.chars().any(char::is_control) {
            return Err(format!(
                "group.id: {:?} must be 1-249 printable characters",
                self.group_id
            ));
        }
        if self.partition_assignment_strategy == Assignor::CooperativeSticky {
            return Err("partition.assignment.strategy: cooperative-sticky needs the incremental cooperative rebalance protocol (KIP-429); the simulated consumer speaks the eager protocol: use range, roundrobin or sticky".into());
        }
        if self.topics.is_empty() {
            return Err("topics: a consumer needs at least one topic to subscribe to".into());
        }
        if !self.processing_rate.is_finite()
            || !(0.0..=MAX_PROCESSING_RATE).contains(&self.processing_rate)
        {
            return Err(format!(
                "processing_rate: {} must be between 0 and {MAX_PROCESSING_RATE}",
                self.processing_rate
            ));
        }
        let checks: [(&str, u64, u64, u64); 11] = [
            (
                "metadata.max.age.ms",
                self.metadata_max_age_ms,
                1,
                86_400_000,
            ),
            (
                "auto.commit.interval.ms",
                self.auto_commit_interval_ms,
                1,
                3_600_000,
            ),
            ("max.poll.records", self.max_poll_records.into(), 1, 100_000),
            ("session.timeout.ms", self.session_timeout_ms, 1, 3_600_000),
            (
                "heartbeat.interval.ms",
                self.heartbeat_interval_ms,
                1,
                3_600_000,
            ),
            (
                "max.poll.interval.ms",
                self.max_poll_interval_ms,
                1,
                86_400_000,
            ),
            ("fetch.max.wait.ms", self.fetch_max_wait_ms, 0, 60_000),
            (
                "max.partition.fetch.bytes",
                self.max_partition_fetch_bytes,
                1_024,
                104_857_600,
            ),
            ("request.timeout.ms", self.request_timeout_ms, 1, 600_000),
            ("retry.backoff.ms", self.retry_backoff_ms, 1, 60_000),
            ("topics", self.topics.len() as u64, 1, 64),
        ];
        for (key, v, lo, hi) in checks {
            if !(lo..=hi).contains(&v) {
                return Err(format!("{key}: {v} must be between {lo} and {hi}"));
            }
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(format!(
                "heartbeat.interval.ms: {} must be lower than session.timeout.ms ({}), as Kafka requires",
                self.heartbeat_interval_ms, self.session_timeout_ms
            ));
        }
        Ok(())
    }
}
