//! JSON views of one partition's log for the storage inspector: the folder
//! (segment files with sizes), batches with their records (for
//! `__consumer_offsets`, decoded: offset commits and group metadata),
//! index entries, and every step of finding an offset.

use crate::broker::coordinator::records::{decode, OffsetsRecord};
use crate::log::lab::{Lab, PRESETS};
use crate::log::{records, Log, LogConfig, CHECKPOINT_FILE};
use serde_json::{json, Value};

/// Longest key or value shown, in characters.
pub const MAX_SHOWN_CHARS: usize = 48;
/// Most batches one page returns.
pub const MAX_PAGE_BATCHES: usize = 200;

fn shown(bytes: Option<&[u8]>) -> Value {
    match bytes {
        None => Value::Null,
        Some(b) => {
            let s = String::from_utf8_lossy(b);
            let mut out: String = s.chars().take(MAX_SHOWN_CHARS).collect();
            if s.chars().count() > MAX_SHOWN_CHARS {
                out.push('…');
            }
            Value::String(out)
        }
    }
}

fn config_json(cfg: &LogConfig) -> Value {
    serde_json::to_value(cfg).unwrap_or(Value::Null)
}

/// The presets: id, title, explanation.
pub fn presets_json() -> String {
    serde_json::to_string(&PRESETS).unwrap_or_else(|_| "[]".into())
}

/// The lab's log as a folder listing.
pub fn lab_view(lab: &Lab) -> Value {
    log_view(lab.log(), lab.now(), lab.preset())
}

/// Any partition log as a folder listing (`source` names where it comes
/// from: a lab preset, or "replica" for a broker's copy).
pub fn log_view(log: &Log, now_ms: u64, source: &str) -> Value {
    let active = log.segments().keys().next_back().copied();
    let segments: Vec<Value> = log
        .segments()
        .values()
        .map(|seg| {
            let infos: Vec<_> = seg.batches().map(|(_, b)| b).collect();
            json!({
                "base_offset": seg.base_offset(),
                "active": Some(seg.base_offset()) == active,
                "files": seg.files().iter().map(|(name, bytes)| json!({"name": name, "bytes": bytes.len()})).collect::<Vec<_>>(),
                "first_offset": infos.first().map(|b| b.base_offset),
                "last_offset": infos.last().map(|b| b.last_offset()),
                "batches": infos.len(),
                "records": infos.iter().map(|b| i64::from(b.record_count)).sum::<i64>(),
                "max_timestamp": seg.max_timestamp(),
            })
        })
        .collect();
    json!({
        "preset": source,
        "now_ms": now_ms,
        "config": config_json(log.config()),
        "log_start_offset": log.log_start_offset(),
        "log_end_offset": log.log_end_offset(),
        "size_bytes": log.size_bytes(),
        "segments": segments,
        "partition_files": [partition_file_json(log)],
    })
}

/// The partition folder's `leader-epoch-checkpoint` file: name, size, text.
fn partition_file_json(log: &Log) -> Value {
    let text = log.leader_epochs().checkpoint();
    json!({ "name": CHECKPOINT_FILE, "bytes": text.len(), "text": text })
}

/// A page of batches of one segment, with their records.
pub fn batches_json(log: &Log, base: i64, from: usize, count: usize) -> Value {
    batches_page(log, base, from, count, false)
}

/// `batches_json` for a `__consumer_offsets` log: keys and values decoded
/// from Kafka's schemas (offset commits and group metadata) into words.
pub fn offsets_batches_json(log: &Log, base: i64, from: usize, count: usize) -> Value {
    batches_page(log, base, from, count, true)
}

/// Longest decoded `__consumer_offsets` value shown, in characters.
const MAX_DECODED_CHARS: usize = 160;

