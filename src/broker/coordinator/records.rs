//! The records of `__consumer_offsets` in Kafka's own binary schemas, so
//! the storage inspector shows the real bytes:
//! - offset commit: key v1 (group, topic, partition), value v3 (offset,
//!   leader epoch, metadata, commit timestamp);
//! - group metadata: key v2 (group), value v3 (protocol type, generation,
//!   protocol, leader, state timestamp, members with their subscription
//!   and assignment in the consumer protocol's formats).
//!
//! The log is compacted, so the latest record per key is what survives.

use crate::topic::TopicPartition;

/// One member as stored in the group metadata record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMember {
    /// Member id.
    pub member_id: String,
    /// `client.id`.
    pub client_id: String,
    /// Rebalance timeout.
    pub rebalance_timeout_ms: i32,
    /// Session timeout.
    pub session_timeout_ms: i32,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Assigned partitions.
    pub assignment: Vec<TopicPartition>,
}

/// The group metadata record's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredGroup {
    /// Generation.
    pub generation: i32,
    /// Chosen assignor (`None` for an empty group).
    pub protocol: Option<String>,
    /// Leader member id.
    pub leader: Option<String>,
    /// Members (empty for an empty group).
    pub members: Vec<StoredMember>,
}

/// A decoded `__consumer_offsets` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetsRecord {
    /// A committed offset (`None`: tombstone).
    Offset {
        /// Group.
        group: String,
        /// Partition.
        tp: TopicPartition,
        /// Offset.
        offset: Option<i64>,
    },
    /// A group's metadata (`None`: tombstone, the group is gone).
    Group {
        /// Group.
        group: String,
        /// Metadata.
        value: Option<StoredGroup>,
    },
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as i16).to_be_bytes());
    b.extend_from_slice(s.as_bytes());
}

fn put_nullable(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => put_str(b, s),
        None => b.extend_from_slice(&(-1i16).to_be_bytes()),
    }
}

fn put_partitions(b: &mut Vec<u8>, parts: &[TopicPartition]) {
    let mut topics: Vec<(&str, Vec<i32>)> = Vec::new();
    for tp in parts {
        match topics.iter_mut().find(|(t, _)| *t == tp.topic) {
            Some((_, ps)) => ps.push(tp.partition),
            None => topics.push((&tp.topic, vec![tp.partition])),
        }
    }
    b.extend_from_slice(&(topics.len() as i32).to_be_bytes());
    for (t, ps) in topics {
        put_str(b, t);
        b.extend_from_slice(&(ps.len() as i32).to_be_bytes());
        for p in ps {
            b.extend_from_slice(&p.to_be_bytes());
        }
    }
}

fn put_bytes(b: &mut Vec<u8>, bytes: &[u8]) {
    b.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    b.extend_from_slice(bytes);
}

/// Key of an offset commit.
pub fn offset_key(group: &str, tp: &TopicPartition) -> Vec<u8> {
    let mut b = Vec::with_capacity(12 + group.len() + tp.topic.len());
    b.extend_from_slice(&1i16.to_be_bytes());
    put_str(&mut b, group);
    put_str(&mut b, &tp.topic);
    b.extend_from_slice(&tp.partition.to_be_bytes());
    b
}

/// Value of an offset commit.
pub fn offset_value(offset: i64, commit_timestamp: i64) -> Vec<u8> {
    let mut b = Vec::with_capacity(24);
    b.extend_from_slice(&3i16.to_be_bytes());
    b.extend_from_slice(&offset.to_be_bytes());
    b.extend_from_slice(&(-1i32).to_be_bytes());
    put_str(&mut b, "");
    b.extend_from_slice(&commit_timestamp.to_be_bytes());
    b
}

/// Key of a group's metadata.
pub fn group_key(group: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(4 + group.len());
    b.extend_from_slice(&2i16.to_be_bytes());
    put_str(&mut b, group);
    b
}

/// Value of a group's metadata.
pub fn group_value(g: &StoredGroup, state_timestamp: i64) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&3i16.to_be_bytes());
    put_str(&mut b, "consumer");
    b.extend_from_slice(&g.generation.to_be_bytes());
    put_nullable(&mut b, g.protocol.as_deref());
    put_nullable(&mut b, g.leader.as_deref());
    b.extend_from_slice(&state_timestamp.to_be_bytes());
    b.extend_from_slice(&(g.members.len() as i32).to_be_bytes());
    for m in &g.members {
        put_str(&mut b, &m.member_id);
        put_nullable(&mut b, None);
        put_str(&mut b, &m.client_id);
        put_str(&mut b, "/127.0.0.1");
        b.extend_from_slice(&m.rebalance_timeout_ms.to_be_bytes());
        b.extend_from_slice(&m.session_timeout_ms.to_be_bytes());
        let mut sub = Vec::new();
        sub.extend_from_slice(&0i16.to_be_bytes());
        sub.extend_from_slice(&(m.topics.len() as i32).to_be_bytes());
        for t in &m.topics {
            put_str(&mut sub, t);
        }
        sub.extend_from_slice(&(-1i32).to_be_bytes());
        put_bytes(&mut b, &sub);
        let mut asg = Vec::new();
        asg.extend_from_slice(&0i16.to_be_bytes());
        put_partitions(&mut asg, &m.assignment);
        asg.extend_from_slice(&(-1i32).to_be_bytes());
        put_bytes(&mut b, &asg);
    }
    b
}

