//! The view: pure functions from the world to what the page shows.
//! `snapshot(&World)` reads the world into plain data; `layout(snapshot,
//! viewport)` turns it into shapes and click targets. Nothing here changes
//! the world or knows the browser, so all of it is tested natively.

mod boxes;
mod clients;
mod data;
mod data_layout;
mod geometry;
mod group_layout;
mod groups;
mod ink;
mod internal;
mod layout;
mod replicas;
mod shape;
mod status;
mod status_groups;
pub mod storage;
mod wire;
mod znodes;

pub use data::{
    BatchSnap, DataSnap, ProducerSnap, QueueSnap, ReplicaRole, ReplicaSnap, TopicSnap,
    INTERNAL_COLOR, MAX_DRAWN_BATCHES,
};
pub use data_layout::topic_color;
pub use group_layout::{state_style, OwnerLine};
pub use groups::{group_color, GroupSnap, Life, MemberSnap, PartSnap};
pub use internal::{CoordRow, InternalSnap};
pub use layout::{layout, HitTarget, Scene, Viewport};
pub use shape::{Align, Path, Pt, Shape};
pub use status::{legend_json, status, Status, StatusBroker};
pub use status_groups::{status_consumer, StatusConsumer, StatusPosition};

use crate::broker::ZkConn;
use crate::cluster::{state_name, Process, World, DROP_MARK_MS};
use crate::protocol::{session_hex, MsgKind};
use crate::sim::{LinkConfig, NodeId, Tick};

/// A znode as the ZooKeeper panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ZnodeSnap {
    /// Full path.
    pub path: String,
    /// Name shown instead of the last path element (folded lines).
    pub label: Option<String>,
    /// Depth below "/" (0 for top-level nodes).
    pub depth: usize,
    /// Short form of the data.
    pub data: String,
    /// Owning session, for ephemeral nodes.
    pub owner: Option<String>,
    /// Sessions watching it.
    pub watchers: usize,
    /// Shown but absent (a placeholder explaining why it matters).
    pub absent: bool,
}

/// A broker as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokerSnap {
    /// `broker.id`.
    pub id: i32,
    /// `running`, `starting`, `shutting_down`, `crashed` or `stopped`.
    pub state: &'static str,
    /// Why it stopped, if it did by itself.
    pub reason: Option<String>,
    /// The epoch it acts as controller for, if it thinks it is the controller.
    pub acting_epoch: Option<i32>,
    /// True when it is the controller `/controller` names, for the current epoch.
    pub is_controller: bool,
    /// `connected`, `disconnected` or `connecting`.
    pub zk: &'static str,
    /// Its session, if connected or resuming.
    pub session: Option<String>,
    /// The controller it knows of.
    pub known_controller: Option<i32>,
    /// Highest controller epoch it accepted.
    pub accepted_epoch: i32,
    /// For a process that is gone: the ZooKeeper session it left behind,
    /// still open, and the ms until ZooKeeper expires it.
    pub lingering_session: Option<(String, u64)>,
}

/// A message on the wire as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct MsgSnap {
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// How far along (0..=1).
    pub progress: f32,
    /// Colour class.
    pub kind: MsgKind,
    /// Drawn hollow.
    pub response: bool,
    /// Name, e.g. `create -e /controller`.
    pub label: String,
}

/// A dropped message marker.
#[derive(Clone, Debug, PartialEq)]
pub struct DropSnap {
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Where along the link it vanished.
    pub reach: f32,
    /// 0 (just now) ..= 1 (about to fade out).
    pub age: f32,
}

/// Everything the canvas shows, read from the world at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Simulated time (with the sub-ms fraction the animation carries).
    pub now: f64,
    /// `tickTime`.
    pub tick_time_ms: u64,
    /// Live sessions.
    pub sessions: usize,
    /// The znode tree.
    pub znodes: Vec<ZnodeSnap>,
    /// Brokers by id.
    pub brokers: Vec<BrokerSnap>,
    /// Messages in flight.
    pub messages: Vec<MsgSnap>,
    /// Cut directions.
    pub cuts: Vec<(NodeId, NodeId)>,
    /// Recent drops.
    pub drops: Vec<DropSnap>,
    /// Topics, replicas per broker, producers.
    pub data: DataSnap,
    /// Links whose latency or loss differs from the cluster's network
    /// settings (a "slow follower", a lossy client network), with theirs.
    pub slow_links: Vec<(NodeId, NodeId, LinkConfig)>,
}

