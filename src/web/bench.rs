//! The wasm side of two native criterion benchmarks, timed by the caller so
//! the two can be compared: the segment-store append
//! (`log_append/append_as_leader_warm`, benches/append-wasm.mjs) and the
//! replication throughput (`replication/rf3_acks_all_100_byte_records`,
//! benches/replication-wasm.mjs), and the memory workload of
//! benches/memory-wasm.mjs.

use crate::log::{sample_batches, Log, LogConfig};
use crate::workload::{
    consume_world, holdings, memory_world, replication_world, run_consume_window, run_window,
};
use crate::World;
use wasm_bindgen::prelude::*;

/// The replication workload of `crate::workload`, warmed up.
#[wasm_bindgen]
pub struct ReplicationBench {
    world: World,
}

#[wasm_bindgen]
impl ReplicationBench {
    /// Builds and warms up the workload (not part of the timing).
    #[wasm_bindgen(constructor)]
    pub fn new() -> ReplicationBench {
        ReplicationBench {
            world: replication_world(1),
        }
    }

    /// Runs `ms` simulated milliseconds; returns the records acknowledged.
    pub fn run(&mut self, ms: f64) -> f64 {
        run_window(&mut self.world, ms.max(0.0) as u64) as f64
    }
}

impl Default for ReplicationBench {
    fn default() -> Self {
        ReplicationBench::new()
    }
}

/// The consume benchmark's world (see `workload::consume_world`).
#[wasm_bindgen]
pub struct ConsumeBench {
    world: World,
}

#[wasm_bindgen]
impl ConsumeBench {
    /// Builds the workload with its group formed (not part of the timing).
    #[wasm_bindgen(constructor)]
    pub fn new() -> ConsumeBench {
        ConsumeBench {
            world: consume_world(1),
        }
    }

    /// Runs `ms` simulated milliseconds; returns the records the group polled.
    pub fn run(&mut self, ms: f64) -> f64 {
        run_consume_window(&mut self.world, ms.max(0.0) as u64) as f64
    }
}

impl Default for ConsumeBench {
    fn default() -> Self {
        ConsumeBench::new()
    }
}

/// The memory workload (see `workload::memory_world`), for
/// benches/memory-wasm.mjs: a busy cluster run for a long simulated time.
#[wasm_bindgen]
pub struct MemoryBench {
    world: World,
}

#[wasm_bindgen]
impl MemoryBench {
    /// Builds the workload (cluster, topic, producers, group).
    #[wasm_bindgen(constructor)]
    pub fn new() -> MemoryBench {
        MemoryBench {
            world: memory_world(1),
        }
    }

    /// Runs `ms` more simulated milliseconds; returns the simulated time.
    pub fn run(&mut self, ms: f64) -> f64 {
        let end = self.world.now() + ms.max(0.0) as u64;
        self.world.run_until(end);
        self.world.now() as f64
    }

    /// What the world holds (log bytes per broker, in flight, event log,
    /// trace, ledger, records acknowledged and consumed), as JSON.
    pub fn holdings(&self) -> String {
        holdings(&self.world).to_string()
    }
}

impl Default for MemoryBench {
    fn default() -> Self {
        MemoryBench::new()
    }
}

/// 200 encoded batches of 100 records with 100-byte values, and a log to append them to.
#[wasm_bindgen]
pub struct AppendBench {
    input: Vec<Vec<u8>>,
    log: Log,
}

#[wasm_bindgen]
impl AppendBench {
    /// Encodes the workload once.
    #[wasm_bindgen(constructor)]
    pub fn new() -> AppendBench {
        AppendBench {
            input: sample_batches(200, 100),
            log: Log::new(LogConfig::default(), 0),
        }
    }

    /// Bytes one run appends.
    pub fn bytes(&self) -> f64 {
        self.input.iter().map(Vec::len).sum::<usize>() as f64
    }

    /// One run: empty the log (keeping its memory) and append every batch as a leader.
    pub fn run(&mut self) -> f64 {
        self.log.truncate_to(5, 0);
        for batch in &self.input {
            if self.log.append_as_leader(5, batch, 3).is_err() {
                return -1.0;
            }
        }
        self.log.log_end_offset() as f64
    }
}

impl Default for AppendBench {
    fn default() -> Self {
        AppendBench::new()
    }
}
