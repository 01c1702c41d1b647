//! Running the world: the one loop that processes events in `(time, seq)`
//! order and applies scheduled commands (a scenario's) once every event of
//! their time is done, exactly as `replay` applies them, so a scenario
//! loaded in the page is the run the CLI prints.

use super::World;
use crate::sim::{Command, NodeId, NoteKind, Tick, TimedCommand};

impl World {
    /// Processes every event up to and including `until`, then sets the clock there.
    pub fn run_until(&mut self, until: Tick) {
        self.advance(until, usize::MAX, &|_| false);
    }

    /// Like `run_until`, but stops after about `max_events` events, always at
    /// a time boundary (every event of the last time processed is done).
    /// Returns true when `until` was reached.
    pub fn run_until_bounded(&mut self, until: Tick, max_events: usize) -> bool {
        self.advance(until, max_events, &|_| false)
    }

    /// Runs until `cond` holds or `limit` ms of simulated time pass; returns whether it held.
    pub fn run_until_cond(&mut self, limit_ms: Tick, cond: impl Fn(&World) -> bool) -> bool {
        let end = self.now + limit_ms;
        self.advance(end, usize::MAX, &cond);
        cond(self)
    }

    /// Queues timed commands (a scenario's) to be applied when the clock
    /// reaches their time, after every event at that time: the run is the
    /// one `replay` gives.
    pub fn schedule(&mut self, commands: &[TimedCommand]) {
        self.scheduled.extend(commands.iter().cloned());
    }

    /// Commands scheduled and not applied yet.
    pub fn scheduled(&self) -> impl Iterator<Item = &TimedCommand> {
        self.scheduled.iter()
    }

    /// The one loop behind every run: events time by time in `(time, seq)`
    /// order, scheduled commands once their time's events are done, stopping
    /// at `until`, when `stop` holds, or after about `max_events` events (at
    /// a time boundary). Returns false only when stopped by `max_events`.
    fn advance(&mut self, until: Tick, max_events: usize, stop: &dyn Fn(&World) -> bool) -> bool {
        let mut done = 0usize;
        loop {
            if stop(self) {
                return true;
            }
            let next_event = self.queue.peek_time().filter(|t| *t <= until);
            let next_command = self
                .scheduled
                .front()
                .map(|c| c.at_ms.max(self.now))
                .filter(|t| *t <= until);
            let Some(t) = next_event.into_iter().chain(next_command).min() else {
                self.now = self.now.max(until);
                return true;
            };
            if done >= max_events && next_event == Some(t) {
                self.now = self.now.max(t.saturating_sub(1));
                return false;
            }
            while let Some(ev) = self.queue.pop_until(t) {
                self.process(ev.at, ev.event);
                done += 1;
            }
            self.now = self.now.max(t);
            self.apply_due();
        }
    }

    /// Applies scheduled commands whose time has come; one that is refused
    /// (say, a crash of a broker already down) is told in the event log.
    fn apply_due(&mut self) {
        while self.scheduled.front().is_some_and(|c| c.at_ms <= self.now) {
            let Some(tc) = self.scheduled.pop_front() else {
                break;
            };
            if let Err(e) = self.apply(tc.command.clone()) {
                let node = match tc.command {
                    Command::CrashBroker { broker }
                    | Command::RestartBroker { broker }
                    | Command::ShutdownBroker { broker } => NodeId::Broker(broker),
                    Command::CutLink { a, .. }
                    | Command::HealLink { a, .. }
                    | Command::SetLink { a, .. } => a,
                    _ => NodeId::Zk,
                };
                self.note(
                    node,
                    NoteKind::Fault,
                    format!(
                        "scenario's {} at {} ms refused: {e}",
                        tc.command.name(),
                        tc.at_ms
                    ),
                );
            }
        }
    }
}
