//! Folding the znode tree to the lines the ZooKeeper box has room for.
//! With topics the tree grows by a state znode per partition; the box
//! keeps `/controller` and `/controller_epoch` in view and folds, step by
//! step, what matters less: the empty `/partitions/N` parents, then each
//! topic's state znodes into one line, then all topics into one line,
//! then the `/admin` and `/config` subtrees and the broker registrations.

use super::ZnodeSnap;

const TOPICS: &str = "/brokers/topics/";

/// One folding step.
type FoldStep = fn(&[ZnodeSnap]) -> Vec<ZnodeSnap>;

/// `/brokers/topics/T/partitions/N/state` -> (T, N).
fn state_of(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(TOPICS)?;
    let mut parts = rest.split('/');
    let (t, p, n, s) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (p == "partitions" && s == "state" && parts.next().is_none()).then_some((t, n))
}

/// The topic a node under `/brokers/topics/T/...` belongs to, with its depth below T.
fn under_topic(path: &str) -> Option<(&str, usize)> {
    let rest = path.strip_prefix(TOPICS)?;
    let mut parts = rest.split('/');
    let t = parts.next()?;
    Some((t, parts.count()))
}

fn line(path: String, label: &str, depth: usize, data: String) -> ZnodeSnap {
    ZnodeSnap {
        path,
        label: Some(label.to_string()),
        depth,
        data,
        owner: None,
        watchers: 0,
        absent: false,
    }
}

/// Step 1: drop `/partitions` and `/partitions/N`, label state znodes `/partitions/N/state`.
fn fold_parents(z: &[ZnodeSnap]) -> Vec<ZnodeSnap> {
    z.iter()
        .filter(|n| !matches!(under_topic(&n.path), Some((_, 1 | 2))))
        .map(|n| match state_of(&n.path) {
            Some((_, p)) => {
                let mut n = n.clone();
                n.label = Some(format!("/partitions/{p}/state"));
                n.depth = 3;
                n
            }
            None => n.clone(),
        })
        .collect()
}

/// Step 2: one `/partitions/*/state` line per topic.
fn fold_states(z: &[ZnodeSnap]) -> Vec<ZnodeSnap> {
    let mut out: Vec<ZnodeSnap> = Vec::new();
    // Per folded line (by index into `out`): state znodes and whether any is offline.
    let mut counts: Vec<(usize, usize, bool)> = Vec::new();
    for n in z {
        let Some((t, _)) = state_of(&n.path) else {
            out.push(n.clone());
            continue;
        };
        let path = format!("{TOPICS}{t}/partitions/*");
        let offline = n.data.starts_with("leader -1");
        match counts.last_mut().filter(|c| out[c.0].path == path) {
            Some(c) => {
                c.1 += 1;
                c.2 |= offline;
            }
            None => {
                counts.push((out.len(), 1, offline));
                out.push(line(path, "/partitions/*/state", 3, String::new()));
            }
        }
    }
    for (i, n, offline) in counts {
        out[i].data = states_summary(n, offline);
    }
    out
}

fn states_summary(n: usize, offline: bool) -> String {
    let s = if n == 1 { "" } else { "s" };
    if offline {
        format!("{n} state znode{s}: leader, leader_epoch, isr (some offline: leader -1)")
    } else {
        format!("{n} state znode{s}: leader, leader_epoch, isr")
    }
}

/// Step 3: all topics in one `/brokers/topics/*` line; `/config/topics/*` likewise.
fn fold_topics(z: &[ZnodeSnap]) -> Vec<ZnodeSnap> {
    let mut out: Vec<ZnodeSnap> = Vec::new();
    let topics: Vec<&str> = z
        .iter()
        .filter_map(|n| {
            under_topic(&n.path)
                .filter(|(_, d)| *d == 0)
                .map(|(t, _)| t)
        })
        .collect();
    let configs = z
        .iter()
        .filter(|n| n.path.starts_with("/config/topics/"))
        .count();
    for n in z {
        if n.path.starts_with(TOPICS) {
            if under_topic(&n.path).is_some_and(|(t, d)| d == 0 && Some(&t) == topics.first()) {
                out.push(line(
                    format!("{TOPICS}*"),
                    "/*",
                    2,
                    format!("{} topics: {}", topics.len(), topics.join(" ")),
                ));
            }
            continue;
        }
        if n.path.starts_with("/config/topics/") {
            if out.last().map(|l| l.path.as_str()) != Some("/config/topics/*") {
                out.push(line(
                    "/config/topics/*".into(),
                    "/*",
                    2,
                    format!("overrides of {configs} topics"),
                ));
            }
            continue;
        }
        out.push(n.clone());
    }
    out
}

