//! The one door for user and scenario actions: `World::apply` checks a
//! command against the current world, carries it out, writes what happened
//! to the event log, and records it with its time for replay.

use super::{Process, World};
use crate::sim::{
    Command, Direction, LinkConfig, NodeId, NoteKind, Tick, TimedCommand, MAX_BROKERS,
};
use std::fmt;

/// Most commands one world records.
pub const MAX_COMMANDS: usize = 100_000;
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

fn refuse<T>(msg: impl Into<String>) -> Result<T, CommandError> {
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
        let at_ms = self.now;
        let done = self.carry_out(&command)?;
        self.trace.record(
            at_ms,
            format!(
                "command {}",
                serde_json::to_string(&command).unwrap_or_default()
            ),
        );
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
                slot.process = Process::Crashed { at: now };
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
}
