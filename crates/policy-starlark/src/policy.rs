//! [`StarlarkPolicy`]: a loaded script run as a cash-manager policy.
//!
//! Each call gets a fresh heap and evaluator with the policy's limits and `print`
//! refused; the agent's `state` is rebuilt from JSON for the call and saved back to
//! JSON after it. A call that fails, in any way, changes nothing: its decisions are
//! "hold everything", its state is the state before the call, and the error (with the
//! script line) goes to the event log.

use crate::budget::Budget;
use crate::convert::{
    check_state, collateral_decision, liquidity_share, payment_decisions, state_bytes,
    state_from_starlark, state_to_starlark,
};
use crate::objects;
use crate::sandbox::{Limits, contain_panics};
use crate::script::{EntryPoint, LoadError, Script};
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, LiquidityShare, PolicyError, PolicyView, ReleaseDecision,
};
use serde_json::{Map, Value as Json};
use starlark::environment::Module;
use starlark::eval::Evaluator;
use starlark::values::Value;
use std::sync::Arc;

/// A Starlark policy: a shared script, this agent's limits and state.
#[derive(Debug, Clone)]
pub struct StarlarkPolicy {
    script: Arc<Script>,
    limits: Limits,
    state: Map<String, Json>,
}

impl StarlarkPolicy {
    pub fn new(script: Arc<Script>, limits: Limits) -> Self {
        StarlarkPolicy {
            script,
            limits,
            state: Map::new(),
        }
    }

    /// Loads `source` (named `name` in messages) with the given limits.
    pub fn from_source(name: &str, source: &str, limits: Limits) -> Result<Self, LoadError> {
        Script::load(name, source).map(|script| StarlarkPolicy::new(Arc::new(script), limits))
    }

    pub fn script(&self) -> &Script {
        &self.script
    }

    /// Calls an entry point with the objects it takes, converts what it returns, and
    /// keeps the state it leaves, all or nothing.
    fn call<T>(
        &mut self,
        point: EntryPoint,
        view: &PolicyView<'_>,
        convert: impl for<'v> FnOnce(Value<'v>) -> Result<T, String>,
    ) -> Result<Option<T>, PolicyError> {
        let Some(function) = self.script.entry(point) else {
            return Ok(None);
        };
        let script = &self.script;
        let limits = self.limits;
        let state = &self.state;
        let outcome = contain_panics(|| {
            Module::with_temp_heap(|module| -> Result<(T, Map<String, Json>), String> {
                let heap = module.heap();
                // The entry point lives in the script's frozen heap; this links that heap to
                // the call's heap, so the function stays alive for the call.
                let function = heap.access_owned_frozen_value(function);
                let budget = Budget::new(&limits);
                let mut eval = Evaluator::new(&module);
                eval.extra = Some(&budget);
                limits.apply(&mut eval).map_err(|e| e.to_string())?;
                let state_value = state_to_starlark(state, heap);
                let agent = objects::agent(view, heap);
                let system = objects::system(view, heap);
                let args = match point {
                    EntryPoint::EvaluateQueue => vec![
                        objects::transactions(view, heap),
                        agent,
                        system,
                        state_value,
                    ],
                    _ => vec![agent, system, state_value],
                };
                let result = match eval.eval_function(function, &args, &[]) {
                    Ok(result) => result,
                    Err(error) => {
                        let limit = limits.exceeded(&eval, &error);
                        return Err(script.locate(&error, limit).to_string());
                    }
                };
                let converted = convert(result)?;
                let new_state =
                    state_from_starlark(state_value, &budget, heap, limits.max_state_bytes)?;
                Ok((converted, new_state))
            })
        })
        .and_then(|outcome| outcome);
        match outcome {
            Ok((converted, new_state)) => {
                self.state = new_state;
                Ok(Some(converted))
            }
            Err(message) => Err(PolicyError::new(format!("{point}: {message}"))),
        }
    }
}

impl CashManagerPolicy for StarlarkPolicy {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        let decided = self.call(EntryPoint::EvaluateQueue, view, |result| {
            payment_decisions(result, view)
        })?;
        Ok(decided.unwrap_or_default())
    }

    fn strategic_collateral(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        let decided = self.call(EntryPoint::StrategicCollateral, view, collateral_decision)?;
        Ok(decided.unwrap_or_default())
    }

    fn end_of_tick_collateral(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        let decided = self.call(EntryPoint::EndOfTickCollateral, view, collateral_decision)?;
        Ok(decided.unwrap_or_default())
    }

    fn initial_liquidity(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Option<LiquidityShare>, PolicyError> {
        let decided = self.call(EntryPoint::InitialLiquidity, view, liquidity_share)?;
        Ok(decided.flatten())
    }

    fn state(&self) -> Option<Json> {
        Some(Json::Object(self.state.clone()))
    }

    fn restore_state(&mut self, state: Json) -> Result<(), PolicyError> {
        match state {
            Json::Object(map) => {
                for (key, value) in &map {
                    check_state(value, &format!("state[{key:?}]")).map_err(PolicyError::new)?;
                }
                let bytes = state_bytes(&map);
                if bytes > self.limits.max_state_bytes {
                    return Err(PolicyError::new(format!(
                        "the saved state is {bytes} bytes; this policy's max_state_bytes is {}",
                        self.limits.max_state_bytes
                    )));
                }
                self.state = map;
                Ok(())
            }
            other => Err(PolicyError::new(format!(
                "a Starlark policy's state is a JSON object, not {other}"
            ))),
        }
    }
}
