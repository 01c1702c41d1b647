//! The browser side, and the only code that knows it: the `App` handle the
//! page drives (one `frame` call per animation frame that advances the world
//! and paints), the painter for the view's shapes, and errors as `JsError`.

mod bench;
mod lab;
mod painter;

pub use bench::AppendBench;
pub use lab::{ReplicaStorage, StorageLab};

use crate::sim::{ClusterConfig, Command, NodeId};
use crate::view::{self, Scene, Viewport};
use crate::World;
use wasm_bindgen::prelude::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Most events one frame processes; past it the clock lags instead of the page freezing.
pub const MAX_EVENTS_PER_FRAME: usize = 200_000;
/// Longest wall-clock gap one frame makes up for (a background tab resumes gently).
pub const MAX_FRAME_GAP_MS: f64 = 250.0;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn js_err(msg: impl std::fmt::Display) -> JsError {
    JsError::new(&msg.to_string())
}

/// The running simulation bound to a canvas.
#[wasm_bindgen]
pub struct App {
    world: World,
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    vp: Viewport,
    dpr: f64,
    last_ms: Option<f64>,
    carry_ms: f64,
    scene: Scene,
    scenario: Option<(String, String)>,
}

#[wasm_bindgen]
impl App {
    /// A new world on `canvas` from a seed and a JSON `ClusterConfig` ("" for the app default).
    #[wasm_bindgen(constructor)]
    pub fn new(canvas: HtmlCanvasElement, seed: f64, config_json: &str) -> Result<App, JsError> {
        if !(seed.is_finite()
            && seed >= 0.0
            && seed.fract() == 0.0
            && seed <= 9_007_199_254_740_991.0)
        {
            return Err(js_err(format!(
                "seed {seed} must be a whole number from 0 to 9007199254740991"
            )));
        }
        let cfg = if config_json.trim().is_empty() {
            ClusterConfig::app_default()
        } else {
            serde_json::from_str(config_json).map_err(|e| js_err(format!("config: {e}")))?
        };
        let mut world = World::new(seed as u64, cfg).map_err(js_err)?;
        world
            .apply(Command::SetSpeed { speed: 0.25 })
            .map_err(js_err)?;
        let ctx = canvas
            .get_context("2d")
            .map_err(|_| js_err("the canvas has no 2D context"))?
            .ok_or_else(|| js_err("the canvas has no 2D context"))?
            .dyn_into::<CanvasRenderingContext2d>()
            .map_err(|_| js_err("the canvas has no 2D context"))?;
        let vp = Viewport {
            w: canvas.client_width().max(1) as f32,
            h: canvas.client_height().max(1) as f32,
        };
        Ok(App {
            world,
            canvas,
            ctx,
            vp,
            dpr: 1.0,
            last_ms: None,
            carry_ms: 0.0,
            scene: Scene::default(),
            scenario: None,
        })
    }

    /// A world from a scenario file's JSON: its seed and configuration, its
    /// commands applied at their times (the same run the CLI prints).
    #[wasm_bindgen(js_name = fromScenario)]
    pub fn from_scenario(canvas: HtmlCanvasElement, scenario_json: &str) -> Result<App, JsError> {
        let scenario = crate::Scenario::from_json(scenario_json).map_err(js_err)?;
        let cfg = serde_json::to_string(&scenario.config).map_err(js_err)?;
        let mut app = App::new(canvas, scenario.seed as f64, &cfg)?;
        app.world.schedule(&scenario.commands);
        app.scenario = Some((scenario.name, scenario.description));
        Ok(app)
    }

    /// The loaded scenario's name and description, as JSON (or "null").
    pub fn scenario(&self) -> String {
        match &self.scenario {
            Some((name, description)) => {
                serde_json::json!({ "name": name, "description": description }).to_string()
            }
            None => "null".into(),
        }
    }

    /// Sets the drawing size in CSS pixels and the device pixel ratio.
    pub fn resize(&mut self, css_w: f64, css_h: f64, dpr: f64) {
        let dpr = if dpr.is_finite() {
            dpr.clamp(0.5, 4.0)
        } else {
            1.0
        };
        let (w, h) = (css_w.clamp(1.0, 8192.0), css_h.clamp(1.0, 8192.0));
        self.vp = Viewport {
            w: w as f32,
            h: h as f32,
        };
        self.dpr = dpr;
        self.canvas.set_width((w * dpr).round() as u32);
        self.canvas.set_height((h * dpr).round() as u32);
        self.paint();
    }

    /// Advances the world by the wall time since the last frame times the speed, then paints.
    pub fn frame(&mut self, now_ms: f64) {
        let dt = match self.last_ms {
            Some(last) if now_ms.is_finite() => (now_ms - last).clamp(0.0, MAX_FRAME_GAP_MS),
            _ => 0.0,
        };
        self.last_ms = Some(now_ms);
        if !self.world.paused() {
            self.carry_ms += dt * self.world.speed();
            let whole = self.carry_ms.floor();
            self.carry_ms -= whole;
            let until = self.world.now() + whole as u64;
            if !self.world.run_until_bounded(until, MAX_EVENTS_PER_FRAME) {
                self.carry_ms = 0.0;
            }
        }
        self.paint();
    }

