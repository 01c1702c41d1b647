//! The browser side, and the only code that knows it: the `App` handle the
//! page drives (one `frame` call per animation frame that advances the world
//! and paints), the painter for the view's shapes, and errors as `JsError`.

mod bench;
mod hits;
mod lab;
mod painter;

pub use bench::{AppendBench, MemoryBench};
pub use lab::{ReplicaStorage, StorageLab};

use crate::sim::{ClusterConfig, Command, NodeId, MAX_COMMAND_BYTES, MAX_CONFIG_BYTES};
use crate::view::{self, Scene, ViewOptions, Viewport};
use crate::World;
use wasm_bindgen::prelude::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Most events one frame processes; past it the clock lags instead of the page freezing.
pub const MAX_EVENTS_PER_FRAME: usize = 200_000;
/// Longest wall-clock gap one frame makes up for (a background tab resumes gently).
pub const MAX_FRAME_GAP_MS: f64 = 250.0;
/// The largest whole number a JS number holds exactly (2^53 - 1): the largest seed.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

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
    opts: ViewOptions,
}

#[wasm_bindgen]
impl App {
    /// A new world on `canvas` from a seed and a JSON `ClusterConfig` ("" for the app default).
    #[wasm_bindgen(constructor)]
    pub fn new(canvas: HtmlCanvasElement, seed: f64, config_json: &str) -> Result<App, JsError> {
        let seed = whole_seed(seed, "seed")?;
        if config_json.len() > MAX_CONFIG_BYTES {
            return Err(js_err(format!(
                "config: at most {MAX_CONFIG_BYTES} bytes of JSON, got {}",
                config_json.len()
            )));
        }
        let cfg = if config_json.trim().is_empty() {
            ClusterConfig::app_default()
        } else {
            serde_json::from_str(config_json).map_err(|e| js_err(format!("config: {e}")))?
        };
        // A planted bug is checked after every event, as the CLI does, so the
        // badge names the very event that broke a rule; otherwise once a
        // frame, which keeps a large cluster fast.
        let planted = cfg.mutation.is_some();
        let world = World::new(seed, cfg).map_err(js_err)?;
        let mut world = if planted {
            world.with_checks()
        } else {
            world.with_checks_on_demand()
        };
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
            opts: ViewOptions::default(),
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
            self.world.check_now();
        }
        self.paint();
    }

    fn paint(&mut self) {
        let snap = view::snapshot_with(&self.world, self.carry_ms, self.opts);
        self.scene = view::layout(&snap, self.vp);
        painter::paint(&self.ctx, &self.scene, self.vp, self.dpr);
    }

    /// Applies a JSON `Command`; returns what happened, or throws a readable error.
    pub fn apply(&mut self, command_json: &str) -> Result<String, JsError> {
        if command_json.len() > MAX_COMMAND_BYTES {
            return Err(js_err(format!(
                "bad command: at most {MAX_COMMAND_BYTES} bytes of JSON, got {}",
                command_json.len()
            )));
        }
        let command: Command =
            serde_json::from_str(command_json).map_err(|e| js_err(format!("bad command: {e}")))?;
        let done = self.world.apply(command).map_err(js_err)?;
        self.paint();
        Ok(done)
    }

    /// What is under a point (CSS px), as JSON.
    pub fn hit(&self, x: f64, y: f64) -> String {
        let w = &self.world;
        let value = match self.scene.hit((x as f32, y as f32)) {
            Some(view::HitTarget::Node { node }) => hits::node_json(w, node),
            Some(view::HitTarget::Replica {
                broker,
                topic,
                partition,
            }) => hits::replica_json(w, broker, &topic, partition),
            Some(view::HitTarget::Link { a, b }) => hits::link_json(w, a, b),
            Some(view::HitTarget::Group { group }) => hits::group_json(w, &group),
            Some(view::HitTarget::Internal { broker }) => {
                hits::internal_json(w, broker, self.opts.expand_internal)
            }
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
        hits::replica_json(&self.world, broker, topic, partition).to_string()
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
        let meta = hits::replica_json(&self.world, broker, topic, partition);
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

    /// Draws every `__consumer_offsets` partition (true) or folds them
    /// into a strip per broker (false, the default).
    pub fn set_internal_expanded(&mut self, expanded: bool) {
        self.opts.expand_internal = expanded;
        self.paint();
    }

    /// Whether every `__consumer_offsets` partition is drawn.
    pub fn internal_expanded(&self) -> bool {
        self.opts.expand_internal
    }

    /// What the canvas shows of the groups, as JSON: each group's box
    /// (with the texts inside it) and each line from a member to a replica.
    pub fn groups_drawn(&self) -> String {
        hits::groups_drawn(&self.scene).to_string()
    }

    /// Centre of a group's box in CSS px, as JSON (or "null").
    pub fn group_center(&self, group: &str) -> String {
        match self.scene.group_center(group) {
            Some((x, y)) => serde_json::json!({ "x": x, "y": y }).to_string(),
            None => "null".into(),
        }
    }

    /// Centre of a broker's `__consumer_offsets` strip in CSS px, as JSON (or "null").
    pub fn strip_center(&self, broker: i32) -> String {
        match self.scene.strip_center(broker) {
            Some((x, y)) => serde_json::json!({ "x": x, "y": y }).to_string(),
            None => "null".into(),
        }
    }

    /// The recorded commands, as JSON.
    pub fn commands(&self) -> String {
        serde_json::to_string(self.world.commands()).unwrap_or_else(|_| "[]".into())
    }
}

/// The message legend, as JSON.
#[wasm_bindgen]
pub fn legend() -> String {
    view::legend_json()
}

/// A seed from JavaScript: a whole number from 0 to 2^53 - 1.
fn whole_seed(seed: f64, what: &str) -> Result<u64, JsError> {
    if seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= MAX_SAFE_INTEGER {
        Ok(seed as u64)
    } else {
        Err(js_err(format!(
            "{what} {seed} must be a whole number from 0 to 9007199254740991"
        )))
    }
}

/// The fault swarm's plan for a seed as scenario JSON, for
/// `App.fromScenario`: the very run `kafkascope check --seeds 1 --from SEED`
/// checks. `unsafe_switch` (`acks1`, `unclean-election`, `pre-kip-101`) and
/// `mutation` (a planted bug's name) are "" for none.
#[wasm_bindgen(js_name = swarmScenario)]
pub fn swarm_scenario(seed: f64, unsafe_switch: &str, mutation: &str) -> Result<String, JsError> {
    use crate::check::swarm::{plan, Options, Unsafe};
    let seed = whole_seed(seed, "swarm seed")?;
    let unsafe_switch = match unsafe_switch.trim() {
        "" => None,
        name => Some(Unsafe::parse(name).map_err(js_err)?),
    };
    let mutation = match mutation.trim() {
        "" => None,
        name => Some(crate::sim::Mutation::parse(name).map_err(js_err)?),
    };
    let opts = Options {
        unsafe_switch,
        mutation,
    };
    serde_json::to_string(&plan(seed, opts).scenario).map_err(js_err)
}

/// The app's default cluster configuration, as JSON.
#[wasm_bindgen]
pub fn default_config() -> String {
    serde_json::to_string(&ClusterConfig::app_default()).unwrap_or_default()
}
