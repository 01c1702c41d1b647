//! The one door for user and scenario actions: `World::apply` checks a
//! command against the current world, carries it out, writes what happened
//! to the event log, and records it with its time for replay.

use super::{Process, ProducerSlot, World};
use crate::broker::assignment::{
    kafka_assignment, kafka_assignment_fixed, notes_assignment, AssignmentScheme,
};
use crate::broker::OFFSETS_TOPIC;
use crate::client::producer::{Producer, ProducerConfig};
use crate::protocol::ZkOp;
use crate::sim::{
    Command, Direction, LinkConfig, NodeId, NoteKind, Outbox, Tick, TimedCommand, MAX_BROKERS,
    MAX_COMMAND_BYTES,
};
use crate::topic::{
    assignment_json, config_json, parse_assignment, TopicPartition, MAX_PARTITIONS, MAX_TOPICS,
};
use std::collections::BTreeMap;
use std::fmt;

/// Most producers one world may have.
pub const MAX_PRODUCERS: usize = 16;

/// Most commands one world records.
pub const MAX_COMMANDS: usize = 100_000;
/// Most bytes of JSON the recorded commands of one world may take: 16 MiB.
pub const MAX_COMMANDS_BYTES: usize = 16 << 20;
/// Highest `broker.id` accepted.
pub const MAX_BROKER_ID: i32 = 9_999;
/// Slowest and fastest animation speeds.
pub const SPEED_RANGE: (f64, f64) = (0.01, 1000.0);

/// Why a command was refused, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError(pub String);

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}

pub(super) fn refuse<T>(msg: impl Into<String>) -> Result<T, CommandError> {
    Err(CommandError(msg.into()))
}

fn directions(a: NodeId, b: NodeId, d: Direction) -> Vec<(NodeId, NodeId)> {
    match d {
        Direction::Both => vec![(a, b), (b, a)],
        Direction::AToB => vec![(a, b)],
        Direction::BToA => vec![(b, a)],
    }
}

fn link_name(a: NodeId, b: NodeId, d: Direction) -> String {
    match d {
        Direction::Both => format!("{a} <-> {b}"),
        Direction::AToB => format!("{a} -> {b}"),
        Direction::BToA => format!("{b} -> {a}"),
    }
}

impl World {
    /// Checks and carries out a command at the current time; returns a short
    /// description of what happened. Commands that change the world are
    /// recorded (and enter the digest); speed, pause, resume and step only
    /// change how the page moves through time, so they are not.
    pub fn apply(&mut self, command: Command) -> Result<String, CommandError> {
        if command.is_view_only() {
            return self.carry_out(&command);
        }
        if self.commands.len() >= MAX_COMMANDS {
            return refuse(format!(
                "this session already holds {MAX_COMMANDS} commands, the limit; reset to go on"
            ));
        }
        let json = serde_json::to_string(&command).unwrap_or_default();
        if json.len() > MAX_COMMAND_BYTES {
            return refuse(format!(
                "a command is at most {MAX_COMMAND_BYTES} bytes of JSON, got {}",
                json.len()
            ));
        }
        if self.commands_bytes + json.len() > MAX_COMMANDS_BYTES {
            return refuse(format!(
                "this session's commands already take {} bytes of JSON, and at most {MAX_COMMANDS_BYTES} may be recorded; reset to go on",
                self.commands_bytes
            ));
        }
        let at_ms = self.now;
        let done = self.carry_out(&command)?;
        self.commands_bytes += json.len();
        self.trace.record(at_ms, format!("command {json}"));
        self.commands.push(TimedCommand { at_ms, command });
        self.check();
        Ok(done)
    }

    /// Runs a list of timed commands in order (each at its time), then runs
    /// until `until_ms`; commands after `until_ms` are not applied.
    pub fn replay(&mut self, commands: &[TimedCommand], until_ms: Tick) -> Result<(), String> {
        for (i, tc) in commands.iter().enumerate() {
            if tc.at_ms > until_ms {
                break;
            }
            self.run_until(tc.at_ms);
            self.apply(tc.command.clone()).map_err(|e| {
                format!(
                    "commands[{i}] ({} at {} ms): {e}",
                    tc.command.name(),
                    tc.at_ms
                )
            })?;
        }
        self.run_until(until_ms);
        Ok(())
    }

