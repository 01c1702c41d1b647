//! Typed messages between nodes, named as Kafka and ZooKeeper name them:
//! ZooKeeper's client protocol (connect, ping, create, getData, multi,
//! watcher events) and the controller's requests to brokers
//! (`UpdateMetadata`, `ControlledShutdown`) with Kafka's error codes.

mod errors;
pub mod group;
pub mod kafka;
mod zk;

pub use errors::KafkaError;
pub use zk::{session_hex, SessionId, Stat, WatchedEventType, ZkError, ZkOp, ZkReply, ZkResult};

pub use crate::topic::{PartitionState, TopicPartition};
use serde::Serialize;

/// Everything that travels between nodes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Message {
    /// Open a session, or resume `session_id` after a lost connection.
    ZkConnect {
        /// Session to resume, if any.
        session_id: Option<SessionId>,
        /// Requested session timeout.
        timeout_ms: u64,
    },
    /// Connect result: the session and the negotiated timeout, or `SessionExpired`.
    ZkConnectResponse {
        /// Session or error.
        result: Result<(SessionId, u64), ZkError>,
    },
    /// Session heartbeat.
    ZkPing {
        /// Session.
        session_id: SessionId,
    },
    /// Heartbeat answer.
    ZkPingResponse {
        /// Ok, or `SessionExpired`.
        result: Result<(), ZkError>,
    },
    /// One request within a session.
    ZkRequest {
        /// Session.
        session_id: SessionId,
        /// Client's request id.
        xid: u64,
        /// The operation.
        op: ZkOp,
    },
    /// The answer to `ZkRequest`.
    ZkResponse {
        /// Request id.
        xid: u64,
        /// Result; for `multi` a failure names the index of the failing op.
        result: ZkResult,
    },
    /// End the session now (ephemeral nodes go at once).
    ZkCloseSession {
        /// Session.
        session_id: SessionId,
    },
    /// A one-shot watch fired.
    ZkWatchedEvent {
        /// What happened.
        event_type: WatchedEventType,
        /// To which path.
        path: String,
    },
    /// The controller's view of the cluster (Kafka's `UpdateMetadataRequest`).
    UpdateMetadata {
        /// Request id.
        correlation_id: u64,
        /// Sender's broker id.
        controller_id: i32,
        /// Sender's controller epoch: brokers refuse older ones.
        controller_epoch: i32,
        /// Live brokers.
        live_brokers: Vec<i32>,
        /// Every partition's leader, ISR and replicas.
        partitions: Vec<PartitionState>,
    },
    /// Answer to `UpdateMetadata`.
    UpdateMetadataResponse {
        /// Request id.
        correlation_id: u64,
        /// `NONE` or `STALE_CONTROLLER_EPOCH`.
        error: KafkaError,
    },
    /// A broker asks the controller to move its leaderships before it stops.
    ControlledShutdown {
        /// Request id.
        correlation_id: u64,
        /// The broker shutting down.
        broker_id: i32,
    },
    /// Answer to `ControlledShutdown`.
    ControlledShutdownResponse {
        /// Request id.
        correlation_id: u64,
        /// `NONE` or `NOT_CONTROLLER`.
        error: KafkaError,
        /// Partitions the broker still leads (no other in-sync replica to take them).
        partitions_remaining: u32,
    },
    /// The controller tells replicas who leads their partitions.
    LeaderAndIsr(Box<kafka::LeaderAndIsr>),
    /// Answer to `LeaderAndIsr`.
    LeaderAndIsrResponse {
        /// Request id.
        correlation_id: u64,
        /// `NONE` or `STALE_CONTROLLER_EPOCH`.
        error: KafkaError,
    },
    /// The controller tells a broker to stop (and maybe delete) replicas.
    StopReplica {
        /// Request id.
        correlation_id: u64,
        /// Sender's broker id.
        controller_id: i32,
        /// Sender's controller epoch.
        controller_epoch: i32,
        /// Which replicas.
        partitions: Vec<TopicPartition>,
        /// Delete their logs too (topic deletion).
        delete: bool,
    },
    /// Answer to `StopReplica`.
    StopReplicaResponse {
        /// Request id.
        correlation_id: u64,
        /// `NONE` or `STALE_CONTROLLER_EPOCH`.
        error: KafkaError,
    },
    /// A follower (or consumer) reads from a leader.
    Fetch(kafka::Fetch),
    /// Answer to `Fetch`.
    FetchResponse(kafka::FetchResponse),
    /// A new follower asks where its last leader epoch ends (KIP-101).
    OffsetsForLeaderEpoch(kafka::OffsetsForLeaderEpoch),
    /// Answer to `OffsetsForLeaderEpoch`.
    OffsetsForLeaderEpochResponse(kafka::OffsetsForLeaderEpochResponse),
    /// A client asks a broker for topic metadata.
    Metadata {
        /// Request id.
        correlation_id: u64,
        /// Topics asked about.
        topics: Vec<String>,
    },
    /// Answer to `Metadata`.
    MetadataResponse(kafka::MetadataResponse),
    /// The first request on a client's new connection (Kafka's
    /// `ApiVersions`): the connection is ready once it is answered.
    ApiVersions {
        /// Request id.
        correlation_id: u64,
    },
    /// Answer to `ApiVersions`.
    ApiVersionsResponse {
        /// Request id.
        correlation_id: u64,
    },
    /// The peer's TCP connection closed (its process exited or was killed:
    /// the operating system closes its sockets).
    ConnectionClosed,
    /// A producer writes batches to partition leaders.
    Produce(kafka::Produce),
    /// Answer to `Produce` (never sent for acks=0).
    ProduceResponse(kafka::ProduceResponse),
    /// A consumer asks any broker which one coordinates its group.
    FindCoordinator(group::FindCoordinator),
    /// Answer to `FindCoordinator`.
    FindCoordinatorResponse(group::FindCoordinatorResponse),
    /// A member joins (or rejoins) its group.
    JoinGroup(group::JoinGroup),
    /// Answer to `JoinGroup`, sent when the join phase ends.
    JoinGroupResponse(group::JoinGroupResponse),
    /// A member asks for its partitions; the leader's carries the assignment.
    SyncGroup(group::SyncGroup),
    /// Answer to `SyncGroup`.
    SyncGroupResponse(group::SyncGroupResponse),
    /// A member is alive.
    Heartbeat(group::Heartbeat),
    /// Answer to `Heartbeat` (`REBALANCE_IN_PROGRESS` asks the member to rejoin).
    HeartbeatResponse {
        /// Request id.
        correlation_id: u64,
        /// Error.
        error: KafkaError,
    },
    /// A member leaves its group.
    LeaveGroup(group::LeaveGroup),
    /// Answer to `LeaveGroup`.
    LeaveGroupResponse {
        /// Request id.
        correlation_id: u64,
        /// Error.
        error: KafkaError,
    },
    /// A consumer commits offsets.
    OffsetCommit(group::OffsetCommit),
    /// Answer to `OffsetCommit`.
    OffsetCommitResponse(group::OffsetCommitResponse),
    /// A consumer reads its group's committed offsets.
    OffsetFetch(group::OffsetFetch),
    /// Answer to `OffsetFetch`.
    OffsetFetchResponse(group::OffsetFetchResponse),
    /// A consumer asks a leader for the offset of a time (earliest, latest).
    ListOffsets(group::ListOffsets),
    /// Answer to `ListOffsets`.
    ListOffsetsResponse(group::ListOffsetsResponse),
}

