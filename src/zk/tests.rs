//! ZooKeeper server tests, driving the sans-IO node directly.

use super::*;
use crate::protocol::{Message, WatchedEventType, ZkError, ZkOp, ZkReply, ZkResult};

const TIMEOUT: u64 = 6_000;
const TICK: u64 = 500;

struct Harness {
    zk: ZkServer,
}

impl Harness {
    fn new() -> Self {
        Harness {
            zk: ZkServer::new(TICK),
        }
    }

    fn send(&mut self, now: Tick, from: NodeId, msg: Message) -> Outbox<ZkTimer> {
        let mut out = Outbox::default();
        self.zk.handle_message(now, from, msg, &mut out);
        out
    }

    fn connect(&mut self, now: Tick, from: NodeId) -> SessionId {
        let out = self.send(
            now,
            from,
            Message::ZkConnect {
                session_id: None,
                timeout_ms: TIMEOUT,
            },
        );
        match &out.sends[0].1 {
            Message::ZkConnectResponse { result: Ok((s, t)) } => {
                assert_eq!(*t, TIMEOUT);
                *s
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn op(
        &mut self,
        now: Tick,
        from: NodeId,
        session_id: SessionId,
        op: ZkOp,
    ) -> (ZkResult, Vec<(NodeId, Message)>) {
        let out = self.send(
            now,
            from,
            Message::ZkRequest {
                session_id,
                xid: 1,
                op,
            },
        );
        let mut sends = out.sends;
        let reply = sends.pop().expect("a response");
        match reply.1 {
            Message::ZkResponse { result, .. } => (result, sends),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn tick(&mut self, now: Tick) -> Outbox<ZkTimer> {
        let mut out = Outbox::default();
        self.zk.handle_timer(now, ZkTimer::SessionTick, &mut out);
        out
    }
}

fn create(path: &str, ephemeral: bool) -> ZkOp {
    ZkOp::Create {
        path: path.into(),
        data: "d".into(),
        ephemeral,
    }
}

const A: NodeId = NodeId::Broker(1);
const B: NodeId = NodeId::Broker(2);

#[test]
fn ephemeral_nodes_die_with_their_session_and_watchers_hear_it() {
    let mut h = Harness::new();
    let sa = h.connect(0, A);
    let sb = h.connect(0, B);
    assert!(h.op(10, A, sa, create("/controller", true)).0.is_ok());
    let (r, _) = h.op(
        10,
        B,
        sb,
        ZkOp::Exists {
            path: "/controller".into(),
            watch: true,
        },
    );
    assert!(matches!(r, Ok(ZkReply::Exists(Some(_)))));
    // B keeps its session alive; A goes silent.
    for t in (1_000..=8_000).step_by(1_000) {
        h.send(t, B, Message::ZkPing { session_id: sb });
    }
    // Not yet expired one tick before timeout (rounded up to a tick boundary).
    let out = h.tick(6_000);
    assert!(out.sends.is_empty());
    assert!(h.zk.tree().exists("/controller"));
    let out = h.tick(6_500);
    assert!(!h.zk.tree().exists("/controller"));
    assert!(!h.zk.sessions().contains_key(&sa));
    assert!(h.zk.sessions().contains_key(&sb));
    assert_eq!(
        out.sends,
        vec![(
            B,
            Message::ZkWatchedEvent {
                event_type: WatchedEventType::NodeDeleted,
                path: "/controller".into()
            }
        )]
    );
    // An expired session cannot be resumed.
    let out = h.send(
        7_000,
        A,
        Message::ZkConnect {
            session_id: Some(sa),
            timeout_ms: TIMEOUT,
        },
    );
    assert_eq!(
        out.sends[0].1,
        Message::ZkConnectResponse {
            result: Err(ZkError::SessionExpired)
        }
    );
}

#[test]
fn watches_fire_once() {
    let mut h = Harness::new();
    let sa = h.connect(0, A);
    let sb = h.connect(0, B);
    let exists = ZkOp::Exists {
        path: "/x".into(),
        watch: true,
    };
    let (r, _) = h.op(1, B, sb, exists);
    assert_eq!(r, Ok(ZkReply::Exists(None)));
    let (_, fired) = h.op(2, A, sa, create("/x", false));
    assert_eq!(fired.len(), 1, "NodeCreated to B");
    let (_, fired) = h.op(
        3,
        A,
        sa,
        ZkOp::SetData {
            path: "/x".into(),
            data: "2".into(),
            version: None,
        },
    );
    assert!(fired.is_empty(), "the watch was used up");
}

#[test]
fn get_data_on_a_missing_node_sets_no_watch_but_exists_does() {
    let mut h = Harness::new();
    let sa = h.connect(0, A);
    let (r, _) = h.op(
        1,
        A,
        sa,
        ZkOp::GetData {
            path: "/nope".into(),
            watch: true,
        },
    );
    assert_eq!(r, Err((0, ZkError::NoNode)));
    assert_eq!(h.zk.watchers("/nope"), 0);
}

#[test]
fn child_watches_fire_on_create_and_delete() {
    let mut h = Harness::new();
    let sa = h.connect(0, A);
    let sb = h.connect(0, B);
    let children = ZkOp::GetChildren {
        path: "/brokers/ids".into(),
        watch: true,
    };
    assert!(h.op(1, A, sa, children.clone()).0.is_ok());
    let (_, fired) = h.op(2, B, sb, create("/brokers/ids/2", true));
    assert_eq!(
        fired,
        vec![(
            A,
            Message::ZkWatchedEvent {
                event_type: WatchedEventType::NodeChildrenChanged,
                path: "/brokers/ids".into()
            }
        )]
    );
    let (r, _) = h.op(3, A, sa, children);
    assert_eq!(r, Ok(ZkReply::Children(vec!["2".into()])));
    let out = h.send(4, B, Message::ZkCloseSession { session_id: sb });
    assert_eq!(
        out.sends.len(),
        1,
        "closing B deletes its node and fires A's watch"
    );
    assert!(!h.zk.tree().exists("/brokers/ids/2"));
}

#[test]
fn multi_is_all_or_nothing() {
    let mut h = Harness::new();
    let sa = h.connect(0, A);
    assert!(h.op(1, A, sa, create("/controller_epoch", false)).0.is_ok());
    let multi = ZkOp::Multi(vec![
        create("/controller", true),
        ZkOp::SetData {
            path: "/controller_epoch".into(),
            data: "1".into(),
            version: Some(7),
        },
    ]);
    let (r, _) = h.op(2, A, sa, multi);
    assert_eq!(r, Err((1, ZkError::BadVersion)));
    assert!(!h.zk.tree().exists("/controller"), "first op rolled back");
    let multi = ZkOp::Multi(vec![
        create("/controller", true),
        ZkOp::SetData {
            path: "/controller_epoch".into(),
            data: "1".into(),
            version: Some(0),
        },
    ]);
    assert!(h.op(3, A, sa, multi).0.is_ok());
    assert_eq!(h.zk.tree().get("/controller_epoch").unwrap().data, "1");
    assert_eq!(h.zk.stat("/controller").unwrap().ephemeral_owner, sa);
}

#[test]
fn requests_on_an_unknown_session_get_session_expired() {
    let mut h = Harness::new();
    let (r, _) = h.op(1, A, 0xdead, create("/x", false));
    assert_eq!(r, Err((0, ZkError::SessionExpired)));
    let out = h.send(1, A, Message::ZkPing { session_id: 0xdead });
    assert_eq!(
        out.sends[0].1,
        Message::ZkPingResponse {
            result: Err(ZkError::SessionExpired)
        }
    );
}

#[test]
fn session_timeout_is_negotiated_within_two_to_twenty_ticks() {
    let mut h = Harness::new();
    let out = h.send(
        0,
        A,
        Message::ZkConnect {
            session_id: None,
            timeout_ms: 1_000_000,
        },
    );
    assert!(matches!(
        out.sends[0].1,
        Message::ZkConnectResponse {
            result: Ok((_, 10_000))
        }
    ));
}
