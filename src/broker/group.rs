//! Which broker coordinates a consumer group: the leader of partition
//! `abs(groupId.hashCode()) % offsets.topic.num.partitions` of the internal
//! topic `__consumer_offsets`, with Java's `String.hashCode` and Kafka's
//! `Utils.abs` (which maps `Integer.MIN_VALUE` to 0).

/// Kafka's default `offsets.topic.num.partitions`.
pub const OFFSETS_TOPIC_NUM_PARTITIONS: u32 = 50;

/// Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 units, wrapping.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Kafka's `Utils.abs`: `Integer.MIN_VALUE` becomes 0.
pub fn kafka_abs(n: i32) -> i32 {
    if n == i32::MIN {
        0
    } else {
        n.abs()
    }
}

/// The `__consumer_offsets` partition whose leader coordinates `group_id`.
pub fn coordinator_partition(group_id: &str, offsets_partitions: u32) -> u32 {
    kafka_abs(java_string_hash(group_id)) as u32 % offsets_partitions.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinator_partitions_match_the_reference_values() {
        let p = |g| coordinator_partition(g, OFFSETS_TOPIC_NUM_PARTITIONS);
        assert_eq!(p("test-group"), 12);
        assert_eq!(p("g"), 3);
        assert_eq!(p("payments"), 13);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(p("polygenelubricants"), 0);
        assert_eq!(java_string_hash(""), 0);
    }
}
