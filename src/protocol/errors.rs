//! Kafka's error codes that the controller, brokers and producers use,
//! with their names as Kafka prints them.

use serde::Serialize;
use std::fmt;

/// Kafka's error codes that the controller and brokers use here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum KafkaError {
    /// `NONE` (0).
    None,
    /// `STALE_CONTROLLER_EPOCH` (11): the request came from an old controller.
    StaleControllerEpoch,
    /// `NOT_CONTROLLER` (41): this broker is not the controller.
    NotController,
    /// `OFFSET_OUT_OF_RANGE` (1).
    OffsetOutOfRange,
    /// `CORRUPT_MESSAGE` (2).
    CorruptMessage,
    /// `UNKNOWN_TOPIC_OR_PARTITION` (3).
    UnknownTopicOrPartition,
    /// `LEADER_NOT_AVAILABLE` (5): the partition has no leader right now.
    LeaderNotAvailable,
    /// `NOT_LEADER_OR_FOLLOWER` (6): this broker does not lead the partition.
    NotLeaderOrFollower,
    /// `REQUEST_TIMED_OUT` (7).
    RequestTimedOut,
    /// `NETWORK_EXCEPTION` (13): the connection closed before the answer came.
    NetworkException,
    /// `MESSAGE_TOO_LARGE` (10).
    MessageTooLarge,
    /// `RECORD_LIST_TOO_LARGE` (18).
    RecordListTooLarge,
    /// `NOT_ENOUGH_REPLICAS` (19): acks=all and the ISR is below `min.insync.replicas`.
    NotEnoughReplicas,
    /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (20): the ISR shrank below it while waiting.
    NotEnoughReplicasAfterAppend,
    /// `FENCED_LEADER_EPOCH` (74): the request's leader epoch is older than the leader's.
    FencedLeaderEpoch,
    /// `UNKNOWN_LEADER_EPOCH` (75): the request's leader epoch is newer than the leader's.
    UnknownLeaderEpoch,
    /// `INVALID_RECORD` (87).
    InvalidRecord,
    /// `COORDINATOR_LOAD_IN_PROGRESS` (14): the coordinator is still reading its offsets partition.
    CoordinatorLoadInProgress,
    /// `COORDINATOR_NOT_AVAILABLE` (15): no coordinator yet (offsets topic missing or leaderless).
    CoordinatorNotAvailable,
    /// `NOT_COORDINATOR` (16): this broker does not coordinate the group.
    NotCoordinator,
    /// `ILLEGAL_GENERATION` (22): the request names an old generation of the group.
    IllegalGeneration,
    /// `INCONSISTENT_GROUP_PROTOCOL` (23): the member's assignors share none with the group.
    InconsistentGroupProtocol,
    /// `UNKNOWN_MEMBER_ID` (25): the coordinator does not know this member.
    UnknownMemberId,
    /// `INVALID_SESSION_TIMEOUT` (26): outside the broker's group session timeout range.
    InvalidSessionTimeout,
    /// `REBALANCE_IN_PROGRESS` (27): the group is rebalancing; rejoin.
    RebalanceInProgress,
    /// `MEMBER_ID_REQUIRED` (79): rejoin with the member id given (KIP-394).
    MemberIdRequired,
}

impl KafkaError {
    /// Errors after which a producer retries (Kafka's `RetriableException`s).
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            KafkaError::UnknownTopicOrPartition
                | KafkaError::LeaderNotAvailable
                | KafkaError::NotLeaderOrFollower
                | KafkaError::RequestTimedOut
                | KafkaError::NetworkException
                | KafkaError::NotEnoughReplicas
                | KafkaError::NotEnoughReplicasAfterAppend
                | KafkaError::FencedLeaderEpoch
                | KafkaError::UnknownLeaderEpoch
                | KafkaError::CorruptMessage
                | KafkaError::CoordinatorLoadInProgress
                | KafkaError::CoordinatorNotAvailable
                | KafkaError::NotCoordinator
        )
    }

    /// Errors after which a consumer looks for its coordinator again.
    pub fn coordinator_moved(self) -> bool {
        matches!(
            self,
            KafkaError::CoordinatorNotAvailable
                | KafkaError::NotCoordinator
                | KafkaError::NetworkException
                | KafkaError::RequestTimedOut
        )
    }

    /// Errors after which a client should refresh its metadata.
    pub fn needs_metadata(self) -> bool {
        matches!(
            self,
            KafkaError::UnknownTopicOrPartition
                | KafkaError::LeaderNotAvailable
                | KafkaError::NotLeaderOrFollower
                | KafkaError::FencedLeaderEpoch
                | KafkaError::UnknownLeaderEpoch
                | KafkaError::NetworkException
        )
    }
}

impl From<&crate::log::LogError> for KafkaError {
    fn from(e: &crate::log::LogError) -> Self {
        use crate::log::LogError;
        match e {
            LogError::OffsetOutOfRange { .. } => KafkaError::OffsetOutOfRange,
            LogError::CorruptMessage(_) | LogError::UnexpectedAppendOffset { .. } => {
                KafkaError::CorruptMessage
            }
            LogError::MessageTooLarge { .. } => KafkaError::MessageTooLarge,
            LogError::RecordListTooLarge { .. } => KafkaError::RecordListTooLarge,
            LogError::InvalidRecord(_) => KafkaError::InvalidRecord,
        }
    }
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KafkaError::None => "NONE",
            KafkaError::StaleControllerEpoch => "STALE_CONTROLLER_EPOCH",
            KafkaError::NotController => "NOT_CONTROLLER",
            KafkaError::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            KafkaError::CorruptMessage => "CORRUPT_MESSAGE",
            KafkaError::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            KafkaError::LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
            KafkaError::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            KafkaError::RequestTimedOut => "REQUEST_TIMED_OUT",
            KafkaError::NetworkException => "NETWORK_EXCEPTION",
            KafkaError::MessageTooLarge => "MESSAGE_TOO_LARGE",
            KafkaError::RecordListTooLarge => "RECORD_LIST_TOO_LARGE",
            KafkaError::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            KafkaError::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            KafkaError::FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            KafkaError::UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            KafkaError::InvalidRecord => "INVALID_RECORD",
            KafkaError::CoordinatorLoadInProgress => "COORDINATOR_LOAD_IN_PROGRESS",
            KafkaError::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            KafkaError::NotCoordinator => "NOT_COORDINATOR",
            KafkaError::IllegalGeneration => "ILLEGAL_GENERATION",
            KafkaError::InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            KafkaError::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            KafkaError::InvalidSessionTimeout => "INVALID_SESSION_TIMEOUT",
            KafkaError::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            KafkaError::MemberIdRequired => "MEMBER_ID_REQUIRED",
        })
    }
}
