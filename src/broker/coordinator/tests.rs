//! The coordinator driven directly: the classic protocol step by step on
//! one broker that leads the group's `__consumer_offsets` partition.

use super::*;
use crate::broker::{BrokerConfig, Disk};
use crate::protocol::group::{
    GroupProtocol, Heartbeat, JoinGroup, JoinGroupResponse, OffsetCommit, SyncGroup,
    SyncGroupResponse,
};
use crate::protocol::kafka::LeaderAndIsr;
use crate::sim::Outbox;
use crate::topic::{PartitionState, TopicConfig};

const GROUP: &str = "g";

fn coordinator() -> Broker {
    let cfg = BrokerConfig::from_cluster(&crate::sim::ClusterConfig::default());
    let mut b = Broker::new(1, cfg, Disk::default());
    let p = b.offsets_partition(GROUP);
    let mut out = Outbox::default();
    let mut configs = BTreeMap::new();
    configs.insert(OFFSETS_TOPIC.to_string(), TopicConfig::default());
    b.handle_message(
        0,
        NodeId::Broker(1),
        Message::LeaderAndIsr(Box::new(LeaderAndIsr {
            correlation_id: 1,
            controller_id: 1,
            controller_epoch: 1,
            partitions: vec![PartitionState {
                tp: TopicPartition::new(OFFSETS_TOPIC, p),
                leader: 1,
                leader_epoch: 0,
                isr: vec![1],
                replicas: vec![1],
                zk_version: 0,
            }],
            configs,
        })),
        &mut out,
    );
    assert_eq!(
        b.serves(GROUP),
        Err(KafkaError::CoordinatorLoadInProgress),
        "loading right after the election"
    );
    let (at, timer) = out
        .timers
        .iter()
        .find(|(_, t)| matches!(t, BrokerTimer::OffsetsLoaded { .. }))
        .copied()
        .expect("a load is scheduled");
    b.handle_timer(at, timer, &mut Outbox::default());
    assert_eq!(b.serves(GROUP), Ok(p));
    b
}

fn join(member: &str, client: i32, c: u64) -> Message {
    Message::JoinGroup(JoinGroup {
        correlation_id: c,
        group_id: GROUP.into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 60_000,
        member_id: member.into(),
        client_id: format!("consumer-{client}"),
        protocol_type: "consumer".into(),
        protocols: vec![GroupProtocol {
            name: "range".into(),
            topics: vec!["t".into()],
            owned: Vec::new(),
            generation: -1,
        }],
    })
}

fn joined(out: &Outbox<BrokerTimer>, to: NodeId) -> JoinGroupResponse {
    out.sends
        .iter()
        .find_map(|(n, m)| match m {
            Message::JoinGroupResponse(r) if *n == to => Some(r.clone()),
            _ => None,
        })
        .expect("a JoinGroup answer")
}

