//! The simulated network between nodes: a latency range and a loss ratio per
//! link (with a cluster-wide default), and cuts in either direction.
//!
//! Kafka and ZooKeeper talk over TCP, and the model keeps TCP's promises:
//! messages on one direction of a link arrive in the order they were sent,
//! and a lost packet is sent again after a retransmission timeout (200 ms,
//! doubling each time), so loss shows up as delay; only after
//! `MAX_RETRANSMITS` losses in a row is a message given up (the connection
//! broke). A cut link drops what crosses it, like a partition that outlasts
//! the clients' timeouts.
//!
//! Invariant: every decision (latency, loss) is drawn from the world RNG in
//! send order, so the network is as deterministic as the rest of the world.

use super::{NodeId, SimRng, Tick};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most messages that may be in flight at once; sends beyond it are dropped.
pub const MAX_IN_FLIGHT: usize = 100_000;
/// TCP's minimum retransmission timeout (Linux), doubled after each loss.
pub const RTO_MIN_MS: Tick = 200;
/// Losses in a row after which a message is given up.
pub const MAX_RETRANSMITS: u32 = 6;

/// Latency and loss of one link (both directions).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// Lowest one-way latency in ms.
    pub latency_min_ms: u64,
    /// Highest one-way latency in ms.
    pub latency_max_ms: u64,
    /// Fraction of messages lost, 0.0..=1.0.
    pub loss_ratio: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency_min_ms: 1,
            latency_max_ms: 5,
            loss_ratio: 0.0,
        }
    }
}

impl LinkConfig {
    /// Checks the ranges; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_max_ms > 60_000 {
            return Err(format!(
                "latency_max_ms {} is over the limit of 60000",
                self.latency_max_ms
            ));
        }
        if self.latency_min_ms > self.latency_max_ms {
            return Err(format!(
                "latency_min_ms {} is above latency_max_ms {}",
                self.latency_min_ms, self.latency_max_ms
            ));
        }
        if !(0.0..=1.0).contains(&self.loss_ratio) {
            return Err(format!(
                "loss_ratio {} must be between 0 and 1",
                self.loss_ratio
            ));
        }
        Ok(())
    }
}

/// What the network decided for one message at send time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Send {
    /// Arrives after this many ms (unless the link is cut meanwhile), after
    /// this many retransmissions.
    Arrives(Tick, u32),
    /// Lost on the way (cut, or too many losses); vanishes after this many ms.
    Lost(Tick),
}

/// A message on the wire, as the view draws it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InFlight {
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Time it left the sender.
    pub sent_at: Tick,
    /// Time it arrives (or vanishes).
    pub until: Tick,
    /// Fraction of the way it gets before `until`: 1.0 arrives, 0.5 is lost midway.
    pub reach: f32,
    /// Kafka/ZooKeeper name of the message, e.g. `Create /controller`.
    pub label: String,
    /// Drawing class of the message.
    pub kind: crate::protocol::MsgKind,
    /// True for a response (drawn hollow).
    pub response: bool,
}

/// Links, their settings and cuts.
#[derive(Clone, Debug, Default)]
pub struct Network {
    default_link: LinkConfig,
    links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    cuts: BTreeSet<(NodeId, NodeId)>,
    /// Latest arrival time scheduled per direction, for in-order delivery.
    last_arrival: BTreeMap<(NodeId, NodeId), Tick>,
}

fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Network {
    /// A network where every link has `default_link`.
    pub fn new(default_link: LinkConfig) -> Self {
        Network {
            default_link,
            ..Network::default()
        }
    }

    /// Settings of the link between `a` and `b`.
    pub fn link(&self, a: NodeId, b: NodeId) -> LinkConfig {
        self.links
            .get(&pair(a, b))
            .copied()
            .unwrap_or(self.default_link)
    }

    /// Overrides the settings of one link.
    pub fn set_link(&mut self, a: NodeId, b: NodeId, cfg: LinkConfig) {
        self.links.insert(pair(a, b), cfg);
    }

    /// True when messages from `from` to `to` are dropped.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cuts.contains(&(from, to))
    }

    /// Cuts (or heals, with `cut == false`) the direction `from -> to`.
    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) {
        if cut {
            self.cuts.insert((from, to));
        } else {
            self.cuts.remove(&(from, to));
        }
    }

    /// Every cut direction, in order.
    pub fn cuts(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cuts.iter().copied()
    }

    /// Forgets cuts and link settings that involve `node`.
    pub fn forget(&mut self, node: NodeId) {
        self.cuts.retain(|(a, b)| *a != node && *b != node);
        self.links.retain(|(a, b), _| *a != node && *b != node);
        self.last_arrival
            .retain(|(a, b), _| *a != node && *b != node);
    }

    /// Decides the fate of one message sent at `now` from `from` to `to`.
    pub fn send(&mut self, rng: &mut SimRng, now: Tick, from: NodeId, to: NodeId) -> Send {
        let cfg = self.link(from, to);
        let latency = rng
            .range_inclusive(cfg.latency_min_ms, cfg.latency_max_ms)
            .max(1);
        if self.is_cut(from, to) {
            return Send::Lost((latency / 2).max(1));
        }
        let mut delay = latency;
        let mut retransmits = 0;
        while rng.chance(cfg.loss_ratio) {
            if retransmits == MAX_RETRANSMITS {
                return Send::Lost((latency / 2).max(1));
            }
            delay += RTO_MIN_MS << retransmits;
            retransmits += 1;
        }
        let key = (from, to);
        let arrival = (now + delay).max(self.last_arrival.get(&key).copied().unwrap_or(0));
        self.last_arrival.insert(key, arrival);
        Send::Arrives(arrival - now, retransmits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_are_directional_and_heal() {
        let mut net = Network::new(LinkConfig::default());
        let (a, b) = (NodeId::Broker(1), NodeId::Zk);
        net.set_cut(a, b, true);
        assert!(net.is_cut(a, b));
        assert!(!net.is_cut(b, a));
        let mut rng = SimRng::new(1);
        assert!(matches!(net.send(&mut rng, 0, a, b), Send::Lost(_)));
        assert!(matches!(net.send(&mut rng, 0, b, a), Send::Arrives(..)));
        net.set_cut(a, b, false);
        assert!(matches!(net.send(&mut rng, 0, a, b), Send::Arrives(..)));
    }

    #[test]
    fn latency_stays_in_the_link_range() {
        let mut net = Network::new(LinkConfig::default());
        let (a, b) = (NodeId::Broker(1), NodeId::Broker(2));
        let cfg = LinkConfig {
            latency_min_ms: 10,
            latency_max_ms: 20,
            loss_ratio: 0.0,
        };
        net.set_link(b, a, cfg);
        let mut rng = SimRng::new(9);
        let mut last = 0;
        for now in 0..200 {
            match net.send(&mut rng, now, a, b) {
                Send::Arrives(t, 0) => {
                    assert!(t <= 20, "latency {t}");
                    assert!(now + t >= last, "in order");
                    last = now + t;
                }
                other => panic!("no loss configured: {other:?}"),
            }
        }
    }

    #[test]
    fn loss_is_retransmitted_with_backoff() {
        let mut net = Network::new(LinkConfig {
            loss_ratio: 0.5,
            ..LinkConfig::default()
        });
        let mut rng = SimRng::new(5);
        let mut retransmitted = 0;
        for i in 0..400 {
            // Far apart, so in-order delivery never holds one back.
            if let Send::Arrives(t, n) =
                net.send(&mut rng, i * 100_000, NodeId::Zk, NodeId::Broker(1))
            {
                if n > 0 {
                    retransmitted += 1;
                    let backoff: Tick = (0..n).map(|k| RTO_MIN_MS << k).sum();
                    assert!(t >= backoff, "{n} retransmits wait {backoff} ms, got {t}");
                }
            }
        }
        assert!((150..=250).contains(&retransmitted), "{retransmitted}");
    }

    #[test]
    fn loss_ratio_one_loses_everything_and_bad_configs_are_named() {
        let mut net = Network::new(LinkConfig {
            loss_ratio: 1.0,
            ..LinkConfig::default()
        });
        let mut rng = SimRng::new(2);
        assert!(matches!(
            net.send(&mut rng, 0, NodeId::Zk, NodeId::Broker(0)),
            Send::Lost(_)
        ));
        net.forget(NodeId::Zk);
        let bad = LinkConfig {
            latency_min_ms: 9,
            latency_max_ms: 3,
            loss_ratio: 0.0,
        };
        assert!(bad.validate().unwrap_err().contains("latency_min_ms"));
        let bad = LinkConfig {
            loss_ratio: 1.5,
            ..LinkConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("loss_ratio"));
    }
}
