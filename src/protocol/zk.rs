//! ZooKeeper's client protocol as the model carries it: sessions, the
//! operations (create, delete, exists, getData, setData, getChildren,
//! check, multi), their replies and error codes, and watch events.

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
    /// Create a persistent sequential node: `prefix` plus a 10-digit counter.
    CreateSequential {
        /// Path up to the counter, e.g. `/isr_change_notification/isr_change_`.
        prefix: String,
        /// Data.
        data: String,
    },
    /// Fail unless the node's version matches (only inside `multi`).
    Check {
        /// Path.
        path: String,
        /// Expected version.
        version: i32,
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
            ZkOp::Check { path, .. } => format!("check {path}"),
            ZkOp::CreateSequential { prefix, .. } => format!("create -s {prefix}"),
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
            ZkOp::Create { .. }
                | ZkOp::CreateSequential { .. }
                | ZkOp::Delete { .. }
                | ZkOp::SetData { .. }
                | ZkOp::Multi(_)
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
    /// `check` inside `multi`: the version matched.
    Checked,
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