/// An offsets record's key and value in words.
fn decoded(key: &[u8], value: Option<&[u8]>) -> Option<(String, Option<String>)> {
    Some(match decode(key, value)? {
        OffsetsRecord::Offset { group, tp, offset } => (
            format!("{group} · {tp} (offset commit)"),
            offset.map(|o| format!("offset {o}")),
        ),
        OffsetsRecord::Group { group, value } => (
            format!("{group} (group metadata)"),
            value.map(|g| {
                let members: Vec<String> = g
                    .members
                    .iter()
                    .map(|m| {
                        let parts: Vec<String> =
                            m.assignment.iter().map(|tp| tp.to_string()).collect();
                        format!("{} [{}]", m.client_id, parts.join(", "))
                    })
                    .collect();
                let s = format!(
                    "generation {} · {} · leader {} · members: {}",
                    g.generation,
                    g.protocol.as_deref().unwrap_or("no protocol"),
                    g.leader.as_deref().unwrap_or("none"),
                    if members.is_empty() {
                        "none".to_string()
                    } else {
                        members.join("; ")
                    }
                );
                let mut out: String = s.chars().take(MAX_DECODED_CHARS).collect();
                if s.chars().count() > MAX_DECODED_CHARS {
                    out.push('…');
                }
                out
            }),
        ),
    })
}

