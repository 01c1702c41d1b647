//! The world: the kernel (clock, queue, RNG, network) and every node. All
//! user actions enter through `World::apply`, are checked, recorded with
//! their time and carried out; `run_until` processes events in `(time, seq)`
//! order and carries out the effects nodes ask for.
//!
//! Invariants: a node only ever sees inputs addressed to its current
//! incarnation (a restarted broker never gets its previous life's timers);
//! a message crossing a cut link, or reaching a dead node, is dropped.

mod apply;
mod consumers;
mod dispatch;
mod group_report;
pub mod ledger;
pub(crate) mod report;
mod run;

pub use apply::{CommandError, MAX_BROKER_ID, MAX_COMMANDS, MAX_COMMANDS_BYTES, MAX_PRODUCERS};
pub use consumers::MAX_CONSUMERS;
pub use group_report::{ConsumerReport, GroupReport, MemberReport};
pub use ledger::{Ledger, LostRecord};
pub use report::{state_name, BrokerReport, EventReport, PartitionReport, ProducerReport, Report};

use crate::broker::{Broker, BrokerConfig, BrokerState, BrokerTimer, Disk};
use crate::check::{Broken, Checker};
use crate::client::consumer::{Consumer, ConsumerTimer};
use crate::client::producer::{Producer, ProducerTimer};
use crate::log::Log;
use crate::protocol::Message;
use crate::sim::{
    ClusterConfig, EventQueue, InFlight, Network, NodeId, NoteKind, Outbox, SimRng, Tick,
    TimedCommand, Trace,
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
    /// A consumer's.
    Consumer(ConsumerTimer),
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

/// One consumer: the process (kept after a crash or close for its counters).
#[derive(Clone, Debug)]
pub struct ConsumerSlot {
    /// Bumped at a crash or close.
    pub incarnation: u32,
    /// The consumer's state (frozen once it stops).
    pub consumer: Box<Consumer>,
    /// When it crashed, if it did.
    pub crashed_at: Option<Tick>,
    /// When it was closed, if it was.
    pub closed_at: Option<Tick>,
    /// Records it processed that its group had already processed.
    pub duplicates: u64,
}

impl ConsumerSlot {
    /// True while the process runs.
    pub fn is_running(&self) -> bool {
        self.crashed_at.is_none() && self.closed_at.is_none()
    }
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
    /// When the in-flight limit was last noted in the event log.
    in_flight_full_noted: Option<Tick>,
    next_msg: u64,
    zk: ZkServer,
    brokers: BTreeMap<i32, BrokerSlot>,
    producers: BTreeMap<i32, ProducerSlot>,
    consumers: BTreeMap<i32, ConsumerSlot>,
    /// Per group and partition: the offset after the highest record any
    /// member processed (a record below it processed again is a duplicate).
    group_processed: BTreeMap<(String, TopicPartition), i64>,
    ledger: Ledger,
    trace: Trace,
    log: VecDeque<LogLine>,
    log_seq: u64,
    commands: Vec<TimedCommand>,
    /// Bytes of JSON of the recorded commands.
    commands_bytes: usize,
    scheduled: VecDeque<TimedCommand>,
    speed: f64,
    paused: bool,
    drops: VecDeque<Dropped>,
    checker: Option<Checker>,
    /// Check after every event (tests), or only when `check_now` is called
    /// (the page, once a frame).
    check_every_event: bool,
    violation: Option<Broken>,
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
            in_flight_full_noted: None,
            next_msg: 0,
            zk: ZkServer::new(cfg.tick_time_ms),
            brokers: BTreeMap::new(),
            producers: BTreeMap::new(),
            consumers: BTreeMap::new(),
            group_processed: BTreeMap::new(),
            ledger: Ledger::default(),
            trace: Trace::default(),
            log: VecDeque::new(),
            log_seq: 0,
            commands: Vec::new(),
            commands_bytes: 0,
            scheduled: VecDeque::new(),
            speed: 1.0,
            paused: false,
            drops: VecDeque::new(),
            checker: None,
            check_every_event: false,
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
        self.check_every_event = true;
        self
    }

    /// Turns on the invariant checker, run only by `check_now` (the page
    /// checks once a frame, so a large cluster stays fast).
    pub fn with_checks_on_demand(mut self) -> Self {
        self.checker = Some(Checker::default());
        self.check_every_event = false;
        self
    }

    /// Checks the invariants now (when a checker is on).
    pub fn check_now(&mut self) {
        if self.violation.is_some() {
            return;
        }
        let Some(mut checker) = self.checker.take() else {
            return;
        };
        if let Err(v) = checker.check(self) {
            self.violation = Some(Broken {
                rule: v.rule,
                detail: v.detail,
                at_ms: self.now,
                log_seq: self.log_seq,
            });
        }
        self.checker = Some(checker);
    }

    /// The first broken invariant, if any.
    pub fn violation(&self) -> Option<&Broken> {
        self.violation.as_ref()
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
            NodeId::Consumer(id) => self.consumers.get(&id).is_some_and(|c| c.is_running()),
        }
    }

    /// How many times `node` was (re)started or stopped (0 for ZooKeeper).
    pub(super) fn incarnation(&self, node: NodeId) -> u32 {
        match node {
            NodeId::Zk => 0,
            NodeId::Broker(id) => self.brokers.get(&id).map_or(0, |s| s.incarnation),
            NodeId::Producer(id) => self.producers.get(&id).map_or(0, |s| s.incarnation),
            NodeId::Consumer(id) => self.consumers.get(&id).map_or(0, |s| s.incarnation),
        }
    }

    /// Time of the next pending event.
    pub fn next_event_time(&self) -> Option<Tick> {
        self.queue.peek_time()
    }

    /// Runs `f` on a running broker and carries out its effects; a broker
    /// that stopped itself becomes a stopped slot.
    pub(super) fn with_broker(
        &mut self,
        id: i32,
        f: impl FnOnce(&mut Broker, &mut Outbox<BrokerTimer>),
    ) {
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
            .chain(self.consumers.keys().map(|c| NodeId::Consumer(*c)))
            .filter(|n| *n != gone && self.is_up(*n))
            .collect();
        for peer in peers {
            self.send(gone, peer, Message::ConnectionClosed);
        }
    }

    /// Runs `f` on a running producer, carries out its effects and books
    /// what it saw acknowledged.
    pub(super) fn with_producer(
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
            if let Some(log) = self.log_of(by, &tp) {
                let start = log.log_start_offset();
                self.ledger.forget_below(&tp, start);
            }
            if let Some((leader, epoch)) = self.ledger.leader(&tp) {
                if leader != by {
                    self.audit(&tp, leader, epoch);
                }
            }
        }
    }

    /// Checks the acknowledged records of `tp` against the log of its
    /// leader `leader` (in leader epoch `epoch`).
    pub(super) fn audit(&mut self, tp: &TopicPartition, leader: i32, epoch: i32) {
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

    pub(super) fn start_broker(&mut self, id: i32) {
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

    pub(super) fn check(&mut self) {
        if self.check_every_event {
            self.check_now();
        }
    }
}