/// Labels of the consumer-group messages.
fn group_label(msg: &Message) -> String {
    let or_error = |error: &KafkaError, ok: String| {
        if *error == KafkaError::None {
            ok
        } else {
            error.to_string()
        }
    };
    match msg {
        Message::FindCoordinator(r) => format!("FindCoordinator {}", r.key),
        Message::FindCoordinatorResponse(r) => {
            or_error(&r.error, format!("coordinator: broker {}", r.node_id))
        }
        Message::JoinGroup(r) if r.member_id.is_empty() => format!("JoinGroup {}", r.group_id),
        Message::JoinGroup(r) => format!("JoinGroup {} as {}", r.group_id, r.member_id),
        Message::JoinGroupResponse(r) if r.error == KafkaError::MemberIdRequired => {
            format!("MEMBER_ID_REQUIRED: {}", r.member_id)
        }
        Message::JoinGroupResponse(r) => or_error(
            &r.error,
            format!(
                "joined generation {}{}",
                r.generation_id,
                if r.leader == r.member_id {
                    format!(" as leader of {}", r.members.len())
                } else {
                    String::new()
                }
            ),
        ),
        Message::SyncGroup(r) if r.assignments.is_empty() => {
            format!("SyncGroup gen {}", r.generation_id)
        }
        Message::SyncGroup(r) => format!(
            "SyncGroup gen {} with assignment for {}",
            r.generation_id,
            r.assignments.len()
        ),
        Message::SyncGroupResponse(r) => or_error(
            &r.error,
            format!("assigned {} partitions", r.assignment.len()),
        ),
        Message::Heartbeat(r) => format!("Heartbeat gen {}", r.generation_id),
        Message::HeartbeatResponse { error, .. } => or_error(error, "heartbeat ok".into()),
        Message::LeaveGroup(r) => format!("LeaveGroup {}", r.member_id),
        Message::LeaveGroupResponse { error, .. } => or_error(error, "left".into()),
        Message::OffsetCommit(r) => match r.offsets.as_slice() {
            [(tp, o)] => format!("OffsetCommit {tp}={o}"),
            many => format!("OffsetCommit {} partitions", many.len()),
        },
        Message::OffsetCommitResponse(r) => {
            match r.partitions.iter().find(|p| p.1 != KafkaError::None) {
                Some((tp, e)) => format!("OffsetCommit {tp}: {e}"),
                None => "committed".to_string(),
            }
        }
        Message::OffsetFetch(r) => format!("OffsetFetch {}", r.group_id),
        Message::OffsetFetchResponse(r) => {
            or_error(&r.error, format!("{} committed offsets", r.offsets.len()))
        }
        Message::ListOffsets(r) => format!("ListOffsets {} partitions", r.partitions.len()),
        Message::ListOffsetsResponse(r) => format!("{} offsets", r.partitions.len()),
        _ => String::new(),
    }
}

