//! The world: the kernel (clock, queue, RNG, network) and every node. All
//! user actions enter through `World::apply`, are checked, recorded with
//! their time and carried out; `run_until` processes events in `(time, seq)`
//! order and carries out the effects nodes ask for.
//!
//! Invariants: a node only ever sees inputs addressed to its current
//! incarnation (a restarted broker never gets its previous life's timers);
//! a message crossing a cut link, or reaching a dead node, is dropped.

mod apply;
pub mod ledger;
pub(crate) mod report;
mod run;

pub use apply::CommandError;
pub use ledger::{Ledger, LostRecord};
pub use report::{state_name, BrokerReport, EventReport, PartitionReport, ProducerReport, Report};

use crate::broker::{Broker, BrokerConfig, BrokerState, BrokerTimer, Disk};
use crate::check::Checker;
use crate::client::producer::{Producer, ProducerTimer};
use crate::log::Log;
use crate::protocol::Message;
use crate::sim::{
    ClusterConfig, EventQueue, InFlight, Network, NodeId, NoteKind, Outbox, Send, SimRng, Tick,
    TimedCommand, Trace, MAX_IN_FLIGHT,
};
use crate::topic::TopicPartition;
use crate::zk::{ZkServer, ZkTimer};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Most event-log lines kept.
pub const MAX_LOG_LINES: usize = 10_000;
/// Most dropped-message markers kept for the view.
pub const MAX_DROPS: usize = 512;
/// How long (simulated ms) a dropped-message marker stays visible.
pub const DROP_MARK_MS: Tick = 600;

/// A timer of some node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeTimer {
    /// ZooKeeper's.
    Zk(ZkTimer),
    /// A broker's.
    Broker(BrokerTimer),
    /// A producer's.
    Producer(ProducerTimer),
}

/// Something that will happen.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A message reaches (or is lost before reaching) its receiver.
    Deliver {
        /// In-flight id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// The receiver's incarnation when it was sent: a restarted process
        /// never gets what was meant for its previous life.
        to_incarnation: u32,
        /// Content.
        msg: Message,
    },
    /// A node's timer fires.
    Timer {
        /// Owner.
        node: NodeId,
        /// Incarnation that set it.
        incarnation: u32,
        /// Which timer.
        timer: NodeTimer,
    },
}

/// A broker process as the world sees it.
#[derive(Clone, Debug)]
pub enum Process {
    /// Running (or starting, or shutting down).
    Up(Box<Broker>),
    /// Killed; its memory is gone.
    Crashed {
        /// When.
        at: Tick,
    },
    /// Exited by itself: clean shutdown or failed startup.
    Stopped {
        /// When.
        at: Tick,
        /// Why.
        reason: String,
    },
}

/// One broker id's slot: the process and how many times it was (re)started.
#[derive(Clone, Debug)]
pub struct BrokerSlot {
    /// Bumped at every crash, stop and restart.
    pub incarnation: u32,
    /// The process.
    pub process: Process,
    /// The broker's disk while no process runs (a running broker holds it).
    pub disk: Disk,
}

/// One producer: the process (kept after a crash for its counters).
#[derive(Clone, Debug)]
pub struct ProducerSlot {
    /// Bumped at a crash.
    pub incarnation: u32,
    /// The producer's state (frozen after a crash).
    pub producer: Box<Producer>,
    /// When it crashed, if it did.
    pub crashed_at: Option<Tick>,
    /// Records it held unacknowledged when it crashed.
    pub lost_in_buffer: u64,
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogLine {
    /// Position in the whole log (never reused).
    pub seq: u64,
    /// When.
    pub at_ms: Tick,
    /// Who.
    pub node: NodeId,
    /// About what.
    pub kind: NoteKind,
    /// In plain words.
    pub text: String,
}

/// A message that was dropped, for a short-lived marker in the view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dropped {
    /// When.
    pub at: Tick,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// How far along the link it got (0..1).
    pub reach: f32,
}

