// What the consumer-group controls do, in Kafka's words and with Kafka's
// defaults: the tooltips of the group form, the groups panel and the
// consumer, group and __consumer_offsets menus.

export const GROUP_TIPS = {
  groupId:
    'group.id (no default: a consumer that commits offsets needs one). Consumers with the same group.id share the partitions of their topics, each partition read by one member: a queue. Another group.id reads every record again: publish-subscribe.',
  topics: 'subscribe(topics): the topics the group reads. Every member subscribes to the same list here.',
  count: 'How many consumers (KafkaConsumer processes) to start in the group. More members than partitions leaves the extra ones idle.',
  assignor:
    'partition.assignment.strategy (Kafka default since 3.0: [RangeAssignor, CooperativeStickyAssignor]). The group leader (the first member to join) runs it. range: per topic, members sorted, the first (partitions mod members) get one extra. roundrobin: every partition of every topic, sorted, dealt to the members in turn. sticky: as balanced as possible while keeping the partitions each member had (cooperative-sticky needs the incremental rebalance protocol, which this eager consumer does not speak).',
  reset:
    'auto.offset.reset (Kafka default latest): where to start a partition the group has no committed offset for. earliest: the log start offset; latest: the high watermark (only new records); none: no reset, the consumer reports NoOffsetForPartition and reads nothing. The form starts at earliest so a new group reads what is already there.',
  autoCommit:
    'enable.auto.commit (Kafka default true): commit the positions of the records handed to the application every auto.commit.interval.ms, before a rebalance and on close. A crash between two commits means the next owner reads those records again: duplicates (at-least-once).',
  commitInterval:
    'auto.commit.interval.ms (Kafka default 5000): how often auto-commit commits. Longer: fewer OffsetCommit requests, more duplicates after a crash.',
  rate: 'Simulated application: records per second each consumer processes after poll() (0: as fast as they come). Slower than the producers and the lag grows.',
  session:
    'session.timeout.ms (Kafka default 45000; the broker accepts group.min.session.timeout.ms 6000 to group.max.session.timeout.ms 1800000): a member the coordinator has not heard from for this long is removed and the group rebalances. A crashed consumer keeps its partitions until then. Scaled down here so it happens within seconds.',
  heartbeat:
    'heartbeat.interval.ms (Kafka default 3000, at most a third of session.timeout.ms): how often a member heartbeats the coordinator. The answer REBALANCE_IN_PROGRESS is how the other members learn they must rejoin.',
  metadataAge:
    'metadata.max.age.ms (Kafka default 300000): the leader refreshes metadata this often and rejoins when a subscribed topic gained partitions. Scaled down here.',
  twoGroups:
    'Point-to-point and publish-subscribe side by side: group "queue" with 3 consumers shares the topic (each record to one of them), group "pubsub" with 1 consumer gets every record again.',
  addConsumer: 'Start one more consumer in this group: it sends JoinGroup and the group rebalances (PreparingRebalance, then CompletingRebalance, then Stable).',
  commit:
    'commitAsync(): send OffsetCommit with the current positions now. The coordinator appends them to the group\'s __consumer_offsets partition and answers once the high watermark passes them.',
  close:
    'close(): commit (with auto-commit), send LeaveGroup and stop. The coordinator rebalances at once: no wait for session.timeout.ms.',
  crash:
    'kill -9: no commit, no LeaveGroup. The coordinator notices only after session.timeout.ms without a heartbeat; then the group rebalances and the new owner starts from the last committed offset, reading again what was processed since (duplicates).',
  seekBeginning: 'seekToBeginning: the next poll starts at the log start offset (ListOffsets earliest).',
  seekEnd: 'seekToEnd: the next poll starts at the high watermark (ListOffsets latest): records in between are skipped.',
  seekOffset: 'seek(partition, offset): the next poll starts at this offset.',
  seekTimestamp:
    'offsetsForTimes, then seek: the first offset whose record timestamp is at or after this time (simulated ms).',
  processing: 'set_consumer: change the simulated processing rate (records per second; 0: as fast as they come).',
  lag: 'Lag per partition: the high watermark minus the group\'s committed offset (kafka-consumer-groups --describe, LAG). The group\'s lag is their sum; "–" before the first commit.',
  duplicates:
    'Records this consumer processed that its group had already processed: read again after a crash or a rebalance from the last committed offset (at-least-once delivery).',
  internal:
    '__consumer_offsets: Kafka\'s internal compacted topic (offsets.topic.num.partitions 50, offsets.topic.replication.factor 3), created on the first FindCoordinator. Group G lives in partition abs(hashCode(G)) % 50; the broker leading it is G\'s coordinator.',
  expand: 'Draw every __consumer_offsets partition as a cell in its brokers (or fold them back into this strip).',
  openFolder: 'Open this __consumer_offsets partition\'s folder in the storage inspector: its segments hold the group\'s offset commits and group metadata records.',
};
