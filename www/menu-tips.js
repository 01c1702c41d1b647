// What each canvas menu item does, in Kafka's words: the tooltips of the
// popup menus (menu.js, menu-data.js).

export const TIPS = {
  crash:
    'kill -9: the process dies at once, without a word to anyone. Its ZooKeeper session lives on until zookeeper.session.timeout.ms passes without a heartbeat; then ZooKeeper deletes its ephemeral znodes (/brokers/ids/N, and /controller if it was the controller) and the other brokers\' watches fire.',
  shutdown:
    'Controlled shutdown (kill -TERM): the broker tells the controller it is leaving so leadership moves away first, then closes its ZooKeeper session, so its ephemeral znodes disappear at once instead of after the session timeout.',
  cutZk:
    'Drop every message between this broker and ZooKeeper, both ways. The broker keeps running but its heartbeats stop arriving; ZooKeeper expires its session after zookeeper.session.timeout.ms.',
  isolate:
    'Cut every link of this broker: to ZooKeeper and to every other broker. A full network partition: it can neither heartbeat nor hear from the controller.',
  restart:
    'Start the broker process again: it opens a new ZooKeeper session, registers /brokers/ids/N, watches /controller and joins the election if there is no controller. As in Kafka, a broker restarted while its previous ZooKeeper session is still alive fails to start: /brokers/ids/N is still held by the old session (NODEEXISTS). Once that session has expired (zookeeper.session.timeout.ms after the crash), the restart succeeds.',
  heal: 'Restore every cut link to and from this broker, both ways.',
  cutBoth: 'Drop every message on this link in both directions, like a pulled cable.',
  cutOneWay:
    'Drop only the messages going this way: an asymmetric partition. Messages the other way still arrive, so requests may get through while their responses vanish (or the reverse).',
  healLink: 'Restore this link in both directions.',
  openFolder:
    'Open this replica\'s partition folder in the storage inspector: its segment files (.log, .index, .timeindex), record batches, index entries and leader-epoch-checkpoint, and step through finding an offset. A copy taken now; Refresh reads it again.',
  slow:
    'set_link between this follower\'s broker and the leader\'s: raise the latency of every message on that link both ways. Its fetches arrive late, so it lags; once it has not caught up for replica.lag.time.max.ms the leader drops it from the ISR (AlterIsr).',
  restoreLink: 'set_link back to the cluster\'s network settings (latency and loss from the Cluster config).',
  sendTo: 'produce_record with an explicit partition: an explicit partition wins over the key and the sticky partitioner.',
  addBroker:
    'Start a new broker process with the next free broker.id. It opens a ZooKeeper session, registers the ephemeral znode /brokers/ids/N and, if there is no controller, races to create /controller.',
};