/// Step 4: `/admin` and `/config` subtrees folded into their top line.
fn fold_admin_config(z: &[ZnodeSnap]) -> Vec<ZnodeSnap> {
    let mut out = Vec::new();
    for n in z {
        for root in ["/admin", "/config"] {
            if n.path == root {
                let inside: Vec<&str> = z
                    .iter()
                    .filter(|m| m.path.starts_with(&format!("{root}/")) && m.depth == 2)
                    .map(|m| m.path.rsplit('/').next().unwrap_or(""))
                    .collect();
                let mut l = n.clone();
                l.data = if root == "/admin" && inside.is_empty() {
                    "no topic being deleted".into()
                } else if root == "/admin" {
                    format!("deleting: {}", inside.join(" "))
                } else {
                    let d: Vec<&ZnodeSnap> = z
                        .iter()
                        .filter(|m| m.path.starts_with("/config/"))
                        .collect();
                    format!("{} config znodes", d.len())
                };
                out.push(l);
            }
        }
        if n.path.starts_with("/admin/") || n.path.starts_with("/config/") {
            continue;
        }
        if n.path != "/admin" && n.path != "/config" {
            out.push(n.clone());
        }
    }
    out
}

/// Step 5: broker registrations in one line whatever their number.
fn fold_ids(z: &[ZnodeSnap]) -> Vec<ZnodeSnap> {
    let ids: Vec<&str> = z
        .iter()
        .filter(|n| n.path.starts_with("/brokers/ids/") && n.path != "/brokers/ids/*")
        .map(|n| n.path.rsplit('/').next().unwrap_or(""))
        .collect();
    if ids.is_empty() {
        return z.to_vec();
    }
    let mut out = Vec::new();
    for n in z {
        if n.path.starts_with("/brokers/ids/") {
            if n.path == "/brokers/ids/*"
                || Some(&n.path.rsplit('/').next().unwrap_or("")) == ids.first()
            {
                if n.path == "/brokers/ids/*" {
                    out.push(n.clone());
                } else {
                    out.push(line(
                        "/brokers/ids/*".into(),
                        "/*",
                        2,
                        format!("{} ephemeral: {}", ids.len(), ids.join(" ")),
                    ));
                }
            }
            continue;
        }
        out.push(n.clone());
    }
    out
}

/// The znodes folded until at most `max_lines` remain (a last line counts what is left out).
pub fn fold(znodes: &[ZnodeSnap], max_lines: usize) -> Vec<ZnodeSnap> {
    let has_topics = znodes.iter().any(|n| n.path.starts_with(TOPICS));
    let mut z = if has_topics {
        fold_parents(znodes)
    } else {
        znodes.to_vec()
    };
    let steps: [FoldStep; 4] = [fold_states, fold_topics, fold_admin_config, fold_ids];
    for step in steps {
        if z.len() <= max_lines {
            return z;
        }
        z = step(&z);
    }
    if z.len() > max_lines && max_lines >= 3 {
        // Keep /controller and /controller_epoch; say how many others are hidden.
        let keep: Vec<ZnodeSnap> = z
            .iter()
            .filter(|n| n.path == "/controller" || n.path == "/controller_epoch")
            .cloned()
            .collect();
        let room = max_lines.saturating_sub(keep.len() + 1);
        let others: Vec<ZnodeSnap> = z
            .iter()
            .filter(|n| n.path != "/controller" && n.path != "/controller_epoch")
            .cloned()
            .collect();
        let hidden = others.len().saturating_sub(room);
        let mut out: Vec<ZnodeSnap> = others.into_iter().take(room).collect();
        out.push(line(
            "/…".into(),
            "…",
            0,
            format!("{hidden} more znodes (widen the window to see them)"),
        ));
        out.extend(keep);
        z = out;
    }
    z
}
