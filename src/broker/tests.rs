//! Broker unit tests: fencing by controller epoch, driven directly.

use super::*;

fn broker() -> Broker {
    let cluster = crate::sim::ClusterConfig {
        zookeeper_session_timeout_ms: 6_000,
        controller_socket_timeout_ms: 3_000,
        controlled_shutdown_max_retries: 3,
        controlled_shutdown_retry_backoff_ms: 1_000,
        ..crate::sim::ClusterConfig::default()
    };
    Broker::new(3, BrokerConfig::from_cluster(&cluster), Disk::default())
}

fn update(epoch: i32, controller: i32) -> Message {
    Message::UpdateMetadata {
        correlation_id: 9,
        controller_id: controller,
        controller_epoch: epoch,
        live_brokers: vec![1, 2, 3],
        partitions: Vec::new(),
    }
}

#[test]
fn refuses_update_metadata_from_an_older_controller_epoch() {
    let mut b = broker();
    let mut out = Outbox::default();
    b.handle_message(10, NodeId::Broker(2), update(2, 2), &mut out);
    assert_eq!(b.controller_epoch(), 2);
    assert_eq!(b.metadata_brokers(), &[1, 2, 3]);
    let mut out = Outbox::default();
    b.handle_message(20, NodeId::Broker(1), update(1, 1), &mut out);
    assert_eq!(
        out.sends,
        vec![(
            NodeId::Broker(1),
            Message::UpdateMetadataResponse {
                correlation_id: 9,
                error: KafkaError::StaleControllerEpoch
            }
        )]
    );
    assert_eq!(b.controller_epoch(), 2, "a stale request changes nothing");
    assert!(out
        .notes
        .iter()
        .any(|(k, t)| *k == NoteKind::Fence && t.contains("STALE_CONTROLLER_EPOCH")));
}

#[test]
fn a_non_controller_answers_controlled_shutdown_with_not_controller() {
    let mut b = broker();
    let mut out = Outbox::default();
    b.handle_message(
        5,
        NodeId::Broker(4),
        Message::ControlledShutdown {
            correlation_id: 1,
            broker_id: 4,
        },
        &mut out,
    );
    assert_eq!(
        out.sends[0].1,
        Message::ControlledShutdownResponse {
            correlation_id: 1,
            error: KafkaError::NotController,
            partitions_remaining: 0,
        }
    );
}

#[test]
fn start_connects_to_zookeeper_and_arms_the_heartbeat() {
    let mut b = broker();
    let mut out = Outbox::default();
    b.start(0, &mut out);
    assert_eq!(
        out.sends,
        vec![(
            NodeId::Zk,
            Message::ZkConnect {
                session_id: None,
                timeout_ms: 6_000
            }
        )]
    );
    assert_eq!(out.timers[0], (2_000, BrokerTimer::ZkHeartbeat));
}
