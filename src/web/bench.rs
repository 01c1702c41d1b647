//! The append benchmark's wasm side: the same workload as the native
//! criterion benchmark (`log_append/append_as_leader_warm`), timed by the
//! caller (benches/append-wasm.mjs), so the two can be compared.

use crate::log::{sample_batches, Log, LogConfig};
use wasm_bindgen::prelude::*;

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
