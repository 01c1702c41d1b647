//! The command-line runner: report fields (a contract), exit codes, and
//! clear errors for bad scenarios.

use std::io::Write;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scenario_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kafkascope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path
}

#[test]
fn run_prints_the_report_with_every_contract_field() {
    let out = run(&["run", "scenarios/controller-failover.json", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "controller",
        "controller_epoch",
        "brokers",
        "znodes",
        "trace_digest",
        "events",
    ] {
        assert!(r.get(field).is_some(), "missing {field}");
    }
    assert_eq!(
        r["controller_epoch"], 3,
        "two failovers after the first election"
    );
    let controller = r["controller"].as_i64().unwrap();
    assert!(r["znodes"]["/controller"]
        .as_str()
        .unwrap()
        .contains(&format!("\"brokerid\":{controller}")));
    assert_eq!(r["znodes"]["/controller_epoch"], "3");
    let brokers = r["brokers"].as_array().unwrap();
    assert_eq!(brokers.len(), 5);
    assert_eq!(brokers.iter().filter(|b| b["alive"] == true).count(), 3);
    assert!(r["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"] == "won /controller: controller epoch 3"));
    assert_eq!(
        r["trace_digest"],
        include_str!("golden/controller-failover.digest").trim()
    );
}

#[test]
fn seed_and_until_override_the_scenario() {
    let a = run(&[
        "run",
        "scenarios/controller-failover.json",
        "--seed",
        "5",
        "--until-ms",
        "5000",
    ]);
    assert!(a.status.success());
    let r: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(r["seed"], 5);
    assert_eq!(r["now_ms"], 5000);
    assert_eq!(r["controller_epoch"], 1);
}

fn fails_with(args: &[&str], needle: &str) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_scenarios_exit_2_naming_the_problem() {
    fails_with(&["run", "no/such/file.json"], "cannot read");
    let p = scenario_file("bad-json.json", "{\"seed\": 1,");
    fails_with(&["run", p.to_str().unwrap()], "not valid");
    let p = scenario_file("unknown-field.json", r#"{"brokerz": 3}"#);
    fails_with(&["run", p.to_str().unwrap()], "brokerz");
    let p = scenario_file(
        "unknown-broker.json",
        r#"{"commands":[{"at_ms":100,"command":{"type":"crash_broker","broker":42}}]}"#,
    );
    fails_with(
        &["run", p.to_str().unwrap()],
        "commands[0] (crash_broker at 100 ms): there is no broker 42",
    );
    let p = scenario_file("too-many.json", r#"{"config":{"brokers":33}}"#);
    fails_with(&["run", p.to_str().unwrap()], "brokers: at most 32, got 33");
    let p = scenario_file(
        "bad-type.json",
        r#"{"commands":[{"at_ms":1,"command":{"type":"explode"}}]}"#,
    );
    fails_with(&["run", p.to_str().unwrap()], "explode");
    fails_with(
        &[
            "run",
            "scenarios/controller-failover.json",
            "--until-ms",
            "999999999999",
        ],
        "over the limit",
    );
    fails_with(
        &["run", "scenarios/controller-failover.json", "--seed", "x"],
        "invalid value",
    );
}

#[test]
fn the_stale_controller_scenario_shows_fencing() {
    let out = run(&["run", "scenarios/stale-controller-fenced.json", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["controller_epoch"], 2);
    assert_eq!(r["violation"], serde_json::Value::Null);
    let events = r["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["node"] == "broker-2"
        && e["text"].as_str().unwrap().contains(
            "refused UpdateMetadata from broker 1: its controller epoch 1 is older than 2"
        )));
    assert!(events.iter().any(|e| e["node"] == "broker-1"
        && e["text"] == "resigned as controller (epoch 1): its ZooKeeper session expired"));
}

#[test]
fn dump_lab_writes_the_notes_segments_byte_for_byte() {
    let dir = std::env::temp_dir().join(format!("kafkascope-dump-{}", std::process::id()));
    let out = run(&["dump-lab", "notes", "--out", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read(dir.join("00000000000000368796.log")).unwrap();
    let mut buf = bytes::Bytes::from(log);
    let sets = kafka_protocol::records::RecordBatchDecoder::decode_all(&mut buf).unwrap();
    assert_eq!(sets[0].records[5].offset, 368_801);
    let index = std::fs::read(dir.join("00000000000000368796.index")).unwrap();
    assert_eq!(index.len() % 8, 0);
    let timeindex = std::fs::read(dir.join("00000000000000368796.timeindex")).unwrap();
    assert_eq!(timeindex.len() % 12, 0);
    let epochs = std::fs::read_to_string(dir.join("leader-epoch-checkpoint")).unwrap();
    assert_eq!(epochs, "0\n3\n0 0\n1 368796\n2 737592\n");
    fails_with(
        &["dump-lab", "nope", "--out", dir.to_str().unwrap()],
        "unknown preset",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dump_log_writes_a_replicas_folder_that_kafkas_decoder_reads() {
    let dir = std::env::temp_dir().join(format!("kafkascope-dumplog-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let args = [
        "dump-log",
        "scenarios/acks-all-min-isr.json",
        "--broker",
        "2",
        "--topic",
        "orders",
        "--partition",
        "0",
        "--out",
        d,
    ];
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    assert!(logs.len() > 1, "16 KiB segments roll: {logs:?}");
    let mut next = 0;
    for path in &logs {
        let base: i64 = path.file_stem().unwrap().to_str().unwrap().parse().unwrap();
        assert_eq!(path.file_stem().unwrap().len(), 20);
        assert_eq!(base, next, "segments follow each other");
        let mut buf = bytes::Bytes::from(std::fs::read(path).unwrap());
        let sets = kafka_protocol::records::RecordBatchDecoder::decode_all(&mut buf).unwrap();
        for set in sets {
            for r in set.records {
                assert_eq!(r.offset, next);
                next += 1;
            }
        }
    }
    let report = run(&["run", "scenarios/acks-all-min-isr.json"]);
    let r: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(r["partitions"][0]["log_end_offsets"]["2"], next);
    let epochs = std::fs::read_to_string(dir.join("leader-epoch-checkpoint")).unwrap();
    assert!(epochs.starts_with("0\n"), "{epochs}");
    let mut bad = args;
    bad[5] = "nope";
    fails_with(&bad, "holds no replica of nope-0");
    let mut bad = args;
    bad[3] = "7";
    fails_with(&bad, "no broker 7");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_report_describes_groups_and_consumers() {
    let out = run(&["run", "scenarios/group-consumer-joins.json", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let g = &r["groups"][0];
    for field in [
        "group",
        "coordinator",
        "coordinator_partition",
        "state",
        "generation_id",
        "leader",
        "members",
        "committed",
        "lag",
    ] {
        assert!(g.get(field).is_some(), "groups[0].{field} missing: {g}");
    }
    assert_eq!(g["group"], "g");
    assert_eq!(g["coordinator_partition"], 3);
    assert_eq!(g["state"], "Stable");
    assert_eq!(g["generation_id"], 2);
    let members = g["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert!(members[0]["member_id"]
        .as_str()
        .unwrap()
        .starts_with("consumer-"));
    assert_eq!(members[0]["assignment"].as_array().unwrap().len(), 2);
    assert!(g["committed"]["orders-0"].as_i64().unwrap() > 0);
    let c = &r["consumers"][0];
    for field in ["id", "group", "consumed", "duplicates"] {
        assert!(c.get(field).is_some(), "consumers[0].{field} missing: {c}");
    }
    assert!(c["consumed"].as_u64().unwrap() > 0);
}
