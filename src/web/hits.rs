//! What a click on the canvas lands on, as the JSON the page's menus read:
//! a broker, producer or consumer, a link, a partition replica (with the
//! consumers reading it and, for `__consumer_offsets`, the groups it
//! stores), a group box, a broker's folded `__consumer_offsets` strip; and
//! what the canvas drew of the groups (a hook for the end-to-end tests).

use crate::broker::group::coordinator_partition;
use crate::broker::OFFSETS_TOPIC;
use crate::cluster::{Process, World};
use crate::sim::NodeId;
use crate::topic::TopicPartition;
use crate::view::{Scene, Shape};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A broker, producer or consumer box.
pub(super) fn node_json(w: &World, node: NodeId) -> Value {
    let cut_peers: BTreeSet<NodeId> = w
        .net()
        .cuts()
        .filter_map(|(a, b)| match (a == node, b == node) {
            (true, _) => Some(b),
            (_, true) => Some(a),
            _ => None,
        })
        .collect();
    let mut v = json!({ "kind": "node", "node": node, "cut_peers": cut_peers });
    match node {
        NodeId::Broker(id) => {
            let s = crate::view::status(w);
            let b = s.brokers.iter().find(|b| b.id == id);
            let acting = w.broker(id).and_then(|b| b.role()).is_some();
            let current = b.is_some_and(|b| b.is_controller);
            v["state"] = json!(b.map(|b| b.state));
            v["is_controller"] = json!(current);
            v["stale_controller"] = json!(acting && !current);
            let reason = match w.brokers().get(&id).map(|s| &s.process) {
                Some(Process::Stopped { reason, .. }) => Some(reason.clone()),
                _ => None,
            };
            v["reason"] = json!(reason);
            v["coordinates"] = json!(w.broker(id).map(|b| b
                .coordinator()
                .groups()
                .keys()
                .cloned()
                .collect::<Vec<_>>()));
        }
        NodeId::Producer(id) => {
            if let Some(slot) = w.producers().get(&id) {
                let p = &slot.producer;
                let (queued, in_flight) = p.unacknowledged();
                v["alive"] = json!(slot.crashed_at.is_none());
                v["config"] = json!(p.config());
                v["stats"] = json!(p.stats());
                v["queued"] = json!(queued);
                v["in_flight"] = json!(in_flight);
                v["lost_in_buffer"] = json!(slot.lost_in_buffer);
                v["queues"] = json!(p
                    .queues()
                    .iter()
                    .filter(|(_, q)| !q.is_empty())
                    .map(|(part, q)| json!({
                        "partition": part,
                        "batches": q.len(),
                        "records": q.iter().map(|b| b.records.len()).sum::<usize>(),
                        "bytes": q.iter().map(|b| b.bytes).sum::<usize>(),
                    }))
                    .collect::<Vec<_>>());
            }
        }
        NodeId::Consumer(id) => {
            let status = crate::view::status_consumer(w, id);
            v["consumer"] = json!(status);
        }
        NodeId::Zk => {}
    }
    v
}

/// A link between two nodes.
pub(super) fn link_json(w: &World, a: NodeId, b: NodeId) -> Value {
    let link = w.net().link(a, b);
    json!({
        "kind": "link",
        "a": a,
        "b": b,
        "cut_a_to_b": w.net().is_cut(a, b),
        "cut_b_to_a": w.net().is_cut(b, a),
        "link": {
            "latency_min_ms": link.latency_min_ms,
            "latency_max_ms": link.latency_max_ms,
            "loss_ratio": link.loss_ratio,
            "slowed": link != w.config().network,
        },
    })
}

/// Consumers reading `tp` now: id, group, position, committed offset.
fn readers(w: &World, tp: &TopicPartition) -> Vec<Value> {
    w.consumers()
        .values()
        .filter(|s| s.is_running() && s.consumer.assignment().contains(tp))
        .map(|s| {
            let c = &s.consumer;
            json!({
                "consumer": c.id(),
                "group": c.config().group_id,
                "position": c.positions().get(tp),
                "committed": c.committed().get(tp),
            })
        })
        .collect()
}

/// Groups whose offsets and metadata live in `__consumer_offsets-partition`.
fn groups_stored_in(w: &World, topic: &str, partition: i32) -> Vec<String> {
    if topic != OFFSETS_TOPIC {
        return Vec::new();
    }
    let n = w.config().offsets_topic_num_partitions;
    w.group_reports()
        .into_iter()
        .filter(|g| coordinator_partition(&g.group, n) as i32 == partition)
        .map(|g| g.group)
        .collect()
}