/// Each batch's base offset, size and CRC: the CRC covers its records, so
/// this stands for the bytes in the trace at a fraction of the cost.
fn batch_crcs(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(info) = crate::log::peek(bytes) {
        out.extend_from_slice(&info.base_offset.to_le_bytes());
        out.extend_from_slice(&(info.size as u64).to_le_bytes());
        out.extend_from_slice(&info.crc.to_le_bytes());
        let Some(rest) = bytes.get(info.size..) else {
            break;
        };
        bytes = rest;
    }
    out.extend_from_slice(bytes);
    out
}

/// `acks` as the producer config writes it.
pub fn acks_name(acks: i16) -> &'static str {
    match acks {
        0 => "0",
        1 => "1",
        _ => "all",
    }
}

/// How the view colours a message (see the legend).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    /// Session traffic: connect, ping, close.
    Session,
    /// Writes to ZooKeeper: create, delete, setData, multi.
    ZkWrite,
    /// Reads from ZooKeeper: exists, getData, getChildren.
    ZkRead,
    /// Watch notifications from ZooKeeper.
    Watch,
    /// Controller requests to brokers.
    Controller,
    /// Producer writes and their acks.
    Produce,
    /// Replication: follower fetches and their data.
    Fetch,
    /// Client metadata requests.
    Metadata,
    /// Consumer fetches and offset lookups.
    Consume,
    /// Group membership: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup.
    Group,
    /// Offset commits and offset fetches.
    Commit,
}

impl MsgKind {
    /// Every kind, in legend order.
    pub const ALL: [MsgKind; 11] = [
        MsgKind::Session,
        MsgKind::ZkWrite,
        MsgKind::ZkRead,
        MsgKind::Watch,
        MsgKind::Controller,
        MsgKind::Produce,
        MsgKind::Fetch,
        MsgKind::Metadata,
        MsgKind::Consume,
        MsgKind::Group,
        MsgKind::Commit,
    ];

    /// Legend text.
    pub fn label(self) -> &'static str {
        match self {
            MsgKind::Session => {
                "Session and connection (ZooKeeper connect, ping, close; TCP reset)"
            }
            MsgKind::ZkWrite => "ZooKeeper write (create, setData, multi)",
            MsgKind::ZkRead => "ZooKeeper read (exists, getData, getChildren)",
            MsgKind::Watch => "Watch notification",
            MsgKind::Controller => {
                "Controller request (LeaderAndIsr, UpdateMetadata, StopReplica, ControlledShutdown)"
            }
            MsgKind::Produce => "Produce request and its ack",
            MsgKind::Fetch => "Replica fetch (follower pulls from leader)",
            MsgKind::Metadata => {
                "Client metadata request (Metadata, ApiVersions on a new connection)"
            }
            MsgKind::Consume => "Consumer fetch and ListOffsets (reads below the high watermark)",
            MsgKind::Group => {
                "Group membership (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup)"
            }
            MsgKind::Commit => "Offset commit and offset fetch (__consumer_offsets)",
        }
    }

    /// CSS colour.
    pub fn color(self) -> &'static str {
        match self {
            MsgKind::Session => "#8a94a6",
            MsgKind::ZkWrite => "#f59e0b",
            MsgKind::ZkRead => "#38bdf8",
            MsgKind::Watch => "#c084fc",
            MsgKind::Controller => "#34d399",
            MsgKind::Produce => "#f472b6",
            MsgKind::Fetch => "#60a5fa",
            MsgKind::Metadata => "#facc15",
            MsgKind::Consume => "#2dd4bf",
            MsgKind::Group => "#fb923c",
            MsgKind::Commit => "#a3e635",
        }
    }
}

