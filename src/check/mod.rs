//! Invariants checked after every event in tests (and, later, live in the
//! app). For the controller: at most one broker acts as controller for any
//! controller epoch; `/controller_epoch` never goes down; the broker named
//! by `/controller` acts for the current epoch (no other broker does); every
//! ephemeral znode belongs to a live session; the controller epoch a broker
//! accepts never goes down. For groups: one owner per partition per
//! group generation.

use crate::cluster::{Process, World};
use std::collections::BTreeMap;
use std::fmt;

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which rule.
    pub rule: &'static str,
    /// What was seen.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

fn broken<T>(rule: &'static str, detail: String) -> Result<T, Violation> {
    Err(Violation { rule, detail })
}

/// Remembers what must never go backwards.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    zk_epoch: i32,
    accepted_epochs: BTreeMap<i32, (u32, i32)>,
}

impl Checker {
    /// Checks every invariant against the world.
    pub fn check(&mut self, world: &World) -> Result<(), Violation> {
        let mut acting: BTreeMap<i32, i32> = BTreeMap::new();
        for (id, slot) in world.brokers() {
            let Process::Up(b) = &slot.process else {
                continue;
            };
            if let Some(role) = b.role() {
                if let Some(other) = acting.insert(role.epoch(), *id) {
                    return broken(
                        "one controller per controller epoch",
                        format!(
                            "brokers {other} and {id} both act as controller for epoch {}",
                            role.epoch()
                        ),
                    );
                }
            }
            let accepted = b.controller_epoch();
            if let Some((inc, before)) = self.accepted_epochs.get(id) {
                if *inc == slot.incarnation && accepted < *before {
                    return broken(
                        "accepted controller epoch never decreases",
                        format!("broker {id} went from {before} to {accepted}"),
                    );
                }
            }
            self.accepted_epochs
                .insert(*id, (slot.incarnation, accepted));
        }
        let epoch = world.controller_epoch();
        if epoch < self.zk_epoch {
            return broken(
                "/controller_epoch never decreases",
                format!("went from {} to {epoch}", self.zk_epoch),
            );
        }
        self.zk_epoch = epoch;
        if let Some(max) = acting.keys().next_back() {
            if *max > epoch {
                return broken(
                    "no controller ahead of ZooKeeper",
                    format!("a broker acts for epoch {max} but /controller_epoch is {epoch}"),
                );
            }
        }
        if let (Some(named), Some(actor)) = (world.controller(), acting.get(&epoch)) {
            if named != *actor {
                return broken(
                    "the current-epoch controller is the one /controller names",
                    format!("/controller names {named} but broker {actor} acts for epoch {epoch}"),
                );
            }
        }
        check_replicas(world)?;
        check_groups(world)?;
        let sessions = world.zk().sessions();
        for (path, node) in world.zk().tree().iter() {
            let owner = node.stat.ephemeral_owner;
            if owner != 0 && !sessions.contains_key(&owner) {
                return broken(
                    "ephemeral znodes live only with their session",
                    format!("{path} is owned by ended session {owner:#x}"),
                );
            }
        }
        Ok(())
    }
}

/// Replication rules: at most one broker leads a partition in any leader
/// epoch, and no replica's high watermark is past its log end.
fn check_replicas(world: &World) -> Result<(), Violation> {
    let mut leaders: BTreeMap<(&crate::topic::TopicPartition, i32), i32> = BTreeMap::new();
    for (id, slot) in world.brokers() {
        let Process::Up(b) = &slot.process else {
            continue;
        };
        for (tp, r) in b.replicas() {
            if r.leader == *id {
                if let Some(other) = leaders.insert((tp, r.leader_epoch), *id) {
                    return broken(
                        "one leader per partition per leader epoch",
                        format!(
                            "brokers {other} and {id} both lead {tp} in leader epoch {}",
                            r.leader_epoch
                        ),
                    );
                }
            }
            let leo = b.disk().logs.get(tp).map_or(0, |l| l.log_end_offset());
            if r.hw > leo {
                return broken(
                    "a replica's high watermark never passes its log end offset",
                    format!("broker {id}: {tp} high watermark {} > LEO {leo}", r.hw),
                );
            }
        }
    }
    Ok(())
}

/// Group rule: within one generation of a group, a partition has at most
/// one owner, both in the coordinator's record and among the consumers
/// that hold that generation's assignment.
fn check_groups(world: &World) -> Result<(), Violation> {
    for (id, slot) in world.brokers() {
        let Process::Up(b) = &slot.process else {
            continue;
        };
        for g in b.coordinator().groups().values() {
            if let Some(tp) = g.double_owned().first() {
                return broken(
                    "one owner per partition per group generation",
                    format!(
                        "coordinator {id}: group {} generation {} gives {tp} to two members",
                        g.group_id, g.generation
                    ),
                );
            }
        }
    }
    let mut owners: BTreeMap<(&str, i32, &crate::topic::TopicPartition), i32> = BTreeMap::new();
    for (id, slot) in world.consumers() {
        if !slot.is_running() {
            continue;
        }
        let c = &slot.consumer;
        for tp in c.assignment() {
            let key = (c.config().group_id.as_str(), c.generation(), tp);
            if let Some(other) = owners.insert(key, *id) {
                return broken(
                    "one owner per partition per group generation",
                    format!(
                        "consumers {other} and {id} both own {tp} in generation {} of group {}",
                        c.generation(),
                        c.config().group_id
                    ),
                );
            }
        }
    }
    Ok(())
}
