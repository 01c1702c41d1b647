// A replica's partition folder in the storage drawer: a read-only copy of
// one replica's log taken from the running cluster (app.replica_storage),
// drawn by the same inspector as the lab's presets, with the replica's role,
// log end offset and the partition's high watermark. Refresh copies again.
// These are StorageInspector methods (mixed in by inspector.js).

import { errorMessage } from './panels.js';
import { IDLE_CAPTION, clock } from './lab-dom.js';

/** The inspector's replica mode. */
export const replicaFolder = {
  /** Opens the drawer on a replica's log: a read-only copy taken now from the cluster. */
  openReplica(app, broker, topic, partition) {
    if (!this.els) this.build();
    this.replica = { app, broker, topic, partition };
    if (!this.loadReplica(true)) return false;
    this.open();
    return true;
  },

  /** (Re)reads the replica's log copy; false after showing why it could not. */
  loadReplica(first) {
    const r = this.replica;
    let next;
    try {
      next = r.app.replica_storage(r.broker, r.topic, r.partition);
    } catch (err) {
      this.showError(`${r.topic}-${r.partition} on broker ${r.broker}: ${errorMessage(err)}`);
      return false;
    }
    this.swapLab(next, 'replica', first);
    const els = this.els;
    els.title.textContent = `${r.topic}-${r.partition} on broker ${r.broker}`;
    this.refresh();
    const v = this.view;
    if (v) {
      els.explanation.textContent =
        `The folder /var/kafka-logs/${r.topic}-${r.partition}/ on broker ${r.broker}, as it is at ${clock(v.now_ms)}: ` +
        `this replica is ${v.role ?? 'a replica'}; its log end offset is ${v.log_end_offset} and the partition's high watermark ${v.high_watermark ?? '–'}. ` +
        'Records at or past the high watermark are not committed yet. Followers fetch from the leader and append the same batches, so the files match offset for offset; a follower that fell behind holds fewer. Refresh reads the log again.';
      this.logLines([`${first ? 'opened' : 'refreshed'}: log end offset ${v.log_end_offset}, ${(v.segments ?? []).length} segment(s)`], 'action');
      if (first) {
        const start = Number(v.log_start_offset);
        const end = Number(v.log_end_offset);
        els.findInput.value = String(end > start ? Math.max(start, Math.floor((start + end - 1) / 2)) : start);
        this.setCaption(IDLE_CAPTION);
      }
    }
    return true;
  },
};
