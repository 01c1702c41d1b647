//! `Command`: every action a user or a scenario can take, as data. Commands
//! enter the world through one door (`World::apply`) and are recorded with
//! their time, so a session replays exactly from seed + commands.

use super::{NodeId, Tick};
use crate::broker::assignment::AssignmentScheme;
use crate::client::consumer::{ConsumerConfig, SeekTo};
use crate::client::producer::ProducerConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Largest command, as JSON: 64 KiB.
pub const MAX_COMMAND_BYTES: usize = 65_536;

/// Which way(s) of a link a cut or heal applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Both directions.
    #[default]
    Both,
    /// Only messages from `a` to `b`.
    AToB,
    /// Only messages from `b` to `a`.
    BToA,
}

/// One user or scenario action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Start a new broker (next free `broker.id` unless given).
    AddBroker {
        /// `broker.id` to use.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<i32>,
    },
    /// Kill a broker process at once (kill -9); its ZooKeeper session lives on until it expires.
    CrashBroker {
        /// `broker.id`.
        broker: i32,
    },
    /// Start a crashed or stopped broker again, as a new process.
    RestartBroker {
        /// `broker.id`.
        broker: i32,
    },
    /// Controlled shutdown: tell the controller, then close the ZooKeeper session.
    ShutdownBroker {
        /// `broker.id`.
        broker: i32,
    },
    /// Drop every message between two nodes (in one or both directions).
    CutLink {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// Which way(s).
        #[serde(default)]
        direction: Direction,
    },
    /// Undo a cut.
    HealLink {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// Which way(s).
        #[serde(default)]
        direction: Direction,
    },
    /// Set latency range and loss ratio of one link.
    SetLink {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// Lowest one-way latency.
        latency_min_ms: u64,
        /// Highest one-way latency.
        latency_max_ms: u64,
        /// Fraction of messages lost.
        #[serde(default)]
        loss_ratio: f64,
    },
    /// Create a topic as `kafka-topics --create` does in ZooKeeper mode:
    /// write its assignment and configs; the controller does the rest.
    CreateTopic {
        /// Topic name.
        name: String,
        /// Partition count.
        partitions: u32,
        /// Replicas per partition.
        replication_factor: u32,
        /// Replica placement: the notes' scheme (default) or Kafka's.
        #[serde(default)]
        assignment: AssignmentScheme,
        /// Per-topic configs by Kafka name (`min.insync.replicas`, ...).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        configs: BTreeMap<String, Value>,
    },
    /// Raise a topic's partition count (`kafka-topics --alter --partitions`).
    AddPartitions {
        /// Topic.
        topic: String,
        /// New total partition count.
        partitions: u32,
    },
    /// Delete a topic (`kafka-topics --delete`: marks `/admin/delete_topics/<t>`).
    DeleteTopic {
        /// Topic.
        topic: String,
    },
    /// Preferred-leader election for a topic's partitions (all topics when absent).
    ElectPreferredLeaders {
        /// Topic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
    },
    /// Start a producer.
    AddProducer {
        /// Its id (next free unless given).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<i32>,
        /// Its settings.
        config: ProducerConfig,
    },
    /// Change a running producer's settings (rate, keys, acks...).
    SetProducer {
        /// Producer id.
        producer: i32,
        /// New settings.
        config: ProducerConfig,
    },
    /// Have a producer send one record now.
    ProduceRecord {
        /// Producer id.
        producer: i32,
        /// Key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// Value text (added after the record's id).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// Explicit partition.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partition: Option<i32>,
    },
    /// Kill a producer process: its buffered records are lost.
    CrashProducer {
        /// Producer id.
        producer: i32,
    },
    /// Start a consumer in a group (`subscribe()` to its topics).
    AddConsumer {
        /// Its id (next free unless given).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<i32>,
        /// Its settings (`group.id`, topics...).
        config: ConsumerConfig,
    },
    /// Change a running consumer's processing rate, commit mode or poll size.
    SetConsumer {
        /// Consumer id.
        consumer: i32,
        /// New settings (group and topics cannot change).
        config: ConsumerConfig,
    },
    /// `close()` a consumer: commit, LeaveGroup, stop.
    CloseConsumer {
        /// Consumer id.
        consumer: i32,
    },
    /// Kill a consumer process: no LeaveGroup, no commit.
    CrashConsumer {
        /// Consumer id.
        consumer: i32,
    },
    /// Move a consumer's position in one of its partitions.
    Seek {
        /// Consumer id.
        consumer: i32,
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// Where to.
        #[serde(flatten)]
        to: SeekTo,
    },
    /// Have a consumer commit its positions now (`commitAsync()`).
    Commit {
        /// Consumer id.
        consumer: i32,
    },
    /// Wall-clock speed of the animation: simulated ms per real ms.
    SetSpeed {
        /// 0.01 to 1000.
        speed: f64,
    },
    /// Stop advancing simulated time.
    Pause,
    /// Advance simulated time again.
    Resume,
    /// While paused: run every event at the next event time.
    Step,
}

impl Command {
    /// True for commands that only steer the animation (speed, pause,
    /// resume, step): they never change what happens in the world.
    pub fn is_view_only(&self) -> bool {
        matches!(
            self,
            Command::SetSpeed { .. } | Command::Pause | Command::Resume | Command::Step
        )
    }

    /// The `type` tag of the command, as written in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Command::AddBroker { .. } => "add_broker",
            Command::CrashBroker { .. } => "crash_broker",
            Command::RestartBroker { .. } => "restart_broker",
            Command::ShutdownBroker { .. } => "shutdown_broker",
            Command::CutLink { .. } => "cut_link",
            Command::HealLink { .. } => "heal_link",
            Command::SetLink { .. } => "set_link",
            Command::CreateTopic { .. } => "create_topic",
            Command::AddPartitions { .. } => "add_partitions",
            Command::DeleteTopic { .. } => "delete_topic",
            Command::ElectPreferredLeaders { .. } => "elect_preferred_leaders",
            Command::AddProducer { .. } => "add_producer",
            Command::SetProducer { .. } => "set_producer",
            Command::ProduceRecord { .. } => "produce_record",
            Command::CrashProducer { .. } => "crash_producer",
            Command::AddConsumer { .. } => "add_consumer",
            Command::SetConsumer { .. } => "set_consumer",
            Command::CloseConsumer { .. } => "close_consumer",
            Command::CrashConsumer { .. } => "crash_consumer",
            Command::Seek { .. } => "seek",
            Command::Commit { .. } => "commit",
            Command::SetSpeed { .. } => "set_speed",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Step => "step",
        }
    }
}

/// A command with the simulated time it is applied at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedCommand {
    /// Simulated time in ms.
    pub at_ms: Tick,
    /// The action.
    pub command: Command,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_from_json() {
        let c: Command =
            serde_json::from_str(r#"{"type":"cut_link","a":"broker-1","b":"zk"}"#).unwrap();
        assert_eq!(
            c,
            Command::CutLink {
                a: NodeId::Broker(1),
                b: NodeId::Zk,
                direction: Direction::Both
            }
        );
        let c: Command = serde_json::from_str(r#"{"type":"pause"}"#).unwrap();
        assert_eq!(c.name(), "pause");
        let back: Command = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn bad_commands_are_named() {
        let e = serde_json::from_str::<Command>(r#"{"type":"crash_broker","brokr":1}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("brokr"), "{e}");
        let e = serde_json::from_str::<Command>(r#"{"type":"explode"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("explode"), "{e}");
        let e = serde_json::from_str::<Command>(r#"{"type":"cut_link","a":"kafka","b":"zk"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("kafka"), "{e}");
    }
}
