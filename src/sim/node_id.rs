//! Names of the nodes in the simulated cluster, written the way the page and
//! scenario files write them: `zk`, `broker-3`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A node of the cluster: the ZooKeeper ensemble or a broker by `broker.id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    /// The ZooKeeper ensemble (modelled as one server).
    Zk,
    /// A Kafka broker, by its `broker.id`.
    Broker(i32),
    /// A producer client.
    Producer(i32),
    /// A consumer client.
    Consumer(i32),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Zk => f.write_str("zk"),
            NodeId::Broker(id) => write!(f, "broker-{id}"),
            NodeId::Producer(id) => write!(f, "producer-{id}"),
            NodeId::Consumer(id) => write!(f, "consumer-{id}"),
        }
    }
}

impl FromStr for NodeId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "zk" {
            return Ok(NodeId::Zk);
        }
        let number = |prefix: &str| {
            s.strip_prefix(prefix)
                .and_then(|n| n.parse::<i32>().ok())
                .filter(|n| *n >= 0)
        };
        if let Some(id) = number("broker-") {
            return Ok(NodeId::Broker(id));
        }
        if let Some(id) = number("producer-") {
            return Ok(NodeId::Producer(id));
        }
        if let Some(id) = number("consumer-") {
            return Ok(NodeId::Consumer(id));
        }
        Err(format!(
            "unknown node {s:?}: expected \"zk\", \"broker-N\", \"producer-N\" or \"consumer-N\""
        ))
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for node in [
            NodeId::Zk,
            NodeId::Broker(0),
            NodeId::Broker(31),
            NodeId::Producer(2),
            NodeId::Consumer(4),
        ] {
            assert_eq!(node.to_string().parse::<NodeId>(), Ok(node));
        }
        assert!("broker-x".parse::<NodeId>().is_err());
        assert!("broker--1".parse::<NodeId>().is_err());
        assert!("".parse::<NodeId>().is_err());
    }
}
