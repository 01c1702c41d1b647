//! Kafka's client-side algorithms: the producer's partitioner and the
//! consumer group's partition assignors (which run on the group's leader
//! member). The producer and consumer nodes themselves build on these.

pub mod assignor;
pub mod consumer;
pub mod partitioner;
pub mod producer;