impl Message {
    /// Drawing class and whether it is a response.
    pub fn kind(&self) -> (MsgKind, bool) {
        match self {
            Message::ZkConnect { .. }
            | Message::ZkPing { .. }
            | Message::ZkCloseSession { .. }
            | Message::ConnectionClosed => (MsgKind::Session, false),
            Message::ZkConnectResponse { .. } | Message::ZkPingResponse { .. } => {
                (MsgKind::Session, true)
            }
            Message::ZkRequest { op, .. } if op.is_write() => (MsgKind::ZkWrite, false),
            Message::ZkRequest { .. } => (MsgKind::ZkRead, false),
            Message::ZkResponse { .. } => (MsgKind::ZkRead, true),
            Message::ZkWatchedEvent { .. } => (MsgKind::Watch, false),
            Message::UpdateMetadata { .. }
            | Message::ControlledShutdown { .. }
            | Message::LeaderAndIsr(_)
            | Message::StopReplica { .. } => (MsgKind::Controller, false),
            Message::UpdateMetadataResponse { .. }
            | Message::ControlledShutdownResponse { .. }
            | Message::LeaderAndIsrResponse { .. }
            | Message::StopReplicaResponse { .. } => (MsgKind::Controller, true),
            Message::Produce(_) => (MsgKind::Produce, false),
            Message::ProduceResponse(_) => (MsgKind::Produce, true),
            Message::Fetch(f) if f.replica_id < 0 => (MsgKind::Consume, false),
            Message::ListOffsets(_) => (MsgKind::Consume, false),
            Message::ListOffsetsResponse(_) => (MsgKind::Consume, true),
            Message::FetchResponse(r) if r.consumer => (MsgKind::Consume, true),
            Message::Fetch(_) | Message::OffsetsForLeaderEpoch(_) => (MsgKind::Fetch, false),
            Message::FetchResponse(_) | Message::OffsetsForLeaderEpochResponse(_) => {
                (MsgKind::Fetch, true)
            }
            Message::Metadata { .. } | Message::ApiVersions { .. } => (MsgKind::Metadata, false),
            Message::MetadataResponse(_) | Message::ApiVersionsResponse { .. } => {
                (MsgKind::Metadata, true)
            }
            Message::FindCoordinator(_)
            | Message::JoinGroup(_)
            | Message::SyncGroup(_)
            | Message::Heartbeat(_)
            | Message::LeaveGroup(_) => (MsgKind::Group, false),
            Message::FindCoordinatorResponse(_)
            | Message::JoinGroupResponse(_)
            | Message::SyncGroupResponse(_)
            | Message::HeartbeatResponse { .. }
            | Message::LeaveGroupResponse { .. } => (MsgKind::Group, true),
            Message::OffsetCommit(_) | Message::OffsetFetch(_) => (MsgKind::Commit, false),
            Message::OffsetCommitResponse(_) | Message::OffsetFetchResponse(_) => {
                (MsgKind::Commit, true)
            }
        }
    }

