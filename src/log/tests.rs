//! Scenario tests of one log: rolling, lookups, truncation, retention,
//! compaction, and the notes' example (a segment based at 368796).

use super::*;

fn batch(first_key: usize, n: usize, ts: i64, value_bytes: usize) -> Vec<u8> {
    let value = vec![b'v'; value_bytes];
    let recs: Vec<Record> = (0..n)
        .map(|i| {
            let key = format!("k{}", first_key + i);
            Record::new(i as i64, ts, Some(key.as_bytes()), Some(&value))
        })
        .collect();
    encode_batch(&recs, 0)
}

fn small() -> LogConfig {
    LogConfig {
        segment_bytes: 4_096,
        index_interval_bytes: 512,
        segment_index_bytes: 4_096,
        max_message_bytes: 4_096,
        ..LogConfig::default()
    }
}

#[test]
fn leader_append_assigns_offsets_and_stamps_the_epoch() {
    let mut log = Log::new(small(), 0);
    let a = log.append_as_leader(1, &batch(0, 3, 10, 8), 4).unwrap();
    let b = log.append_as_leader(2, &batch(3, 2, 11, 8), 5).unwrap();
    assert_eq!((a.first_offset, a.last_offset), (0, 2));
    assert_eq!((b.first_offset, b.last_offset), (3, 4));
    assert_eq!(log.log_end_offset(), 5);
    let seg = &log.segments()[&0];
    let epochs: Vec<i32> = seg
        .batches()
        .map(|(_, b)| b.partition_leader_epoch)
        .collect();
    assert_eq!(epochs, vec![4, 5]);
    for (pos, info) in seg.batches() {
        validate(
            &seg.log_bytes()[pos..pos + info.size],
            false,
            Origin::Replication,
        )
        .unwrap();
    }
    let offsets: Vec<i64> = log.records().iter().map(|r| r.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2, 3, 4]);
}

#[test]
fn segments_roll_on_size_and_are_named_by_base_offset() {
    let mut log = Log::new(small(), 0);
    for i in 0..40 {
        log.append_as_leader(i, &batch(i as usize * 5, 5, i as i64, 40), 0)
            .unwrap();
    }
    assert!(log.segments().len() > 3);
    for (base, seg) in log.segments() {
        assert_eq!(seg.base_offset(), *base);
        assert!(seg.size() as u64 <= small().segment_bytes);
        assert_eq!(seg.files()[0].0, format!("{base:020}.log"));
        if let Some((_, first)) = seg.batches().next() {
            assert_eq!(first.base_offset, *base);
        }
    }
    let events = log.take_events();
    assert!(events.iter().any(|e| matches!(
        e,
        LogEvent::Rolled {
            reason: RollReason::SegmentBytes,
            ..
        }
    )));
}

#[test]
fn segments_roll_on_segment_ms() {
    let cfg = LogConfig {
        segment_ms: 1_000,
        ..small()
    };
    let mut log = Log::new(cfg, 0);
    log.append_as_leader(0, &batch(0, 1, 0, 4), 0).unwrap();
    log.append_as_leader(500, &batch(1, 1, 500, 4), 0).unwrap();
    assert_eq!(log.segments().len(), 1);
    log.append_as_leader(1_500, &batch(2, 1, 1_500, 4), 0)
        .unwrap();
    assert_eq!(log.segments().len(), 2);
    assert_eq!(*log.segments().keys().last().unwrap(), 2);
}

#[test]
fn lookup_uses_the_index_and_scans_little() {
    let mut log = Log::new(small(), 0);
    for i in 0..200 {
        log.append_as_leader(i, &batch(0, 3, i as i64, 30), 0)
            .unwrap();
    }
    for offset in [0, 1, 17, 299, 300, 451, 599] {
        let l = log.find(offset).unwrap();
        let seg = &log.segments()[&l.segment_base];
        assert!(l.segment_base <= offset);
        let (_, info) = seg.batches().find(|(p, _)| *p == l.found.position).unwrap();
        assert!(info.base_offset <= offset && offset <= info.last_offset());
        assert!(
            l.found.scanned_bytes <= small().index_interval_bytes as usize + 200,
            "scanned {} bytes for {offset}",
            l.found.scanned_bytes
        );
        assert_eq!(log.locate(offset).unwrap().1, l.found.position);
    }
    assert!(matches!(
        log.find(600),
        Err(LogError::OffsetOutOfRange { .. })
    ));
    assert!(matches!(
        log.find(-1),
        Err(LogError::OffsetOutOfRange { .. })
    ));
}