fn short_data(path: &str, data: &str) -> String {
    if path.starts_with("/brokers/ids/") {
        let host = path.rsplit('/').next().unwrap_or("");
        return format!("PLAINTEXT://broker-{host}:9092");
    }
    if path == "/controller" {
        if let Some(id) = crate::broker::controller_id_from_json(data) {
            return format!("{{\"brokerid\":{id}}}");
        }
    }
    if path.starts_with("/brokers/topics/") && path.ends_with("/state") {
        if let Some(st) = crate::topic::LeaderIsr::from_json(data) {
            let isr: Vec<String> = st.isr.iter().map(i32::to_string).collect();
            return format!(
                "leader {} · leader_epoch {} · isr [{}]",
                st.leader,
                st.leader_epoch,
                isr.join(",")
            );
        }
    }
    if path.starts_with("/brokers/topics/") && path.matches('/').count() == 3 {
        if let Some(a) = crate::topic::parse_assignment(data) {
            let parts: Vec<String> = a
                .iter()
                .take(6)
                .map(|(p, r)| {
                    let r: Vec<String> = r.iter().map(i32::to_string).collect();
                    format!("{p}:[{}]", r.join(","))
                })
                .collect();
            let more = if a.len() > 6 { " …" } else { "" };
            return format!("{} partitions {}{more}", a.len(), parts.join(" "));
        }
    }
    let mut s: String = data.chars().take(28).collect();
    if data.chars().count() > 28 {
        s.push('…');
    }
    s
}

/// Most `/brokers/ids/<id>` lines listed one by one; more fold into one line.
pub const MAX_LISTED_REGISTRATIONS: usize = 8;

/// Folds a long list of broker registrations into one `/brokers/ids/*` line.
fn fold_registrations(znodes: &mut Vec<ZnodeSnap>) {
    let is_reg = |z: &ZnodeSnap| z.path.starts_with("/brokers/ids/");
    let mut ids: Vec<i64> = znodes
        .iter()
        .filter(|z| is_reg(z))
        .filter_map(|z| z.path.rsplit('/').next()?.parse().ok())
        .collect();
    ids.sort_unstable();
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    if ids.len() <= MAX_LISTED_REGISTRATIONS {
        return;
    }
    let Some(at) = znodes.iter().position(is_reg) else {
        return;
    };
    znodes.retain(|z| !is_reg(z));
    znodes.insert(
        at,
        ZnodeSnap {
            path: "/brokers/ids/*".to_string(),
            label: Some("/*".to_string()),
            depth: 2,
            data: format!("{} ephemeral: {}", ids.len(), ids.join(" ")),
            owner: None,
            watchers: 0,
            absent: false,
        },
    );
}

/// How the page asked to see the world.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViewOptions {
    /// Draw every `__consumer_offsets` partition instead of folding them.
    pub expand_internal: bool,
}

/// Reads the world into a snapshot; `frac_ms` is the animation's sub-ms carry.
pub fn snapshot(world: &World, frac_ms: f64) -> Snapshot {
    snapshot_with(world, frac_ms, ViewOptions::default())
}

