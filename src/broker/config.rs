//! A broker's settings (Kafka's names, taken from the cluster
//! configuration) and its timers.

use crate::sim::{ClusterConfig, Mutation};
use crate::topic::TopicConfig;

/// The settings a broker uses.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokerConfig {
    /// `replica.lag.time.max.ms`: a follower not caught up this long leaves the ISR.
    pub replica_lag_time_max_ms: u64,
    /// `replica.fetch.wait.max.ms`: how long a leader holds an empty fetch.
    pub replica_fetch_wait_max_ms: u64,
    /// `replica.fetch.max.bytes`.
    pub replica_fetch_max_bytes: usize,
    /// `replica.socket.timeout.ms`: a fetch unanswered this long is sent again.
    pub replica_socket_timeout_ms: u64,
    /// `replica.fetch.backoff.ms`: pause after a fetch error.
    pub replica_fetch_backoff_ms: u64,
    /// `log.retention.check.interval.ms`.
    pub log_retention_check_interval_ms: u64,
    /// `replica.high.watermark.checkpoint.interval.ms`.
    pub hw_checkpoint_interval_ms: u64,
    /// `auto.leader.rebalance.enable`.
    pub auto_leader_rebalance_enable: bool,
    /// `leader.imbalance.check.interval.seconds`, in ms.
    pub leader_imbalance_check_interval_ms: u64,
    /// `leader.imbalance.per.broker.percentage`.
    pub leader_imbalance_per_broker_percentage: u32,
    /// The pre-KIP-101 rule: a new follower truncates to its high watermark.
    pub legacy_truncate_to_hw: bool,
    /// Topic configuration defaults (the broker's `log.*` settings).
    pub topic_defaults: TopicConfig,
    /// `zookeeper.session.timeout.ms`.
    pub zookeeper_session_timeout_ms: u64,
    /// `controller.socket.timeout.ms`.
    pub controller_socket_timeout_ms: u64,
    /// `controlled.shutdown.max.retries`: tries of ControlledShutdown before giving up.
    pub controlled_shutdown_max_retries: u32,
    /// `controlled.shutdown.retry.backoff.ms`: pause between tries.
    pub controlled_shutdown_retry_backoff_ms: u64,
    /// `offsets.topic.num.partitions`.
    pub offsets_topic_num_partitions: u32,
    /// `offsets.topic.replication.factor`.
    pub offsets_topic_replication_factor: u32,
    /// `offsets.topic.segment.bytes`.
    pub offsets_topic_segment_bytes: u64,
    /// `offsets.commit.timeout.ms`: a commit waits this long for the replicas.
    pub offsets_commit_timeout_ms: u64,
    /// `group.initial.rebalance.delay.ms`: a new group waits this long for more members.
    pub group_initial_rebalance_delay_ms: u64,
    /// `group.min.session.timeout.ms`.
    pub group_min_session_timeout_ms: u64,
    /// `group.max.session.timeout.ms`.
    pub group_max_session_timeout_ms: u64,
    /// A planted bug (tests only).
    pub mutation: Option<Mutation>,
}

impl BrokerConfig {
    /// The broker settings of a cluster configuration.
    pub fn from_cluster(c: &ClusterConfig) -> Self {
        BrokerConfig {
            zookeeper_session_timeout_ms: c.zookeeper_session_timeout_ms,
            controller_socket_timeout_ms: c.controller_socket_timeout_ms,
            controlled_shutdown_max_retries: c.controlled_shutdown_max_retries,
            controlled_shutdown_retry_backoff_ms: c.controlled_shutdown_retry_backoff_ms,
            replica_lag_time_max_ms: c.replica_lag_time_max_ms,
            replica_fetch_wait_max_ms: c.replica_fetch_wait_max_ms,
            replica_fetch_max_bytes: c.replica_fetch_max_bytes as usize,
            replica_socket_timeout_ms: c.replica_socket_timeout_ms,
            replica_fetch_backoff_ms: c.replica_fetch_backoff_ms,
            log_retention_check_interval_ms: c.log_retention_check_interval_ms,
            hw_checkpoint_interval_ms: c.hw_checkpoint_interval_ms,
            auto_leader_rebalance_enable: c.auto_leader_rebalance_enable,
            leader_imbalance_check_interval_ms: c.leader_imbalance_check_interval_seconds * 1_000,
            leader_imbalance_per_broker_percentage: c.leader_imbalance_per_broker_percentage,
            legacy_truncate_to_hw: c.truncate_to_high_watermark,
            topic_defaults: c.topic_defaults.clone(),
            offsets_topic_num_partitions: c.offsets_topic_num_partitions,
            offsets_topic_replication_factor: c.offsets_topic_replication_factor,
            offsets_topic_segment_bytes: c.offsets_topic_segment_bytes,
            offsets_commit_timeout_ms: c.offsets_commit_timeout_ms,
            group_initial_rebalance_delay_ms: c.group_initial_rebalance_delay_ms,
            group_min_session_timeout_ms: c.group_min_session_timeout_ms,
            group_max_session_timeout_ms: c.group_max_session_timeout_ms,
            mutation: c.mutation,
        }
    }
}

/// Timers of a broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerTimer {
    /// ZooKeeper client heartbeat and connection check, every third of the session timeout.
    ZkHeartbeat,
    /// A controller request to `target` went unanswered for `controller.socket.timeout.ms`.
    ControllerRequestTimeout {
        /// Broker the request went to.
        target: i32,
        /// The request.
        correlation_id: u64,
    },
    /// The controller did not answer try `attempt` of `ControlledShutdown` in time.
    ShutdownTimeout {
        /// Which try.
        attempt: u32,
    },
    /// Time to try `ControlledShutdown` again.
    ShutdownRetry,
    /// ISR expiration check, every half `replica.lag.time.max.ms`.
    IsrCheck,
    /// Retention and cleaning, every `log.retention.check.interval.ms`.
    RetentionCheck,
    /// High watermark checkpoint.
    HwCheckpoint,
    /// Controller: leader imbalance check.
    LeaderRebalance,
    /// A follower's fetch went unanswered.
    FetchTimeout {
        /// Leader fetched from.
        leader: i32,
        /// The request.
        correlation_id: u64,
    },
    /// A follower's `OffsetsForLeaderEpoch` went unanswered.
    EpochQueryTimeout {
        /// Leader asked.
        leader: i32,
        /// The request.
        correlation_id: u64,
    },
    /// End of `replica.fetch.backoff.ms` for a fetcher.
    FetchBackoff {
        /// Leader fetched from.
        leader: i32,
    },
    /// A held fetch's `max_wait_ms` passed.
    FetchWait {
        /// Which held fetch.
        key: u64,
    },
    /// An acks=all produce's timeout passed.
    ProduceTimeout {
        /// Which produce.
        key: u64,
    },
    /// Group coordinator: session ends and join deadlines due.
    GroupDeadlines,
    /// Group coordinator: an offsets partition has been read back.
    OffsetsLoaded {
        /// `__consumer_offsets` partition.
        partition: i32,
        /// Leader epoch the load was for.
        epoch: i32,
    },
    /// Group coordinator: an append to `__consumer_offsets` waited `offsets.commit.timeout.ms`.
    OffsetWriteTimeout {
        /// Which append.
        key: u64,
    },
}
