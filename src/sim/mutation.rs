//! Planted bugs, for testing the tests: each `Mutation` switches on one
//! known way to break Kafka's guarantees inside the broker. They exist so
//! the invariant checker and the fault swarm can prove they catch real
//! bugs (a checker that never fires would pass everything). Off unless a
//! test or `kafkascope check --mutation` turns one on; never in the app's
//! menus.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One planted bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mutation {
    /// The leader moves its high watermark to its own log end offset,
    /// without waiting for the ISR.
    HwWithoutIsr,
    /// The controller elects the first live assigned replica even when it
    /// is out of the ISR and `unclean.leader.election.enable` is false.
    UncleanWhenDisabled,
    /// The coordinator accepts an `OffsetCommit` from any member id and
    /// any generation: no fencing, so a zombie (a consumer the group
    /// expired, still processing its old partitions) commits over the
    /// partitions' new owners.
    StaleGenerationCommit,
    /// A new follower skips the KIP-101 truncation and fetches from its own
    /// log end, keeping a diverging tail.
    FollowerSkipsTruncation,
    /// The leader serves consumers records above the high watermark.
    ConsumerReadsPastHw,
}

impl Mutation {
    /// Every planted bug.
    pub const ALL: [Mutation; 5] = [
        Mutation::HwWithoutIsr,
        Mutation::UncleanWhenDisabled,
        Mutation::StaleGenerationCommit,
        Mutation::FollowerSkipsTruncation,
        Mutation::ConsumerReadsPastHw,
    ];

    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mutation::HwWithoutIsr => "hw-without-isr",
            Mutation::UncleanWhenDisabled => "unclean-when-disabled",
            Mutation::StaleGenerationCommit => "stale-generation-commit",
            Mutation::FollowerSkipsTruncation => "follower-skips-truncation",
            Mutation::ConsumerReadsPastHw => "consumer-reads-past-hw",
        }
    }

    /// Parses a name given by `name`.
    pub fn parse(s: &str) -> Result<Mutation, String> {
        parse_named(&Mutation::ALL, Mutation::name, s, "mutation")
    }
}

/// The one of `all` whose `name` is `s`, or a message listing the names.
pub fn parse_named<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    s: &str,
    what: &str,
) -> Result<T, String> {
    all.iter().copied().find(|t| name(*t) == s).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
        format!("unknown {what} {s:?}; one of: {}", names.join(", "))
    })
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
