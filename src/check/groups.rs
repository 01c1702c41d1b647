//! Group rules: within one generation of a group a partition has at most
//! one owner (in the coordinator's record and among the consumers holding
//! that generation); consumers hold positions and commit offsets only up to
//! a high watermark the partition really had; a committed offset never goes
//! backwards within a generation.
//! A group whose consumer was told to `seek`, or reset a position after
//! OFFSET_OUT_OF_RANGE, may legitimately move its offsets anywhere, so the
//! offset rules skip it. With the pre-KIP-101
//! switch the offsets topic itself may lose records, so the last is not
//! checked then.

use super::{broken, raise, Checker, Violation};
use crate::broker::coordinator::LoadState;
use crate::cluster::{Process, World};
use crate::sim::Command;
use crate::topic::TopicPartition;
use std::collections::BTreeMap;

impl Checker {
    pub(super) fn check_groups(&mut self, world: &World) -> Result<(), Violation> {
        self.note_seeks(world);
        // A high watermark a leader reported to a consumer was real, even
        // if a leader change lowered it before this check (the page checks
        // once a frame, not after every event).
        for slot in world.consumers().values() {
            for (tp, hw) in slot.consumer.high_watermarks_max() {
                raise(&mut self.hw_max, tp, *hw);
            }
        }
        owners(world)?;
        for (id, slot) in world.consumers() {
            let c = &slot.consumer;
            if !slot.is_running() || self.seeked.contains(&c.config().group_id) {
                continue;
            }
            for (tp, pos) in c.positions() {
                if let Some(hw) = self.hw_max.get(tp).filter(|hw| pos > hw) {
                    return broken(
                        "consumers read only below the high watermark",
                        format!("consumer-{id} is at {pos} in {tp}, whose high watermark never passed {hw}"),
                    );
                }
            }
        }
        let safe = !world.config().truncate_to_high_watermark;
        for (id, b, epochs) in authoritative_coordinators(world, &mut self.offsets_epochs) {
            for g in b.coordinator().groups().values() {
                let Some(&epoch) = epochs.get(&g.partition) else {
                    continue;
                };
                if !b
                    .coordinator()
                    .partitions()
                    .get(&g.partition)
                    .is_some_and(|s| matches!(s, LoadState::Loaded { .. }))
                    || self.seeked.contains(&g.group_id)
                {
                    continue;
                }
                for (tp, off) in &g.offsets {
                    if let Some(hw) = self.hw_max.get(tp).filter(|hw| off > hw) {
                        return broken(
                            "committed offsets never pass the high watermark",
                            format!(
                                "coordinator {id}: group {} committed {off} for {tp}, whose high watermark never passed {hw}",
                                g.group_id
                            ),
                        );
                    }
                    let lineage = (id, epoch);
                    let now = (lineage, g.generation, *off);
                    let group = match self.committed.get_mut(&g.group_id) {
                        Some(m) => m,
                        None => self.committed.entry(g.group_id.clone()).or_default(),
                    };
                    match group.get_mut(tp) {
                        Some((l, gen, before))
                            if safe && *l == lineage && *gen == g.generation && off < before =>
                        {
                            return broken(
                                "committed offsets never go backwards within a generation",
                                format!(
                                    "coordinator {id}: group {} generation {gen}: {tp} went from {before} to {off}",
                                    g.group_id
                                ),
                            );
                        }
                        Some((l, gen, _)) if *l == lineage && *gen > g.generation => {}
                        Some(seen) => *seen = now,
                        None => {
                            group.insert(tp.clone(), now);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Groups whose consumers were sent a `seek`, or reset a position by
    /// `auto.offset.reset` after OFFSET_OUT_OF_RANGE: as in Kafka, their
    /// offsets may then move anywhere.
    fn note_seeks(&mut self, world: &World) {
        for slot in world.consumers().values() {
            let group = &slot.consumer.config().group_id;
            if slot.consumer.stats().out_of_range_resets > 0 && !self.seeked.contains(group) {
                self.seeked.insert(group.clone());
            }
        }
        let commands = world.commands();
        for tc in &commands[self.commands_seen.min(commands.len())..] {
            if let Command::Seek { consumer, .. } = &tc.command {
                if let Some(c) = world.consumers().get(consumer) {
                    self.seeked.insert(c.consumer.config().group_id.clone());
                }
            }
        }
        self.commands_seen = commands.len();
    }
}

/// For each `__consumer_offsets` partition, the running broker leading it
/// in the highest leader epoch ever seen (an older leader cut off from the
/// cluster may still hold a stale copy of its groups, even after the newer
/// one resigned).
fn authoritative_coordinators<'w>(
    world: &'w World,
    seen: &mut BTreeMap<i32, i32>,
) -> Vec<(i32, &'w crate::broker::Broker, BTreeMap<i32, i32>)> {
    let mut best: BTreeMap<i32, (i32, i32)> = BTreeMap::new();
    for (id, slot) in world.brokers() {
        let Process::Up(b) = &slot.process else {
            continue;
        };
        for (tp, r) in b.replicas() {
            if tp.topic == crate::broker::OFFSETS_TOPIC && r.leader == *id {
                let e = best.entry(tp.partition).or_insert((r.leader_epoch, *id));
                if r.leader_epoch > e.0 {
                    *e = (r.leader_epoch, *id);
                }
            }
        }
    }
    let mut by_broker: BTreeMap<i32, BTreeMap<i32, i32>> = BTreeMap::new();
    for (partition, (epoch, id)) in best {
        let max = seen.entry(partition).or_insert(epoch);
        if epoch < *max {
            continue;
        }
        *max = epoch;
        by_broker.entry(id).or_default().insert(partition, epoch);
    }
    by_broker
        .into_iter()
        .filter_map(|(id, epochs)| world.broker(id).map(|b| (id, b, epochs)))
        .collect()
}

/// Within one generation of a group, a partition has at most one owner,
/// both in the coordinator's record and among the consumers that hold that
/// generation's assignment.
fn owners(world: &World) -> Result<(), Violation> {
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
    let mut owners: BTreeMap<(&str, i32, &TopicPartition), i32> = BTreeMap::new();
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
