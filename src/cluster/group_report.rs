//! Consumer groups and consumers in the run report (fields `groups` and
//! `consumers`), as `kafka-consumer-groups --describe` would show them:
//! the coordinator and its `__consumer_offsets` partition, the state,
//! generation, leader, members with their assignments, committed offsets
//! and lag (high watermark minus committed offset).

use super::{Process, World};
use crate::broker::group::coordinator_partition;
use crate::topic::TopicPartition;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One member of a group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberReport {
    /// Member id.
    pub member_id: String,
    /// `client.id` (the consumer node).
    pub client_id: String,
    /// Its partitions, as `topic-partition`.
    pub assignment: Vec<String>,
}

/// One consumer group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupReport {
    /// Group id.
    pub group: String,
    /// Broker serving it (null while no broker has it loaded).
    pub coordinator: Option<i32>,
    /// Its `__consumer_offsets` partition.
    pub coordinator_partition: i32,
    /// Kafka's state name (`Unknown` while no coordinator serves it).
    pub state: String,
    /// Generation id.
    pub generation_id: i32,
    /// Leader member id.
    pub leader: Option<String>,
    /// Members.
    pub members: Vec<MemberReport>,
    /// Committed offsets, by `topic-partition`.
    pub committed: BTreeMap<String, i64>,
    /// Lag per `topic-partition`: high watermark minus committed offset.
    pub partition_lag: BTreeMap<String, i64>,
    /// Sum of the partition lags.
    pub lag: i64,
}

/// One consumer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerReport {
    /// Consumer id.
    pub id: i32,
    /// `group.id`.
    pub group: String,
    /// Records handed to the application.
    pub consumed: u64,
    /// Records it processed that its group had processed before.
    pub duplicates: u64,
    /// `running`, `crashed` or `closed`.
    pub state: String,
    /// Member id (empty before it joined).
    pub member_id: String,
    /// Generation of its assignment.
    pub generation_id: i32,
    /// Its partitions.
    pub assignment: Vec<String>,
    /// Offset commits acknowledged.
    pub commits: u64,
}

impl World {
    /// The high watermark of `tp` on its running leader (-1: none).
    fn leader_hw(&self, tp: &TopicPartition) -> i64 {
        self.brokers
            .values()
            .filter_map(|s| match &s.process {
                Process::Up(b) => b.replicas().get(tp).filter(|r| r.leader == b.id()),
                _ => None,
            })
            .map(|r| r.hw)
            .max()
            .unwrap_or(-1)
    }

    /// Every group a coordinator serves or a consumer names.
    pub fn group_reports(&self) -> Vec<GroupReport> {
        let mut names: BTreeSet<String> = self
            .consumers
            .values()
            .map(|c| c.consumer.config().group_id.clone())
            .collect();
        for slot in self.brokers.values() {
            if let Process::Up(b) = &slot.process {
                names.extend(b.coordinator().groups().keys().cloned());
            }
        }
        let partitions = self.cfg.offsets_topic_num_partitions;
        names
            .into_iter()
            .map(|name| {
                let served = self.brokers.values().find_map(|s| match &s.process {
                    Process::Up(b) => b.coordinator().groups().get(&name).map(|g| (b.id(), g)),
                    _ => None,
                });
                let mut r = GroupReport {
                    group: name.clone(),
                    coordinator: None,
                    coordinator_partition: coordinator_partition(&name, partitions) as i32,
                    state: "Unknown".into(),
                    generation_id: -1,
                    leader: None,
                    members: Vec::new(),
                    committed: BTreeMap::new(),
                    partition_lag: BTreeMap::new(),
                    lag: 0,
                };
                let Some((broker, g)) = served else {
                    return r;
                };
                r.coordinator = Some(broker);
                r.state = g.state.name().into();
                r.generation_id = g.generation;
                r.leader = g.leader.clone();
                r.members = g
                    .members
                    .values()
                    .map(|m| MemberReport {
                        member_id: m.member_id.clone(),
                        client_id: m.client_id.clone(),
                        assignment: m.assignment.iter().map(|tp| tp.to_string()).collect(),
                    })
                    .collect();
                for (tp, o) in &g.offsets {
                    r.committed.insert(tp.to_string(), *o);
                    let hw = self.leader_hw(tp);
                    if hw >= 0 {
                        let lag = (hw - o).max(0);
                        r.partition_lag.insert(tp.to_string(), lag);
                        r.lag += lag;
                    }
                }
                r
            })
            .collect()
    }

    /// Every consumer.
    pub fn consumer_reports(&self) -> Vec<ConsumerReport> {
        self.consumers
            .values()
            .map(|s| {
                let c = &s.consumer;
                ConsumerReport {
                    id: c.id(),
                    group: c.config().group_id.clone(),
                    consumed: c.stats().consumed,
                    duplicates: s.duplicates,
                    state: if s.crashed_at.is_some() {
                        "crashed"
                    } else if s.closed_at.is_some() {
                        "closed"
                    } else {
                        "running"
                    }
                    .into(),
                    member_id: c.member_id().to_string(),
                    generation_id: c.generation(),
                    assignment: c.assignment().iter().map(|tp| tp.to_string()).collect(),
                    commits: c.stats().commits,
                }
            })
            .collect()
    }
}
