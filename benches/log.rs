//! Segment store speed, natively:
//! - append of encoded batches (100 records of 100-byte values each) as a
//!   leader does it (validate CRC and records, assign offsets, stamp, copy,
//!   index), next to a plain memcpy of the same bytes in the same run;
//! - random offset lookup over 10 million records (floor segment, index
//!   binary search, bounded scan).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kafkascope::log::{encode_batch, Log, LogConfig, Record};
use std::hint::black_box;

const RECORDS_PER_BATCH: i64 = 100;
const VALUE_BYTES: usize = 100;

fn batches(count: i64, value_bytes: usize) -> Vec<Vec<u8>> {
    let value = vec![b'x'; value_bytes];
    (0..count)
        .map(|b| {
            let recs: Vec<Record> = (0..RECORDS_PER_BATCH)
                .map(|i| {
                    let key = format!("key-{}", (b * RECORDS_PER_BATCH + i) % 1000);
                    Record::new(i, 1_000 + b, Some(key.as_bytes()), Some(&value))
                })
                .collect();
            encode_batch(&recs, 0)
        })
        .collect()
}

fn append(c: &mut Criterion) {
    let input = batches(200, VALUE_BYTES);
    let total: usize = input.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("log_append");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("memcpy_same_bytes", |b| {
        b.iter_batched_ref(
            || Vec::with_capacity(total),
            |out: &mut Vec<u8>| {
                for batch in &input {
                    out.extend_from_slice(batch);
                }
                black_box(out.len())
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("append_as_leader", |b| {
        b.iter_batched_ref(
            || Log::new(LogConfig::default(), 0),
            |log: &mut Log| {
                for batch in &input {
                    log.append_as_leader(5, batch, 3).expect("valid batch");
                }
                black_box(log.log_end_offset())
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let records: i64 = 10_000_000;
    let input = batches(1_000, VALUE_BYTES);
    let mut log = Log::new(LogConfig::default(), 0);
    for i in 0..records / RECORDS_PER_BATCH {
        log.append_as_leader(i as u64, &input[(i % 1_000) as usize], 0)
            .expect("valid batch");
    }
    assert_eq!(log.log_end_offset(), records);
    let mut group = c.benchmark_group("log_lookup");
    group.throughput(Throughput::Elements(1));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    group.bench_function("random_offset_10m_records", |b| {
        b.iter(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let offset = (x % records as u64) as i64;
            black_box(log.locate(offset).expect("in range").1)
        })
    });
    group.finish();
    println!(
        "lookup log: {} records, {} segments, {} bytes",
        records,
        log.segments().len(),
        log.size_bytes()
    );
}

criterion_group!(benches, append, lookup);
criterion_main!(benches);
