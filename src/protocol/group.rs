//! The consumer-group requests of Kafka's classic group protocol, with
//! Kafka's field names: `FindCoordinator`, `JoinGroup`, `SyncGroup`,
//! `Heartbeat`, `LeaveGroup`, `OffsetCommit`, `OffsetFetch`, and
//! `ListOffsets` (where a consumer's position starts).

use super::KafkaError;
use crate::topic::TopicPartition;
use serde::Serialize;

/// `FindCoordinatorRequest` (key type GROUP).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindCoordinator {
    /// Request id.
    pub correlation_id: u64,
    /// The group id.
    pub key: String,
}

/// `FindCoordinatorResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindCoordinatorResponse {
    /// Request id.
    pub correlation_id: u64,
    /// `NONE` or `COORDINATOR_NOT_AVAILABLE`.
    pub error: KafkaError,
    /// The coordinator's broker id (-1 with an error).
    pub node_id: i32,
}

/// One protocol a member offers in `JoinGroup`: an assignor name and the
/// member's subscription (Kafka's `ConsumerProtocolSubscription`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupProtocol {
    /// Assignor name: `range`, `roundrobin`, `sticky`.
    pub name: String,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Partitions the member owned in `generation` (sticky assignors use them).
    pub owned: Vec<TopicPartition>,
    /// The generation those partitions are from (-1: none).
    pub generation: i32,
}

/// `JoinGroupRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinGroup {
    /// Request id.
    pub correlation_id: u64,
    /// Group id.
    pub group_id: String,
    /// `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms`: how long the coordinator waits for the member to rejoin.
    pub rebalance_timeout_ms: u64,
    /// Empty on the first join.
    pub member_id: String,
    /// The member's `client.id`.
    pub client_id: String,
    /// Always `consumer` here.
    pub protocol_type: String,
    /// Assignors in preference order, each with the subscription.
    pub protocols: Vec<GroupProtocol>,
}

/// One member as the leader sees it in `JoinGroupResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinGroupMember {
    /// Member id.
    pub member_id: String,
    /// Its subscription under the chosen protocol.
    pub metadata: GroupProtocol,
}

/// `JoinGroupResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinGroupResponse {
    /// Request id.
    pub correlation_id: u64,
    /// Error.
    pub error: KafkaError,
    /// The new generation.
    pub generation_id: i32,
    /// The assignor chosen.
    pub protocol_name: String,
    /// Member id of the group leader.
    pub leader: String,
    /// This member's id (new members learn it here).
    pub member_id: String,
    /// Every member with its subscription: only in the leader's answer.
    pub members: Vec<JoinGroupMember>,
}

/// `SyncGroupRequest`: the leader's carries the assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncGroup {
    /// Request id.
    pub correlation_id: u64,
    /// Group id.
    pub group_id: String,
    /// Generation.
    pub generation_id: i32,
    /// Member id.
    pub member_id: String,
    /// Member id -> its partitions (empty from followers).
    pub assignments: Vec<(String, Vec<TopicPartition>)>,
}

/// `SyncGroupResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncGroupResponse {
    /// Request id.
    pub correlation_id: u64,
    /// Error.
    pub error: KafkaError,
    /// This member's partitions.
    pub assignment: Vec<TopicPartition>,
}

/// `HeartbeatRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heartbeat {
    /// Request id.
    pub correlation_id: u64,
    /// Group id.
    pub group_id: String,
    /// Generation.
    pub generation_id: i32,
    /// Member id.
    pub member_id: String,
}

/// `LeaveGroupRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaveGroup {
    /// Request id.
    pub correlation_id: u64,
    /// Group id.
    pub group_id: String,
    /// Member id.
    pub member_id: String,
}

/// `OffsetCommitRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetCommit {
    /// Request id.
    pub correlation_id: u64,
    /// Group id.
    pub group_id: String,
    /// Generation (-1 for a consumer outside group management).
    pub generation_id: i32,
    /// Member id (empty outside group management).
    pub member_id: String,
    /// Partition -> the next offset to read.
    pub offsets: Vec<(TopicPartition, i64)>,
}

/// `OffsetCommitResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetCommitResponse {
    /// Request id.
    pub correlation_id: u64,
    /// Per partition.
    pub partitions: Vec<(TopicPartition, KafkaError)>,
}

/// `OffsetFetchRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetFetch {
    /// Request id.
    pub correlation_id: u64,
    /// Group id.
    pub group_id: String,
    /// Partitions asked about.
    pub partitions: Vec<TopicPartition>,
}

/// `OffsetFetchResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetFetchResponse {
    /// Request id.
    pub correlation_id: u64,
    /// Group-level error.
    pub error: KafkaError,
    /// Partition -> committed offset (-1: none).
    pub offsets: Vec<(TopicPartition, i64)>,
}

/// `ListOffsetsRequest` from a consumer: -2 earliest, -1 latest, or a timestamp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListOffsets {
    /// Request id.
    pub correlation_id: u64,
    /// Partition -> timestamp asked.
    pub partitions: Vec<(TopicPartition, i64)>,
}

/// One partition of `ListOffsetsResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListedOffset {
    /// Partition.
    pub tp: TopicPartition,
    /// Error.
    pub error: KafkaError,
    /// The timestamp asked.
    pub timestamp: i64,
    /// The offset found (-1: none, e.g. every record older than the timestamp).
    pub offset: i64,
}

/// `ListOffsetsResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListOffsetsResponse {
    /// Request id.
    pub correlation_id: u64,
    /// Per partition.
    pub partitions: Vec<ListedOffset>,
}

/// `ListOffsets` timestamp for the earliest offset.
pub const EARLIEST_TIMESTAMP: i64 = -2;
/// `ListOffsets` timestamp for the latest offset.
pub const LATEST_TIMESTAMP: i64 = -1;
