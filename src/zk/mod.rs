//! ZooKeeper as a node: sessions kept alive by heartbeats and expired on
//! `tickTime` boundaries once `zookeeper.session.timeout.ms` passes without
//! hearing from the client, persistent and ephemeral znodes, and one-shot
//! watches.
//!
//! Invariants: an ephemeral znode exists only while its owning session
//! lives; a watch fires at most once; every write bumps the zxid.

mod tree;

pub use tree::{parent, Tree, Znode};

use crate::protocol::{
    session_hex, Message, SessionId, Stat, WatchedEventType, ZkError, ZkOp, ZkReply, ZkResult,
};
use crate::sim::{NodeId, NoteKind, Outbox, Tick};
use std::collections::{BTreeMap, BTreeSet};

/// Persistent paths the cluster starts with (what Kafka's `createTopLevelPaths` makes).
pub const TOP_LEVEL_PATHS: [&str; 8] = [
    "/admin",
    "/admin/delete_topics",
    "/brokers",
    "/brokers/ids",
    "/brokers/topics",
    "/config",
    "/config/topics",
    "/isr_change_notification",
];

/// Most sessions the server keeps at once.
pub const MAX_SESSIONS: usize = 1024;

/// Timers of the ZooKeeper server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZkTimer {
    /// The session tracker's tick: expire sessions whose deadline passed.
    SessionTick,
}

/// One client session.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The client node.
    pub client: NodeId,
    /// Negotiated timeout.
    pub timeout_ms: u64,
    /// When it expires unless the client is heard from (a `tickTime` multiple).
    pub expires_at: Tick,
    /// Last time the client was heard from.
    pub last_heard: Tick,
    /// Ephemeral znodes it owns.
    pub ephemerals: BTreeSet<String>,
}

/// The ZooKeeper ensemble, modelled as one server.
#[derive(Clone, Debug)]
pub struct ZkServer {
    tick_time_ms: u64,
    tree: Tree,
    sessions: BTreeMap<SessionId, Session>,
    data_watches: BTreeMap<String, BTreeSet<SessionId>>,
    child_watches: BTreeMap<String, BTreeSet<SessionId>>,
    next_session: u64,
}

impl ZkServer {
    /// A server with the top-level Kafka paths; the caller schedules the first tick via `start`.
    pub fn new(tick_time_ms: u64) -> Self {
        let mut tree = Tree::default();
        for path in TOP_LEVEL_PATHS {
            tree.create(path, "", 0).expect("fresh tree");
        }
        ZkServer {
            tick_time_ms,
            tree,
            sessions: BTreeMap::new(),
            data_watches: BTreeMap::new(),
            child_watches: BTreeMap::new(),
            next_session: 0x1000,
        }
    }

    /// Arms the session tracker.
    pub fn start(&self, now: Tick, out: &mut Outbox<ZkTimer>) {
        out.timer(now + self.tick_time_ms, ZkTimer::SessionTick);
    }

    /// The znode tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Live sessions.
    pub fn sessions(&self) -> &BTreeMap<SessionId, Session> {
        &self.sessions
    }

    /// Sessions watching `path` (data or child watches).
    pub fn watchers(&self, path: &str) -> usize {
        let d = self.data_watches.get(path).map_or(0, BTreeSet::len);
        let c = self.child_watches.get(path).map_or(0, BTreeSet::len);
        d + c
    }

    fn deadline(&self, now: Tick, timeout_ms: u64) -> Tick {
        // ZooKeeper's ExpiryQueue rounds deadlines up to the next tick boundary.
        ((now + timeout_ms) / self.tick_time_ms + 1) * self.tick_time_ms
    }

    fn touch(&mut self, now: Tick, session_id: SessionId) -> bool {
        let Some(timeout) = self.sessions.get(&session_id).map(|s| s.timeout_ms) else {
            return false;
        };
        let deadline = self.deadline(now, timeout);
        if let Some(s) = self.sessions.get_mut(&session_id) {
            s.expires_at = deadline;
            s.last_heard = now;
        }
        true
    }

    /// Handles a timer.
    pub fn handle_timer(&mut self, now: Tick, timer: ZkTimer, out: &mut Outbox<ZkTimer>) {
        match timer {
            ZkTimer::SessionTick => {
                let expired: Vec<SessionId> = self
                    .sessions
                    .iter()
                    .filter(|(_, s)| s.expires_at <= now)
                    .map(|(id, _)| *id)
                    .collect();
                for id in expired {
                    let s = &self.sessions[&id];
                    out.note(
                        NoteKind::Session,
                        format!(
                            "session {} of {} expired: nothing heard for {} ms (timeout {} ms)",
                            session_hex(id),
                            s.client,
                            now - s.last_heard,
                            s.timeout_ms
                        ),
                    );
                    self.end_session(id, out);
                }
                out.timer(now + self.tick_time_ms, ZkTimer::SessionTick);
            }
        }
    }

