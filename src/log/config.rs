//! Per-topic log configuration with Kafka's names and defaults, and the
//! scaled defaults the app uses so that rolling, retention and cleaning
//! happen on screen.

use serde::{Deserialize, Serialize};

/// Largest `retention.bytes` a topic may have: 32 MiB, what one broker's
/// simulated disk holds (`broker::MAX_DISK_BYTES`).
pub const MAX_RETENTION_BYTES: i64 = 32 << 20;

/// `cleanup.policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CleanupPolicy {
    /// Delete old segments by time or size.
    #[serde(rename = "delete")]
    Delete,
    /// Keep the latest record per key.
    #[serde(rename = "compact")]
    Compact,
    /// Both.
    #[serde(rename = "compact,delete")]
    CompactDelete,
}

impl CleanupPolicy {
    /// True when the cleaner compacts this log.
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }

    /// True when retention deletes segments.
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }
}

/// Configuration of one log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Roll when the segment would exceed this size.
    #[serde(rename = "segment.bytes")]
    pub segment_bytes: u64,
    /// Roll when the segment's first record is this old.
    #[serde(rename = "segment.ms")]
    pub segment_ms: i64,
    /// Size of each index file; roll when one is full.
    #[serde(rename = "segment.index.bytes")]
    pub segment_index_bytes: u64,
    /// Bytes of log between two `.index` entries.
    #[serde(rename = "index.interval.bytes")]
    pub index_interval_bytes: u64,
    /// Delete segments whose newest record is older than this (-1: never).
    #[serde(rename = "retention.ms")]
    pub retention_ms: i64,
    /// Delete oldest segments while the log is bigger than this (-1: never).
    #[serde(rename = "retention.bytes")]
    pub retention_bytes: i64,
    /// Delete, compact, or both.
    #[serde(rename = "cleanup.policy")]
    pub cleanup_policy: CleanupPolicy,
    /// How long tombstones survive cleaning.
    #[serde(rename = "delete.retention.ms")]
    pub delete_retention_ms: i64,
    /// Largest batch accepted.
    #[serde(rename = "max.message.bytes")]
    pub max_message_bytes: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
            segment_index_bytes: 10_485_760,
            index_interval_bytes: 4_096,
            retention_ms: 604_800_000,
            retention_bytes: -1,
            cleanup_policy: CleanupPolicy::Delete,
            delete_retention_ms: 86_400_000,
            max_message_bytes: 1_048_588,
        }
    }
}

impl LogConfig {
    /// Kafka's names with values scaled for the screen: 16 KiB segments,
    /// 1 KiB index interval, one-minute retention, 30 s segment.ms.
    pub fn app_default() -> Self {
        LogConfig {
            segment_bytes: 16_384,
            segment_ms: 30_000,
            segment_index_bytes: 4_096,
            index_interval_bytes: 1_024,
            retention_ms: 60_000,
            retention_bytes: -1,
            cleanup_policy: CleanupPolicy::Delete,
            delete_retention_ms: 10_000,
            max_message_bytes: 16_384,
        }
    }

    /// Checks ranges; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let check = |ok: bool, msg: String| if ok { Ok(()) } else { Err(msg) };
        check(
            (1_024..=1_073_741_824).contains(&self.segment_bytes),
            format!(
                "segment.bytes {} must be between 1024 and 1073741824",
                self.segment_bytes
            ),
        )?;
        check(
            self.segment_ms >= 1,
            format!("segment.ms {} must be at least 1", self.segment_ms),
        )?;
        check(
            (24..=104_857_600).contains(&self.segment_index_bytes),
            format!(
                "segment.index.bytes {} must be between 24 and 104857600",
                self.segment_index_bytes
            ),
        )?;
        check(
            self.index_interval_bytes <= i32::MAX as u64,
            format!(
                "index.interval.bytes {} is too large",
                self.index_interval_bytes
            ),
        )?;
        check(
            self.retention_ms >= -1 && self.retention_bytes >= -1 && self.delete_retention_ms >= 0,
            "retention.ms and retention.bytes must be -1 or more, delete.retention.ms 0 or more"
                .to_string(),
        )?;
        check(
            self.retention_bytes <= MAX_RETENTION_BYTES,
            format!(
                "retention.bytes: at most {MAX_RETENTION_BYTES} (32 MiB, a broker's simulated disk), got {}",
                self.retention_bytes
            ),
        )?;
        check(
            (64..=self.segment_bytes).contains(&self.max_message_bytes),
            format!(
                "max.message.bytes {} must be between 64 and segment.bytes ({})",
                self.max_message_bytes, self.segment_bytes
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_kafkas_and_keys_are_kafkas_names() {
        let d = LogConfig::default();
        assert_eq!(d.segment_bytes, 1 << 30);
        assert_eq!(d.index_interval_bytes, 4096);
        d.validate().unwrap();
        LogConfig::app_default().validate().unwrap();
        let c: LogConfig =
            serde_json::from_str(r#"{"segment.bytes": 2048, "cleanup.policy": "compact"}"#)
                .unwrap();
        assert_eq!(c.segment_bytes, 2048);
        assert!(c.cleanup_policy.compacts() && !c.cleanup_policy.deletes());
        let e = serde_json::from_str::<LogConfig>(r#"{"segment.byte": 1}"#).unwrap_err();
        assert!(e.to_string().contains("segment.byte"));
        let bad = LogConfig {
            segment_bytes: 10,
            ..LogConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("segment.bytes"));
    }
}
