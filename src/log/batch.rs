//! Kafka's record batch, format v2 (magic 2), byte for byte: a 61-byte
//! header (baseOffset, batchLength, partitionLeaderEpoch, magic, crc,
//! attributes, lastOffsetDelta, baseTimestamp, maxTimestamp, producerId,
//! producerEpoch, baseSequence, recordCount) followed by records with
//! zig-zag varint fields. Integers are big-endian. The CRC is CRC-32C of
//! everything after the crc field, so a leader can set baseOffset and
//! partitionLeaderEpoch without recomputing it.
//!
//! Invariant: `validate` accepts only batches whose length, magic, CRC and
//! record count agree with their bytes.

use super::crc::crc32c_of;
use super::record::parse_record;
use super::LogError;

/// Size of the batch header.
pub const HEADER_BYTES: usize = 61;
/// Bytes before `batchLength`'s content starts (baseOffset + batchLength).
pub const LOG_OVERHEAD: usize = 12;
const PARTITION_LEADER_EPOCH_AT: usize = 12;
const MAGIC_AT: usize = 16;
pub(super) const CRC_AT: usize = 17;
pub(super) const ATTRIBUTES_AT: usize = 21;
const LAST_OFFSET_DELTA_AT: usize = 23;
const BASE_TIMESTAMP_AT: usize = 27;
const MAX_TIMESTAMP_AT: usize = 35;
const PRODUCER_ID_AT: usize = 43;
const PRODUCER_EPOCH_AT: usize = 51;
const BASE_SEQUENCE_AT: usize = 53;
const RECORD_COUNT_AT: usize = 57;

/// One record with its absolute offset, as producers and the inspector see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Offset in the partition.
    pub offset: i64,
    /// CreateTime timestamp in ms.
    pub timestamp: i64,
    /// Key; `None` is a null key.
    pub key: Option<Vec<u8>>,
    /// Value; `None` is a tombstone in a compacted topic.
    pub value: Option<Vec<u8>>,
    /// Headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Record {
    /// A record with a key and a value and no headers.
    pub fn new(offset: i64, timestamp: i64, key: Option<&[u8]>, value: Option<&[u8]>) -> Self {
        Record {
            offset,
            timestamp,
            key: key.map(<[u8]>::to_vec),
            value: value.map(<[u8]>::to_vec),
            headers: Vec::new(),
        }
    }
}

pub(super) fn put_varint(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

pub(super) fn put_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            put_varint(out, b.len() as i64);
            out.extend_from_slice(b);
        }
        None => put_varint(out, -1),
    }
}

fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Encodes records (offsets ascending, not empty) as one non-idempotent,
/// uncompressed v2 batch with CreateTime timestamps.
pub fn encode_batch(records: &[Record], leader_epoch: i32) -> Vec<u8> {
    let first = records.first().map_or(0, |r| r.offset);
    let last = records.last().map_or(0, |r| r.offset);
    encode_batch_span(records, leader_epoch, first, last)
}