    fn paint(&mut self) {
        let snap = view::snapshot(&self.world, self.carry_ms);
        self.scene = view::layout(&snap, self.vp);
        painter::paint(&self.ctx, &self.scene, self.vp, self.dpr);
    }

    /// Applies a JSON `Command`; returns what happened, or throws a readable error.
    pub fn apply(&mut self, command_json: &str) -> Result<String, JsError> {
        let command: Command =
            serde_json::from_str(command_json).map_err(|e| js_err(format!("bad command: {e}")))?;
        let done = self.world.apply(command).map_err(js_err)?;
        self.paint();
        Ok(done)
    }

    /// What is under a point (CSS px), as JSON.
    pub fn hit(&self, x: f64, y: f64) -> String {
        let target = self.scene.hit((x as f32, y as f32));
        let value = match target {
            Some(view::HitTarget::Node { node }) => {
                let cut_peers: std::collections::BTreeSet<NodeId> = self
                    .world
                    .net()
                    .cuts()
                    .filter_map(|(a, b)| match (a == node, b == node) {
                        (true, _) => Some(b),
                        (_, true) => Some(a),
                        _ => None,
                    })
                    .collect();
                let mut v =
                    serde_json::json!({ "kind": "node", "node": node, "cut_peers": cut_peers });
                if let NodeId::Broker(id) = node {
                    let s = view::status(&self.world);
                    let b = s.brokers.iter().find(|b| b.id == id);
                    let acting = self.world.broker(id).and_then(|b| b.role()).is_some();
                    let current = b.is_some_and(|b| b.is_controller);
                    v["state"] = serde_json::json!(b.map(|b| b.state));
                    v["is_controller"] = serde_json::json!(current);
                    v["stale_controller"] = serde_json::json!(acting && !current);
                    let reason = match self.world.brokers().get(&id).map(|s| &s.process) {
                        Some(crate::cluster::Process::Stopped { reason, .. }) => {
                            Some(reason.clone())
                        }
                        _ => None,
                    };
                    v["reason"] = serde_json::json!(reason);
                }
                if let NodeId::Producer(id) = node {
                    if let Some(slot) = self.world.producers().get(&id) {
                        let p = &slot.producer;
                        let (queued, in_flight) = p.unacknowledged();
                        v["alive"] = serde_json::json!(slot.crashed_at.is_none());
                        v["config"] = serde_json::json!(p.config());
                        v["stats"] = serde_json::json!(p.stats());
                        v["queued"] = serde_json::json!(queued);
                        v["in_flight"] = serde_json::json!(in_flight);
                        v["lost_in_buffer"] = serde_json::json!(slot.lost_in_buffer);
                        v["queues"] = serde_json::json!(p
                            .queues()
                            .iter()
                            .filter(|(_, q)| !q.is_empty())
                            .map(|(part, q)| serde_json::json!({
                                "partition": part,
                                "batches": q.len(),
                                "records": q.iter().map(|b| b.records.len()).sum::<usize>(),
                                "bytes": q.iter().map(|b| b.bytes).sum::<usize>(),
                            }))
                            .collect::<Vec<_>>());
                    }
                }
                v
            }
            Some(view::HitTarget::Replica {
                broker,
                topic,
                partition,
            }) => self.replica_json(broker, &topic, partition),
            Some(view::HitTarget::Link { a, b }) => serde_json::json!({
                "kind": "link",
                "a": a,
                "b": b,
                "cut_a_to_b": self.world.net().is_cut(a, b),
                "cut_b_to_a": self.world.net().is_cut(b, a),
                "link": {
                    "latency_min_ms": self.world.net().link(a, b).latency_min_ms,
                    "latency_max_ms": self.world.net().link(a, b).latency_max_ms,
                    "loss_ratio": self.world.net().link(a, b).loss_ratio,
                    "slowed": self.world.net().link(a, b) != self.world.config().network,
                },
            }),
            None => serde_json::json!({ "kind": "empty" }),
        };
        value.to_string()
    }

    /// Centre of a replica's cell in CSS px, as JSON (or "null").
    pub fn replica_center(&self, broker: i32, topic: &str, partition: i32) -> String {
        match self.scene.replica_center(broker, topic, partition) {
            Some((x, y)) => serde_json::json!({ "x": x, "y": y }).to_string(),
            None => "null".into(),
        }
    }

    /// A replica's details (what a click on it shows), as JSON.
    pub fn replica(&self, broker: i32, topic: &str, partition: i32) -> String {
        self.replica_json(broker, topic, partition).to_string()
    }

