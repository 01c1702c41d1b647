//! Controller election through ZooKeeper, as Kafka's `KafkaController.elect`
//! does it: watch `/controller`; when it is absent, read `/controller_epoch`
//! and in one `multi` create the ephemeral `/controller` and bump the epoch
//! (guarded by its version). Exactly one broker's multi succeeds; the others
//! get NODEEXISTS (or BADVERSION), read the winner and keep watching.

use super::{Broker, BrokerState, ControllerRole, Out, ZkPurpose};
use crate::protocol::{WatchedEventType, ZkError, ZkOp, ZkReply, ZkResult};
use crate::sim::NoteKind;

/// Parses `brokerid` out of `/controller`'s JSON data.
pub fn controller_id_from_json(data: &str) -> Option<i32> {
    let v: serde_json::Value = serde_json::from_str(data).ok()?;
    v.get("brokerid")?
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
}

impl Broker {
    /// Leaves a watch on `/controller` and learns whether it exists.
    pub(super) fn watch_controller(&mut self, out: &mut Out) {
        self.zk_request(
            ZkOp::Exists {
                path: "/controller".into(),
                watch: true,
            },
            ZkPurpose::WatchController,
            out,
        );
    }

    fn read_controller(&mut self, out: &mut Out) {
        self.zk_request(
            ZkOp::GetData {
                path: "/controller".into(),
                watch: true,
            },
            ZkPurpose::ReadController,
            out,
        );
    }

    fn read_controller_epoch(&mut self, out: &mut Out) {
        self.zk_request(
            ZkOp::GetData {
                path: "/controller_epoch".into(),
                watch: false,
            },
            ZkPurpose::ReadControllerEpoch,
            out,
        );
    }

    fn may_elect(&self) -> bool {
        self.state == BrokerState::Running && self.registered
    }

    pub(super) fn on_election_result(
        &mut self,
        purpose: ZkPurpose,
        result: ZkResult,
        out: &mut Out,
    ) {
        match (purpose, result) {
            (ZkPurpose::WatchController, Ok(ZkReply::Exists(Some(_)))) => self.read_controller(out),
            (ZkPurpose::WatchController, Ok(ZkReply::Exists(None))) if self.may_elect() => {
                out.note(
                    NoteKind::Election,
                    "/controller is absent: racing to create it",
                );
                self.read_controller_epoch(out);
            }
            (ZkPurpose::ReadController, Ok(ZkReply::Data(data, stat))) => {
                let Some(winner) = controller_id_from_json(&data) else {
                    out.note(
                        NoteKind::Info,
                        format!("could not read /controller: {data}"),
                    );
                    return;
                };
                if self.controller_id != Some(winner) && winner != self.id {
                    out.note(
                        NoteKind::Election,
                        format!(
                            "sees broker {winner} is the controller; keeps a watch on /controller"
                        ),
                    );
                }
                self.controller_id = Some(winner);
                let mine = winner == self.id && Some(stat.ephemeral_owner) == self.session();
                if self.role.is_some() && !mine {
                    self.resign("/controller names another owner", out);
                } else if self.role.is_none() && mine && self.may_elect() {
                    // Our election multi landed but its answer was lost with
                    // the connection (Kafka's `checkControllerAndEpoch`): the
                    // epoch it wrote is the current one, as nobody else can
                    // win while our ephemeral /controller exists.
                    out.note(
                        NoteKind::Election,
                        "/controller is ours (the answer to our election was lost): reading the epoch we wrote",
                    );
                    self.zk_request(
                        ZkOp::GetData {
                            path: "/controller_epoch".into(),
                            watch: false,
                        },
                        ZkPurpose::ReclaimControllerEpoch,
                        out,
                    );
                }
            }
            (ZkPurpose::ReadController, Err((_, ZkError::NoNode))) => self.watch_controller(out),
            (ZkPurpose::ReadControllerEpoch, Ok(ZkReply::Data(data, stat))) => {
                let Ok(epoch) = data.trim().parse::<i32>() else {
                    out.note(
                        NoteKind::Info,
                        format!("could not read /controller_epoch: {data}"),
                    );
                    return;
                };
                if !self.may_elect() {
                    return;
                }
                let next = epoch + 1;
                let data = format!(
                    r#"{{"version":1,"brokerid":{},"timestamp":"{}"}}"#,
                    self.id, self.now
                );
                self.zk_request(
                    ZkOp::Multi(vec![
                        ZkOp::Create {
                            path: "/controller".into(),
                            data,
                            ephemeral: true,
                        },
                        ZkOp::SetData {
                            path: "/controller_epoch".into(),
                            data: next.to_string(),
                            version: Some(stat.version),
                        },
                    ]),
                    ZkPurpose::Elect { epoch: next },
                    out,
                );
            }
            (ZkPurpose::ReadControllerEpoch, Err((_, ZkError::NoNode))) => {
                self.zk_request(
                    ZkOp::Create {
                        path: "/controller_epoch".into(),
                        data: "0".into(),
                        ephemeral: false,
                    },
                    ZkPurpose::CreateControllerEpoch,
                    out,
                );
            }
            (ZkPurpose::CreateControllerEpoch, Ok(_) | Err((_, ZkError::NodeExists))) => {
                self.read_controller_epoch(out)
            }
            (ZkPurpose::ReclaimControllerEpoch, Ok(ZkReply::Data(data, stat))) => {
                if let Ok(epoch) = data.trim().parse::<i32>() {
                    if self.role.is_none() && self.controller_id == Some(self.id) {
                        self.become_controller(epoch, stat.version, out);
                    }
                }
            }
            (ZkPurpose::Elect { epoch }, Ok(reply)) if self.role.is_none() => {
                let epoch_zk_version = match reply {
                    ZkReply::Multi(r) => r
                        .iter()
                        .find_map(|x| match x {
                            ZkReply::Set(stat) => Some(stat.version),
                            _ => None,
                        })
                        .unwrap_or_default(),
                    _ => 0,
                };
                self.become_controller(epoch, epoch_zk_version, out);
            }
            (ZkPurpose::Elect { .. }, Err((_, ZkError::NodeExists))) => {
                out.note(
                    NoteKind::Election,
                    "lost the race for /controller (NODEEXISTS): another broker created it first",
                );
                self.read_controller(out);
            }
            (ZkPurpose::Elect { .. }, Err((_, e))) => {
                out.note(
                    NoteKind::Election,
                    format!("election write failed ({e}): /controller_epoch moved; trying again"),
                );
                self.watch_controller(out);
            }
            (_, Err((_, e))) => out.note(NoteKind::Info, format!("ZooKeeper answered {e}")),
            _ => {}
        }
    }

