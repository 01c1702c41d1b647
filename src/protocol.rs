//! Typed messages between nodes, named as Kafka and ZooKeeper name them:
//! ZooKeeper's client protocol (connect, ping, create, getData, multi,
//! watcher events) and the controller's requests to brokers
//! (`UpdateMetadata`, `ControlledShutdown`) with Kafka's error codes.

use serde::Serialize;
use std::fmt;

/// A ZooKeeper session id.
pub type SessionId = u64;

/// Formats a session id the way ZooKeeper logs it (`0x...`).
pub fn session_hex(id: SessionId) -> String {
    format!("0x{id:x}")
}

/// ZooKeeper's error codes (`KeeperException.Code`) that the model produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ZkError {
    /// The node does not exist.
    NoNode,
    /// The node already exists.
    NodeExists,
    /// The expected version did not match.
    BadVersion,
    /// The node has children.
    NotEmpty,
    /// Ephemeral nodes may not have children.
    NoChildrenForEphemerals,
    /// The session is unknown or expired.
    SessionExpired,
}

impl fmt::Display for ZkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZkError::NoNode => "NONODE",
            ZkError::NodeExists => "NODEEXISTS",
            ZkError::BadVersion => "BADVERSION",
            ZkError::NotEmpty => "NOTEMPTY",
            ZkError::NoChildrenForEphemerals => "NOCHILDRENFOREPHEMERALS",
            ZkError::SessionExpired => "SESSIONEXPIRED",
        })
    }
}

/// Metadata of a znode (a subset of ZooKeeper's `Stat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Stat {
    /// zxid of the create.
    pub czxid: u64,
    /// zxid of the last change.
    pub mzxid: u64,
    /// Data version, bumped by every setData.
    pub version: i32,
    /// Owning session for ephemeral nodes, 0 for persistent ones.
    pub ephemeral_owner: SessionId,
}

/// One ZooKeeper operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ZkOp {
    /// Create a node.
    Create {
        /// Path.
        path: String,
        /// Data.
        data: String,
        /// Deleted when the creating session ends.
        ephemeral: bool,
    },
    /// Delete a node (any version when `None`).
    Delete {
        /// Path.
        path: String,
        /// Expected version.
        version: Option<i32>,
    },
    /// Stat a node, optionally leaving a watch (fires on create, delete, change).
    Exists {
        /// Path.
        path: String,
        /// Leave a watch.
        watch: bool,
    },
    /// Read a node, optionally leaving a data watch.
    GetData {
        /// Path.
        path: String,
        /// Leave a watch.
        watch: bool,
    },
    /// Write a node's data if its version matches (any version when `None`).
    SetData {
        /// Path.
        path: String,
        /// Data.
        data: String,
        /// Expected version.
        version: Option<i32>,
    },
    /// List a node's children, optionally leaving a child watch.
    GetChildren {
        /// Path.
        path: String,
        /// Leave a watch.
        watch: bool,
    },
    /// Apply the operations atomically: all or none.
    Multi(Vec<ZkOp>),
}

impl ZkOp {
    /// ZooKeeper's name of the operation and its path, e.g. `create /controller`.
    pub fn label(&self) -> String {
        match self {
            ZkOp::Create {
                path, ephemeral, ..
            } => {
                if *ephemeral {
                    format!("create -e {path}")
                } else {
                    format!("create {path}")
                }
            }
            ZkOp::Delete { path, .. } => format!("delete {path}"),
            ZkOp::Exists { path, watch } => format!("exists {path}{}", watch_mark(*watch)),
            ZkOp::GetData { path, watch } => format!("getData {path}{}", watch_mark(*watch)),
            ZkOp::SetData { path, .. } => format!("setData {path}"),
            ZkOp::GetChildren { path, watch } => {
                format!("getChildren {path}{}", watch_mark(*watch))
            }
            ZkOp::Multi(ops) => {
                let inner: Vec<String> = ops.iter().map(ZkOp::label).collect();
                format!("multi [{}]", inner.join(", "))
            }
        }
    }