/// Two members join a new group; returns their ids and the coordinator
/// once generation 1 is Stable.
fn stable_group() -> (Broker, String, String) {
    let mut b = coordinator();
    let (c1, c2) = (NodeId::Consumer(1), NodeId::Consumer(2));
    let mut out = Outbox::default();
    b.handle_message(100, c1, join("", 1, 1), &mut out);
    let r = joined(&out, c1);
    assert_eq!(r.error, KafkaError::MemberIdRequired, "KIP-394");
    let m1 = r.member_id;
    let mut out = Outbox::default();
    b.handle_message(101, c2, join("", 2, 1), &mut out);
    let m2 = joined(&out, c2).member_id;
    b.handle_message(110, c1, join(&m1, 1, 2), &mut Outbox::default());
    assert_eq!(
        b.coordinator().groups()[GROUP].state,
        GroupState::PreparingRebalance
    );
    b.handle_message(120, c2, join(&m2, 2, 2), &mut Outbox::default());
    let mut out = Outbox::default();
    b.handle_timer(2_000, BrokerTimer::GroupDeadlines, &mut out);
    assert!(
        out.sends.is_empty(),
        "group.initial.rebalance.delay.ms not over yet"
    );
    let mut out = Outbox::default();
    b.handle_timer(3_120, BrokerTimer::GroupDeadlines, &mut out);
    let (r1, r2) = (joined(&out, c1), joined(&out, c2));
    assert_eq!((r1.generation_id, r2.generation_id), (1, 1));
    assert_eq!(r1.leader, m1, "the first member leads");
    assert_eq!(r1.members.len(), 2, "the leader gets every subscription");
    assert!(r2.members.is_empty(), "followers get none");
    assert_eq!(
        b.coordinator().groups()[GROUP].state,
        GroupState::CompletingRebalance
    );
    let sync = |m: &str, assignments: Vec<(String, Vec<TopicPartition>)>| {
        Message::SyncGroup(SyncGroup {
            correlation_id: 3,
            group_id: GROUP.into(),
            generation_id: 1,
            member_id: m.into(),
            assignments,
        })
    };
    let mut out = Outbox::default();
    b.handle_message(3_130, c2, sync(&m2, Vec::new()), &mut out);
    assert!(
        out.sends.is_empty(),
        "a follower waits for the leader's assignment"
    );
    let mut out = Outbox::default();
    b.handle_message(
        3_140,
        c1,
        sync(
            &m1,
            vec![
                (m1.clone(), vec![TopicPartition::new("t", 0)]),
                (m2.clone(), vec![TopicPartition::new("t", 1)]),
            ],
        ),
        &mut out,
    );
    let answers: Vec<&SyncGroupResponse> = out
        .sends
        .iter()
        .filter_map(|(_, m)| match m {
            Message::SyncGroupResponse(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers.len(),
        2,
        "stored (one replica), so both get their partitions"
    );
    assert_eq!(b.coordinator().groups()[GROUP].state, GroupState::Stable);
    (b, m1, m2)
}

fn commit(member: &str, generation: i32) -> Message {
    Message::OffsetCommit(OffsetCommit {
        correlation_id: 7,
        group_id: GROUP.into(),
        generation_id: generation,
        member_id: member.into(),
        offsets: vec![(TopicPartition::new("t", 0), 42)],
    })
}

fn commit_error(out: &Outbox<BrokerTimer>) -> KafkaError {
    out.sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::OffsetCommitResponse(r) => Some(r.partitions[0].1),
            _ => None,
        })
        .expect("a commit answer")
}

#[test]
fn the_classic_protocol_reaches_stable_and_stores_commits() {
    let (mut b, m1, _) = stable_group();
    let mut out = Outbox::default();
    b.handle_message(4_000, NodeId::Consumer(1), commit(&m1, 1), &mut out);
    assert_eq!(commit_error(&out), KafkaError::None);
    let g = &b.coordinator().groups()[GROUP];
    assert_eq!(g.offsets[&TopicPartition::new("t", 0)], 42);
    let tp = TopicPartition::new(OFFSETS_TOPIC, g.partition);
    let keys: Vec<Option<records::OffsetsRecord>> = b.disk().logs[&tp]
        .records()
        .iter()
        .map(|r| records::decode(r.key.as_deref().unwrap_or(&[]), r.value.as_deref()))
        .collect();
    assert!(matches!(
        keys[0],
        Some(records::OffsetsRecord::Group { .. })
    ));
    assert!(matches!(
        keys[1],
        Some(records::OffsetsRecord::Offset {
            offset: Some(42),
            ..
        })
    ));
}

