//! Scenario files: a cluster configuration, a seed and timed commands, in
//! JSON. Configuration keys use Kafka's and ZooKeeper's own names
//! (`zookeeper.session.timeout.ms`, `tickTime`).

use super::{LinkConfig, Tick, TimedCommand};
use crate::topic::TopicConfig;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most brokers a cluster may have.
pub const MAX_BROKERS: u32 = 32;
/// Most commands a scenario may hold.
pub const MAX_SCENARIO_COMMANDS: usize = 100_000;
/// Longest simulated run a scenario may ask for: one week.
pub const MAX_UNTIL_MS: Tick = 7 * 24 * 3600 * 1000;
/// Largest cluster configuration given as JSON on its own: 64 KiB.
pub const MAX_CONFIG_BYTES: usize = 65_536;
/// Largest scenario file: 16 MiB of JSON.
pub const MAX_SCENARIO_BYTES: usize = 16 << 20;
/// Longest scenario name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest scenario description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// The default network link of a scenario.
pub type NetworkConfig = LinkConfig;

/// Cluster shape and the settings of Kafka and ZooKeeper that the model uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// Brokers started at time 0, with ids 1..=brokers.
    pub brokers: u32,
    /// Kafka's `zookeeper.session.timeout.ms` (18000 since Kafka 2.5).
    #[serde(rename = "zookeeper.session.timeout.ms")]
    pub zookeeper_session_timeout_ms: u64,
    /// ZooKeeper's `tickTime` (3000 by default): sessions expire on multiples of it.
    #[serde(rename = "tickTime")]
    pub tick_time_ms: u64,
    /// Kafka's `controller.socket.timeout.ms`: a controller request unanswered this long is sent again.
    #[serde(rename = "controller.socket.timeout.ms")]
    pub controller_socket_timeout_ms: u64,
    /// Kafka's `controlled.shutdown.max.retries`.
    #[serde(rename = "controlled.shutdown.max.retries")]
    pub controlled_shutdown_max_retries: u32,
    /// Kafka's `controlled.shutdown.retry.backoff.ms`.
    #[serde(rename = "controlled.shutdown.retry.backoff.ms")]
    pub controlled_shutdown_retry_backoff_ms: u64,
    /// Default latency and loss of every link.
    pub network: NetworkConfig,
    /// Kafka's `replica.lag.time.max.ms` (30000).
    #[serde(rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,
    /// Kafka's `replica.fetch.wait.max.ms` (500).
    #[serde(rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: u64,
    /// Kafka's `replica.fetch.max.bytes` (1048576).
    #[serde(rename = "replica.fetch.max.bytes")]
    pub replica_fetch_max_bytes: u64,
    /// Kafka's `replica.socket.timeout.ms` (30000).
    #[serde(rename = "replica.socket.timeout.ms")]
    pub replica_socket_timeout_ms: u64,
    /// Kafka's `replica.fetch.backoff.ms` (1000).
    #[serde(rename = "replica.fetch.backoff.ms")]
    pub replica_fetch_backoff_ms: u64,
    /// Kafka's `log.retention.check.interval.ms` (300000).
    #[serde(rename = "log.retention.check.interval.ms")]
    pub log_retention_check_interval_ms: u64,
    /// Kafka's `replica.high.watermark.checkpoint.interval.ms` (5000).
    #[serde(rename = "replica.high.watermark.checkpoint.interval.ms")]
    pub hw_checkpoint_interval_ms: u64,
    /// Kafka's `auto.leader.rebalance.enable` (true).
    #[serde(rename = "auto.leader.rebalance.enable")]
    pub auto_leader_rebalance_enable: bool,
    /// Kafka's `leader.imbalance.check.interval.seconds` (300).
    #[serde(rename = "leader.imbalance.check.interval.seconds")]
    pub leader_imbalance_check_interval_seconds: u64,
    /// Kafka's `leader.imbalance.per.broker.percentage` (10).
    #[serde(rename = "leader.imbalance.per.broker.percentage")]
    pub leader_imbalance_per_broker_percentage: u32,
    /// Not a Kafka setting: the pre-KIP-101 rule (Kafka before 0.11), where a
    /// new follower truncates its log to its own high watermark instead of
    /// asking the leader where its epoch ends. On, it shows how that loses
    /// acknowledged records.
    #[serde(rename = "sim.truncate_to_high_watermark")]
    pub truncate_to_high_watermark: bool,
    /// Default configuration of new topics (Kafka's broker-level `log.*`
    /// settings), under the topic-level names.
    pub topic_defaults: TopicConfig,
    /// Kafka's `offsets.topic.num.partitions` (50).
    #[serde(rename = "offsets.topic.num.partitions")]
    pub offsets_topic_num_partitions: u32,
    /// Kafka's `offsets.topic.replication.factor` (3).
    #[serde(rename = "offsets.topic.replication.factor")]
    pub offsets_topic_replication_factor: u32,
    /// Kafka's `offsets.topic.segment.bytes` (104857600).
    #[serde(rename = "offsets.topic.segment.bytes")]
    pub offsets_topic_segment_bytes: u64,
    /// Kafka's `offsets.commit.timeout.ms` (5000).
    #[serde(rename = "offsets.commit.timeout.ms")]
    pub offsets_commit_timeout_ms: u64,
    /// Kafka's `group.initial.rebalance.delay.ms` (3000).
    #[serde(rename = "group.initial.rebalance.delay.ms")]
    pub group_initial_rebalance_delay_ms: u64,
    /// Kafka's `group.min.session.timeout.ms` (6000).
    #[serde(rename = "group.min.session.timeout.ms")]
    pub group_min_session_timeout_ms: u64,
    /// Kafka's `group.max.session.timeout.ms` (1800000).
    #[serde(rename = "group.max.session.timeout.ms")]
    pub group_max_session_timeout_ms: u64,
    /// Test only: a bug planted on purpose, to prove the checker and the
    /// swarm catch it (absent in every shipped scenario).
    #[serde(rename = "sim.mutation", skip_serializing_if = "Option::is_none")]
    pub mutation: Option<super::Mutation>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            brokers: 3,
            zookeeper_session_timeout_ms: 18_000,
            tick_time_ms: 3_000,
            controller_socket_timeout_ms: 30_000,
            controlled_shutdown_max_retries: 3,
            controlled_shutdown_retry_backoff_ms: 5_000,
            network: LinkConfig::default(),
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_max_bytes: 1_048_576,
            replica_socket_timeout_ms: 30_000,
            replica_fetch_backoff_ms: 1_000,
            log_retention_check_interval_ms: 300_000,
            hw_checkpoint_interval_ms: 5_000,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            leader_imbalance_per_broker_percentage: 10,
            truncate_to_high_watermark: false,
            topic_defaults: TopicConfig::default(),
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            offsets_topic_segment_bytes: 104_857_600,
            offsets_commit_timeout_ms: 5_000,
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            mutation: None,
        }
    }
}