fn batches_page(log: &Log, base: i64, from: usize, count: usize, offsets: bool) -> Value {
    let Some(seg) = log.segments().get(&base) else {
        return json!({ "total": 0, "batches": [] });
    };
    let all: Vec<_> = seg.batches().collect();
    let page: Vec<Value> = all
        .iter()
        .skip(from)
        .take(count.min(MAX_PAGE_BATCHES))
        .map(|(pos, info)| {
            let recs = records(&seg.log_bytes()[*pos..*pos + info.size]).unwrap_or_default();
            json!({
                "position": pos,
                "base_offset": info.base_offset,
                "last_offset": info.last_offset(),
                "size": info.size,
                "crc": format!("{:08x}", info.crc),
                "partition_leader_epoch": info.partition_leader_epoch,
                "max_timestamp": info.max_timestamp,
                "records": recs.iter().map(|r| {
                    let words = offsets
                        .then(|| decoded(r.key.as_deref()?, r.value.as_deref()))
                        .flatten();
                    match words {
                        Some((key, value)) => json!({
                            "offset": r.offset,
                            "timestamp": r.timestamp,
                            "key": key,
                            "value": value,
                            "decoded": true,
                        }),
                        None => json!({
                            "offset": r.offset,
                            "timestamp": r.timestamp,
                            "key": shown(r.key.as_deref()),
                            "value": shown(r.value.as_deref()),
                        }),
                    }
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "total": all.len(), "batches": page })
}

/// A segment's `.index` and `.timeindex` entries.
pub fn index_json(log: &Log, base: i64) -> Value {
    let Some(seg) = log.segments().get(&base) else {
        return json!({ "index": [], "timeindex": [] });
    };
    let index: Vec<Value> = (0..seg.index().len())
        .map(|i| {
            let (rel, pos) = seg.index().entry(i);
            json!({"slot": i, "relative_offset": rel, "offset": base + i64::from(rel), "position": pos})
        })
        .collect();
    let timeindex: Vec<Value> = (0..seg.time_index().len())
        .map(|i| {
            let (ts, rel) = seg.time_index().entry(i);
            json!({"slot": i, "timestamp": ts, "relative_offset": rel, "offset": base + i64::from(rel)})
        })
        .collect();
    json!({ "index": index, "timeindex": timeindex })
}

/// Every step of finding `offset`: the floor segment, each binary-search
/// probe in its `.index`, and each batch scanned.
pub fn find_json(log: &Log, offset: i64) -> Value {
    let bases: Vec<i64> = log.segments().keys().copied().collect();
    match log.find(offset) {
        Err(e) => {
            json!({ "offset": offset, "ok": false, "error": e.to_string(), "segment_bases": bases })
        }
        Ok(l) => {
            let base = l.segment_base;
            let f = &l.found;
            let idx = &log.segments()[&base].index();
            json!({
                "offset": offset,
                "ok": true,
                "segment_bases": bases,
                "segment_base": base,
                "probes": f.probes.iter().map(|p| {
                    let (rel, pos) = idx.entry(p.slot);
                    json!({"slot": p.slot, "relative_offset": rel, "offset": base + i64::from(rel), "position": pos, "at_or_below": p.at_or_below, "stage": p.stage})
                }).collect::<Vec<_>>(),
                "index_entry": f.index_entry.map(|(rel, pos)| json!({"relative_offset": rel, "offset": base + i64::from(rel), "position": pos})),
                "scanned": f.scanned.iter().map(|(pos, b, last)| json!({
                    "position": pos, "base_offset": b, "last_offset": last, "hit": *last >= offset
                })).collect::<Vec<_>>(),
                "position": f.position,
                "scanned_bytes": f.scanned_bytes,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_find_walks_floor_probes_and_scan() {
        let lab = Lab::new("notes").unwrap();
        let v = find_json(lab.log(), 368_801);
        assert_eq!(v["ok"], true);
        assert_eq!(v["segment_base"], 368_796);
        let scanned = v["scanned"].as_array().unwrap();
        assert_eq!(scanned.last().unwrap()["hit"], true);
        assert!(scanned.last().unwrap()["base_offset"].as_i64().unwrap() <= 368_801);
        let far = find_json(lab.log(), 500_000);
        assert!(!far["probes"].as_array().unwrap().is_empty());
        assert!(far["index_entry"].is_object());
        let bad = find_json(lab.log(), 10_000_000);
        assert_eq!(bad["ok"], false);
        assert!(bad["error"]
            .as_str()
            .unwrap()
            .contains("OFFSET_OUT_OF_RANGE"));
    }

    #[test]
    fn folder_pages_and_indexes() {
        let lab = Lab::new("notes").unwrap();
        let v = lab_view(&lab);
        let segs = v["segments"].as_array().unwrap();
        assert_eq!(segs[1]["files"][0]["name"], "00000000000000368796.log");
        assert_eq!(segs[2]["active"], true);
        assert_eq!(v["config"]["index.interval.bytes"], 4096);
        assert_eq!(v["partition_files"][0]["name"], "leader-epoch-checkpoint");
        assert_eq!(
            v["partition_files"][0]["text"],
            "0\n3\n0 0\n1 368796\n2 737592\n"
        );
        let page = batches_json(lab.log(), 368_796, 0, 3);
        assert_eq!(page["batches"].as_array().unwrap().len(), 3);
        assert_eq!(page["batches"][0]["records"][5]["offset"], 368_801);
        let idx = index_json(lab.log(), 368_796);
        assert!(idx["index"].as_array().unwrap().len() > 100);
        assert!(presets_json().contains("368801"));
    }

    #[test]
    fn consumer_offsets_records_are_shown_in_words() {
        use crate::broker::coordinator::records::{offset_key, offset_value};
        use crate::log::{encode_batch, Record};
        use crate::topic::TopicPartition;
        let key = offset_key("queue", &TopicPartition::new("orders", 1));
        let value = offset_value(17, 8_192);
        let recs = [
            Record::new(0, 8_192, Some(&key), Some(&value)),
            Record::new(1, 8_193, Some(&key), None),
        ];
        let mut log = Log::new(LogConfig::default(), 0);
        log.append_as_leader(8_193, &encode_batch(&recs, 0), 0)
            .unwrap();
        let page = offsets_batches_json(&log, 0, 0, 1);
        let shown = &page["batches"][0]["records"];
        assert_eq!(shown[0]["key"], "queue · orders-1 (offset commit)");
        assert_eq!(shown[0]["value"], "offset 17");
        assert_eq!(shown[1]["value"], Value::Null, "a tombstone");
        let raw = batches_json(&log, 0, 0, 1);
        assert_ne!(raw["batches"][0]["records"][0]["key"], shown[0]["key"]);
    }
}