    /// A copy of a replica's log for the storage inspector; throws when the
    /// broker holds no log of that partition.
    pub fn replica_storage(
        &self,
        broker: i32,
        topic: &str,
        partition: i32,
    ) -> Result<ReplicaStorage, JsError> {
        let tp = crate::topic::TopicPartition::new(topic, partition);
        let log = self.world.log_of(broker, &tp).ok_or_else(|| {
            js_err(format!(
                "broker {broker} holds no log of {topic}-{partition} (not a replica, or not created yet)"
            ))
        })?;
        let meta = self.replica_json(broker, topic, partition);
        Ok(ReplicaStorage::new(log.clone(), self.world.now(), meta))
    }

    /// Acknowledged records found lost, as JSON: [{topic, partition, offset,
    /// producer, seq, acked_by, found_at_ms}] (the first 10000).
    pub fn acked_lost(&self) -> String {
        serde_json::to_string(self.world.ledger().lost()).unwrap_or_else(|_| "[]".into())
    }

    /// The running cluster's `ClusterConfig`, as JSON (what Reset or the scenario built it from).
    pub fn config(&self) -> String {
        serde_json::to_string(self.world.config()).unwrap_or_default()
    }

    /// The status bar data, as JSON.
    pub fn status(&self) -> String {
        serde_json::to_string(&view::status(&self.world)).unwrap_or_default()
    }

    /// Event-log lines with `seq >= since`, as JSON.
    pub fn events_since(&self, since: f64) -> String {
        let since = if since.is_finite() && since > 0.0 {
            since as u64
        } else {
            0
        };
        let lines: Vec<_> = self.world.log().iter().filter(|l| l.seq >= since).collect();
        serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into())
    }

    /// Centre of a node's box in CSS px, as JSON (or "null").
    pub fn node_center(&self, node: &str) -> String {
        let center = node
            .parse::<NodeId>()
            .ok()
            .and_then(|n| self.scene.center(n));
        match center {
            Some((x, y)) => serde_json::json!({ "x": x, "y": y }).to_string(),
            None => "null".into(),
        }
    }

    /// The recorded commands, as JSON.
    pub fn commands(&self) -> String {
        serde_json::to_string(self.world.commands()).unwrap_or_else(|_| "[]".into())
    }
}

impl App {
    fn replica_json(&self, broker: i32, topic: &str, partition: i32) -> serde_json::Value {
        let tp = crate::topic::TopicPartition::new(topic, partition);
        let report = self
            .world
            .partition_reports()
            .into_iter()
            .find(|p| p.topic == topic && p.partition == partition);
        let running = self.world.broker(broker);
        let mine = running.and_then(|b| b.replicas().get(&tp));
        let log = self.world.log_of(broker, &tp);
        let leader = report.as_ref().and_then(|p| p.leader);
        let in_isr = report.as_ref().is_some_and(|p| p.isr.contains(&broker));
        let role = match (running.is_some(), leader) {
            (false, _) => "broker down",
            (_, Some(l)) if l < 0 => "offline",
            (_, Some(l)) if l == broker => "leader",
            _ if in_isr => "follower",
            _ => "out of sync",
        };
        let producers: Vec<i32> = self
            .world
            .producers()
            .values()
            .filter(|s| s.crashed_at.is_none() && s.producer.config().topic == topic)
            .map(|s| s.producer.id())
            .collect();
        let follow = mine.map(|r| match r.follow {
            crate::broker::Follow::Idle => "idle",
            crate::broker::Follow::Truncating => "truncating",
            crate::broker::Follow::Fetching => "fetching",
        });
        let link = leader.filter(|l| *l >= 0 && *l != broker).map(|l| {
            let cfg = self
                .world
                .net()
                .link(NodeId::Broker(broker), NodeId::Broker(l));
            serde_json::json!({
                "latency_min_ms": cfg.latency_min_ms,
                "latency_max_ms": cfg.latency_max_ms,
                "loss_ratio": cfg.loss_ratio,
                "slowed": cfg != self.world.config().network,
            })
        });
        serde_json::json!({
            "kind": "replica",
            "broker": broker,
            "topic": topic,
            "partition": partition,
            "role": role,
            "broker_state": self.world.brokers().get(&broker).map(|s| crate::cluster::state_name(&s.process)),
            "leader": leader,
            "leader_epoch": report.as_ref().and_then(|p| p.leader_epoch),
            "isr": report.as_ref().map(|p| p.isr.clone()),
            "replicas": report.as_ref().map(|p| p.replicas.clone()),
            "high_watermark": report.as_ref().map(|p| p.high_watermark),
            "replica_high_watermark": mine.map(|r| r.hw),
            "log_end_offset": log.map(|l| l.log_end_offset()),
            "log_start_offset": log.map(|l| l.log_start_offset()),
            "segment_count": log.map(|l| l.segments().len()),
            "follow": follow,
            "link_to_leader": link,
            "producers": producers,
        })
    }
}

/// The message legend, as JSON.
#[wasm_bindgen]
pub fn legend() -> String {
    view::legend_json()
}

/// The app's default cluster configuration, as JSON.
#[wasm_bindgen]
pub fn default_config() -> String {
    serde_json::to_string(&ClusterConfig::app_default()).unwrap_or_default()
}