    /// Handles a message from `from`.
    pub fn handle_message(
        &mut self,
        now: Tick,
        from: NodeId,
        msg: Message,
        out: &mut Outbox<ZkTimer>,
    ) {
        match msg {
            Message::ZkConnect {
                session_id,
                timeout_ms,
            } => self.connect(now, from, session_id, timeout_ms, out),
            Message::ZkPing { session_id } => {
                let result = if self.touch(now, session_id) {
                    Ok(())
                } else {
                    Err(ZkError::SessionExpired)
                };
                out.send(from, Message::ZkPingResponse { result });
            }
            Message::ZkRequest {
                session_id,
                xid,
                op,
            } => {
                let result = if self.touch(now, session_id) {
                    self.apply(session_id, op, out)
                } else {
                    Err((0, ZkError::SessionExpired))
                };
                out.send(from, Message::ZkResponse { xid, result });
            }
            Message::ZkCloseSession { session_id } if self.sessions.contains_key(&session_id) => {
                out.note(
                    NoteKind::Session,
                    format!(
                        "{from} closed session {}: its ephemeral znodes go now",
                        session_hex(session_id)
                    ),
                );
                self.end_session(session_id, out);
            }
            _ => {}
        }
    }

    fn connect(
        &mut self,
        now: Tick,
        from: NodeId,
        resume: Option<SessionId>,
        timeout_ms: u64,
        out: &mut Outbox<ZkTimer>,
    ) {
        let result = match resume {
            Some(id) if self.sessions.contains_key(&id) => {
                // Not a touch: the session is kept alive only by what the
                // client sends after it heard this answer (over a one-way
                // cut the TCP handshake would not complete at all).
                let s = self.sessions.get_mut(&id).expect("checked");
                s.client = from;
                out.note(
                    NoteKind::Session,
                    format!("{from} reconnected: session {} resumed", session_hex(id)),
                );
                Ok((id, s.timeout_ms))
            }
            Some(id) => {
                out.note(
                    NoteKind::Session,
                    format!(
                        "{from} tried to resume session {}: SESSIONEXPIRED",
                        session_hex(id)
                    ),
                );
                Err(ZkError::SessionExpired)
            }
            None if self.sessions.len() >= MAX_SESSIONS => Err(ZkError::SessionExpired),
            None => {
                let negotiated = timeout_ms.clamp(2 * self.tick_time_ms, 20 * self.tick_time_ms);
                let id = self.next_session;
                self.next_session += 1;
                self.sessions.insert(
                    id,
                    Session {
                        client: from,
                        timeout_ms: negotiated,
                        expires_at: self.deadline(now, negotiated),
                        last_heard: now,
                        ephemerals: BTreeSet::new(),
                    },
                );
                out.note(
                    NoteKind::Session,
                    format!(
                        "opened session {} for {from} (timeout {negotiated} ms)",
                        session_hex(id)
                    ),
                );
                Ok((id, negotiated))
            }
        };
        out.send(from, Message::ZkConnectResponse { result });
    }

    fn end_session(&mut self, id: SessionId, out: &mut Outbox<ZkTimer>) {
        let Some(session) = self.sessions.remove(&id) else {
            return;
        };
        for watches in [&mut self.data_watches, &mut self.child_watches] {
            for set in watches.values_mut() {
                set.remove(&id);
            }
            watches.retain(|_, set| !set.is_empty());
        }
        // Deepest first, so children go before their parents.
        for path in session.ephemerals.iter().rev() {
            if self.tree.delete(path, None).is_ok() {
                out.note(
                    NoteKind::Session,
                    format!("deleted ephemeral {path} (owner {} gone)", session_hex(id)),
                );
                self.fire_delete(path, out);
            }
        }
    }

