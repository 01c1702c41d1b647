//! The storage lab's handle for the page: one partition's log to inspect,
//! with its views as JSON and errors as `JsError`.

use super::js_err;
use crate::log::lab::Lab;
use crate::view::storage;
use wasm_bindgen::prelude::*;

/// A partition's folder to explore, from a preset.
#[wasm_bindgen]
pub struct StorageLab {
    lab: Lab,
}

fn lines(v: Vec<String>) -> String {
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

fn whole(n: f64, what: &str) -> Result<u64, JsError> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 1e12 {
        Ok(n as u64)
    } else {
        Err(js_err(format!("{what} {n} must be a whole number")))
    }
}

#[wasm_bindgen]
impl StorageLab {
    /// A lab from a preset id ("notes", "rolling", "compaction").
    #[wasm_bindgen(constructor)]
    pub fn new(preset: &str) -> Result<StorageLab, JsError> {
        Lab::new(preset)
            .map(|lab| StorageLab { lab })
            .map_err(js_err)
    }

    /// The presets: [{id, title, explanation}].
    pub fn presets() -> String {
        storage::presets_json()
    }

    /// The folder: config, offsets, segments and their files.
    pub fn view(&self) -> String {
        storage::lab_view(&self.lab).to_string()
    }

    /// A page of one segment's batches with their records.
    pub fn batches(&self, base_offset: f64, from: f64, count: f64) -> Result<String, JsError> {
        let base = whole(base_offset, "base offset")? as i64;
        let from = whole(from, "from")? as usize;
        let count = whole(count, "count")? as usize;
        Ok(storage::batches_json(self.lab.log(), base, from, count).to_string())
    }

    /// One segment's `.index` and `.timeindex` entries.
    pub fn index(&self, base_offset: f64) -> Result<String, JsError> {
        let base = whole(base_offset, "base offset")? as i64;
        Ok(storage::index_json(self.lab.log(), base).to_string())
    }

    /// Every step of finding `offset`.
    pub fn find(&self, offset: f64) -> Result<String, JsError> {
        let offset = whole(offset, "offset")? as i64;
        Ok(storage::find_json(self.lab.log(), offset).to_string())
    }

    /// Appends batches as a leader would; returns what happened, in words.
    pub fn append(
        &mut self,
        batches: f64,
        records_per_batch: f64,
        value_bytes: f64,
    ) -> Result<String, JsError> {
        let b = whole(batches, "batches")?.min(u64::from(u32::MAX)) as u32;
        let r = whole(records_per_batch, "records per batch")?.min(u64::from(u32::MAX)) as u32;
        let v = whole(value_bytes, "value bytes")?.min(u64::from(u32::MAX)) as u32;
        self.lab.append(b, r, v).map(lines).map_err(js_err)
    }

    /// Lets time pass (retention runs); returns what happened.
    pub fn advance(&mut self, ms: f64) -> Result<String, JsError> {
        let ms = whole(ms, "ms")?;
        Ok(lines(self.lab.advance(ms)))
    }

    /// Runs the cleaner once; returns what happened.
    pub fn clean(&mut self) -> String {
        lines(self.lab.clean())
    }
}

/// A copy of one partition replica's log taken from the running cluster,
/// for the storage inspector: the same folder, batches, index and lookup
/// views as the lab, read-only.
#[wasm_bindgen]
pub struct ReplicaStorage {
    log: crate::log::Log,
    now_ms: u64,
    meta: serde_json::Value,
}

impl ReplicaStorage {
    /// A copy of `log` as it is at `now_ms`, with what the page shows about it.
    pub(super) fn new(log: crate::log::Log, now_ms: u64, meta: serde_json::Value) -> Self {
        ReplicaStorage { log, now_ms, meta }
    }
}

#[wasm_bindgen]
impl ReplicaStorage {
    /// The folder, plus the replica's broker, topic, partition, role and high watermark.
    pub fn view(&self) -> String {
        let mut v = storage::log_view(&self.log, self.now_ms, "replica");
        if let (Some(obj), Some(meta)) = (v.as_object_mut(), self.meta.as_object()) {
            for (k, val) in meta {
                obj.insert(k.clone(), val.clone());
            }
        }
        v.to_string()
    }

    /// A page of one segment's batches with their records.
    pub fn batches(&self, base_offset: f64, from: f64, count: f64) -> Result<String, JsError> {
        let base = whole(base_offset, "base offset")? as i64;
        let from = whole(from, "from")? as usize;
        let count = whole(count, "count")? as usize;
        let page = if self.meta["topic"] == crate::broker::OFFSETS_TOPIC {
            storage::offsets_batches_json(&self.log, base, from, count)
        } else {
            storage::batches_json(&self.log, base, from, count)
        };
        Ok(page.to_string())
    }

    /// One segment's `.index` and `.timeindex` entries.
    pub fn index(&self, base_offset: f64) -> Result<String, JsError> {
        let base = whole(base_offset, "base offset")? as i64;
        Ok(storage::index_json(&self.log, base).to_string())
    }

    /// Every step of finding `offset`.
    pub fn find(&self, offset: f64) -> Result<String, JsError> {
        let offset = whole(offset, "offset")? as i64;
        Ok(storage::find_json(&self.log, offset).to_string())
    }
}