    /// Takes the controller role for `epoch`, whose `/controller_epoch`
    /// znode has version `epoch_zk_version`.
    fn become_controller(&mut self, epoch: i32, epoch_zk_version: i32, out: &mut Out) {
        out.note(
            NoteKind::Election,
            format!("won /controller: controller epoch {epoch}"),
        );
        self.controller_id = Some(self.id);
        self.controller_epoch = self.controller_epoch.max(epoch);
        self.role = Some(ControllerRole::new(epoch, epoch_zk_version));
        if self.state == BrokerState::ShuttingDown {
            // Won a race that started before the shutdown: hand over at once.
            self.finish_shutdown(true, out);
            return;
        }
        self.metadata_brokers.clear();
        self.watch_brokers(out);
        self.start_partition_duties(out);
    }

    pub(super) fn on_watch(&mut self, event_type: WatchedEventType, path: &str, out: &mut Out) {
        match (event_type, path) {
            (WatchedEventType::NodeDeleted, "/controller") => {
                if self.role.is_some() {
                    self.resign("/controller was deleted", out);
                }
                self.controller_id = None;
                out.note(
                    NoteKind::Watch,
                    "watch fired: /controller deleted; the controller is gone",
                );
                self.watch_controller(out);
            }
            (WatchedEventType::NodeCreated | WatchedEventType::NodeDataChanged, "/controller") => {
                self.read_controller(out)
            }
            (WatchedEventType::NodeChildrenChanged, "/brokers/ids") if self.role.is_some() => {
                out.note(
                    NoteKind::Watch,
                    "watch fired: /brokers/ids changed; reading the live brokers",
                );
                self.watch_brokers(out);
            }
            (event_type, path) => self.on_partition_watch(event_type, path, out),
        }
    }

    /// Gives up the controller role.
    pub(super) fn resign(&mut self, why: &str, out: &mut Out) {
        if let Some(role) = self.role.take() {
            out.note(
                NoteKind::Election,
                format!("resigned as controller (epoch {}): {why}", role.epoch()),
            );
            if self.controller_id == Some(self.id) {
                self.controller_id = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::controller_id_from_json;

    #[test]
    fn reads_brokerid_from_controller_json() {
        assert_eq!(
            controller_id_from_json(r#"{"version":1,"brokerid":3,"timestamp":"17"}"#),
            Some(3)
        );
        assert_eq!(controller_id_from_json("{}"), None);
        assert_eq!(controller_id_from_json("junk"), None);
    }
}