impl ClusterConfig {
    /// The configuration the app starts with: Kafka's names, values scaled so
    /// that a failover happens within seconds on screen and messages are slow
    /// enough to follow.
    pub fn app_default() -> Self {
        ClusterConfig {
            brokers: 3,
            zookeeper_session_timeout_ms: 6_000,
            tick_time_ms: 500,
            controller_socket_timeout_ms: 3_000,
            controlled_shutdown_max_retries: 3,
            controlled_shutdown_retry_backoff_ms: 1_000,
            network: LinkConfig {
                latency_min_ms: 40,
                latency_max_ms: 80,
                loss_ratio: 0.0,
            },
            replica_lag_time_max_ms: 5_000,
            replica_socket_timeout_ms: 3_000,
            replica_fetch_backoff_ms: 500,
            log_retention_check_interval_ms: 5_000,
            hw_checkpoint_interval_ms: 1_000,
            leader_imbalance_check_interval_seconds: 30,
            topic_defaults: TopicConfig::app_default(),
            ..ClusterConfig::default()
        }
    }

    /// Checks every value; the message names the key and the allowed range.
    pub fn validate(&self) -> Result<(), String> {
        if self.brokers > MAX_BROKERS {
            return Err(format!(
                "brokers: at most {MAX_BROKERS}, got {}",
                self.brokers
            ));
        }
        if !(1..=60_000).contains(&self.tick_time_ms) {
            return Err(format!(
                "tickTime: {} ms must be between 1 and 60000",
                self.tick_time_ms
            ));
        }
        let (lo, hi) = (2 * self.tick_time_ms, 20 * self.tick_time_ms);
        if !(lo..=hi).contains(&self.zookeeper_session_timeout_ms) {
            return Err(format!(
                "zookeeper.session.timeout.ms: {} ms must be between 2 and 20 tickTime ({lo}..={hi} ms), as ZooKeeper requires",
                self.zookeeper_session_timeout_ms
            ));
        }
        if !(1..=10).contains(&self.controlled_shutdown_max_retries) {
            return Err(format!(
                "controlled.shutdown.max.retries: {} must be between 1 and 10",
                self.controlled_shutdown_max_retries
            ));
        }
        if self.controlled_shutdown_retry_backoff_ms > 600_000 {
            return Err(format!(
                "controlled.shutdown.retry.backoff.ms: {} must be at most 600000",
                self.controlled_shutdown_retry_backoff_ms
            ));
        }
        if !(1..=600_000).contains(&self.controller_socket_timeout_ms) {
            return Err(format!(
                "controller.socket.timeout.ms: {} ms must be between 1 and 600000",
                self.controller_socket_timeout_ms
            ));
        }
        self.network
            .validate()
            .map_err(|e| format!("network: {e}"))?;
        let ranges: [(&str, u64, u64, u64); 8] = [
            (
                "replica.lag.time.max.ms",
                self.replica_lag_time_max_ms,
                2,
                3_600_000,
            ),
            (
                "replica.fetch.wait.max.ms",
                self.replica_fetch_wait_max_ms,
                0,
                60_000,
            ),
            (
                "replica.fetch.max.bytes",
                self.replica_fetch_max_bytes,
                1_024,
                104_857_600,
            ),
            (
                "replica.socket.timeout.ms",
                self.replica_socket_timeout_ms,
                1,
                600_000,
            ),
            (
                "replica.fetch.backoff.ms",
                self.replica_fetch_backoff_ms,
                1,
                600_000,
            ),
            (
                "log.retention.check.interval.ms",
                self.log_retention_check_interval_ms,
                1,
                86_400_000,
            ),
            (
                "replica.high.watermark.checkpoint.interval.ms",
                self.hw_checkpoint_interval_ms,
                1,
                86_400_000,
            ),
            (
                "leader.imbalance.check.interval.seconds",
                self.leader_imbalance_check_interval_seconds,
                1,
                86_400,
            ),
        ];
        for (key, value, lo, hi) in ranges {
            if !(lo..=hi).contains(&value) {
                return Err(format!("{key}: {value} must be between {lo} and {hi}"));
            }
        }
        let group_ranges: [(&str, u64, u64, u64); 7] = [
            (
                "offsets.topic.num.partitions",
                u64::from(self.offsets_topic_num_partitions),
                1,
                u64::from(crate::topic::MAX_PARTITIONS),
            ),
            (
                "offsets.topic.replication.factor",
                u64::from(self.offsets_topic_replication_factor),
                1,
                u64::from(MAX_BROKERS),
            ),
            (
                "offsets.topic.segment.bytes",
                self.offsets_topic_segment_bytes,
                14,
                1_073_741_824,
            ),
            (
                "offsets.commit.timeout.ms",
                self.offsets_commit_timeout_ms,
                1,
                600_000,
            ),
            (
                "group.initial.rebalance.delay.ms",
                self.group_initial_rebalance_delay_ms,
                0,
                600_000,
            ),
            (
                "group.min.session.timeout.ms",
                self.group_min_session_timeout_ms,
                1,
                3_600_000,
            ),
            (
                "group.max.session.timeout.ms",
                self.group_max_session_timeout_ms,
                self.group_min_session_timeout_ms,
                3_600_000,
            ),
        ];
        for (key, value, lo, hi) in group_ranges {
            if !(lo..=hi).contains(&value) {
                return Err(format!("{key}: {value} must be between {lo} and {hi}"));
            }
        }
        if self.leader_imbalance_per_broker_percentage > 100 {
            return Err(format!(
                "leader.imbalance.per.broker.percentage: {} must be at most 100",
                self.leader_imbalance_per_broker_percentage
            ));
        }
        self.topic_defaults
            .validate()
            .map_err(|e| format!("topic_defaults: {e}"))?;
        if self.zookeeper_session_timeout_ms < 4 * self.network.latency_max_ms {
            return Err(format!(
                "zookeeper.session.timeout.ms: {} ms is under 4 x the largest link latency ({} ms): sessions would expire before a heartbeat could go and come back",
                self.zookeeper_session_timeout_ms, self.network.latency_max_ms
            ));
        }
        Ok(())
    }
}