/// Like `encode_batch`, with the batch's base and last offset given: the
/// cleaner keeps a v2 batch's original span when it drops records from it.
pub fn encode_batch_span(
    records: &[Record],
    leader_epoch: i32,
    base_offset: i64,
    last_offset: i64,
) -> Vec<u8> {
    let first = records.first().expect("a batch has at least one record");
    let base_ts = first.timestamp;
    let max_ts = records.iter().map(|r| r.timestamp).max().unwrap_or(base_ts);
    let last_delta = (last_offset - base_offset) as i32;
    let mut out = Vec::with_capacity(HEADER_BYTES + records.len() * 32);
    out.extend_from_slice(&base_offset.to_be_bytes());
    out.extend_from_slice(&0i32.to_be_bytes()); // batchLength, set below
    out.extend_from_slice(&leader_epoch.to_be_bytes());
    out.push(2); // magic
    out.extend_from_slice(&0u32.to_be_bytes()); // crc, set below
    out.extend_from_slice(&0i16.to_be_bytes()); // attributes: no compression, CreateTime
    out.extend_from_slice(&last_delta.to_be_bytes());
    out.extend_from_slice(&base_ts.to_be_bytes());
    out.extend_from_slice(&max_ts.to_be_bytes());
    out.extend_from_slice(&(-1i64).to_be_bytes()); // producerId
    out.extend_from_slice(&(-1i16).to_be_bytes()); // producerEpoch
    out.extend_from_slice(&(-1i32).to_be_bytes()); // baseSequence
    out.extend_from_slice(&(records.len() as i32).to_be_bytes());
    let mut body = Vec::with_capacity(64);
    for r in records {
        body.clear();
        body.push(0); // record attributes (unused)
        put_varint(&mut body, r.timestamp - base_ts);
        put_varint(&mut body, r.offset - base_offset);
        put_bytes(&mut body, r.key.as_deref());
        put_bytes(&mut body, r.value.as_deref());
        put_varint(&mut body, r.headers.len() as i64);
        for (k, v) in &r.headers {
            put_bytes(&mut body, Some(k.as_bytes()));
            put_bytes(&mut body, v.as_deref());
        }
        put_varint(&mut out, body.len() as i64);
        out.extend_from_slice(&body);
    }
    let batch_len = (out.len() - LOG_OVERHEAD) as i32;
    out[8..12].copy_from_slice(&batch_len.to_be_bytes());
    let crc = crc32c_of(&out[ATTRIBUTES_AT..]);
    out[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    out
}

/// The header fields of a validated batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    /// First offset.
    pub base_offset: i64,
    /// Whole batch size in bytes.
    pub size: usize,
    /// Leader epoch stamped by the leader that appended it.
    pub partition_leader_epoch: i32,
    /// `lastOffsetDelta`.
    pub last_offset_delta: i32,
    /// Number of records.
    pub record_count: i32,
    /// `baseTimestamp`.
    pub base_timestamp: i64,
    /// `maxTimestamp`.
    pub max_timestamp: i64,
    /// `producerId` (-1 without idempotence).
    pub producer_id: i64,
    /// `producerEpoch` (-1 without idempotence).
    pub producer_epoch: i16,
    /// `baseSequence` (-1 without idempotence).
    pub base_sequence: i32,
    /// The stored CRC.
    pub crc: u32,
    /// `attributes`.
    pub attributes: i16,
}

impl BatchInfo {
    /// Offset of the last record.
    pub fn last_offset(&self) -> i64 {
        self.base_offset + i64::from(self.last_offset_delta)
    }
}

/// A batch's header read without any check (the bytes came from our own log).
pub fn peek(buf: &[u8]) -> Option<BatchInfo> {
    if buf.len() < HEADER_BYTES {
        return None;
    }
    let size = LOG_OVERHEAD + usize::try_from(be_i32(buf, 8)).ok()?;
    Some(BatchInfo {
        base_offset: be_i64(buf, 0),
        size,
        partition_leader_epoch: be_i32(buf, PARTITION_LEADER_EPOCH_AT),
        last_offset_delta: be_i32(buf, LAST_OFFSET_DELTA_AT),
        record_count: be_i32(buf, RECORD_COUNT_AT),
        base_timestamp: be_i64(buf, BASE_TIMESTAMP_AT),
        max_timestamp: be_i64(buf, MAX_TIMESTAMP_AT),
        producer_id: be_i64(buf, PRODUCER_ID_AT),
        producer_epoch: be_i16(buf, PRODUCER_EPOCH_AT),
        base_sequence: be_i32(buf, BASE_SEQUENCE_AT),
        crc: u32::from_be_bytes(buf[CRC_AT..CRC_AT + 4].try_into().expect("4 bytes")),
        attributes: be_i16(buf, ATTRIBUTES_AT),
    })
}

/// Where a batch comes from, deciding which of Kafka's checks apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A producer (the leader validates as Kafka's `LogValidator` does).
    Client,
    /// The leader's log, fetched by a follower (compaction may have left gaps).
    Replication,
}

