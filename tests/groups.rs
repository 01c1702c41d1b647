//! Consumer groups: coordinator, the classic rebalance protocol, offsets in
//! `__consumer_offsets`, and delivery (duplicates after a crash before commit).

mod common;

use common::topics::{create_topic, producer, run_for, world};
use common::{apply, assert_no_violation, log_tail};
use kafkascope::broker::GroupState;
use kafkascope::client::consumer::{ConsumerConfig, OffsetReset};
use kafkascope::sim::Command;
use kafkascope::World;
use serde_json::json;

fn consumer(w: &mut World, group: &str, topic: &str) -> i32 {
    let id = w.consumers().keys().max().map_or(1, |m| m + 1);
    apply(
        w,
        Command::AddConsumer {
            id: Some(id),
            config: ConsumerConfig {
                group_id: group.into(),
                topics: vec![topic.into()],
                auto_offset_reset: OffsetReset::Earliest,
                ..ConsumerConfig::default()
            },
        },
    );
    id
}

fn group_state(w: &World, group: &str) -> Option<(GroupState, i32, usize)> {
    w.brokers().keys().find_map(|id| {
        let g = w.broker(*id)?.coordinator().groups().get(group)?;
        Some((g.state, g.generation, g.members.len()))
    })
}

#[test]
fn three_consumers_share_six_partitions() {
    let mut w = world(1, common::topics::config(3));
    create_topic(&mut w, "orders", 6, 3, json!({}));
    producer(&mut w, "orders", -1, 200.0, 0);
    for _ in 0..3 {
        consumer(&mut w, "g", "orders");
    }
    run_for(&mut w, 20_000);
    println!("{}", log_tail(&w, 80));
    println!("{:?}", group_state(&w, "g"));
    assert_no_violation(&w);
    let consumed: u64 = w
        .consumers()
        .values()
        .map(|c| c.consumer.stats().consumed)
        .sum();
    assert!(consumed > 0, "consumed {consumed}");
}