    fn check_node(&self, node: NodeId) -> Result<(), CommandError> {
        match node {
            NodeId::Zk => Ok(()),
            NodeId::Broker(id) if self.brokers.contains_key(&id) => Ok(()),
            NodeId::Broker(id) => refuse(format!("there is no broker {id}")),
            NodeId::Producer(id) if self.producers.contains_key(&id) => Ok(()),
            NodeId::Producer(id) => refuse(format!("there is no producer {id}")),
            NodeId::Consumer(id) if self.consumers.contains_key(&id) => Ok(()),
            NodeId::Consumer(id) => refuse(format!("there is no consumer {id}")),
        }
    }

    fn check_link(&self, a: NodeId, b: NodeId) -> Result<(), CommandError> {
        self.check_node(a)?;
        self.check_node(b)?;
        if a == b {
            return refuse(format!("a link needs two different nodes, got {a} twice"));
        }
        Ok(())
    }

    fn carry_out(&mut self, command: &Command) -> Result<String, CommandError> {
        let now = self.now;
        match *command {
            Command::AddBroker { id } => {
                let live = self.brokers.len() as u32;
                if live >= MAX_BROKERS {
                    return refuse(format!(
                        "the cluster already has {MAX_BROKERS} brokers, the limit"
                    ));
                }
                let id = id.unwrap_or_else(|| self.brokers.keys().max().map_or(1, |m| m + 1));
                if !(0..=MAX_BROKER_ID).contains(&id) {
                    return refuse(format!("broker.id {id} is outside 0..={MAX_BROKER_ID}"));
                }
                if self.brokers.contains_key(&id) {
                    return refuse(format!("broker {id} already exists"));
                }
                self.note(
                    NodeId::Broker(id),
                    NoteKind::Info,
                    "added to the cluster".into(),
                );
                self.start_broker(id);
                Ok(format!("added broker {id}"))
            }
            Command::CrashBroker { broker } => {
                self.check_node(NodeId::Broker(broker))?;
                if self.broker(broker).is_none() {
                    return refuse(format!("broker {broker} is not running"));
                }
                let slot = self.brokers.get_mut(&broker).expect("checked");
                slot.incarnation += 1;
                if let Process::Up(b) = &mut slot.process {
                    slot.disk = b.take_disk();
                }
                slot.process = Process::Crashed { at: now };
                self.close_connections(NodeId::Broker(broker));
                self.note(
                    NodeId::Broker(broker),
                    NoteKind::Fault,
                    "crashed (kill -9): its ZooKeeper session stays open until it expires".into(),
                );
                Ok(format!("crashed broker {broker}"))
            }
            Command::RestartBroker { broker } => {
                self.check_node(NodeId::Broker(broker))?;
                if self.broker(broker).is_some() {
                    return refuse(format!("broker {broker} is already running"));
                }
                self.note(
                    NodeId::Broker(broker),
                    NoteKind::Fault,
                    "restarted as a new process".into(),
                );
                self.start_broker(broker);
                Ok(format!("restarted broker {broker}"))
            }
            Command::ShutdownBroker { broker } => {
                self.check_node(NodeId::Broker(broker))?;
                if self.broker(broker).is_none() {
                    return refuse(format!("broker {broker} is not running"));
                }
                self.with_broker(broker, |b, out| b.shutdown(now, out));
                Ok(format!("broker {broker} is shutting down"))
            }
            Command::CutLink { a, b, direction } | Command::HealLink { a, b, direction } => {
                self.check_link(a, b)?;
                let cut = matches!(command, Command::CutLink { .. });
                for (from, to) in directions(a, b, direction) {
                    self.net.set_cut(from, to, cut);
                }
                let verb = if cut { "cut" } else { "healed" };
                let what = format!("{verb} link {}", link_name(a, b, direction));
                self.note(a, NoteKind::Fault, what.clone());
                Ok(what)
            }
            Command::SetLink {
                a,
                b,
                latency_min_ms,
                latency_max_ms,
                loss_ratio,
            } => {
                self.check_link(a, b)?;
                let cfg = LinkConfig {
                    latency_min_ms,
                    latency_max_ms,
                    loss_ratio,
                };
                cfg.validate().map_err(CommandError)?;
                self.net.set_link(a, b, cfg);
                let what = format!(
                    "link {a} <-> {b}: latency {latency_min_ms}..={latency_max_ms} ms, loss {loss_ratio}"
                );
                self.note(a, NoteKind::Fault, what.clone());
                Ok(what)
            }
            Command::CreateTopic {
                ref name,
                partitions,
                replication_factor,
                assignment,
                ref configs,
            } => self.create_topic(name, partitions, replication_factor, assignment, configs),
            Command::AddPartitions {
                ref topic,
                partitions,
            } => self.add_partitions(topic, partitions),
            Command::DeleteTopic { ref topic } => {
                if topic == OFFSETS_TOPIC {
                    return refuse(format!(
                        "{OFFSETS_TOPIC} is a Kafka internal topic and is not allowed to be marked for deletion"
                    ));
                }
                self.topic_assignment(topic)?;
                if self
                    .zk
                    .tree()
                    .exists(&format!("/admin/delete_topics/{topic}"))
                {
                    return refuse(format!("topic {topic} is already marked for deletion"));
                }
                self.admin_zk(ZkOp::Create {
                    path: format!("/admin/delete_topics/{topic}"),
                    data: String::new(),
                    ephemeral: false,
                })?;
                self.ledger.forget_topic(topic);
                self.note(
                    NodeId::Zk,
                    NoteKind::Controller,
                    format!("kafka-topics --delete: created /admin/delete_topics/{topic}"),
                );
                Ok(format!("topic {topic} marked for deletion"))
            }
            Command::ElectPreferredLeaders { ref topic } => {
                let path = crate::broker::partitions::PREFERRED_ELECTION_PATH;
                if self.zk.tree().exists(path) {
                    return refuse("a preferred leader election is already in progress");
                }
                let mut parts = Vec::new();
                let topics: Vec<String> = match topic {
                    Some(t) => {
                        self.topic_assignment(t)?;
                        vec![t.clone()]
                    }
                    None => self.zk.tree().children("/brokers/topics"),
                };
                for t in topics {
                    for p in self.topic_assignment(&t)?.keys() {
                        parts.push(TopicPartition::new(&t, *p));
                    }
                }
                let data = serde_json::json!({"version": 1, "partitions": parts}).to_string();
                self.admin_zk(ZkOp::Create {
                    path: path.into(),
                    data,
                    ephemeral: false,
                })?;
                Ok(format!(
                    "preferred leader election asked for {} partitions",
                    parts.len()
                ))
            }
            Command::AddProducer { id, ref config } => self.add_producer(id, config.clone()),
            Command::SetProducer {
                producer,
                ref config,
            } => {
                self.running_producer(producer)?;
                config.validate().map_err(CommandError)?;
                self.topic_assignment(&config.topic)?;
                let cfg = config.clone();
                self.with_producer(producer, |p, out| p.reconfigure(cfg, now, out));
                Ok(format!("producer {producer} reconfigured"))
            }
            Command::ProduceRecord {
                producer,
                ref key,
                ref value,
                partition,
            } => {
                self.running_producer(producer)?;
                let (k, v) = (key.clone(), value.clone());
                self.with_producer(producer, |p, out| p.send_one(now, k, v, partition, out));
                Ok(format!("producer {producer} sent one record"))
            }
            Command::CrashProducer { producer } => {
                self.running_producer(producer)?;
                let slot = self.producers.get_mut(&producer).expect("checked");
                let (queued, flying) = slot.producer.unacknowledged();
                slot.crashed_at = Some(now);
                slot.incarnation += 1;
                slot.lost_in_buffer = queued + flying;
                self.note(
                    NodeId::Producer(producer),
                    NoteKind::Fault,
                    format!(
                        "crashed (kill -9): {queued} records still in its buffer are LOST (never sent); {flying} in flight may or may not have been written"
                    ),
                );
                Ok(format!("crashed producer {producer}"))
            }
            Command::AddConsumer { .. }
            | Command::SetConsumer { .. }
            | Command::CloseConsumer { .. }
            | Command::CrashConsumer { .. }
            | Command::Seek { .. }
            | Command::Commit { .. } => self.apply_consumer_command(command),
            Command::SetSpeed { speed } => {
                let (lo, hi) = SPEED_RANGE;
                if !speed.is_finite() || !(lo..=hi).contains(&speed) {
                    return refuse(format!("speed {speed} must be between {lo} and {hi}"));
                }
                self.speed = speed;
                Ok(format!("speed {speed}x"))
            }
            Command::Pause => {
                self.paused = true;
                Ok("paused".into())
            }
            Command::Resume => {
                self.paused = false;
                Ok("running".into())
            }
            Command::Step => match self.queue.peek_time() {
                Some(t) => {
                    self.run_until(t);
                    Ok(format!("stepped to {t} ms"))
                }
                None => refuse("nothing left to happen"),
            },
        }
    }

