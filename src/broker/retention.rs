//! Retention and cleaning on a broker's logs, every
//! `log.retention.check.interval.ms`.

use super::{Broker, Out};
use crate::sim::NoteKind;

impl Broker {
    /// Retention and cleaning, every `log.retention.check.interval.ms`.
    pub(super) fn retention_check(&mut self, out: &mut Out) {
        let now = self.now;
        for (tp, r) in &self.replicas {
            let Some(log) = self.disk.logs.get_mut(tp) else {
                continue;
            };
            log.apply_retention(now, r.hw);
            if log.config().cleanup_policy.compacts() {
                log.compact(now, r.hw);
            }
            for event in log.take_events() {
                if let crate::log::LogEvent::SegmentDeleted {
                    base_offset,
                    reason,
                    ..
                } = event
                {
                    out.note(
                        NoteKind::Storage,
                        format!(
                            "{tp}: deleted segment {} ({reason}); log start offset now {}",
                            crate::log::file_stem(base_offset),
                            log.log_start_offset()
                        ),
                    );
                }
            }
        }
    }
}
