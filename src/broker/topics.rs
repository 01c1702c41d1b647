//! The controller's view of topics in ZooKeeper (Kafka's `KafkaController`
//! handlers for `/brokers/topics`, `/admin/delete_topics`,
//! `/admin/preferred_replica_election` and `/isr_change_notification`):
//! it loads topics and their partition states, re-asks after a connection
//! loss, and deletes topics. The state machine itself is in `partitions.rs`.

use super::partitions::{CtlOp, ReadWhy, TopicMeta, PREFERRED_ELECTION_PATH};
use super::{Broker, Out, ZkPurpose};
use crate::protocol::{Message, WatchedEventType, ZkError, ZkOp, ZkReply, ZkResult};
use crate::sim::NoteKind;
use crate::topic::{parse_assignment, parse_config, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

impl Broker {
    pub(super) fn ctl_request(&mut self, op: ZkOp, ctl: CtlOp, out: &mut Out) {
        if let Some(xid) = self.zk_request(op, ZkPurpose::Controller, out) {
            if let Some(role) = self.role.as_mut() {
                role.ops.insert(xid, ctl);
            }
        }
    }

    /// Right after winning: load topics and watch the admin paths.
    pub(super) fn start_partition_duties(&mut self, out: &mut Out) {
        self.watch_topics(out);
        self.ctl_request(
            ZkOp::GetChildren {
                path: "/admin/delete_topics".into(),
                watch: true,
            },
            CtlOp::DeleteList,
            out,
        );
        self.watch_preferred(out);
        self.watch_isr_changes(out);
    }

    /// After a connection loss the answers to outstanding requests may be
    /// gone: ask again (Kafka's ZooKeeper client retries requests that
    /// failed with CONNECTIONLOSS), re-reading partitions whose state write
    /// may or may not have landed.
    pub(super) fn resume_partition_duties(&mut self, out: &mut Out) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        let ops = std::mem::take(&mut role.ops);
        role.reading.clear();
        let unloaded: Vec<String> = role
            .topics
            .iter()
            .filter(|(_, m)| m.config.is_none() || !m.assignment_loaded)
            .map(|(t, _)| t.clone())
            .collect();
        let topics: Vec<String> = role.topics.keys().cloned().collect();
        for op in ops.into_values() {
            match op {
                CtlOp::Write(tps) => {
                    for tp in tps {
                        if let Some(role) = self.role.as_mut() {
                            role.states.remove(&tp);
                        }
                        self.read_state(tp, ReadWhy::Load, out);
                    }
                }
                CtlOp::ReadState(tp, why) => self.read_state(tp, why, out),
                _ => {}
            }
        }
        self.start_partition_duties(out);
        for t in unloaded {
            self.load_topic(t, out);
        }
        for t in topics {
            self.maybe_load_partitions(&t, out);
        }
    }

    pub(super) fn watch_topics(&mut self, out: &mut Out) {
        self.ctl_request(
            ZkOp::GetChildren {
                path: "/brokers/topics".into(),
                watch: true,
            },
            CtlOp::TopicList,
            out,
        );
    }

    pub(super) fn watch_isr_changes(&mut self, out: &mut Out) {
        self.ctl_request(
            ZkOp::GetChildren {
                path: "/isr_change_notification".into(),
                watch: true,
            },
            CtlOp::IsrChanges,
            out,
        );
    }

    pub(super) fn watch_preferred(&mut self, out: &mut Out) {
        self.ctl_request(
            ZkOp::Exists {
                path: PREFERRED_ELECTION_PATH.into(),
                watch: true,
            },
            CtlOp::PreferredExists,
            out,
        );
    }

    /// Watches on topic and admin paths (controller only).
    pub(super) fn on_partition_watch(
        &mut self,
        event_type: WatchedEventType,
        path: &str,
        out: &mut Out,
    ) {
        if self.role.is_none() {
            return;
        }
        match (event_type, path) {
            (WatchedEventType::NodeChildrenChanged, "/brokers/topics") => {
                out.note(NoteKind::Watch, "watch fired: /brokers/topics changed");
                self.watch_topics(out);
            }
            (WatchedEventType::NodeChildrenChanged, "/admin/delete_topics") => {
                self.ctl_request(
                    ZkOp::GetChildren {
                        path: "/admin/delete_topics".into(),
                        watch: true,
                    },
                    CtlOp::DeleteList,
                    out,
                );
            }
            (WatchedEventType::NodeCreated, PREFERRED_ELECTION_PATH) => self.watch_preferred(out),
            (WatchedEventType::NodeDeleted, PREFERRED_ELECTION_PATH) => self.watch_preferred(out),
            (WatchedEventType::NodeChildrenChanged, "/isr_change_notification") => {
                self.watch_isr_changes(out)
            }
            (WatchedEventType::NodeDataChanged, p) => {
                if let Some(topic) = p.strip_prefix("/brokers/topics/") {
                    if !topic.contains('/') {
                        out.note(
                            NoteKind::Watch,
                            format!("watch fired: {p} changed (partitions added)"),
                        );
                        let topic = topic.to_string();
                        self.read_topic(&topic, out);
                    }
                }
            }
            _ => {}
        }
    }

    /// Reads a topic's assignment (with a data watch) and its configs.
    pub(super) fn load_topic(&mut self, topic: String, out: &mut Out) {
        self.read_topic(&topic, out);
        self.ctl_request(
            ZkOp::GetData {
                path: format!("/config/topics/{topic}"),
                watch: false,
            },
            CtlOp::TopicConfig(topic),
            out,
        );
    }

    pub(super) fn read_topic(&mut self, topic: &str, out: &mut Out) {
        self.ctl_request(
            ZkOp::GetData {
                path: format!("/brokers/topics/{topic}"),
                watch: true,
            },
            CtlOp::TopicData(topic.to_string()),
            out,
        );
    }

    pub(super) fn on_ctl_result(&mut self, xid: u64, result: ZkResult, out: &mut Out) {
        let Some(op) = self.role.as_mut().and_then(|r| r.ops.remove(&xid)) else {
            return;
        };
        match op {
            CtlOp::TopicList => {
                let Ok(ZkReply::Children(names)) = result else {
                    return;
                };
                let role = self.role.as_mut().expect("checked");
                role.topics_listed = true;
                let known: Vec<String> = role.topics.keys().cloned().collect();
                for gone in known.iter().filter(|t| !names.contains(t)) {
                    role.topics.remove(gone);
                    role.states.retain(|tp, _| &tp.topic != gone);
                    role.deleting.remove(gone);
                    role.metadata_dirty = true;
                }
                for t in names.iter().filter(|t| !known.contains(t)) {
                    role.topics.insert(t.clone(), TopicMeta::default());
                }
                for t in names.into_iter().filter(|t| !known.contains(t)) {
                    self.load_topic(t, out);
                }
            }
            CtlOp::TopicConfig(t) => {
                let base = self.cfg.topic_defaults.clone();
                let cfg = match result {
                    Ok(ZkReply::Data(data, _)) => parse_config(&data, &base).unwrap_or(base),
                    _ => base,
                };
                if let Some(meta) = self.role.as_mut().and_then(|r| r.topics.get_mut(&t)) {
                    meta.config = Some(cfg);
                }
                self.maybe_load_partitions(&t, out);
            }
            CtlOp::TopicData(t) => {
                let data = match result {
                    Ok(ZkReply::Data(data, _)) => data,
                    Err((_, ZkError::NoNode)) => {
                        // Deleted since it was listed: the list watch tells.
                        if let Some(role) = self.role.as_mut() {
                            role.topics.remove(&t);
                            role.states.retain(|tp, _| tp.topic != t);
                        }
                        return;
                    }
                    _ => return,
                };
                let Some(assignment) = parse_assignment(&data) else {
                    out.note(
                        NoteKind::Controller,
                        format!(
                            "/brokers/topics/{t} is not valid JSON: the topic has no partitions"
                        ),
                    );
                    if let Some(meta) = self.role.as_mut().and_then(|r| r.topics.get_mut(&t)) {
                        meta.assignment_loaded = true;
                    }
                    return;
                };
                if let Some(meta) = self.role.as_mut().and_then(|r| r.topics.get_mut(&t)) {
                    meta.assignment = assignment;
                    meta.assignment_loaded = true;
                }
                self.maybe_load_partitions(&t, out);
            }
            CtlOp::ReadState(tp, why) => self.on_state_read(tp, why, result, out),
            CtlOp::Write(tps) => self.on_state_written(tps, result, out),
            CtlOp::IsrChanges => {
                if let Ok(ZkReply::Children(names)) = result {
                    for name in names {
                        self.ctl_request(
                            ZkOp::GetData {
                                path: format!("/isr_change_notification/{name}"),
                                watch: false,
                            },
                            CtlOp::IsrChange(name),
                            out,
                        );
                    }
                }
            }
            CtlOp::IsrChange(name) => {
                #[derive(serde::Deserialize)]
                struct Doc {
                    partitions: Vec<TopicPartition>,
                }
                if let Ok(ZkReply::Data(data, _)) = result {
                    let parts = serde_json::from_str::<Doc>(&data)
                        .map(|d| d.partitions)
                        .unwrap_or_default();
                    for tp in parts {
                        self.read_state(tp, ReadWhy::IsrChanged, out);
                    }
                    self.ctl_request(
                        ZkOp::Delete {
                            path: format!("/isr_change_notification/{name}"),
                            version: None,
                        },
                        CtlOp::Ignore,
                        out,
                    );
                }
            }
            CtlOp::DeleteList => {
                if let Ok(ZkReply::Children(names)) = result {
                    for t in names {
                        self.delete_topic(&t, out);
                    }
                }
            }
            CtlOp::PreferredExists => {
                if let Ok(ZkReply::Exists(Some(_))) = result {
                    self.ctl_request(
                        ZkOp::GetData {
                            path: PREFERRED_ELECTION_PATH.into(),
                            watch: false,
                        },
                        CtlOp::PreferredElection,
                        out,
                    );
                }
            }
            CtlOp::PreferredElection => {
                if let Ok(ZkReply::Data(data, _)) = result {
                    self.preferred_election_from_zk(&data, out);
                }
            }
            CtlOp::BrokerEpoch(b) => {
                if let Ok(ZkReply::Data(_, stat)) = result {
                    self.on_broker_epoch(b, stat.czxid, out);
                }
            }
            CtlOp::Ignore => {}
        }
    }

    pub(super) fn maybe_load_partitions(&mut self, topic: &str, out: &mut Out) {
        let Some(role) = self.role.as_ref() else {
            return;
        };
        let Some(meta) = role.topics.get(topic) else {
            return;
        };
        if meta.config.is_none() || !meta.assignment_loaded {
            return;
        }
        let missing: Vec<TopicPartition> = meta
            .assignment
            .keys()
            .map(|p| TopicPartition::new(topic, *p))
            .filter(|tp| !role.states.contains_key(tp) && !role.reading.contains(tp))
            .collect();
        if missing.is_empty() {
            return;
        }
        self.ctl_request(
            ZkOp::Create {
                path: format!("/brokers/topics/{topic}/partitions"),
                data: String::new(),
                ephemeral: false,
            },
            CtlOp::Ignore,
            out,
        );
        for tp in missing {
            self.read_state(tp, ReadWhy::Load, out);
        }
    }

    pub(super) fn read_state(&mut self, tp: TopicPartition, why: ReadWhy, out: &mut Out) {
        if let Some(role) = self.role.as_mut() {
            role.reading.insert(tp.clone());
        }
        self.ctl_request(
            ZkOp::GetData {
                path: tp.state_path(),
                watch: false,
            },
            CtlOp::ReadState(tp, why),
            out,
        );
    }

    pub(super) fn preferred_election_from_zk(&mut self, data: &str, out: &mut Out) {
        #[derive(serde::Deserialize)]
        struct Doc {
            partitions: Vec<TopicPartition>,
        }
        let wanted: Vec<TopicPartition> = serde_json::from_str::<Doc>(data)
            .map(|d| d.partitions)
            .unwrap_or_default();
        out.note(
            NoteKind::Controller,
            format!("{PREFERRED_ELECTION_PATH} appeared: preferred leader election"),
        );
        self.preferred_election(&wanted, out);
        self.ctl_request(
            ZkOp::Delete {
                path: PREFERRED_ELECTION_PATH.into(),
                version: None,
            },
            CtlOp::Ignore,
            out,
        );
    }

    pub(super) fn delete_topic(&mut self, topic: &str, out: &mut Out) {
        let Some(role) = self.role.as_mut() else {
            return;
        };
        if !role.deleting.insert(topic.to_string()) {
            return;
        }
        let parts: Vec<TopicPartition> = role
            .states
            .keys()
            .filter(|tp| tp.topic == topic)
            .cloned()
            .collect();
        let mut hosts: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
        if let Some(meta) = role.topics.get(topic) {
            for (p, replicas) in &meta.assignment {
                for b in replicas {
                    hosts
                        .entry(*b)
                        .or_default()
                        .push(TopicPartition::new(topic, *p));
                }
            }
        }
        let epoch = role.epoch();
        let version = role.epoch_zk_version;
        out.note(
            NoteKind::Controller,
            format!(
                "deleting topic {topic}: StopReplica (delete) to its replicas, then its znodes"
            ),
        );
        let live: BTreeSet<i32> = role.live_brokers.clone();
        let me = self.id;
        for (b, tps) in hosts {
            if !live.contains(&b) {
                continue;
            }
            let msg = Message::StopReplica {
                correlation_id: 0,
                controller_id: me,
                controller_epoch: epoch,
                partitions: tps,
                delete: true,
            };
            self.send_to_broker(b, msg, out);
        }
        let mut ops = vec![ZkOp::Check {
            path: "/controller_epoch".into(),
            version,
        }];
        for tp in &parts {
            ops.push(ZkOp::Delete {
                path: tp.state_path(),
                version: None,
            });
            ops.push(ZkOp::Delete {
                path: format!("/brokers/topics/{}/partitions/{}", tp.topic, tp.partition),
                version: None,
            });
        }
        if !parts.is_empty() {
            ops.push(ZkOp::Delete {
                path: format!("/brokers/topics/{topic}/partitions"),
                version: None,
            });
        }
        for path in [
            format!("/brokers/topics/{topic}"),
            format!("/config/topics/{topic}"),
            format!("/admin/delete_topics/{topic}"),
        ] {
            ops.push(ZkOp::Delete {
                path,
                version: None,
            });
        }
        if let Some(role) = self.role.as_mut() {
            role.states.retain(|tp, _| tp.topic != topic);
            role.topics.remove(topic);
            role.metadata_dirty = true;
        }
        self.ctl_request(ZkOp::Multi(ops), CtlOp::Ignore, out);
    }
}
