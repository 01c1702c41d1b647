//! Segment store speed, natively:
//! - append of encoded batches (100 records of 100-byte values each) as a
//!   leader does it (validate CRC and records, assign offsets, stamp, copy,
//!   index), next to a plain memcpy of the same bytes in the same run, at
//!   three scales: 2.3 MB into fresh memory (page faults included), 2.3 MB
//!   into memory reused (the bytes stay in the CPU caches), and 256 MiB into
//!   memory already mapped (a log far larger than the caches, as a
//!   partition's log is: every byte written goes out to RAM);
//! - random offset lookup over 10 million records (floor segment, index
//!   binary search, bounded scan).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kafkascope::log::{advise_huge_pages, sample_batches, Log, LogConfig};
use std::hint::black_box;

const RECORDS_PER_BATCH: i64 = 100;
const VALUE_BYTES: usize = 100;

/// Copies `rounds` rounds of `input` onto the end of `out`.
fn copy_rounds(out: &mut Vec<u8>, input: &[Vec<u8>], rounds: usize) -> usize {
    for _ in 0..rounds {
        for batch in input {
            out.extend_from_slice(batch);
        }
    }
    out.len()
}

/// Appends `rounds` rounds of `input` to `log` as its leader.
fn append_rounds(log: &mut Log, input: &[Vec<u8>], rounds: usize) -> i64 {
    for _ in 0..rounds {
        for batch in input {
            log.append_as_leader(5, batch, 3).expect("valid batch");
        }
    }
    log.log_end_offset()
}

fn append(c: &mut Criterion) {
    let input = sample_batches(200, VALUE_BYTES);
    let total: usize = input.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("log_append");
    group.throughput(Throughput::Bytes(total as u64));
    // Fresh memory each time (page faults included), for both.
    group.bench_function("memcpy_same_bytes_fresh", |b| {
        b.iter_batched_ref(
            || Vec::with_capacity(total),
            |out: &mut Vec<u8>| black_box(copy_rounds(out, &input, 1)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("append_as_leader_fresh", |b| {
        b.iter_batched_ref(
            || Log::new(LogConfig::default(), 0),
            |log: &mut Log| black_box(append_rounds(log, &input, 1)),
            BatchSize::SmallInput,
        )
    });
    // Warm memory: the same buffer reused, for both.
    let mut out = Vec::with_capacity(total);
    group.bench_function("memcpy_same_bytes_warm", |b| {
        b.iter(|| {
            out.clear();
            black_box(copy_rounds(&mut out, &input, 1))
        })
    });
    let mut log = Log::new(LogConfig::default(), 0);
    group.bench_function("append_as_leader_warm", |b| {
        b.iter(|| {
            log.truncate_to(5, 0);
            black_box(append_rounds(&mut log, &input, 1))
        })
    });
    group.finish();
    at_scale(c, &input, total);
}

/// Rounds of the 200 input batches written per iteration: 110 rounds of
/// 2.34 MB is 257 MB, eight times the 32 MiB L3 cache of the test machine.
const ROUNDS_AT_SCALE: usize = 110;

fn at_scale(c: &mut Criterion, input: &[Vec<u8>], total: usize) {
    let mut group = c.benchmark_group("log_append_at_scale");
    group.throughput(Throughput::Bytes((total * ROUNDS_AT_SCALE) as u64));
    group.sample_size(20);
    // Both destinations are written once before measuring (their pages are
    // mapped) and get the same huge-page advice the segment store gives.
    let mut out: Vec<u8> = Vec::with_capacity(total * ROUNDS_AT_SCALE);
    advise_huge_pages(&mut out);
    copy_rounds(&mut out, input, ROUNDS_AT_SCALE);
    group.bench_function("memcpy_same_bytes_256mib", |b| {
        b.iter(|| {
            out.clear();
            black_box(copy_rounds(&mut out, input, ROUNDS_AT_SCALE))
        })
    });
    drop(out);
    let mut log = Log::new(LogConfig::default(), 0);
    append_rounds(&mut log, input, ROUNDS_AT_SCALE);
    group.bench_function("append_as_leader_256mib", |b| {
        b.iter(|| {
            log.truncate_to(5, 0);
            black_box(append_rounds(&mut log, input, ROUNDS_AT_SCALE))
        })
    });
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let records: i64 = 10_000_000;
    let input = sample_batches(1_000, VALUE_BYTES);
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