#[test]
fn the_notes_example_finds_offset_368801_in_segment_368796() {
    let mut log = Log::starting_at(LogConfig::app_default(), 368_796, 0);
    for i in 0..6 {
        log.append_as_leader(i, &batch(0, 2, i as i64, 20), 0)
            .unwrap();
    }
    let l = log.find(368_801).unwrap();
    assert_eq!(l.segment_base, 368_796);
    assert_eq!(
        log.segments()[&368_796].files()[0].0,
        "00000000000000368796.log"
    );
    let rec = log
        .records()
        .into_iter()
        .find(|r| r.offset == 368_801)
        .unwrap();
    assert_eq!(rec.key.as_deref(), Some(&b"k1"[..]));
}

#[test]
fn read_returns_whole_batches_and_at_least_one() {
    let mut log = Log::new(small(), 0);
    for i in 0..10 {
        log.append_as_leader(i, &batch(0, 4, 0, 50), 0).unwrap();
    }
    let one = batch(0, 4, 0, 50).len();
    let got = log.read(5, 1).unwrap();
    assert_eq!(got.len(), one, "one whole batch even past max_bytes");
    assert_eq!(peek(got).unwrap().base_offset, 4);
    let got = log.read(0, 3 * one + 10).unwrap();
    assert_eq!(got.len(), 3 * one);
    assert!(log.read(40, 100).unwrap().is_empty());
    assert!(log.read(41, 100).is_err());
}

#[test]
fn truncation_drops_whole_batches() {
    let mut log = Log::new(small(), 0);
    for i in 0..60 {
        log.append_as_leader(i, &batch(0, 5, 0, 40), 0).unwrap();
    }
    log.truncate_to(1, 152);
    assert_eq!(
        log.log_end_offset(),
        152,
        "the log ends at the target, as Kafka's does"
    );
    assert_eq!(
        log.records().last().unwrap().offset,
        149,
        "the batch holding 152 went whole"
    );
    assert!(log.segments().keys().all(|b| *b <= 152));
    let a = log.append_as_leader(2, &batch(0, 1, 0, 4), 1).unwrap();
    assert_eq!(a.first_offset, 152);
    log.truncate_to(3, 0);
    assert_eq!(log.log_end_offset(), 0);
    assert_eq!(log.segments().len(), 1);
}

#[test]
fn retention_deletes_whole_old_segments_and_moves_the_start() {
    let cfg = LogConfig {
        retention_ms: 10_000,
        ..small()
    };
    let mut log = Log::new(cfg, 0);
    for i in 0..60i64 {
        log.append_as_leader(i as u64 * 500, &batch(0, 5, i * 500, 40), 0)
            .unwrap();
    }
    let before = log.segments().len();
    let deleted = log.apply_retention(30_000, log.log_end_offset());
    assert!(deleted > 0 && deleted < before);
    assert_eq!(
        log.log_start_offset(),
        *log.segments().keys().next().unwrap()
    );
    assert!(log
        .records()
        .iter()
        .all(|r| r.offset >= log.log_start_offset()));
    assert!(matches!(
        log.find(0),
        Err(LogError::OffsetOutOfRange { .. })
    ));
    // Not below the high watermark: nothing goes.
    let mut log2 = Log::new(
        LogConfig {
            retention_ms: 1,
            ..small()
        },
        0,
    );
    for i in 0..30 {
        log2.append_as_leader(i, &batch(0, 5, 0, 40), 0).unwrap();
    }
    assert_eq!(log2.apply_retention(100_000, 0), 0);
    let size_cfg = LogConfig {
        retention_bytes: 5_000,
        retention_ms: -1,
        ..small()
    };
    let mut log3 = Log::new(size_cfg, 0);
    for i in 0..60 {
        log3.append_as_leader(i, &batch(0, 5, 0, 40), 0).unwrap();
    }
    log3.apply_retention(100, log3.log_end_offset());
    assert!(log3.size_bytes() <= 5_000 + 4_096);
}

#[test]
fn compaction_keeps_the_latest_value_per_key_and_never_the_active_segment() {
    let cfg = LogConfig {
        cleanup_policy: CleanupPolicy::Compact,
        delete_retention_ms: 1_000,
        ..small()
    };
    let mut log = Log::new(cfg, 0);
    let mut t = 0;
    for round in 0..20 {
        for k in 0..5 {
            let v = format!("{round}");
            let value = if round == 10 && k == 4 {
                None
            } else {
                Some(v.as_bytes())
            };
            let r = Record::new(0, t, Some(format!("key{k}").as_bytes()), value);
            log.append_as_leader(t as u64, &encode_batch(&[r], 0), 0)
                .unwrap();
            t += 1;
        }
    }
    let leo = log.log_end_offset();
    let active_before = log.segments().values().last().unwrap().log_bytes().to_vec();
    let stats = log.compact(5_000, leo).unwrap();
    assert!(stats.records_removed > 0);
    assert_eq!(log.log_end_offset(), leo);
    assert_eq!(
        log.segments().values().last().unwrap().log_bytes(),
        &active_before[..]
    );
    let recs = log.records();
    for w in recs.windows(2) {
        assert!(w[0].offset < w[1].offset);
    }
    let active_base = *log.segments().keys().last().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for r in recs.iter().filter(|r| r.offset < active_base) {
        assert!(
            seen.insert(r.key.clone()),
            "duplicate key below the active segment"
        );
    }
    for seg in log.segments().values() {
        for (pos, info) in seg.batches() {
            validate(
                &seg.log_bytes()[pos..pos + info.size],
                true,
                Origin::Replication,
            )
            .unwrap();
        }
    }
    let keyless = encode_batch(&[Record::new(0, 0, None, Some(b"x"))], 0);
    assert!(matches!(
        log.append_as_leader(1, &keyless, 0),
        Err(LogError::InvalidRecord(_))
    ));
}