    fn apply(&mut self, session: SessionId, op: ZkOp, out: &mut Outbox<ZkTimer>) -> ZkResult {
        match op {
            ZkOp::Multi(ops) => {
                // All or nothing: try on a copy, keep it only if every op succeeds.
                let mut trial = self.tree.clone();
                let mut replies = Vec::with_capacity(ops.len());
                for (i, op) in ops.iter().enumerate() {
                    replies.push(Self::write(&mut trial, session, op).map_err(|e| (i, e))?);
                }
                for op in &ops {
                    Self::write(&mut self.tree, session, op).expect("succeeded on the copy");
                    self.after_write(session, op, out);
                }
                Ok(ZkReply::Multi(replies))
            }
            ZkOp::Exists { path, watch } => {
                if watch {
                    self.data_watches
                        .entry(path.clone())
                        .or_default()
                        .insert(session);
                }
                Ok(ZkReply::Exists(self.tree.get(&path).map(|n| n.stat)))
            }
            ZkOp::GetData { path, watch } => {
                let node = self.tree.get(&path).ok_or((0, ZkError::NoNode))?.clone();
                if watch {
                    self.data_watches.entry(path).or_default().insert(session);
                }
                Ok(ZkReply::Data(node.data, node.stat))
            }
            ZkOp::GetChildren { path, watch } => {
                if !self.tree.exists(&path) {
                    return Err((0, ZkError::NoNode));
                }
                let children = self.tree.children(&path);
                if watch {
                    self.child_watches.entry(path).or_default().insert(session);
                }
                Ok(ZkReply::Children(children))
            }
            write => {
                let reply = Self::write(&mut self.tree, session, &write).map_err(|e| (0, e))?;
                self.after_write(session, &write, out);
                Ok(reply)
            }
        }
    }

    fn write(tree: &mut Tree, session: SessionId, op: &ZkOp) -> Result<ZkReply, ZkError> {
        match op {
            ZkOp::Create {
                path,
                data,
                ephemeral,
            } => {
                let owner = if *ephemeral { session } else { 0 };
                tree.create(path, data, owner)?;
                Ok(ZkReply::Created(path.clone()))
            }
            ZkOp::Delete { path, version } => tree.delete(path, *version).map(|_| ZkReply::Deleted),
            ZkOp::SetData {
                path,
                data,
                version,
            } => tree.set_data(path, data, *version).map(ZkReply::Set),
            ZkOp::CreateSequential { prefix, data } => {
                let path = format!("{prefix}{}", tree.next_sequence(parent(prefix)));
                tree.create(&path, data, 0)?;
                Ok(ZkReply::Created(path))
            }
            ZkOp::Check { path, version } => match tree.get(path) {
                None => Err(ZkError::NoNode),
                Some(n) if n.stat.version != *version => Err(ZkError::BadVersion),
                Some(_) => Ok(ZkReply::Checked),
            },
            _ => Err(ZkError::NoNode),
        }
    }

    fn after_write(&mut self, session: SessionId, op: &ZkOp, out: &mut Outbox<ZkTimer>) {
        match op {
            ZkOp::Create {
                path, ephemeral, ..
            } => {
                if *ephemeral {
                    if let Some(s) = self.sessions.get_mut(&session) {
                        s.ephemerals.insert(path.clone());
                    }
                }
                self.fire(path, WatchedEventType::NodeCreated, out);
                self.fire_children(parent(path), out);
            }
            ZkOp::CreateSequential { prefix, .. } => {
                self.fire_children(parent(prefix), out);
            }
            ZkOp::Delete { path, .. } => {
                for s in self.sessions.values_mut() {
                    s.ephemerals.remove(path);
                }
                self.fire_delete(path, out);
            }
            ZkOp::SetData { path, .. } => self.fire(path, WatchedEventType::NodeDataChanged, out),
            _ => {}
        }
    }

    fn fire_delete(&mut self, path: &str, out: &mut Outbox<ZkTimer>) {
        self.fire(path, WatchedEventType::NodeDeleted, out);
        if let Some(set) = self.child_watches.remove(path) {
            self.notify(set, path, WatchedEventType::NodeDeleted, out);
        }
        self.fire_children(parent(path), out);
    }

    fn fire(&mut self, path: &str, event_type: WatchedEventType, out: &mut Outbox<ZkTimer>) {
        if let Some(set) = self.data_watches.remove(path) {
            self.notify(set, path, event_type, out);
        }
    }

    fn fire_children(&mut self, path: &str, out: &mut Outbox<ZkTimer>) {
        if let Some(set) = self.child_watches.remove(path) {
            self.notify(set, path, WatchedEventType::NodeChildrenChanged, out);
        }
    }

    fn notify(
        &self,
        sessions: BTreeSet<SessionId>,
        path: &str,
        event_type: WatchedEventType,
        out: &mut Outbox<ZkTimer>,
    ) {
        for id in sessions {
            if let Some(s) = self.sessions.get(&id) {
                out.send(
                    s.client,
                    Message::ZkWatchedEvent {
                        event_type,
                        path: path.to_string(),
                    },
                );
            }
        }
    }

    /// Applies a write from an admin tool (no session: persistent znodes
    /// only), firing the watches it triggers.
    pub fn admin(&mut self, op: ZkOp, out: &mut Outbox<ZkTimer>) -> ZkResult {
        self.apply(0, op, out)
    }

    /// The stat of `path`, if it exists.
    pub fn stat(&self, path: &str) -> Option<Stat> {
        self.tree.get(path).map(|n| n.stat)
    }
}

#[cfg(test)]
mod tests;
