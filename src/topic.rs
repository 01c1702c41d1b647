//! Topics as Kafka keeps them in ZooKeeper: the replica assignment in
//! `/brokers/topics/<t>`, per-topic configs in `/config/topics/<t>` and each
//! partition's leadership in `/brokers/topics/<t>/partitions/<p>/state`,
//! written with Kafka's JSON field names.

use crate::log::LogConfig;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Most partitions one topic may have.
pub const MAX_PARTITIONS: u32 = 256;
/// Most topics a cluster may have.
pub const MAX_TOPICS: usize = 64;
/// `LeaderAndIsr.NoLeader`: the partition is offline.
pub const NO_LEADER: i32 = -1;

/// A partition of a topic, written `topic-partition` as Kafka writes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition number.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`-`partition`.
    pub fn new(topic: &str, partition: i32) -> Self {
        TopicPartition {
            topic: topic.to_string(),
            partition,
        }
    }

    /// ZooKeeper path of the partition state znode.
    pub fn state_path(&self) -> String {
        format!(
            "/brokers/topics/{}/partitions/{}/state",
            self.topic, self.partition
        )
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// A topic's configuration: the log settings plus the replication ones,
/// under Kafka's names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicConfig {
    /// Segment, index, retention and cleanup settings.
    #[serde(flatten)]
    pub log: LogConfig,
    /// `min.insync.replicas`: with acks=all, fewer in-sync replicas than
    /// this makes the leader refuse writes with NOT_ENOUGH_REPLICAS.
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable`: elect a replica outside the ISR
    /// when no ISR member is alive, losing what it lacks.
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            log: LogConfig::default(),
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
        }
    }
}

impl TopicConfig {
    /// The topic defaults the app starts with (scaled log settings).
    pub fn app_default() -> Self {
        TopicConfig {
            log: LogConfig::app_default(),
            ..TopicConfig::default()
        }
    }

    /// `self` with per-topic overrides applied, as `kafka-topics --config`
    /// gives them: values may be strings (`"2"`, `"true"`) or JSON values.
    pub fn with_overrides(&self, overrides: &BTreeMap<String, Value>) -> Result<Self, String> {
        let Value::Object(mut map) = serde_json::to_value(self).map_err(|e| e.to_string())? else {
            return Err("topic config is not an object".into());
        };
        for (key, raw) in overrides {
            let Some(current) = map.get(key) else {
                let known: Vec<&String> = map.keys().collect();
                return Err(format!(
                    "unknown topic config {key:?}; known: {}",
                    known
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let parsed = coerce(current, raw)
                .ok_or_else(|| format!("topic config {key}: {raw} is not a valid value"))?;
            map.insert(key.clone(), parsed);
        }
        let cfg: TopicConfig =
            serde_json::from_value(Value::Object(map)).map_err(|e| format!("topic config: {e}"))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The settings that differ from `base`, as strings (what Kafka keeps in
    /// `/config/topics/<t>`).
    pub fn overrides_from(&self, base: &TopicConfig) -> BTreeMap<String, String> {
        let (Ok(Value::Object(mine)), Ok(Value::Object(theirs))) =
            (serde_json::to_value(self), serde_json::to_value(base))
        else {
            return BTreeMap::new();
        };
        mine.into_iter()
            .filter(|(k, v)| theirs.get(k) != Some(v))
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect()
    }

    /// Checks ranges; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        self.log.validate()?;
        if !(1..=32).contains(&self.min_insync_replicas) {
            return Err(format!(
                "min.insync.replicas {} must be between 1 and 32",
                self.min_insync_replicas
            ));
        }
        Ok(())
    }
}

fn coerce(current: &Value, raw: &Value) -> Option<Value> {
    let text = match raw {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    match current {
        Value::Bool(_) => text.parse::<bool>().ok().map(Value::Bool),
        Value::Number(_) => text.parse::<i64>().ok().map(|n| json!(n)),
        Value::String(_) => Some(Value::String(text)),
        _ => None,
    }
}

/// `/brokers/topics/<t>`: the replica list of every partition.
pub fn assignment_json(assignment: &BTreeMap<i32, Vec<i32>>) -> String {
    let partitions: Map<String, Value> = assignment
        .iter()
        .map(|(p, r)| (p.to_string(), json!(r)))
        .collect();
    json!({"version": 2, "partitions": partitions}).to_string()
}

/// Reads `/brokers/topics/<t>`.
pub fn parse_assignment(data: &str) -> Option<BTreeMap<i32, Vec<i32>>> {
    #[derive(Deserialize)]
    struct Doc {
        partitions: BTreeMap<String, Vec<i32>>,
    }
    let doc: Doc = serde_json::from_str(data).ok()?;
    doc.partitions
        .into_iter()
        .map(|(p, r)| Some((p.parse().ok()?, r)))
        .collect()
}

/// `/config/topics/<t>`.
pub fn config_json(overrides: &BTreeMap<String, String>) -> String {
    json!({"version": 1, "config": overrides}).to_string()
}

/// Reads `/config/topics/<t>` on top of the defaults.
pub fn parse_config(data: &str, base: &TopicConfig) -> Option<TopicConfig> {
    #[derive(Deserialize)]
    struct Doc {
        config: BTreeMap<String, Value>,
    }
    let doc: Doc = serde_json::from_str(data).ok()?;
    base.with_overrides(&doc.config).ok()
}

/// A partition's leadership as the state znode holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderIsr {
    /// Leader broker, or -1 when offline.
    pub leader: i32,
    /// Bumped at every leader change (and controller-made ISR change).
    pub leader_epoch: i32,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// Epoch of the controller that wrote it.
    pub controller_epoch: i32,
}

impl LeaderIsr {
    /// The state znode's JSON, with Kafka's field names.
    pub fn to_json(&self) -> String {
        json!({
            "controller_epoch": self.controller_epoch,
            "leader": self.leader,
            "version": 1,
            "leader_epoch": self.leader_epoch,
            "isr": self.isr,
        })
        .to_string()
    }

    /// Reads a state znode.
    pub fn from_json(data: &str) -> Option<Self> {
        serde_json::from_str(data).ok()
    }
}

/// One partition as the controller tells brokers about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionState {
    /// Which partition.
    pub tp: TopicPartition,
    /// Leader, or -1.
    pub leader: i32,
    /// Leader epoch.
    pub leader_epoch: i32,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// Assigned replicas, preferred leader first.
    pub replicas: Vec<i32>,
    /// Version of the state znode (Kafka's partition epoch in ZK mode).
    pub zk_version: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_znode_uses_kafkas_field_names() {
        let s = LeaderIsr {
            leader: 2,
            leader_epoch: 3,
            isr: vec![2, 1],
            controller_epoch: 5,
        };
        let text = s.to_json();
        assert_eq!(
            text,
            r#"{"controller_epoch":5,"isr":[2,1],"leader":2,"leader_epoch":3,"version":1}"#
        );
        assert_eq!(LeaderIsr::from_json(&text), Some(s));
    }

    #[test]
    fn assignment_round_trips() {
        let a: BTreeMap<i32, Vec<i32>> = [(0, vec![1, 2]), (1, vec![2, 3])].into();
        let text = assignment_json(&a);
        assert_eq!(text, r#"{"partitions":{"0":[1,2],"1":[2,3]},"version":2}"#);
        assert_eq!(parse_assignment(&text), Some(a));
    }

    #[test]
    fn overrides_take_kafka_strings_and_name_bad_keys() {
        let base = TopicConfig::default();
        let o: BTreeMap<String, Value> = [
            ("min.insync.replicas".to_string(), json!("2")),
            ("unclean.leader.election.enable".to_string(), json!(true)),
            ("cleanup.policy".to_string(), json!("compact")),
        ]
        .into();
        let c = base.with_overrides(&o).unwrap();
        assert_eq!(c.min_insync_replicas, 2);
        assert!(c.unclean_leader_election_enable);
        assert!(c.log.cleanup_policy.compacts());
        let back = c.overrides_from(&base);
        assert_eq!(back["min.insync.replicas"], "2");
        assert_eq!(parse_config(&config_json(&back), &base), Some(c));
        let bad: BTreeMap<String, Value> = [("min.insync.replica".to_string(), json!(2))].into();
        assert!(base
            .with_overrides(&bad)
            .unwrap_err()
            .contains("min.insync.replica"));
        let bad: BTreeMap<String, Value> = [("min.insync.replicas".to_string(), json!("x"))].into();
        assert!(base.with_overrides(&bad).is_err());
    }
}