    /// Applies an admin tool's write to ZooKeeper (what `kafka-topics
    /// --zookeeper` does), firing the watches it triggers.
    fn admin_zk(&mut self, op: ZkOp) -> Result<(), CommandError> {
        let mut out = Outbox::default();
        let result = self.zk.admin(op, &mut out);
        self.flush(NodeId::Zk, 0, out, super::NodeTimer::Zk);
        result
            .map(|_| ())
            .map_err(|(_, e)| CommandError(format!("ZooKeeper refused: {e}")))
    }

    pub(super) fn topic_assignment(
        &self,
        topic: &str,
    ) -> Result<BTreeMap<i32, Vec<i32>>, CommandError> {
        let Some(node) = self.zk.tree().get(&format!("/brokers/topics/{topic}")) else {
            return refuse(format!(
                "topic {topic} does not exist (UNKNOWN_TOPIC_OR_PARTITION)"
            ));
        };
        parse_assignment(&node.data)
            .ok_or_else(|| CommandError(format!("/brokers/topics/{topic} is not valid")))
    }

    fn registered_brokers(&self) -> Vec<i32> {
        self.zk
            .tree()
            .children("/brokers/ids")
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect()
    }

    fn create_topic(
        &mut self,
        name: &str,
        partitions: u32,
        rf: u32,
        scheme: AssignmentScheme,
        configs: &BTreeMap<String, serde_json::Value>,
    ) -> Result<String, CommandError> {
        let legal = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if name.is_empty() || name.len() > 249 || !legal || name == "." || name == ".." {
            return refuse(format!(
                "INVALID_TOPIC_EXCEPTION: {name:?} is not a legal topic name (1-249 characters of a-z, A-Z, 0-9, '.', '_', '-')"
            ));
        }
        if name == OFFSETS_TOPIC {
            return refuse(format!(
                "{OFFSETS_TOPIC} is the internal offsets topic: the group coordinator creates it on first use"
            ));
        }
        if self.zk.tree().exists(&format!("/brokers/topics/{name}")) {
            return refuse(format!("TOPIC_ALREADY_EXISTS: topic {name} already exists"));
        }
        if self.zk.tree().children("/brokers/topics").len() >= MAX_TOPICS {
            return refuse(format!(
                "the cluster already has {MAX_TOPICS} topics, the limit"
            ));
        }
        if !(1..=MAX_PARTITIONS).contains(&partitions) {
            return refuse(format!(
                "INVALID_PARTITIONS: a topic has 1 to {MAX_PARTITIONS} partitions here, got {partitions}"
            ));
        }
        let cfg = self
            .cfg
            .topic_defaults
            .with_overrides(configs)
            .map_err(|e| CommandError(format!("INVALID_CONFIG: {e}")))?;
        let brokers = self.registered_brokers();
        let replicas = match scheme {
            AssignmentScheme::Notes => notes_assignment(&brokers, partitions, rf),
            AssignmentScheme::Kafka => kafka_assignment(&brokers, partitions, rf, &mut self.rng),
        }
        .map_err(|e| CommandError(e.to_string()))?;
        let assignment: BTreeMap<i32, Vec<i32>> = replicas
            .into_iter()
            .enumerate()
            .map(|(p, r)| (p as i32, r))
            .collect();
        let overrides = cfg.overrides_from(&self.cfg.topic_defaults);
        self.admin_zk(ZkOp::Create {
            path: format!("/config/topics/{name}"),
            data: config_json(&overrides),
            ephemeral: false,
        })?;
        self.admin_zk(ZkOp::Create {
            path: format!("/brokers/topics/{name}"),
            data: assignment_json(&assignment),
            ephemeral: false,
        })?;
        let scheme_name = match scheme {
            AssignmentScheme::Notes => {
                "the notes' scheme: partition i's replica j on broker (i + j) mod n"
            }
            AssignmentScheme::Kafka => "Kafka's assignReplicasToBrokers",
        };
        self.note(
            NodeId::Zk,
            NoteKind::Controller,
            format!(
                "kafka-topics --create {name}: {partitions} partitions x {rf} replicas by {scheme_name}: {assignment:?}"
            ),
        );
        Ok(format!("created topic {name}"))
    }

