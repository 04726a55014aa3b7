//! The TikTok circuit breaker's rules, on the KV it shares its state through: two breakers over
//! one store stand for two isolates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use linkhub_core::breaker::{self, Breaker, Gate};
use linkhub_core::ports::Kv;
use linkhub_testkit::{MemoryKv, TestSystem, block_on};

const T0: i64 = 1_790_000_000_000;

fn open_until(kv: &MemoryKv) -> i64 {
    let raw = block_on(kv.get(breaker::KEY)).unwrap().expect("state stored");
    serde_json::from_slice::<serde_json::Value>(&raw).unwrap()["open_until"].as_i64().unwrap_or(0)
}

/// One stage run: read the gate, then record these call results.
fn run(kv: &MemoryKv, sys: &TestSystem, results: &[bool]) -> Gate {
    let b = Breaker::new(kv, sys);
    let gate = block_on(b.gate());
    if !matches!(gate, Gate::Open { .. }) {
        for failed in results {
            block_on(b.record(*failed));
        }
    }
    gate
}

#[test]
fn five_failures_in_a_row_open_it_for_thirty_seconds_then_one_probe_decides() {
    let (kv, sys) = (MemoryKv::default(), TestSystem::at(T0));
    for _ in 0..breaker::CONSECUTIVE - 1 {
        assert_eq!(run(&kv, &sys, &[true]), Gate::Closed);
    }
    assert_eq!(open_until(&kv), 0, "four failures: still closed");
    assert_eq!(run(&kv, &sys, &[true]), Gate::Closed);
    assert_eq!(open_until(&kv), T0 + breaker::OPEN_MS, "the fifth opens it");
    assert_eq!(run(&kv, &sys, &[]), Gate::Open { retry_after: 30 });
    sys.advance_ms(breaker::OPEN_MS + 1);
    // The first caller after the open period probes; everyone else still waits.
    let prober = Breaker::new(&kv, &sys);
    assert_eq!(block_on(prober.gate()), Gate::Probe);
    assert_eq!(run(&kv, &sys, &[]), Gate::Open { retry_after: 10 }, "one probe at a time");
    block_on(prober.record(false));
    assert!(block_on(kv.get(breaker::KEY)).unwrap().is_none(), "a good probe closes it");
    assert_eq!(run(&kv, &sys, &[false]), Gate::Closed);
}

#[test]
fn a_failed_probe_opens_it_again() {
    let (kv, sys) = (MemoryKv::default(), TestSystem::at(T0));
    run(&kv, &sys, &[true; 5]);
    sys.advance_ms(breaker::OPEN_MS + 1);
    assert_eq!(run(&kv, &sys, &[true]), Gate::Probe);
    assert_eq!(open_until(&kv), sys_now(&sys) + breaker::OPEN_MS);
}

fn sys_now(sys: &TestSystem) -> i64 {
    linkhub_core::ports::System::now_ms(sys)
}

#[test]
fn half_of_ten_calls_failing_opens_it_without_five_in_a_row() {
    let (kv, sys) = (MemoryKv::default(), TestSystem::at(T0));
    // Alternating: never two failures in a row, but half of them fail.
    let calls: Vec<bool> = (0..breaker::MIN_CALLS).map(|i| i % 2 == 1).collect();
    run(&kv, &sys, &calls[..calls.len() - 1]);
    assert!(block_on(kv.get(breaker::KEY)).unwrap().is_none_or(|_| open_until(&kv) == 0), "nine calls: closed");
    run(&kv, &sys, &calls[calls.len() - 1..]);
    assert_eq!(open_until(&kv), T0 + breaker::OPEN_MS, "the tenth call makes half of them failures");
}

/// A run that read the state before another isolate opened the breaker must not close it with
/// a late success (its stale view said "closed, one failure").
#[test]
fn a_late_success_from_before_the_open_does_not_close_it() {
    let (kv, sys) = (MemoryKv::default(), TestSystem::at(T0));
    run(&kv, &sys, &[true]);
    let late = Breaker::new(&kv, &sys);
    assert_eq!(block_on(late.gate()), Gate::Closed);
    run(&kv, &sys, &[true; 4]);
    assert_eq!(open_until(&kv), T0 + breaker::OPEN_MS);
    block_on(late.record(false));
    assert_eq!(open_until(&kv), T0 + breaker::OPEN_MS, "still open");
    assert_eq!(run(&kv, &sys, &[]), Gate::Open { retry_after: 30 });
}

/// KV down: the breaker is advice, calls go through (the stage's own retries still bound them).
#[test]
fn an_unreachable_kv_never_stops_a_call() {
    let (kv, sys) = (MemoryKv::default(), TestSystem::at(T0));
    kv.fail.set(true);
    for _ in 0..10 {
        assert_eq!(run(&kv, &sys, &[true]), Gate::Closed);
    }
}