/// Checks one whole batch (exactly `buf`) as a broker does before appending:
/// length, magic 2, no compression, CRC-32C, and every record parsed within
/// its bounds, `recordCount` of them, offsets increasing within the batch's
/// span. From a client also: no control records, `lastOffsetDelta` equal to
/// `recordCount - 1` and offset deltas 0, 1, 2, ... With `require_keys`, a
/// null key is refused (a compacted topic cannot take keyless records).
/// Returns the header and the largest record timestamp.
pub fn validate(
    buf: &[u8],
    require_keys: bool,
    origin: Origin,
) -> Result<(BatchInfo, i64), LogError> {
    let info = validate_header(buf, origin)?;
    records_within(buf, &info, require_keys, origin)
}

/// The checks a follower makes on a batch fetched from its leader (Kafka's
/// `analyzeAndValidateRecords` for replication): length, magic, no
/// compression, CRC-32C and a consistent header; it does not parse the
/// records, which the leader already validated and the CRC covers.
pub fn validate_header(buf: &[u8], origin: Origin) -> Result<BatchInfo, LogError> {
    if buf.len() < HEADER_BYTES {
        return Err(LogError::CorruptMessage(
            "batch shorter than its 61-byte header",
        ));
    }
    let info = peek(buf).ok_or(LogError::CorruptMessage("negative batchLength"))?;
    if info.size != buf.len() {
        return Err(LogError::CorruptMessage(
            "batchLength does not match the bytes sent",
        ));
    }
    if buf[MAGIC_AT] != 2 {
        return Err(LogError::CorruptMessage(
            "magic is not 2 (only record batch v2 is supported)",
        ));
    }
    if info.attributes & 0x07 != 0 {
        return Err(LogError::CorruptMessage(
            "compressed batches are not supported",
        ));
    }
    if crc32c_of(&buf[ATTRIBUTES_AT..]) != info.crc {
        return Err(LogError::CorruptMessage("CRC-32C mismatch"));
    }
    if info.record_count <= 0 || info.last_offset_delta < info.record_count - 1 {
        // Offsets of a batch are distinct, so its span holds at least its records.
        return Err(LogError::CorruptMessage(
            "record count and lastOffsetDelta disagree",
        ));
    }
    if origin == Origin::Client {
        if info.attributes & 0x20 != 0 {
            return Err(LogError::InvalidRecord(
                "clients are not allowed to write control records",
            ));
        }
        if info.last_offset_delta != info.record_count - 1 {
            return Err(LogError::InvalidRecord(
                "inconsistent batch offset range and record count",
            ));
        }
    }
    Ok(info)
}

fn records_within(
    buf: &[u8],
    info: &BatchInfo,
    require_keys: bool,
    origin: Origin,
) -> Result<(BatchInfo, i64), LogError> {
    let mut at = HEADER_BYTES;
    let mut previous = -1;
    let mut max_timestamp = i64::MIN;
    for i in 0..i64::from(info.record_count) {
        let r = parse_record(buf, &mut at)?;
        let expected_ok = match origin {
            Origin::Client => r.offset_delta == i,
            Origin::Replication => {
                r.offset_delta > previous && r.offset_delta <= i64::from(info.last_offset_delta)
            }
        };
        if !expected_ok {
            return Err(LogError::InvalidRecord(
                "record offsets do not fit the batch's offset range",
            ));
        }
        previous = r.offset_delta;
        if require_keys && r.key.is_none() {
            return Err(LogError::InvalidRecord(
                "compacted topic cannot accept a record without a key",
            ));
        }
        max_timestamp = max_timestamp.max(info.base_timestamp.saturating_add(r.timestamp_delta));
    }
    if at != buf.len() {
        return Err(LogError::CorruptMessage("bytes left after the last record"));
    }
    Ok((*info, max_timestamp))
}

