//! Controller and ZooKeeper rules: at most one broker acts as controller
//! for any controller epoch; `/controller_epoch` never goes down; the
//! broker named by `/controller` acts for the current epoch (no other broker
//! does); every ephemeral znode belongs to a live session; the controller
//! epoch a broker accepts never goes down.

use super::{broken, Checker, Violation};
use crate::cluster::{Process, World};
use std::collections::BTreeMap;

impl Checker {
    pub(super) fn check_controller(&mut self, world: &World) -> Result<(), Violation> {
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