/// `snapshot` with the page's view options.
pub fn snapshot_with(world: &World, frac_ms: f64, opts: ViewOptions) -> Snapshot {
    let now = world.now() as f64 + frac_ms.clamp(0.0, 1.0);
    let zk = world.zk();
    let mut znodes: Vec<ZnodeSnap> = zk
        .tree()
        .iter()
        .map(|(path, node)| ZnodeSnap {
            path: path.clone(),
            label: None,
            depth: path.matches('/').count() - 1,
            data: short_data(path, &node.data),
            owner: (node.stat.ephemeral_owner != 0).then(|| session_hex(node.stat.ephemeral_owner)),
            watchers: zk.watchers(path),
            absent: false,
        })
        .collect();
    for path in ["/controller", "/controller_epoch"] {
        if zk.tree().get(path).is_none() {
            znodes.push(ZnodeSnap {
                path: path.to_string(),
                label: None,
                depth: 0,
                data: String::new(),
                owner: None,
                watchers: zk.watchers(path),
                absent: true,
            });
        }
    }
    znodes.sort_by(|a, b| a.path.cmp(&b.path));
    fold_registrations(&mut znodes);
    let named = world.controller();
    let zk_epoch = world.controller_epoch();
    let brokers = world
        .brokers()
        .iter()
        .map(|(id, slot)| {
            let (b, reason) = match &slot.process {
                Process::Up(b) => (Some(b), None),
                Process::Stopped { reason, .. } => (None, Some(reason.clone())),
                Process::Crashed { .. } => (None, None),
            };
            let acting_epoch = b.and_then(|b| b.role()).map(|r| r.epoch());
            let (zk_state, session) = match b.map(|b| b.zk_conn()) {
                Some(ZkConn::Connected { session, .. }) => {
                    ("connected", Some(session_hex(session)))
                }
                Some(ZkConn::Disconnected { session, .. }) => {
                    ("disconnected", Some(session_hex(session)))
                }
                Some(ZkConn::Connecting) => ("connecting", None),
                None => ("none", None),
            };
            let lingering_session = if b.is_none() {
                zk.sessions()
                    .iter()
                    .find(|(_, s)| s.client == NodeId::Broker(*id))
                    .map(|(sid, s)| (session_hex(*sid), s.expires_at.saturating_sub(world.now())))
            } else {
                None
            };
            BrokerSnap {
                id: *id,
                lingering_session,
                state: state_name(&slot.process),
                reason,
                acting_epoch,
                is_controller: acting_epoch == Some(zk_epoch) && named == Some(*id),
                zk: zk_state,
                session,
                known_controller: b.and_then(|b| b.known_controller()),
                accepted_epoch: b.map_or(0, |b| b.controller_epoch()),
            }
        })
        .collect();
    let messages = world
        .in_flight()
        .values()
        .map(|f| {
            let span = (f.until - f.sent_at).max(1) as f64;
            let t = ((now - f.sent_at as f64) / span).clamp(0.0, 1.0) as f32;
            MsgSnap {
                from: f.from,
                to: f.to,
                progress: t * f.reach,
                kind: f.kind,
                response: f.response,
                label: f.label.clone(),
            }
        })
        .collect();
    let drops = world
        .drops()
        .filter(|d| (d.at + DROP_MARK_MS) as f64 >= now)
        .map(|d| DropSnap {
            from: d.from,
            to: d.to,
            reach: d.reach,
            age: ((now - d.at as f64) / DROP_MARK_MS as f64).clamp(0.0, 1.0) as f32,
        })
        .collect();
    let default_link = world.config().network;
    let mut nodes: Vec<NodeId> = world
        .brokers()
        .keys()
        .map(|id| NodeId::Broker(*id))
        .collect();
    nodes.extend(world.producers().keys().map(|id| NodeId::Producer(*id)));
    nodes.extend(world.consumers().keys().map(|id| NodeId::Consumer(*id)));
    let mut slow_links = Vec::new();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            let l = world.net().link(*a, *b);
            if l != default_link {
                slow_links.push((*a, *b, l));
            }
        }
    }
    Snapshot {
        now,
        tick_time_ms: world.config().tick_time_ms,
        sessions: zk.sessions().len(),
        znodes,
        brokers,
        messages,
        cuts: world.net().cuts().collect(),
        drops,
        data: data::data(world, opts.expand_internal),
        slow_links,
    }
}

/// Simulated ms as seconds for labels.
pub fn seconds(ms: Tick) -> String {
    format!("{:.3} s", ms as f64 / 1000.0)
}