pub(super) fn replica_json(w: &World, broker: i32, topic: &str, partition: i32) -> Value {
    let tp = crate::topic::TopicPartition::new(topic, partition);
    let report = w
        .partition_reports()
        .into_iter()
        .find(|p| p.topic == topic && p.partition == partition);
    let running = w.broker(broker);
    let mine = running.and_then(|b| b.replicas().get(&tp));
    let log = w.log_of(broker, &tp);
    let leader = report.as_ref().and_then(|p| p.leader);
    let in_isr = report.as_ref().is_some_and(|p| p.isr.contains(&broker));
    let role = match (running.is_some(), leader) {
        (false, _) => "broker down",
        (_, Some(l)) if l < 0 => "offline",
        (_, Some(l)) if l == broker => "leader",
        _ if in_isr => "follower",
        _ => "out of sync",
    };
    let producers: Vec<i32> = w
        .producers()
        .values()
        .filter(|s| s.crashed_at.is_none() && s.producer.config().topic == topic)
        .map(|s| s.producer.id())
        .collect();
    let follow = mine.map(|r| match r.follow {
        crate::broker::Follow::Idle => "idle",
        crate::broker::Follow::Truncating => "truncating",
        crate::broker::Follow::Fetching => "fetching",
    });
    let link = leader.filter(|l| *l >= 0 && *l != broker).map(|l| {
        let cfg = w.net().link(NodeId::Broker(broker), NodeId::Broker(l));
        json!({
            "latency_min_ms": cfg.latency_min_ms,
            "latency_max_ms": cfg.latency_max_ms,
            "loss_ratio": cfg.loss_ratio,
            "slowed": cfg != w.config().network,
        })
    });
    json!({
        "kind": "replica",
        "broker": broker,
        "topic": topic,
        "partition": partition,
        "role": role,
        "broker_state": w.brokers().get(&broker).map(|s| crate::cluster::state_name(&s.process)),
        "leader": leader,
        "leader_epoch": report.as_ref().and_then(|p| p.leader_epoch),
        "isr": report.as_ref().map(|p| p.isr.clone()),
        "replicas": report.as_ref().map(|p| p.replicas.clone()),
        "high_watermark": report.as_ref().map(|p| p.high_watermark),
        "replica_high_watermark": mine.map(|r| r.hw),
        "checkpointed_high_watermark": w.disk(broker).and_then(|d| d.hw_checkpoint.get(&tp)),
        "log_end_offset": log.map(|l| l.log_end_offset()),
        "log_start_offset": log.map(|l| l.log_start_offset()),
        "segment_count": log.map(|l| l.segments().len()),
        "follow": follow,
        "link_to_leader": link,
        "producers": producers,
        "readers": readers(w, &tp),
        "groups": groups_stored_in(w, topic, partition),
    })
}

/// A group box: `kafka-consumer-groups --describe` plus its consumers.
pub(super) fn group_json(w: &World, group: &str) -> Value {
    let report = w.group_reports().into_iter().find(|g| g.group == group);
    let consumers: Vec<_> = crate::view::status(w)
        .consumers
        .into_iter()
        .filter(|c| c.group == group)
        .collect();
    json!({ "kind": "group", "group": group, "report": report, "consumers": consumers })
}

/// A broker's folded `__consumer_offsets` strip.
pub(super) fn internal_json(w: &World, broker: i32, expanded: bool) -> Value {
    let tp_role: Vec<(i32, bool)> = w
        .partition_reports()
        .into_iter()
        .filter(|p| p.topic == OFFSETS_TOPIC && p.replicas.contains(&broker))
        .map(|p| (p.partition, p.leader == Some(broker)))
        .collect();
    let n = w.config().offsets_topic_num_partitions;
    let groups: Vec<Value> = w
        .group_reports()
        .into_iter()
        .map(|g| (coordinator_partition(&g.group, n) as i32, g))
        .filter(|(p, _)| tp_role.iter().any(|(q, _)| q == p))
        .map(|(p, g)| {
            json!({
                "group": g.group,
                "partition": p,
                "coordinator": g.coordinator == Some(broker),
            })
        })
        .collect();
    json!({
        "kind": "internal",
        "broker": broker,
        "topic": OFFSETS_TOPIC,
        "expanded": expanded,
        "leaders": tp_role.iter().filter(|(_, l)| *l).count(),
        "replicas": tp_role.len(),
        "groups": groups,
    })
}

/// The groups the scene drew: boxes with the texts inside them, and the
/// lines from members to replicas.
pub(super) fn groups_drawn(scene: &Scene) -> Value {
    let groups: Vec<Value> = scene
        .groups
        .iter()
        .map(|(name, x, y, w, h)| {
            let texts: Vec<&str> = scene
                .shapes
                .iter()
                .filter_map(|s| match s {
                    Shape::Text { at, text, .. }
                        if at.0 >= *x && at.0 <= x + w && at.1 >= *y && at.1 <= y + h =>
                    {
                        Some(text.as_str())
                    }
                    _ => None,
                })
                .collect();
            json!({ "group": name, "x": x, "y": y, "w": w, "h": h, "texts": texts })
        })
        .collect();
    let lines: Vec<Value> = scene
        .owners
        .iter()
        .map(|(consumer, topic, partition, broker)| {
            json!({ "consumer": consumer, "topic": topic, "partition": partition, "broker": broker })
        })
        .collect();
    json!({ "groups": groups, "lines": lines, "strips": scene.strips.len() })
}
