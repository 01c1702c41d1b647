//! How the world carries events out: a delivery reaches its node (or is
//! dropped, with a TCP reset when nothing listens any more), a timer fires
//! on the incarnation that set it, and a node's effects (sends, timers,
//! notes) enter the network, the queue and the event log.

use super::{Dropped, Event, NodeTimer, World, DROP_MARK_MS, MAX_DROPS};
use crate::protocol::Message;
use crate::sim::{InFlight, NodeId, NoteKind, Outbox, Send, Tick, MAX_IN_FLIGHT};

impl World {
    pub(super) fn process(&mut self, at: Tick, event: Event) {
        self.now = at;
        match event {
            Event::Deliver {
                id,
                from,
                to,
                to_incarnation,
                msg,
            } => {
                let flight = self.in_flight.remove(&id);
                let reach = flight.as_ref().map_or(1.0, |f| f.reach);
                let outcome = if reach < 1.0 {
                    "lost"
                } else if self.net.is_cut(from, to) {
                    "dropped: link cut"
                } else if !self.is_up(to) {
                    "dropped: receiver down"
                } else if self.incarnation(to) != to_incarnation {
                    "dropped: receiver restarted"
                } else {
                    "delivered"
                };
                self.trace.record(
                    at,
                    format!("#{id} {from}->{to} {outcome} {}", msg.trace_text()),
                );
                let refused = outcome.starts_with("dropped: receiver")
                    && from != NodeId::Zk
                    && to != NodeId::Zk
                    && msg != Message::ConnectionClosed;
                if outcome == "delivered" {
                    self.deliver(from, to, msg);
                } else {
                    self.mark_drop(from, to, if reach < 1.0 { reach } else { 0.97 });
                }
                if refused && self.is_up(from) {
                    // Nothing listens there any more: the peer's operating
                    // system answers with a TCP reset.
                    self.send(to, from, Message::ConnectionClosed);
                }
            }
            Event::Timer {
                node,
                incarnation,
                timer,
            } => {
                let live = self.incarnation(node) == incarnation && self.is_up(node);
                self.trace.record(
                    at,
                    format!("timer {node} {timer:?}{}", if live { "" } else { " stale" }),
                );
                if live {
                    self.fire(node, timer);
                }
            }
        }
        self.check();
    }

    pub(super) fn deliver(&mut self, from: NodeId, to: NodeId, msg: Message) {
        let now = self.now;
        match to {
            NodeId::Zk => {
                let mut out = Outbox::default();
                self.zk.handle_message(now, from, msg, &mut out);
                self.flush(NodeId::Zk, 0, out, NodeTimer::Zk);
            }
            NodeId::Broker(id) => {
                self.with_broker(id, |b, out| b.handle_message(now, from, msg, out))
            }
            NodeId::Producer(id) => {
                self.with_producer(id, |p, out| p.handle_message(now, from, msg, out))
            }
            NodeId::Consumer(id) => {
                self.with_consumer(id, |c, out| c.handle_message(now, from, msg, out))
            }
        }
    }

    pub(super) fn fire(&mut self, node: NodeId, timer: NodeTimer) {
        let now = self.now;
        match (node, timer) {
            (NodeId::Zk, NodeTimer::Zk(t)) => {
                let mut out = Outbox::default();
                self.zk.handle_timer(now, t, &mut out);
                self.flush(NodeId::Zk, 0, out, NodeTimer::Zk);
            }
            (NodeId::Broker(id), NodeTimer::Broker(t)) => {
                self.with_broker(id, |b, out| b.handle_timer(now, t, out))
            }
            (NodeId::Producer(id), NodeTimer::Producer(t)) => {
                self.with_producer(id, |p, out| p.handle_timer(now, t, out))
            }
            (NodeId::Consumer(id), NodeTimer::Consumer(t)) => {
                self.with_consumer(id, |c, out| c.handle_timer(now, t, out))
            }
            _ => {}
        }
    }

    /// Carries out a node's effects.
    pub(super) fn flush<T>(
        &mut self,
        node: NodeId,
        incarnation: u32,
        out: Outbox<T>,
        wrap: impl Fn(T) -> NodeTimer,
    ) {
        for (kind, text) in out.notes {
            self.note(node, kind, text);
        }
        for (to, msg) in out.sends {
            self.send(node, to, msg);
        }
        for (at, timer) in out.timers {
            self.queue.push(
                at.max(self.now),
                Event::Timer {
                    node,
                    incarnation,
                    timer: wrap(timer),
                },
            );
        }
    }

    pub(super) fn send(&mut self, from: NodeId, to: NodeId, msg: Message) {
        if from == to {
            // Loopback: no network, no dot on the canvas.
            let id = self.next_msg;
            self.next_msg += 1;
            let to_incarnation = self.incarnation(to);
            self.queue.push(
                self.now,
                Event::Deliver {
                    id,
                    from,
                    to,
                    to_incarnation,
                    msg,
                },
            );
            return;
        }
        if self.in_flight.len() >= MAX_IN_FLIGHT {
            self.mark_drop(from, to, 0.0);
            if self
                .in_flight_full_noted
                .is_none_or(|t| self.now >= t + 1_000)
            {
                self.in_flight_full_noted = Some(self.now);
                self.note(
                    from,
                    NoteKind::Fault,
                    format!("the network holds {MAX_IN_FLIGHT} messages in flight, the limit: new ones are dropped until some arrive"),
                );
            }
            return;
        }
        let (kind, response) = msg.kind();
        let (delay, reach, retransmits) = match self.net.send(&mut self.rng, self.now, from, to) {
            Send::Arrives(d, n) => (d, 1.0, n),
            Send::Lost(d) => (d, 0.5, 0),
        };
        let mut label = msg.label();
        if retransmits > 0 {
            label.push_str(&format!(" (retransmitted ×{retransmits})"));
        }
        let id = self.next_msg;
        self.next_msg += 1;
        self.in_flight.insert(
            id,
            InFlight {
                from,
                to,
                sent_at: self.now,
                until: self.now + delay,
                reach,
                label,
                kind,
                response,
            },
        );
        let to_incarnation = self.incarnation(to);
        self.queue.push(
            self.now + delay,
            Event::Deliver {
                id,
                from,
                to,
                to_incarnation,
                msg,
            },
        );
    }

    pub(super) fn mark_drop(&mut self, from: NodeId, to: NodeId, reach: f32) {
        if self.drops.len() >= MAX_DROPS {
            self.drops.pop_front();
        }
        while self
            .drops
            .front()
            .is_some_and(|d| d.at + DROP_MARK_MS < self.now)
        {
            self.drops.pop_front();
        }
        self.drops.push_back(Dropped {
            at: self.now,
            from,
            to,
            reach,
        });
    }
}
