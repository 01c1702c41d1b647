//! The segment store against a plain model and an independent decoder.
//!
//! A model-based property test drives random appends, reads, lookups,
//! truncations, retention and compaction on random configurations and
//! checks after every step that the log holds exactly what a `Vec` of
//! records says it should, that every `.log` decodes with the
//! `kafka-protocol` crate's decoder (CRC checked), that index entries are
//! sorted and land on batch starts, and that a lookup scans at most about
//! one index interval plus a batch.
#![cfg(not(target_arch = "wasm32"))]

use bytes::Bytes;
use kafka_protocol::records::RecordBatchDecoder;
use kafkascope::log::{
    encode_batch, peek, records, CleanupPolicy, Log, LogConfig, Record, Segment,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Append {
        keys: Vec<u8>,
        value_len: usize,
        tombstone: bool,
        advance_ms: u64,
    },
    Read(f64, usize),
    Lookup(f64),
    Truncate(f64),
    Retention(u64),
    Compact(u64),
    ByTimestamp(f64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (prop::collection::vec(0u8..8, 1..12), 0usize..120, prop::bool::weighted(0.1), 0u64..3_000)
            .prop_map(|(keys, value_len, tombstone, advance_ms)| Op::Append { keys, value_len, tombstone, advance_ms }),
        2 => (0.0f64..1.0, 1usize..4_000).prop_map(|(f, m)| Op::Read(f, m)),
        2 => (0.0f64..1.0).prop_map(Op::Lookup),
        1 => (0.0f64..1.1).prop_map(Op::Truncate),
        1 => (0u64..40_000).prop_map(Op::Retention),
        1 => (0u64..40_000).prop_map(Op::Compact),
        1 => (0.0f64..1.2).prop_map(Op::ByTimestamp),
    ]
}

fn config() -> impl Strategy<Value = LogConfig> {
    (
        1_024u64..8_192,
        0u64..2_048,
        500i64..60_000,
        prop_oneof![Just(-1i64), 1_000i64..60_000],
        prop_oneof![Just(-1i64), 2_000i64..20_000],
        prop_oneof![
            Just(CleanupPolicy::Delete),
            Just(CleanupPolicy::Compact),
            Just(CleanupPolicy::CompactDelete)
        ],
        48u64..400,
    )
        .prop_map(
            |(seg, interval, seg_ms, ret_ms, ret_bytes, policy, index_bytes)| LogConfig {
                segment_bytes: seg,
                index_interval_bytes: interval,
                segment_ms: seg_ms,
                retention_ms: ret_ms,
                retention_bytes: ret_bytes,
                cleanup_policy: policy,
                delete_retention_ms: 5_000,
                segment_index_bytes: index_bytes,
                max_message_bytes: seg,
            },
        )
}

/// What the log must hold: records by offset, and batch spans.
#[derive(Default)]
struct Model {
    records: BTreeMap<i64, Record>,
    batches: Vec<(i64, i64)>,
    next: i64,
}

impl Model {
    fn truncate(&mut self, offset: i64, log_start: i64) {
        if offset <= log_start {
            self.records.clear();
            self.batches.clear();
            self.next = offset;
            return;
        }
        if offset >= self.next {
            return;
        }
        if let Some(i) = self.batches.iter().position(|(_, last)| *last >= offset) {
            let (base, _) = self.batches[i];
            self.batches.truncate(i);
            self.records.retain(|o, _| *o < base);
        }
        self.next = offset;
    }

    fn drop_below(&mut self, start: i64) {
        self.records.retain(|o, _| *o >= start);
        self.batches.retain(|(_, last)| *last >= start);
    }

    fn compact(&mut self, active_base: i64, now: i64, delete_retention_ms: i64) {
        let mut latest = BTreeMap::new();
        for r in self.records.range(..active_base).map(|(_, r)| r) {
            latest.insert(r.key.clone(), r.offset);
        }
        self.records.retain(|o, r| {
            *o >= active_base
                || (latest.get(&r.key) == Some(o)
                    && !(r.value.is_none() && now - r.timestamp > delete_retention_ms))
        });
        let recs = &self.records;
        self.batches
            .retain(|(b, l)| *b >= active_base || recs.range(*b..=*l).next().is_some());
    }
}