    fn add_partitions(&mut self, topic: &str, total: u32) -> Result<String, CommandError> {
        let mut assignment = self.topic_assignment(topic)?;
        let old = assignment.len() as u32;
        if total <= old {
            return refuse(format!(
                "INVALID_PARTITIONS: topic {topic} has {old} partitions; the new count must be higher (Kafka never removes partitions)"
            ));
        }
        if total > MAX_PARTITIONS {
            return refuse(format!(
                "INVALID_PARTITIONS: at most {MAX_PARTITIONS} partitions per topic here, got {total}"
            ));
        }
        let rf = assignment.get(&0).map_or(1, |r| r.len() as u32);
        let mut brokers = self.registered_brokers();
        brokers.sort_unstable();
        let scheme_is_notes = assignment.iter().all(|(p, r)| {
            let n = brokers.len();
            n > 0
                && r.iter()
                    .enumerate()
                    .all(|(j, b)| brokers.get((*p as usize + j) % n) == Some(b))
        });
        let all = if scheme_is_notes {
            notes_assignment(&brokers, total, rf)
        } else {
            let start = assignment
                .get(&0)
                .and_then(|r| brokers.iter().position(|b| Some(b) == r.first()))
                .unwrap_or(0);
            let shift = (self.rng.next_u64() % brokers.len().max(1) as u64) as usize;
            kafka_assignment_fixed(&brokers, total, rf, start, shift)
        }
        .map_err(|e| CommandError(e.to_string()))?;
        for (p, r) in all.into_iter().enumerate().skip(old as usize) {
            assignment.insert(p as i32, r);
        }
        self.admin_zk(ZkOp::SetData {
            path: format!("/brokers/topics/{topic}"),
            data: assignment_json(&assignment),
            version: None,
        })?;
        self.note(
            NodeId::Zk,
            NoteKind::Controller,
            format!(
                "kafka-topics --alter {topic} --partitions {total}: new partitions {old}..{}",
                total - 1
            ),
        );
        Ok(format!("topic {topic} now has {total} partitions"))
    }

