//! The deterministic kernel: one clock (`Tick`, 1 tick = 1 simulated ms), an
//! event queue ordered by `(time, seq)`, one seeded RNG forked per node, a
//! simulated network, the `Command` vocabulary and the trace with its digest.
//!
//! Invariant: given the same seed and the same timed commands, the sequence of
//! events (and so the trace digest) is identical on every platform.

mod command;
mod mutation;
mod net;
mod node_id;
mod outbox;
mod queue;
mod rng;
mod scenario;
mod trace;

pub use command::{Command, Direction, TimedCommand, MAX_COMMAND_BYTES};
pub use mutation::{parse_named, Mutation};
pub use net::{InFlight, LinkConfig, Network, Send, MAX_IN_FLIGHT};
pub use node_id::NodeId;
pub use outbox::{NoteKind, Outbox};
pub use queue::{EventQueue, Scheduled};
pub use rng::SimRng;
pub use scenario::{
    ClusterConfig, NetworkConfig, Scenario, ScenarioError, MAX_BROKERS, MAX_CONFIG_BYTES,
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_SCENARIO_BYTES, MAX_SCENARIO_COMMANDS, MAX_UNTIL_MS,
};
pub use trace::{Trace, TraceEntry, MAX_TRACE_TEXT_BYTES, TRACE_CAPACITY};

/// Simulated time in milliseconds since the world started.
pub type Tick = u64;