fn check_segment(seg: &Segment, cfg: &LogConfig) {
    // Independent decode of the whole .log with CRC checks.
    let mut buf = Bytes::copy_from_slice(seg.log_bytes());
    let sets = RecordBatchDecoder::decode_all(&mut buf).expect("kafka-protocol decodes the .log");
    let ours: usize = seg.batches().map(|(_, b)| b.record_count as usize).sum();
    let theirs: usize = sets.iter().map(|s| s.records.len()).sum();
    assert_eq!(ours, theirs);
    let starts: Vec<usize> = seg.batches().map(|(p, _)| p).collect();
    let mut last_rel = -1i64;
    for i in 0..seg.index().len() {
        let (rel, pos) = seg.index().entry(i);
        assert!(i64::from(rel) > last_rel, "index entries sorted");
        last_rel = i64::from(rel);
        assert!(
            starts.contains(&(pos as usize)),
            "index entry at a batch start"
        );
        let info = peek(&seg.log_bytes()[pos as usize..]).unwrap();
        assert_eq!(info.last_offset(), seg.base_offset() + i64::from(rel));
    }
    assert!(seg.index().len() as u64 <= cfg.segment_index_bytes / 8);
    let mut last_ts = i64::MIN;
    for i in 0..seg.time_index().len() {
        let (ts, _) = seg.time_index().entry(i);
        assert!(ts > last_ts, "time index timestamps increase");
        last_ts = ts;
    }
}