#[test]
fn oversized_and_corrupt_batches_are_refused() {
    let mut log = Log::new(small(), 0);
    let big = batch(0, 1, 0, 5_000);
    assert!(matches!(
        log.append_as_leader(0, &big, 0),
        Err(LogError::MessageTooLarge { .. })
    ));
    let mut bad = batch(0, 2, 0, 10);
    let n = bad.len();
    bad[n - 2] ^= 1;
    assert!(matches!(
        log.append_as_leader(0, &bad, 0),
        Err(LogError::CorruptMessage(_))
    ));
    let mut follower = Log::new(small(), 0);
    let b = batch(0, 2, 0, 10);
    follower.append_as_follower(0, &b).unwrap();
    assert!(matches!(
        follower.append_as_follower(0, &b),
        Err(LogError::UnexpectedAppendOffset {
            base_offset: 0,
            log_end_offset: 2
        })
    ));
    assert_eq!(log.log_end_offset(), 0);
}

#[test]
fn offset_for_timestamp_finds_the_first_record_at_or_after() {
    let mut log = Log::new(small(), 0);
    for i in 0..50i64 {
        log.append_as_leader(i as u64, &batch(0, 2, i * 100, 30), 0)
            .unwrap();
    }
    assert_eq!(log.offset_for_timestamp(0), Some(0));
    assert_eq!(log.offset_for_timestamp(250), Some(6));
    assert_eq!(log.offset_for_timestamp(4_900), Some(98));
    assert_eq!(log.offset_for_timestamp(4_901), None);
}

/// Recomputes a batch's CRC after a test edits it, so only the edit is wrong.
fn recrc(b: &mut [u8]) {
    let crc = crc32c::crc32c(&b[21..]);
    b[17..21].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn the_leader_refuses_what_kafkas_log_validator_refuses() {
    let mut log = Log::new(small(), 0);
    // lastOffsetDelta 1000 for one record.
    let mut b = batch(0, 1, 0, 4);
    b[23..27].copy_from_slice(&1000i32.to_be_bytes());
    recrc(&mut b);
    assert!(
        matches!(log.append_as_leader(0, &b, 0), Err(LogError::InvalidRecord(m)) if m.contains("offset range"))
    );
    // A control batch from a client.
    let mut b = batch(0, 1, 0, 4);
    b[22] |= 0x20;
    recrc(&mut b);
    assert!(
        matches!(log.append_as_leader(0, &b, 0), Err(LogError::InvalidRecord(m)) if m.contains("control"))
    );
    // A record whose offsetDelta is outside its place (second record says 5).
    let recs = vec![
        Record::new(0, 0, Some(b"a"), Some(b"x")),
        Record::new(5, 0, Some(b"b"), Some(b"y")),
    ];
    let mut b = encode_batch_span(&recs, 0, 0, 1);
    recrc(&mut b);
    assert!(matches!(
        log.append_as_leader(0, &b, 0),
        Err(LogError::InvalidRecord(_))
    ));
    // A key length running past its record, under a valid CRC.
    let mut b = batch(0, 1, 0, 4);
    let key_len_at = HEADER_BYTES + 1 + 1 + 1 + 1; // length, attributes, ts delta, offset delta
    b[key_len_at] = 40; // zig-zag 20: past the record
    recrc(&mut b);
    assert!(matches!(
        log.append_as_leader(0, &b, 0),
        Err(LogError::CorruptMessage(_))
    ));
    assert_eq!(log.log_end_offset(), 0, "nothing was appended");
}

#[test]
fn the_leader_corrects_a_wrong_max_timestamp() {
    let mut log = Log::new(small(), 0);
    let mut b = batch(0, 3, 1_000, 4);
    b[35..43].copy_from_slice(&i64::MAX.to_be_bytes());
    recrc(&mut b);
    log.append_as_leader(5, &b, 0).unwrap();
    let stored = log.read(0, 1 << 20).unwrap();
    let (info, max) = validate(stored, false, Origin::Replication).unwrap();
    assert_eq!(info.max_timestamp, 1_000);
    assert_eq!(max, 1_000);
    assert_eq!(log.segments()[&0].max_timestamp(), 1_000);
}