    /// Short name for the canvas and the trace, e.g. `create -e /controller`.
    pub fn label(&self) -> String {
        match self {
            Message::ZkConnect { session_id, .. } => match session_id {
                Some(s) => format!("connect (resume {})", session_hex(*s)),
                None => "connect".to_string(),
            },
            Message::ZkConnectResponse { result } => match result {
                Ok((s, _)) => format!("connected {}", session_hex(*s)),
                Err(e) => format!("connect: {e}"),
            },
            Message::ZkPing { .. } => "ping".to_string(),
            Message::ZkPingResponse { .. } => "pong".to_string(),
            Message::ZkRequest { op, .. } => op.label(),
            Message::ZkResponse { result, .. } => match result {
                Ok(_) => "ok".to_string(),
                Err((_, e)) => e.to_string(),
            },
            Message::ZkCloseSession { .. } => "closeSession".to_string(),
            Message::ZkWatchedEvent { event_type, path } => format!("{event_type:?} {path}"),
            Message::UpdateMetadata {
                controller_epoch, ..
            } => format!("UpdateMetadata (epoch {controller_epoch})"),
            Message::UpdateMetadataResponse { error, .. } => format!("UpdateMetadata: {error}"),
            Message::ControlledShutdown { .. } => "ControlledShutdown".to_string(),
            Message::ControlledShutdownResponse { error, .. } => {
                format!("ControlledShutdown: {error}")
            }
            Message::LeaderAndIsr(r) => format!(
                "LeaderAndIsr (epoch {}, {} partitions)",
                r.controller_epoch,
                r.partitions.len()
            ),
            Message::LeaderAndIsrResponse { error, .. } => format!("LeaderAndIsr: {error}"),
            Message::StopReplica { delete, .. } => {
                format!("StopReplica{}", if *delete { " (delete)" } else { "" })
            }
            Message::StopReplicaResponse { error, .. } => format!("StopReplica: {error}"),
            Message::Fetch(f) => match f.partitions.as_slice() {
                [one] => format!("Fetch {} @{}", one.tp, one.fetch_offset),
                many => format!("Fetch {} partitions", many.len()),
            },
            Message::FetchResponse(r) => {
                let bytes: usize = r.partitions.iter().map(|p| p.records.len()).sum();
                if bytes == 0 {
                    "Fetch: no new data".to_string()
                } else {
                    format!("Fetch: {bytes} bytes")
                }
            }
            Message::OffsetsForLeaderEpoch(r) => match r.partitions.as_slice() {
                [one] => format!(
                    "OffsetsForLeaderEpoch {} epoch {}",
                    one.tp, one.leader_epoch
                ),
                many => format!("OffsetsForLeaderEpoch {} partitions", many.len()),
            },
            Message::OffsetsForLeaderEpochResponse(r) => match r.partitions.as_slice() {
                [one] => format!(
                    "epoch {} ends at {} ({})",
                    one.leader_epoch, one.end_offset, one.error
                ),
                many => format!("{} epoch ends", many.len()),
            },
            Message::Metadata { topics, .. } => format!("Metadata {}", topics.join(",")),
            Message::ConnectionClosed => "connection closed (RST)".to_string(),
            Message::MetadataResponse(_) => "Metadata".to_string(),
            Message::ApiVersions { .. } => "ApiVersions".to_string(),
            Message::ApiVersionsResponse { .. } => "ApiVersions: ok".to_string(),
            Message::Produce(p) => {
                let records: i32 = p.partitions.iter().map(|(_, b)| b.record_count).sum();
                format!("Produce {records} records (acks={})", acks_name(p.acks))
            }
            Message::ProduceResponse(r) => {
                match r.partitions.iter().find(|p| p.error != KafkaError::None) {
                    Some(p) => format!("Produce {}: {}", p.tp, p.error),
                    None => "Produce: ok".to_string(),
                }
            }
            other => group_label(other),
        }
    }

    /// The text the trace hashes: the full content of control messages, a
    /// summary with a checksum of the bytes for data messages (whose records
    /// would make the trace huge).
    pub fn trace_text(&self) -> String {
        match self {
            Message::Fetch(_)
            | Message::FetchResponse(_)
            | Message::Produce(_)
            | Message::ProduceResponse(_) => {
                format!("{} {:016x}", self.label(), self.content_hash())
            }
            other => format!("{other:?}"),
        }
    }

    fn content_hash(&self) -> u64 {
        let mut buf: Vec<u8> = Vec::new();
        let mut put = |tp: &TopicPartition, n: i64, bytes: &[u8]| {
            buf.extend_from_slice(tp.topic.as_bytes());
            buf.extend_from_slice(&tp.partition.to_le_bytes());
            buf.extend_from_slice(&n.to_le_bytes());
            buf.extend_from_slice(bytes);
        };
        match self {
            Message::Fetch(f) => {
                for p in &f.partitions {
                    put(&p.tp, p.fetch_offset, &p.current_leader_epoch.to_le_bytes());
                }
            }
            Message::FetchResponse(r) => {
                for p in &r.partitions {
                    put(&p.tp, p.high_watermark, &batch_crcs(&p.records));
                    put(&p.tp, p.log_start_offset, p.error.to_string().as_bytes());
                }
            }
            Message::Produce(p) => {
                for (tp, b) in &p.partitions {
                    put(tp, i64::from(p.acks), &batch_crcs(&b.bytes));
                }
            }
            Message::ProduceResponse(r) => {
                for p in &r.partitions {
                    put(&p.tp, p.base_offset, p.error.to_string().as_bytes());
                }
            }
            _ => {}
        }
        twox_hash::XxHash3_64::oneshot_with_seed(0, &buf)
    }
}