fn pick(lo: i64, hi: i64, f: f64) -> i64 {
    lo + (((hi - lo) as f64) * f).floor() as i64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn the_log_matches_a_plain_model(cfg in config(), ops in prop::collection::vec(op(), 1..70)) {
        let mut log = Log::new(cfg.clone(), 0);
        let mut model = Model::default();
        let mut now: u64 = 0;
        let mut leader_epoch = 0;
        let max_batch = cfg.max_message_bytes as usize;
        for op in ops {
            match op {
                Op::Append { keys, value_len, tombstone, advance_ms } => {
                    now += advance_ms;
                    if advance_ms > 2_500 {
                        leader_epoch += 1; // now and then a new leader
                    }
                    let value = vec![b'v'; value_len];
                    let recs: Vec<Record> = keys.iter().enumerate().map(|(i, k)| {
                        let key = format!("key-{k}");
                        let v = if tombstone && i == 0 { None } else { Some(&value[..]) };
                        Record::new(i as i64, now as i64, Some(key.as_bytes()), v)
                    }).collect();
                    let bytes = encode_batch(&recs, 0);
                    match log.append_as_leader(now, &bytes, leader_epoch) {
                        Ok(a) => {
                            prop_assert_eq!(a.first_offset, model.next);
                            for (i, r) in recs.into_iter().enumerate() {
                                let o = model.next + i as i64;
                                model.records.insert(o, Record { offset: o, ..r });
                            }
                            model.batches.push((a.first_offset, a.last_offset));
                            model.next = a.last_offset + 1;
                        }
                        Err(e) => prop_assert!(bytes.len() > max_batch, "refused {e}"),
                    }
                }
                Op::Read(f, max) => {
                    let o = pick(log.log_start_offset(), log.log_end_offset(), f);
                    // A cleaned batch keeps its span: it answers for offsets past its last record.
                    let held_after = model.batches.iter().any(|(_, last)| *last >= o);
                    if o < log.log_end_offset() && held_after {
                        let bytes = log.read(o, max).unwrap();
                        let mut buf = Bytes::copy_from_slice(bytes);
                        let sets = RecordBatchDecoder::decode_all(&mut buf).unwrap();
                        prop_assert!(!sets.is_empty());
                        let first = peek(bytes).unwrap();
                        prop_assert!(first.last_offset() >= o);
                        prop_assert!(first.base_offset <= o || model.records.range(o..first.base_offset).next().is_none());
                        prop_assert!(sets.len() == 1 || bytes.len() <= max);
                    } else if o <= log.log_end_offset() {
                        prop_assert!(log.read(o, max).unwrap().is_empty());
                    }
                }
                Op::Lookup(f) => {
                    let o = pick(log.log_start_offset(), log.log_end_offset(), f);
                    if o < log.log_end_offset() && model.batches.iter().any(|(_, last)| *last >= o) {
                        let l = log.find(o).unwrap();
                        prop_assert!(l.found.scanned_bytes <= cfg.index_interval_bytes as usize + max_batch,
                            "scanned {} bytes", l.found.scanned_bytes);
                        prop_assert_eq!(log.locate(o).unwrap().1, l.found.position);
                    }
                }
                Op::Truncate(f) => {
                    let o = pick(log.log_start_offset(), log.log_end_offset() + 1, f.min(1.0));
                    let start = log.log_start_offset();
                    log.truncate_to(now, o);
                    model.truncate(o, start);
                }
                Op::Retention(advance) => {
                    now += advance;
                    let start = log.log_start_offset();
                    log.apply_retention(now, log.log_end_offset());
                    prop_assert!(log.log_start_offset() >= start);
                    model.drop_below(log.log_start_offset());
                }
                Op::Compact(advance) => {
                    now += advance;
                    let active = *log.segments().keys().last().unwrap();
                    log.compact(now, log.log_end_offset());
                    if cfg.cleanup_policy.compacts() {
                        model.compact(active, now as i64, cfg.delete_retention_ms);
                    }
                }
                Op::ByTimestamp(f) => {
                    let ts = (now as f64 * f) as i64;
                    let expected = model.records.values().find(|r| r.timestamp >= ts).map(|r| r.offset);
                    let got = log.offset_for_timestamp(ts);
                    // Compaction may reorder which record is first at or after ts only
                    // within equal timestamps; offsets must agree when nothing was cleaned.
                    if !cfg.cleanup_policy.compacts() {
                        prop_assert_eq!(got, expected);
                    }
                }
            }
            prop_assert_eq!(log.log_end_offset(), model.next);
            let epochs = log.leader_epochs().entries();
            for w in epochs.windows(2) {
                prop_assert!(w[0].0 < w[1].0 && w[0].1 < w[1].1, "epochs monotonic: {:?}", epochs);
            }
            for (_, start) in epochs {
                prop_assert!(*start >= log.log_start_offset() && *start <= log.log_end_offset(), "{:?}", epochs);
            }
            if let Some(latest) = log.leader_epochs().latest_epoch() {
                prop_assert_eq!(log.end_offset_for_epoch(latest), (latest, log.log_end_offset()));
            }
            let held: Vec<Record> = log.records();
            let want: Vec<Record> = model.records.values().cloned().collect();
            prop_assert_eq!(held, want);
            for seg in log.segments().values() {
                check_segment(seg, &cfg);
                prop_assert!(seg.size() as u64 <= cfg.segment_bytes.max(max_batch as u64));
            }
        }
    }
}

#[test]
fn a_non_idempotent_batch_has_kafkas_sentinels_and_decodes_independently() {
    let recs: Vec<Record> = (0..100)
        .map(|i| Record::new(i, 1_700_000_000_000 + i, Some(b"k"), Some(&[7u8; 100])))
        .collect();
    let bytes = encode_batch(&recs, 0);
    let mut log = Log::new(LogConfig::default(), 0);
    log.append_as_leader(0, &bytes, 9).unwrap();
    let stored = log.read(0, 1 << 20).unwrap();
    let info = peek(stored).unwrap();
    assert_eq!(
        (info.producer_id, info.producer_epoch, info.base_sequence),
        (-1, -1, -1)
    );
    assert_eq!(info.partition_leader_epoch, 9);
    let mut buf = Bytes::copy_from_slice(stored);
    let sets = RecordBatchDecoder::decode_all(&mut buf).unwrap();
    assert_eq!(sets.len(), 1, "one batch of 100 records");
    let decoded = &sets[0].records;
    assert_eq!(decoded.len(), 100);
    assert_eq!(decoded[42].offset, 42);
    assert_eq!(decoded[42].timestamp, 1_700_000_000_042);
    assert_eq!(decoded[42].partition_leader_epoch, 9);
    assert_eq!(decoded[42].value.as_deref(), Some(&[7u8; 100][..]));
    assert_eq!(records(stored).unwrap(), recs);
}