    fn running_producer(&self, id: i32) -> Result<(), CommandError> {
        match self.producers.get(&id) {
            None => refuse(format!("there is no producer {id}")),
            Some(p) if p.crashed_at.is_some() => refuse(format!("producer {id} has crashed")),
            Some(_) => Ok(()),
        }
    }

    fn add_producer(
        &mut self,
        id: Option<i32>,
        cfg: ProducerConfig,
    ) -> Result<String, CommandError> {
        if self.producers.len() >= MAX_PRODUCERS {
            return refuse(format!(
                "the cluster already has {MAX_PRODUCERS} producers, the limit"
            ));
        }
        let id = id.unwrap_or_else(|| self.producers.keys().max().map_or(1, |m| m + 1));
        if !(0..=MAX_BROKER_ID).contains(&id) {
            return refuse(format!("producer id {id} is outside 0..={MAX_BROKER_ID}"));
        }
        if self.producers.contains_key(&id) {
            return refuse(format!("producer {id} already exists"));
        }
        cfg.validate().map_err(CommandError)?;
        self.topic_assignment(&cfg.topic)?;
        let bootstrap: Vec<i32> = self.brokers.keys().copied().collect();
        let rng = self.rng.fork(0x5052_4f44_0000 + id as u64);
        let producer = Producer::new(id, cfg, bootstrap, rng);
        self.producers.insert(
            id,
            ProducerSlot {
                incarnation: 0,
                producer: Box::new(producer),
                crashed_at: None,
                lost_in_buffer: 0,
            },
        );
        let now = self.now;
        self.with_producer(id, |p, out| p.start(now, out));
        Ok(format!("added producer {id}"))
    }
}