/// The simulated cluster.
#[derive(Debug)]
pub struct World {
    seed: u64,
    cfg: ClusterConfig,
    now: Tick,
    rng: SimRng,
    queue: EventQueue<Event>,
    net: Network,
    in_flight: BTreeMap<u64, InFlight>,
    next_msg: u64,
    zk: ZkServer,
    brokers: BTreeMap<i32, BrokerSlot>,
    producers: BTreeMap<i32, ProducerSlot>,
    ledger: Ledger,
    trace: Trace,
    log: VecDeque<LogLine>,
    log_seq: u64,
    commands: Vec<TimedCommand>,
    scheduled: VecDeque<TimedCommand>,
    speed: f64,
    paused: bool,
    drops: VecDeque<Dropped>,
    checker: Option<Checker>,
    violation: Option<String>,
}

impl World {
    /// A world from a seed and a configuration; the initial brokers start at time 0.
    pub fn new(seed: u64, cfg: ClusterConfig) -> Result<World, String> {
        cfg.validate()?;
        let mut world = World {
            seed,
            now: 0,
            rng: SimRng::new(seed),
            queue: EventQueue::default(),
            net: Network::new(cfg.network),
            in_flight: BTreeMap::new(),
            next_msg: 0,
            zk: ZkServer::new(cfg.tick_time_ms),
            brokers: BTreeMap::new(),
            producers: BTreeMap::new(),
            ledger: Ledger::default(),
            trace: Trace::default(),
            log: VecDeque::new(),
            log_seq: 0,
            commands: Vec::new(),
            scheduled: VecDeque::new(),
            speed: 1.0,
            paused: false,
            drops: VecDeque::new(),
            checker: None,
            violation: None,
            cfg,
        };
        let mut out = Outbox::default();
        world.zk.start(0, &mut out);
        world.flush(NodeId::Zk, 0, out, NodeTimer::Zk);
        for id in 1..=world.cfg.brokers as i32 {
            world.start_broker(id);
        }
        Ok(world)
    }

    /// Turns on the invariant checker after every event (tests do).
    pub fn with_checks(mut self) -> Self {
        self.checker = Some(Checker::default());
        self
    }