#[test]
fn a_stale_generation_commit_gets_illegal_generation() {
    let (mut b, m1, m2) = stable_group();
    let mut out = Outbox::default();
    b.handle_message(3_990, NodeId::Consumer(3), join("", 3, 1), &mut out);
    let m3 = joined(&out, NodeId::Consumer(3)).member_id;
    b.handle_message(
        4_000,
        NodeId::Consumer(3),
        join(&m3, 3, 2),
        &mut Outbox::default(),
    );
    assert_eq!(
        b.coordinator().groups()[GROUP].state,
        GroupState::PreparingRebalance
    );
    let mut out = Outbox::default();
    b.handle_message(
        4_001,
        NodeId::Consumer(1),
        Message::Heartbeat(Heartbeat {
            correlation_id: 8,
            group_id: GROUP.into(),
            generation_id: 1,
            member_id: m1.clone(),
        }),
        &mut out,
    );
    assert!(out.sends.iter().any(|(_, m)| matches!(
        m,
        Message::HeartbeatResponse {
            error: KafkaError::RebalanceInProgress,
            ..
        }
    )));
    let mut out = Outbox::default();
    b.handle_message(4_002, NodeId::Consumer(1), commit(&m1, 1), &mut out);
    assert_eq!(
        commit_error(&out),
        KafkaError::None,
        "a commit for the current generation is still taken while preparing"
    );
    b.handle_message(
        4_010,
        NodeId::Consumer(1),
        join(&m1, 1, 10),
        &mut Outbox::default(),
    );
    b.handle_message(
        4_011,
        NodeId::Consumer(2),
        join(&m2, 2, 10),
        &mut Outbox::default(),
    );
    assert_eq!(b.coordinator().groups()[GROUP].generation, 2);
    let mut out = Outbox::default();
    b.handle_message(4_020, NodeId::Consumer(1), commit(&m1, 1), &mut out);
    assert_eq!(commit_error(&out), KafkaError::IllegalGeneration);
    let mut out = Outbox::default();
    b.handle_message(4_030, NodeId::Consumer(3), commit("stranger", 2), &mut out);
    assert_eq!(commit_error(&out), KafkaError::UnknownMemberId);
}

#[test]
fn a_silent_member_is_removed_after_its_session_timeout() {
    let (mut b, _, m2) = stable_group();
    let mut out = Outbox::default();
    b.handle_timer(3_140 + 10_001, BrokerTimer::GroupDeadlines, &mut out);
    let g = &b.coordinator().groups()[GROUP];
    assert!(g.members.is_empty(), "neither member heartbeated");
    assert_eq!(g.state, GroupState::Empty);
    assert!(!g.members.contains_key(&m2));
    assert!(out
        .notes
        .iter()
        .any(|(_, t)| t.contains("missed its session timeout")));
}

#[test]
fn requests_for_a_group_elsewhere_get_not_coordinator() {
    let cfg = BrokerConfig::from_cluster(&crate::sim::ClusterConfig::default());
    let mut b = Broker::new(2, cfg, Disk::default());
    let mut out = Outbox::default();
    b.handle_message(1, NodeId::Consumer(1), join("", 1, 1), &mut out);
    assert_eq!(
        joined(&out, NodeId::Consumer(1)).error,
        KafkaError::NotCoordinator
    );
}

#[test]
fn a_member_that_does_not_rejoin_within_the_rebalance_timeout_is_removed() {
    let (mut b, m1, m2) = stable_group();
    let mut out = Outbox::default();
    b.handle_message(4_000, NodeId::Consumer(1), join(&m1, 1, 11), &mut out);
    assert!(
        out.sends.is_empty(),
        "the leader rejoined: wait for the other member"
    );
    assert_eq!(
        b.coordinator().groups()[GROUP].state,
        GroupState::PreparingRebalance
    );
    // The other member keeps heartbeating (its session lives on) but never rejoins.
    for t in (6_000..64_000).step_by(3_000) {
        let hb = Message::Heartbeat(Heartbeat {
            correlation_id: 12,
            group_id: GROUP.into(),
            generation_id: 1,
            member_id: m2.clone(),
        });
        b.handle_message(t, NodeId::Consumer(2), hb, &mut Outbox::default());
    }
    let mut out = Outbox::default();
    b.handle_timer(4_000 + 60_000, BrokerTimer::GroupDeadlines, &mut out);
    let g = &b.coordinator().groups()[GROUP];
    assert_eq!(g.members.len(), 1, "the silent member is dropped");
    assert_eq!(g.generation, 2);
    assert_eq!(joined(&out, NodeId::Consumer(1)).generation_id, 2);
    assert!(out
        .notes
        .iter()
        .any(|(_, t)| t.contains("did not rejoin within the rebalance timeout")));
}
