//! Replica assignment for a new topic, two ways:
//! - the notes' scheme (the default, labelled as such): brokers sorted,
//!   partition i's replica j on broker `(i + j) mod n`, so its leader (first
//!   replica) is on broker `i mod n`;
//! - Kafka's own rack-unaware `assignReplicasToBrokers`: a start index and a
//!   follower shift (random unless fixed), the shift bumped every n
//!   partitions, so leaders and followers spread across topics.

use crate::sim::SimRng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which way replicas are placed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentScheme {
    /// Partition i, replica j on sorted broker `(i + j) mod n`.
    #[default]
    Notes,
    /// Kafka's `assignReplicasToBrokers` (rack-unaware).
    Kafka,
}

/// Why replicas could not be placed (Kafka's error names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignmentError {
    /// `INVALID_REPLICATION_FACTOR`: more replicas than brokers, or none.
    InvalidReplicationFactor {
        /// Asked for.
        replication_factor: u32,
        /// Brokers available.
        brokers: usize,
    },
    /// `INVALID_PARTITIONS`: zero partitions.
    InvalidPartitions,
}

impl fmt::Display for AssignmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssignmentError::InvalidReplicationFactor {
                replication_factor,
                brokers,
            } => write!(
                f,
                "INVALID_REPLICATION_FACTOR: replication factor {replication_factor} needs that many brokers, {brokers} available"
            ),
            AssignmentError::InvalidPartitions => {
                write!(f, "INVALID_PARTITIONS: a topic needs at least one partition")
            }
        }
    }
}

fn check(brokers: &[i32], partitions: u32, rf: u32) -> Result<Vec<i32>, AssignmentError> {
    if partitions == 0 {
        return Err(AssignmentError::InvalidPartitions);
    }
    if rf == 0 || rf as usize > brokers.len() {
        return Err(AssignmentError::InvalidReplicationFactor {
            replication_factor: rf,
            brokers: brokers.len(),
        });
    }
    let mut sorted = brokers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    Ok(sorted)
}

/// The notes' scheme: replicas of each partition, leader first.
pub fn notes_assignment(
    brokers: &[i32],
    partitions: u32,
    rf: u32,
) -> Result<Vec<Vec<i32>>, AssignmentError> {
    let b = check(brokers, partitions, rf)?;
    let n = b.len();
    Ok((0..partitions as usize)
        .map(|i| (0..rf as usize).map(|j| b[(i + j) % n]).collect())
        .collect())
}

/// Kafka's rack-unaware assignment with a given start index and first
/// follower shift (Kafka's tests fix both; brokers draw them at random).
pub fn kafka_assignment_fixed(
    brokers: &[i32],
    partitions: u32,
    rf: u32,
    start_index: usize,
    replica_shift: usize,
) -> Result<Vec<Vec<i32>>, AssignmentError> {
    let b = check(brokers, partitions, rf)?;
    let n = b.len();
    let mut shift = replica_shift;
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions as usize {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (p + start_index) % n;
        let mut replicas = vec![b[first]];
        for j in 0..rf as usize - 1 {
            let step = if n > 1 { 1 + (shift + j) % (n - 1) } else { 0 };
            replicas.push(b[(first + step) % n]);
        }
        out.push(replicas);
    }
    Ok(out)
}

/// Kafka's rack-unaware assignment with the start index and shift drawn
/// from the simulation's RNG.
pub fn kafka_assignment(
    brokers: &[i32],
    partitions: u32,
    rf: u32,
    rng: &mut SimRng,
) -> Result<Vec<Vec<i32>>, AssignmentError> {
    let n = brokers.len().max(1) as u64;
    let start = (rng.next_u64() % n) as usize;
    let shift = (rng.next_u64() % n) as usize;
    kafka_assignment_fixed(brokers, partitions, rf, start, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_scheme_puts_leader_i_on_broker_i_mod_n() {
        let a = notes_assignment(&[3, 1, 2], 4, 2).unwrap();
        assert_eq!(a, vec![vec![1, 2], vec![2, 3], vec![3, 1], vec![1, 2]]);
    }

    #[test]
    fn kafkas_assignment_matches_its_own_test() {
        // AdminUtilsTest.testReplicaAssignment: brokers 0..4, 10 partitions, RF 3, start index 0.
        let a = kafka_assignment_fixed(&[0, 1, 2, 3, 4], 10, 3, 0, 0).unwrap();
        let expected = vec![
            vec![0, 1, 2],
            vec![1, 2, 3],
            vec![2, 3, 4],
            vec![3, 4, 0],
            vec![4, 0, 1],
            vec![0, 2, 3],
            vec![1, 3, 4],
            vec![2, 4, 0],
            vec![3, 0, 1],
            vec![4, 1, 2],
        ];
        assert_eq!(a, expected);
    }

    #[test]
    fn random_kafka_assignment_is_valid_and_bad_input_is_named() {
        let mut rng = SimRng::new(5);
        for _ in 0..50 {
            let a = kafka_assignment(&[1, 2, 3, 4], 12, 3, &mut rng).unwrap();
            for replicas in &a {
                let mut r = replicas.clone();
                r.sort_unstable();
                r.dedup();
                assert_eq!(r.len(), 3, "distinct replicas: {replicas:?}");
            }
        }
        let e = notes_assignment(&[1, 2], 3, 3).unwrap_err();
        assert!(e.to_string().starts_with("INVALID_REPLICATION_FACTOR"));
        assert_eq!(
            notes_assignment(&[1], 0, 1).unwrap_err(),
            AssignmentError::InvalidPartitions
        );
        assert_eq!(
            kafka_assignment_fixed(&[7], 3, 1, 0, 0).unwrap(),
            vec![vec![7]; 3]
        );
    }
}