/// Sets maxTimestamp and recomputes the CRC (the leader corrects a
/// producer's maxTimestamp to its records', as Kafka's `LogValidator` does).
pub fn set_max_timestamp(buf: &mut [u8], max_timestamp: i64) {
    buf[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&max_timestamp.to_be_bytes());
    let crc = crc32c_of(&buf[ATTRIBUTES_AT..]);
    buf[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Sets baseOffset and partitionLeaderEpoch in place (outside the CRC).
pub fn stamp(buf: &mut [u8], base_offset: i64, leader_epoch: i32) {
    buf[0..8].copy_from_slice(&base_offset.to_be_bytes());
    buf[PARTITION_LEADER_EPOCH_AT..PARTITION_LEADER_EPOCH_AT + 4]
        .copy_from_slice(&leader_epoch.to_be_bytes());
}

/// Decodes every record of one batch.
pub fn records(buf: &[u8]) -> Result<Vec<Record>, LogError> {
    let info = peek(buf).ok_or(LogError::CorruptMessage("short batch"))?;
    let mut out = Vec::with_capacity(info.record_count.max(0) as usize);
    let mut at = HEADER_BYTES;
    for _ in 0..info.record_count {
        let r = parse_record(buf, &mut at)?;
        out.push(Record {
            offset: info.base_offset + r.offset_delta,
            timestamp: info.base_timestamp + r.timestamp_delta,
            key: r.key.map(<[u8]>::to_vec),
            value: r.value.map(<[u8]>::to_vec),
            headers: r
                .headers()
                .map(|h| {
                    h.map(|(k, v)| {
                        (
                            String::from_utf8_lossy(k).into_owned(),
                            v.map(<[u8]>::to_vec),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::record::get_varint;

    fn sample() -> Vec<u8> {
        let recs = vec![
            Record::new(0, 1_000, Some(b"k1"), Some(b"hello")),
            Record::new(1, 1_005, None, Some(b"world")),
            Record::new(2, 1_003, Some(b"k1"), None),
        ];
        encode_batch(&recs, 0)
    }

    #[test]
    fn encodes_a_valid_v2_batch_that_round_trips() {
        let b = sample();
        let info = validate(&b, false, Origin::Client).unwrap().0;
        assert_eq!(info.record_count, 3);
        assert_eq!(info.last_offset(), 2);
        assert_eq!(info.max_timestamp, 1_005);
        assert_eq!(info.producer_id, -1);
        assert_eq!(b[MAGIC_AT], 2);
        let recs = records(&b).unwrap();
        assert_eq!(recs[1].key, None);
        assert_eq!(recs[2].value, None);
        assert_eq!(recs[1].timestamp, 1_005);
    }

    #[test]
    fn stamping_offsets_keeps_the_crc_valid() {
        let mut b = sample();
        stamp(&mut b, 368_796, 7);
        let info = validate(&b, false, Origin::Client).unwrap().0;
        assert_eq!(info.base_offset, 368_796);
        assert_eq!(info.partition_leader_epoch, 7);
        assert_eq!(records(&b).unwrap()[2].offset, 368_798);
    }

    #[test]
    fn corruption_and_keyless_records_are_refused() {
        let mut b = sample();
        let last = b.len() - 1;
        b[last] ^= 0xff;
        assert!(
            matches!(validate(&b, false, Origin::Client), Err(LogError::CorruptMessage(m)) if m.contains("CRC"))
        );
        let b = sample();
        assert!(matches!(
            validate(&b, true, Origin::Client),
            Err(LogError::InvalidRecord(_))
        ));
        assert!(validate(&b[..40], false, Origin::Client).is_err());
        assert!(validate(&b[..b.len() - 1], false, Origin::Client).is_err());
        let mut m = sample();
        m[MAGIC_AT] = 1;
        assert!(validate(&m, false, Origin::Client).is_err());
    }

    #[test]
    fn varints_are_zigzag() {
        for v in [
            0i64,
            -1,
            1,
            63,
            -64,
            64,
            300,
            -300,
            i32::MAX as i64,
            i64::MIN,
            i64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let len = out.len();
            let mut at = 0;
            assert_eq!(get_varint(&out, &mut at).unwrap(), v);
            assert_eq!(at, len);
            // Followed by more bytes, as inside a record.
            out.extend_from_slice(&[0x81, 0x01]);
            let mut at = 0;
            assert_eq!(get_varint(&out, &mut at).unwrap(), v);
            assert_eq!(at, len);
        }
        let mut out = Vec::new();
        put_varint(&mut out, -1);
        assert_eq!(out, vec![1]);
    }
}
