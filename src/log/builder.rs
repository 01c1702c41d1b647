//! The producer side of record batches: a v2 batch encoded record by
//! record as it fills.

use super::batch::{put_bytes, put_varint, ATTRIBUTES_AT, CRC_AT, HEADER_BYTES, LOG_OVERHEAD};
use super::crc::crc32c_of;

fn varint_len(v: i64) -> usize {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    let mut n = 1;
    while z >= 0x80 {
        z >>= 7;
        n += 1;
    }
    n
}

fn bytes_len(b: Option<usize>) -> usize {
    match b {
        Some(n) => varint_len(n as i64) + n,
        None => varint_len(-1),
    }
}

/// Builds a non-idempotent v2 batch record by record, the way a producer's
/// `MemoryRecordsBuilder` fills its buffer: records are encoded as they
/// arrive, the header and CRC are written when the batch is closed.
#[derive(Clone, Debug)]
pub struct BatchBuilder {
    buf: Vec<u8>,
    count: i32,
    base_timestamp: i64,
    max_timestamp: i64,
}

impl BatchBuilder {
    /// An empty batch whose first record has `base_timestamp`.
    pub fn new(base_timestamp: i64) -> Self {
        BatchBuilder::with_capacity(base_timestamp, HEADER_BYTES + 256)
    }

    /// An empty batch with room for `capacity` bytes (a producer takes a
    /// `batch.size` buffer from its pool for each new batch).
    pub fn with_capacity(base_timestamp: i64, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity.max(HEADER_BYTES));
        buf.resize(HEADER_BYTES, 0);
        BatchBuilder {
            buf,
            count: 0,
            base_timestamp,
            max_timestamp: base_timestamp,
        }
    }

    /// Bytes the batch will take.
    pub fn size(&self) -> usize {
        self.buf.len()
    }

    /// Records in it.
    pub fn count(&self) -> i32 {
        self.count
    }

    /// Bytes a record of these sizes adds.
    pub fn record_size(&self, timestamp: i64, key_len: Option<usize>, value_len: usize) -> usize {
        let body = self.body_len(timestamp, key_len, value_len);
        varint_len(body as i64) + body
    }

    fn body_len(&self, timestamp: i64, key_len: Option<usize>, value_len: usize) -> usize {
        1 + varint_len(timestamp - self.base_timestamp)
            + varint_len(i64::from(self.count))
            + bytes_len(key_len)
            + bytes_len(Some(value_len))
            + 1
    }

    /// Appends a record whose value (`value_len` bytes) `write_value` writes.
    pub fn push_with(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value_len: usize,
        write_value: impl FnOnce(&mut Vec<u8>),
    ) {
        let body = self.body_len(timestamp, key.map(<[u8]>::len), value_len);
        put_varint(&mut self.buf, body as i64);
        self.buf.push(0);
        put_varint(&mut self.buf, timestamp - self.base_timestamp);
        put_varint(&mut self.buf, i64::from(self.count));
        put_bytes(&mut self.buf, key);
        put_varint(&mut self.buf, value_len as i64);
        let before = self.buf.len();
        write_value(&mut self.buf);
        debug_assert_eq!(self.buf.len() - before, value_len);
        put_varint(&mut self.buf, 0);
        self.count += 1;
        self.max_timestamp = self.max_timestamp.max(timestamp);
    }

    /// The finished batch (base offset 0; the leader assigns offsets).
    pub fn finish(&self, leader_epoch: i32) -> Vec<u8> {
        let mut out = self.buf.clone();
        let batch_len = (out.len() - LOG_OVERHEAD) as i32;
        let mut h = Vec::with_capacity(HEADER_BYTES);
        h.extend_from_slice(&0i64.to_be_bytes());
        h.extend_from_slice(&batch_len.to_be_bytes());
        h.extend_from_slice(&leader_epoch.to_be_bytes());
        h.push(2);
        h.extend_from_slice(&0u32.to_be_bytes());
        h.extend_from_slice(&0i16.to_be_bytes());
        h.extend_from_slice(&(self.count - 1).max(0).to_be_bytes());
        h.extend_from_slice(&self.base_timestamp.to_be_bytes());
        h.extend_from_slice(&self.max_timestamp.to_be_bytes());
        h.extend_from_slice(&(-1i64).to_be_bytes());
        h.extend_from_slice(&(-1i16).to_be_bytes());
        h.extend_from_slice(&(-1i32).to_be_bytes());
        h.extend_from_slice(&self.count.to_be_bytes());
        out[..HEADER_BYTES].copy_from_slice(&h);
        let crc = crc32c_of(&out[ATTRIBUTES_AT..]);
        out[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{encode_batch, Record};

    #[test]
    fn the_builder_matches_the_whole_batch_encoder() {
        let recs = vec![
            Record::new(0, 1_000, Some(b"k1"), Some(b"hello")),
            Record::new(1, 1_007, None, Some(b"world!")),
            Record::new(2, 1_003, Some(b"k3"), Some(b"")),
        ];
        let mut b = BatchBuilder::new(1_000);
        let mut predicted = b.size();
        for r in &recs {
            let v = r.value.clone().unwrap();
            predicted += b.record_size(r.timestamp, r.key.as_ref().map(Vec::len), v.len());
            b.push_with(r.timestamp, r.key.as_deref(), v.len(), |out| {
                out.extend_from_slice(&v)
            });
        }
        assert_eq!(b.size(), predicted);
        assert_eq!(b.count(), 3);
        assert_eq!(b.finish(-1), encode_batch(&recs, -1));
    }
}