/// A scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name.
    #[serde(default)]
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// The heading the page's scenario picker lists it under, e.g. "Known
    /// losses, on purpose" (empty: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub section: String,
    /// Seed of the world's RNG.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Cluster configuration.
    #[serde(default)]
    pub config: ClusterConfig,
    /// Timed commands, in time order.
    #[serde(default)]
    pub commands: Vec<TimedCommand>,
    /// When the run stops (simulated ms).
    #[serde(default = "default_until")]
    pub until_ms: Tick,
    /// A command refused at its time (say, a crash of a broker already
    /// down) is told in the event log instead of failing the run, as in the
    /// page. Fault plans drawn at random (the swarm's) set it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tolerate_refused: bool,
}

fn default_seed() -> u64 {
    1
}

fn default_until() -> Tick {
    60_000
}

/// Why a scenario could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioError {
    /// Not valid JSON, or not the scenario shape.
    Parse(String),
    /// Well-formed but not allowed.
    Invalid(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Parse(m) => write!(f, "scenario is not valid: {m}"),
            ScenarioError::Invalid(m) => write!(f, "scenario is not allowed: {m}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Reads and checks a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(ScenarioError::Invalid(format!(
                "at most {MAX_SCENARIO_BYTES} bytes of JSON (16 MiB), got {}",
                text.len()
            )));
        }
        let s: Scenario =
            serde_json::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks limits and ordering.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.config
            .validate()
            .map_err(|e| ScenarioError::Invalid(format!("config: {e}")))?;
        for (field, text, max) in [
            ("name", &self.name, MAX_NAME_CHARS),
            ("description", &self.description, MAX_DESCRIPTION_CHARS),
        ] {
            let chars = text.chars().count();
            if chars > max {
                return Err(ScenarioError::Invalid(format!(
                    "{field}: at most {max} characters, got {chars}"
                )));
            }
        }
        if self.until_ms > MAX_UNTIL_MS {
            return Err(ScenarioError::Invalid(format!(
                "until_ms {} is over the limit of {MAX_UNTIL_MS} (one week)",
                self.until_ms
            )));
        }
        if self.commands.len() > MAX_SCENARIO_COMMANDS {
            return Err(ScenarioError::Invalid(format!(
                "{} commands is over the limit of {MAX_SCENARIO_COMMANDS}",
                self.commands.len()
            )));
        }
        for (i, pair) in self.commands.windows(2).enumerate() {
            if pair[1].at_ms < pair[0].at_ms {
                return Err(ScenarioError::Invalid(format!(
                    "commands[{}] at_ms {} comes before commands[{i}] at_ms {}: commands must be in time order",
                    i + 1,
                    pair[1].at_ms,
                    pair[0].at_ms
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_scenario_takes_defaults() {
        let s = Scenario::from_json("{}").unwrap();
        assert_eq!(s.seed, 1);
        assert_eq!(s.config.zookeeper_session_timeout_ms, 18_000);
        assert_eq!(s.until_ms, 60_000);
    }

    #[test]
    fn problems_are_named() {
        let e = Scenario::from_json(r#"{"config":{"brokers":99}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("brokers") && e.contains("32"), "{e}");
        let e = Scenario::from_json(r#"{"config":{"zookeeper.session.timeout.ms":10}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("zookeeper.session.timeout.ms"), "{e}");
        let e = Scenario::from_json(r#"{"sede":3}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("sede"), "{e}");
        let e = Scenario::from_json(
            r#"{"commands":[{"at_ms":5,"command":{"type":"pause"}},{"at_ms":2,"command":{"type":"pause"}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("time order"), "{e}");
        let e = Scenario::from_json(
            r#"{"config":{"tickTime":100,"zookeeper.session.timeout.ms":1000,"network":{"latency_min_ms":1,"latency_max_ms":400,"loss_ratio":0}}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("largest link latency"), "{e}");
        let e = Scenario::from_json("[1,").unwrap_err().to_string();
        assert!(e.contains("not valid"), "{e}");
        let e = Scenario::from_json(&format!(r#"{{"name":"{}"}}"#, "n".repeat(201)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("name: at most 200 characters, got 201"), "{e}");
        let huge = format!(r#"{{"description":"{}"}}"#, " ".repeat(MAX_SCENARIO_BYTES));
        let e = Scenario::from_json(&huge).unwrap_err().to_string();
        assert!(e.contains("at most 16777216 bytes"), "{e}");
    }

    #[test]
    fn app_default_is_valid() {
        ClusterConfig::app_default().validate().unwrap();
        ClusterConfig::default().validate().unwrap();
    }
}