    /// True for operations that change the tree.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            ZkOp::Create { .. } | ZkOp::Delete { .. } | ZkOp::SetData { .. } | ZkOp::Multi(_)
        )
    }
}

fn watch_mark(watch: bool) -> &'static str {
    if watch {
        " (watch)"
    } else {
        ""
    }
}

/// The successful result of one operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ZkReply {
    /// Created at this path.
    Created(String),
    /// Deleted.
    Deleted,
    /// `exists`: the stat, or `None` when the node is absent (the watch is still set).
    Exists(Option<Stat>),
    /// `getData`: data and stat.
    Data(String, Stat),
    /// `setData`: the new stat.
    Set(Stat),
    /// `getChildren`: child names, sorted.
    Children(Vec<String>),
    /// `multi`: one result per operation.
    Multi(Vec<ZkReply>),
}

/// The result of a request: a reply, or the index of the failing op and its error.
pub type ZkResult = Result<ZkReply, (usize, ZkError)>;

/// The kind of change a watch reports (ZooKeeper's `Watcher.Event.EventType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WatchedEventType {
    /// A watched absent node was created.
    NodeCreated,
    /// A watched node was deleted.
    NodeDeleted,
    /// A watched node's data changed.
    NodeDataChanged,
    /// A child was added or removed.
    NodeChildrenChanged,
}

/// Kafka's error codes that the controller and brokers use here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum KafkaError {
    /// `NONE` (0).
    None,
    /// `STALE_CONTROLLER_EPOCH` (11): the request came from an old controller.
    StaleControllerEpoch,
    /// `NOT_CONTROLLER` (41): this broker is not the controller.
    NotController,
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KafkaError::None => "NONE",
            KafkaError::StaleControllerEpoch => "STALE_CONTROLLER_EPOCH",
            KafkaError::NotController => "NOT_CONTROLLER",
        })
    }
}

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
    },
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
}

impl MsgKind {
    /// Every kind, in legend order.
    pub const ALL: [MsgKind; 5] = [
        MsgKind::Session,
        MsgKind::ZkWrite,
        MsgKind::ZkRead,
        MsgKind::Watch,
        MsgKind::Controller,
    ];

    /// Legend text.
    pub fn label(self) -> &'static str {
        match self {
            MsgKind::Session => "ZooKeeper session (connect, ping, close)",
            MsgKind::ZkWrite => "ZooKeeper write (create, setData, multi)",
            MsgKind::ZkRead => "ZooKeeper read (exists, getData, getChildren)",
            MsgKind::Watch => "Watch notification",
            MsgKind::Controller => "Controller request (UpdateMetadata, ControlledShutdown)",
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
        }
    }
}

impl Message {
    /// Drawing class and whether it is a response.
    pub fn kind(&self) -> (MsgKind, bool) {
        match self {
            Message::ZkConnect { .. } | Message::ZkPing { .. } | Message::ZkCloseSession { .. } => {
                (MsgKind::Session, false)
            }
            Message::ZkConnectResponse { .. } | Message::ZkPingResponse { .. } => {
                (MsgKind::Session, true)
            }
            Message::ZkRequest { op, .. } if op.is_write() => (MsgKind::ZkWrite, false),
            Message::ZkRequest { .. } => (MsgKind::ZkRead, false),
            Message::ZkResponse { .. } => (MsgKind::ZkRead, true),
            Message::ZkWatchedEvent { .. } => (MsgKind::Watch, false),
            Message::UpdateMetadata { .. } | Message::ControlledShutdown { .. } => {
                (MsgKind::Controller, false)
            }
            Message::UpdateMetadataResponse { .. } | Message::ControlledShutdownResponse { .. } => {
                (MsgKind::Controller, true)
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
        }
    }
}