    /// The first broken invariant, if any.
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }

    /// Seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration.
    pub fn config(&self) -> &ClusterConfig {
        &self.cfg
    }

    /// Current simulated time.
    pub fn now(&self) -> Tick {
        self.now
    }

    /// Animation speed (simulated ms per wall ms).
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// True while paused.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// The ZooKeeper server.
    pub fn zk(&self) -> &ZkServer {
        &self.zk
    }

    /// Broker slots by id.
    pub fn brokers(&self) -> &BTreeMap<i32, BrokerSlot> {
        &self.brokers
    }

    /// A running broker.
    pub fn broker(&self, id: i32) -> Option<&Broker> {
        match &self.brokers.get(&id)?.process {
            Process::Up(b) => Some(b),
            _ => None,
        }
    }

    /// Producers by id.
    pub fn producers(&self) -> &BTreeMap<i32, ProducerSlot> {
        &self.producers
    }

    /// The acknowledged-records ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// A broker's disk: its logs, whether or not its process runs.
    pub fn disk(&self, id: i32) -> Option<&Disk> {
        let slot = self.brokers.get(&id)?;
        match &slot.process {
            Process::Up(b) => Some(b.disk()),
            _ => Some(&slot.disk),
        }
    }

    /// A replica's log on a broker's disk.
    pub fn log_of(&self, broker: i32, tp: &TopicPartition) -> Option<&Log> {
        self.disk(broker)?.logs.get(tp)
    }

    /// The network.
    pub fn net(&self) -> &Network {
        &self.net
    }

    /// Messages on the wire, by id.
    pub fn in_flight(&self) -> &BTreeMap<u64, InFlight> {
        &self.in_flight
    }

    /// Recently dropped messages.
    pub fn drops(&self) -> impl Iterator<Item = &Dropped> {
        self.drops.iter()
    }

    /// The event log (most recent `MAX_LOG_LINES`).
    pub fn log(&self) -> &VecDeque<LogLine> {
        &self.log
    }

    /// Number of log lines ever written.
    pub fn log_total(&self) -> u64 {
        self.log_seq
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The recorded commands.
    pub fn commands(&self) -> &[TimedCommand] {
        &self.commands
    }

    /// The controller as ZooKeeper's `/controller` names it.
    pub fn controller(&self) -> Option<i32> {
        let node = self.zk.tree().get("/controller")?;
        crate::broker::controller_id_from_json(&node.data)
    }

    /// The value of `/controller_epoch` (0 before the first election).
    pub fn controller_epoch(&self) -> i32 {
        self.zk
            .tree()
            .get("/controller_epoch")
            .and_then(|n| n.data.trim().parse().ok())
            .unwrap_or(0)
    }

    /// True when `node` is a process that can receive messages.
    pub fn is_up(&self, node: NodeId) -> bool {
        match node {
            NodeId::Zk => true,
            NodeId::Broker(id) => self.broker(id).is_some(),
            NodeId::Producer(id) => self
                .producers
                .get(&id)
                .is_some_and(|p| p.crashed_at.is_none()),
        }
    }

    /// How many times `node` was (re)started or stopped (0 for ZooKeeper).
    fn incarnation(&self, node: NodeId) -> u32 {
        match node {
            NodeId::Zk => 0,
            NodeId::Broker(id) => self.brokers.get(&id).map_or(0, |s| s.incarnation),
            NodeId::Producer(id) => self.producers.get(&id).map_or(0, |s| s.incarnation),
        }
    }

    /// Time of the next pending event.
    pub fn next_event_time(&self) -> Option<Tick> {
        self.queue.peek_time()
    }

    fn process(&mut self, at: Tick, event: Event) {
        self.now = at;
        match event {
            Event::Deliver {
                id,
                from,
                to,
                to_incarnation,
                msg,
            } => {
                let flight = self.in_flight.remove(&id);
                let reach = flight.as_ref().map_or(1.0, |f| f.reach);
                let outcome = if reach < 1.0 {
                    "lost"
                } else if self.net.is_cut(from, to) {
                    "dropped: link cut"
                } else if !self.is_up(to) {
                    "dropped: receiver down"
                } else if self.incarnation(to) != to_incarnation {
                    "dropped: receiver restarted"
                } else {
                    "delivered"
                };
                self.trace.record(
                    at,
                    format!("#{id} {from}->{to} {outcome} {}", msg.trace_text()),
                );
                let refused = outcome.starts_with("dropped: receiver")
                    && from != NodeId::Zk
                    && to != NodeId::Zk
                    && msg != Message::ConnectionClosed;
                if outcome == "delivered" {
                    self.deliver(from, to, msg);
                } else {
                    self.mark_drop(from, to, if reach < 1.0 { reach } else { 0.97 });
                }
                if refused && self.is_up(from) {
                    // Nothing listens there any more: the peer's operating
                    // system answers with a TCP reset.
                    self.send(to, from, Message::ConnectionClosed);
                }
            }
            Event::Timer {
                node,
                incarnation,
                timer,
            } => {
                let live = self.incarnation(node) == incarnation && self.is_up(node);
                self.trace.record(
                    at,
                    format!("timer {node} {timer:?}{}", if live { "" } else { " stale" }),
                );
                if live {
                    self.fire(node, timer);
                }
            }
        }
        self.check();
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, msg: Message) {
        let now = self.now;
        match to {
            NodeId::Zk => {
                let mut out = Outbox::default();
                self.zk.handle_message(now, from, msg, &mut out);
                self.flush(NodeId::Zk, 0, out, NodeTimer::Zk);
            }
            NodeId::Broker(id) => {
                self.with_broker(id, |b, out| b.handle_message(now, from, msg, out))
            }
            NodeId::Producer(id) => {
                self.with_producer(id, |p, out| p.handle_message(now, from, msg, out))
            }
        }
    }

    fn fire(&mut self, node: NodeId, timer: NodeTimer) {
        let now = self.now;
        match (node, timer) {
            (NodeId::Zk, NodeTimer::Zk(t)) => {
                let mut out = Outbox::default();
                self.zk.handle_timer(now, t, &mut out);
                self.flush(NodeId::Zk, 0, out, NodeTimer::Zk);
            }
            (NodeId::Broker(id), NodeTimer::Broker(t)) => {
                self.with_broker(id, |b, out| b.handle_timer(now, t, out))
            }
            (NodeId::Producer(id), NodeTimer::Producer(t)) => {
                self.with_producer(id, |p, out| p.handle_timer(now, t, out))
            }
            _ => {}
        }
    }

    /// Runs `f` on a running broker and carries out its effects; a broker
    /// that stopped itself becomes a stopped slot.
    fn with_broker(&mut self, id: i32, f: impl FnOnce(&mut Broker, &mut Outbox<BrokerTimer>)) {
        let Some(slot) = self.brokers.get_mut(&id) else {
            return;
        };
        let Process::Up(broker) = &mut slot.process else {
            return;
        };
        let mut out = Outbox::default();
        f(broker, &mut out);
        let stopped = match broker.state() {
            BrokerState::Stopped(reason) => Some(reason.clone()),
            _ => None,
        };
        let led = broker.take_became_leader();
        let incarnation = slot.incarnation;
        self.flush(NodeId::Broker(id), incarnation, out, NodeTimer::Broker);
        for (tp, epoch) in led {
            self.audit(&tp, id, epoch);
        }
        if let Some(reason) = stopped {
            let slot = self.brokers.get_mut(&id).expect("present above");
            slot.incarnation += 1;
            if let Process::Up(b) = &mut slot.process {
                slot.disk = b.take_disk();
            }
            slot.process = Process::Stopped {
                at: self.now,
                reason,
            };
            self.close_connections(NodeId::Broker(id));
        }
    }

    /// A process exited: its operating system closes its TCP connections,
    /// so peers with requests in flight learn it (unless the link is cut).
    pub(crate) fn close_connections(&mut self, gone: NodeId) {
        let peers: Vec<NodeId> = self
            .brokers
            .keys()
            .map(|b| NodeId::Broker(*b))
            .chain(self.producers.keys().map(|p| NodeId::Producer(*p)))
            .filter(|n| *n != gone && self.is_up(*n))
            .collect();
        for peer in peers {
            self.send(gone, peer, Message::ConnectionClosed);
        }
    }

    /// Runs `f` on a running producer, carries out its effects and books
    /// what it saw acknowledged.
    fn with_producer(
        &mut self,
        id: i32,
        f: impl FnOnce(&mut Producer, &mut Outbox<ProducerTimer>),
    ) {
        let Some(slot) = self.producers.get_mut(&id) else {
            return;
        };
        if slot.crashed_at.is_some() {
            return;
        }
        let mut out = Outbox::default();
        f(&mut slot.producer, &mut out);
        let acked = slot.producer.take_acked();
        let incarnation = slot.incarnation;
        self.flush(NodeId::Producer(id), incarnation, out, NodeTimer::Producer);
        for batch in acked {
            let tp = batch.tp.clone();
            let by = batch.broker;
            self.ledger.acked(id, batch, self.now);
            if let Some((leader, epoch)) = self.ledger.leader(&tp) {
                if leader != by {
                    self.audit(&tp, leader, epoch);
                }
            }
        }
    }

    /// Checks the acknowledged records of `tp` against the log of its
    /// leader `leader` (in leader epoch `epoch`).
    fn audit(&mut self, tp: &TopicPartition, leader: i32, epoch: i32) {
        let now = self.now;
        let Some(log) = self.brokers.get(&leader).and_then(|s| match &s.process {
            Process::Up(b) => b.disk().logs.get(tp),
            _ => None,
        }) else {
            return;
        };
        let lost = self.ledger.audit(tp, leader, epoch, log, now);
        if lost > 0 {
            self.note(
                NodeId::Broker(leader),
                NoteKind::Replication,
                format!(
                    "{lost} ACKNOWLEDGED record(s) of {tp} are LOST: broker {leader}, leader in epoch {epoch}, does not have them (acked-but-lost now {})",
                    self.ledger.lost_total()
                ),
            );
        }
    }

    /// Carries out a node's effects.
    fn flush<T>(
        &mut self,
        node: NodeId,
        incarnation: u32,
        out: Outbox<T>,
        wrap: impl Fn(T) -> NodeTimer,
    ) {
        for (kind, text) in out.notes {
            self.note(node, kind, text);
        }
        for (to, msg) in out.sends {
            self.send(node, to, msg);
        }
        for (at, timer) in out.timers {
            self.queue.push(
                at.max(self.now),
                Event::Timer {
                    node,
                    incarnation,
                    timer: wrap(timer),
                },
            );
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Message) {
        if from == to {
            // Loopback: no network, no dot on the canvas.
            let id = self.next_msg;
            self.next_msg += 1;
            let to_incarnation = self.incarnation(to);
            self.queue.push(
                self.now,
                Event::Deliver {
                    id,
                    from,
                    to,
                    to_incarnation,
                    msg,
                },
            );
            return;
        }
        if self.in_flight.len() >= MAX_IN_FLIGHT {
            self.mark_drop(from, to, 0.0);
            return;
        }
        let (kind, response) = msg.kind();
        let (delay, reach, retransmits) = match self.net.send(&mut self.rng, self.now, from, to) {
            Send::Arrives(d, n) => (d, 1.0, n),
            Send::Lost(d) => (d, 0.5, 0),
        };
        let mut label = msg.label();
        if retransmits > 0 {
            label.push_str(&format!(" (retransmitted ×{retransmits})"));
        }
        let id = self.next_msg;
        self.next_msg += 1;
        self.in_flight.insert(
            id,
            InFlight {
                from,
                to,
                sent_at: self.now,
                until: self.now + delay,
                reach,
                label,
                kind,
                response,
            },
        );
        let to_incarnation = self.incarnation(to);
        self.queue.push(
            self.now + delay,
            Event::Deliver {
                id,
                from,
                to,
                to_incarnation,
                msg,
            },
        );
    }

    fn mark_drop(&mut self, from: NodeId, to: NodeId, reach: f32) {
        if self.drops.len() >= MAX_DROPS {
            self.drops.pop_front();
        }
        while self
            .drops
            .front()
            .is_some_and(|d| d.at + DROP_MARK_MS < self.now)
        {
            self.drops.pop_front();
        }
        self.drops.push_back(Dropped {
            at: self.now,
            from,
            to,
            reach,
        });
    }

    /// Adds a line to the event log.
    pub(crate) fn note(&mut self, node: NodeId, kind: NoteKind, text: String) {
        if self.log.len() >= MAX_LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            seq: self.log_seq,
            at_ms: self.now,
            node,
            kind,
            text,
        });
        self.log_seq += 1;
    }

    fn start_broker(&mut self, id: i32) {
        let cfg = BrokerConfig::from_cluster(&self.cfg);
        let (incarnation, disk) = match self.brokers.get_mut(&id) {
            Some(s) => (s.incarnation + 1, std::mem::take(&mut s.disk)),
            None => (0, Disk::default()),
        };
        self.brokers.insert(
            id,
            BrokerSlot {
                incarnation,
                process: Process::Up(Box::new(Broker::new(id, cfg, disk))),
                disk: Disk::default(),
            },
        );
        let now = self.now;
        self.with_broker(id, |b, out| b.start(now, out));
    }

    fn check(&mut self) {
        if self.violation.is_some() {
            return;
        }
        let Some(mut checker) = self.checker.take() else {
            return;
        };
        if let Err(v) = checker.check(self) {
            self.violation = Some(format!("at {} ms: {v}", self.now));
        }
        self.checker = Some(checker);
    }
}