/// A cursor over big-endian fields.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }
    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    fn nullable(&mut self) -> Option<Option<String>> {
        let n = self.i16()?;
        if n < 0 {
            return Some(None);
        }
        let s = self.take(n as usize)?;
        Some(Some(String::from_utf8_lossy(s).into_owned()))
    }
    fn string(&mut self) -> Option<String> {
        self.nullable()?
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.i32()?;
        self.take(usize::try_from(n).ok()?)
    }
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.i32()?).ok()
    }
}

fn read_subscription(b: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader { b, at: 0 };
    r.i16()?;
    (0..r.count()?).map(|_| r.string()).collect()
}

fn read_assignment(b: &[u8]) -> Option<Vec<TopicPartition>> {
    let mut r = Reader { b, at: 0 };
    r.i16()?;
    let mut out = Vec::new();
    for _ in 0..r.count()? {
        let topic = r.string()?;
        for _ in 0..r.count()? {
            out.push(TopicPartition::new(&topic, r.i32()?));
        }
    }
    Some(out)
}

fn read_group(b: &[u8]) -> Option<StoredGroup> {
    let mut r = Reader { b, at: 0 };
    r.i16()?;
    r.string()?;
    let generation = r.i32()?;
    let protocol = r.nullable()?;
    let leader = r.nullable()?;
    r.i64()?;
    let mut members = Vec::new();
    for _ in 0..r.count()? {
        let member_id = r.string()?;
        r.nullable()?;
        let client_id = r.string()?;
        r.string()?;
        let rebalance_timeout_ms = r.i32()?;
        let session_timeout_ms = r.i32()?;
        let topics = read_subscription(r.bytes()?)?;
        let assignment = read_assignment(r.bytes()?)?;
        members.push(StoredMember {
            member_id,
            client_id,
            rebalance_timeout_ms,
            session_timeout_ms,
            topics,
            assignment,
        });
    }
    Some(StoredGroup {
        generation,
        protocol,
        leader,
        members,
    })
}

/// Decodes one record's key and value (`None`: not a record this model writes).
pub fn decode(key: &[u8], value: Option<&[u8]>) -> Option<OffsetsRecord> {
    let mut k = Reader { b: key, at: 0 };
    match k.i16()? {
        0 | 1 => {
            let group = k.string()?;
            let topic = k.string()?;
            let partition = k.i32()?;
            let offset = match value {
                Some(v) => Some(Reader { b: v, at: 2 }.i64()?),
                None => None,
            };
            Some(OffsetsRecord::Offset {
                group,
                tp: TopicPartition::new(&topic, partition),
                offset,
            })
        }
        2 => Some(OffsetsRecord::Group {
            group: k.string()?,
            value: match value {
                Some(v) => Some(read_group(v)?),
                None => None,
            },
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_in_kafkas_schemas() {
        let tp = TopicPartition::new("orders", 7);
        let key = offset_key("g", &tp);
        assert_eq!(&key[..2], &[0, 1], "offset commit key version 1");
        let value = offset_value(42, 1_000);
        assert_eq!(&value[..2], &[0, 3], "offset commit value version 3");
        assert_eq!(
            decode(&key, Some(&value)),
            Some(OffsetsRecord::Offset {
                group: "g".into(),
                tp: tp.clone(),
                offset: Some(42)
            })
        );
        let g = StoredGroup {
            generation: 3,
            protocol: Some("range".into()),
            leader: Some("consumer-1-a".into()),
            members: vec![StoredMember {
                member_id: "consumer-1-a".into(),
                client_id: "consumer-1".into(),
                rebalance_timeout_ms: 300_000,
                session_timeout_ms: 45_000,
                topics: vec!["orders".into()],
                assignment: vec![tp.clone(), TopicPartition::new("orders", 9)],
            }],
        };
        let key = group_key("g");
        assert_eq!(
            decode(&key, Some(&group_value(&g, 5))),
            Some(OffsetsRecord::Group {
                group: "g".into(),
                value: Some(g)
            })
        );
        assert_eq!(
            decode(&key, None),
            Some(OffsetsRecord::Group {
                group: "g".into(),
                value: None
            })
        );
        assert_eq!(decode(&[0, 9], None), None);
        assert_eq!(decode(&[0], None), None);
    }
}
