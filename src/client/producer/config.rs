//! A producer's settings: Kafka's names and defaults, and the simulated
//! workload (rate, key space, value size).

use crate::protocol::acks_name;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Highest simulated rate a producer may have, records per second.
pub const MAX_RATE: f64 = 10_000_000.0;

/// `acks`: 0, 1 or all (-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acks(pub i16);

impl Serialize for Acks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(acks_name(self.0))
    }
}

impl<'de> Deserialize<'de> for Acks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        match text.as_str() {
            "0" => Ok(Acks(0)),
            "1" => Ok(Acks(1)),
            "all" | "-1" => Ok(Acks(-1)),
            _ => Err(serde::de::Error::custom(format!(
                "acks must be 0, 1 or all, got {v}"
            ))),
        }
    }
}

/// A producer's settings: Kafka's names, plus the simulated workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerConfig {
    /// Topic written to.
    pub topic: String,
    /// `acks`.
    pub acks: Acks,
    /// `batch.size` (16384).
    #[serde(rename = "batch.size")]
    pub batch_size: u32,
    /// `linger.ms` (5).
    #[serde(rename = "linger.ms")]
    pub linger_ms: u64,
    /// `buffer.memory` (33554432).
    #[serde(rename = "buffer.memory")]
    pub buffer_memory: u64,
    /// `max.in.flight.requests.per.connection` (5).
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight: u32,
    /// `retries` (2147483647).
    pub retries: u32,
    /// `retry.backoff.ms` (100).
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    /// `delivery.timeout.ms` (120000).
    #[serde(rename = "delivery.timeout.ms")]
    pub delivery_timeout_ms: u64,
    /// `request.timeout.ms` (30000).
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// `metadata.max.age.ms` (300000).
    #[serde(rename = "metadata.max.age.ms")]
    pub metadata_max_age_ms: u64,
    /// `reconnect.backoff.ms` (50): wait before connecting again to a broker.
    #[serde(rename = "reconnect.backoff.ms")]
    pub reconnect_backoff_ms: u64,
    /// `reconnect.backoff.max.ms` (1000): the doubling wait stops here.
    #[serde(rename = "reconnect.backoff.max.ms")]
    pub reconnect_backoff_max_ms: u64,
    /// Simulated workload: records per simulated second (0: only on demand).
    pub rate: f64,
    /// Simulated workload: keys drawn from `key-0` .. `key-(N-1)`; 0 means no key.
    pub key_space: u32,
    /// Simulated workload: value size in bytes (at least the record's id, `producer-N#seq`).
    pub value_bytes: u32,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            topic: String::new(),
            acks: Acks(-1),
            batch_size: 16_384,
            linger_ms: 5,
            buffer_memory: 33_554_432,
            max_in_flight: 5,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            metadata_max_age_ms: 300_000,
            reconnect_backoff_ms: 50,
            reconnect_backoff_max_ms: 1_000,
            rate: 10.0,
            key_space: 0,
            value_bytes: 0,
        }
    }
}

impl ProducerConfig {
    /// Checks ranges; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.topic.is_empty() {
            return Err("topic: a producer needs a topic".into());
        }
        if !self.rate.is_finite() || !(0.0..=MAX_RATE).contains(&self.rate) {
            return Err(format!(
                "rate: {} must be between 0 and {MAX_RATE}",
                self.rate
            ));
        }
        let checks: [(&str, u64, u64, u64); 10] = [
            ("batch.size", self.batch_size.into(), 64, 1_048_576),
            ("linger.ms", self.linger_ms, 0, 60_000),
            ("buffer.memory", self.buffer_memory, 1_024, 1 << 30),
            (
                "max.in.flight.requests.per.connection",
                self.max_in_flight.into(),
                1,
                100,
            ),
            ("retry.backoff.ms", self.retry_backoff_ms, 1, 60_000),
            ("request.timeout.ms", self.request_timeout_ms, 1, 600_000),
            (
                "metadata.max.age.ms",
                self.metadata_max_age_ms,
                1,
                86_400_000,
            ),
            ("value_bytes", self.value_bytes.into(), 0, 65_536),
            ("reconnect.backoff.ms", self.reconnect_backoff_ms, 1, 60_000),
            (
                "reconnect.backoff.max.ms",
                self.reconnect_backoff_max_ms,
                self.reconnect_backoff_ms,
                600_000,
            ),
        ];
        for (key, v, lo, hi) in checks {
            if !(lo..=hi).contains(&v) {
                return Err(format!("{key}: {v} must be between {lo} and {hi}"));
            }
        }
        if self.delivery_timeout_ms < self.linger_ms + self.request_timeout_ms {
            return Err(format!(
                "delivery.timeout.ms: {} must be at least linger.ms + request.timeout.ms ({}), as Kafka requires",
                self.delivery_timeout_ms,
                self.linger_ms + self.request_timeout_ms
            ));
        }
        if self.key_space > 1_000_000 {
            return Err(format!(
                "key_space: {} must be at most 1000000",
                self.key_space
            ));
        }
        Ok(())
    }
}
