//! `bench-webhook HUB_URL APP_SECRET [RATE] [SECONDS]`: an open-loop load generator for the
//! WhatsApp webhook on a running hub. It connects a fresh seller's number (through the API, so
//! the sandbox's Graph checks it), then sends signed text deliveries at RATE per second (default
//! 200) for SECONDS (default 20), each from its own scheduled instant: latency is counted from
//! when a request was due, not when a free thread got to it, so a stalled hub cannot hide its
//! queueing (no coordinated omission). Prints the acknowledgement percentiles, then waits until
//! every delivery is in the seller's inbox (nothing lost) and prints how long that took. A fifth
//! argument `unconnected` sends to a number no seller has: the door alone.

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn call(agent: &ureq::Agent, method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut b = ureq::http::Request::builder().method(method).uri(url).header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let req = match b.body(body.map(Value::to_string).unwrap_or_default()) {
        Ok(r) => r,
        Err(e) => return (0, json!({ "error": e.to_string() })),
    };
    match agent.run(req) {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.into_body().read_to_vec().unwrap_or_default();
            let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
            (status, v)
        }
        Err(e) => (0, json!({ "error": e.to_string() })),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(hub), Some(secret)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: bench-webhook HUB_URL APP_SECRET [RATE] [SECONDS] [unconnected]");
        std::process::exit(2);
    };
    let rate: u64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(200);
    let seconds: u64 = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(20);
    // `unconnected`: deliveries for a number no seller has (the door alone; the consumer only
    // looks the number up and drops the change).
    let unconnected = args.get(5).is_some_and(|m| m == "unconnected");
    let hub = hub.trim_end_matches('/').to_owned();
    let agent = new_agent();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let handle = format!("bench{}", stamp % 1_000_000_000);
    let (status, signup) = call(
        &agent,
        "POST",
        &format!("{hub}/api/v1/auth/signup"),
        None,
        Some(&json!({"email": format!("{handle}@example.com"), "password": "bench-password-123", "handle": handle})),
    );
    let Some(token) = signup["token"].as_str().map(str::to_owned) else {
        eprintln!("signup failed ({status}): {signup}");
        std::process::exit(1);
    };
    let phone = format!("{}", 9_000_000_000_000u64 + u64::try_from(stamp % 1_000_000_000).unwrap_or(0));
    let (status, conn) = call(
        &agent,
        "PUT",
        &format!("{hub}/api/v1/whatsapp/connection"),
        Some(&token),
        Some(&json!({"phone_number_id": phone, "waba_id": "1", "access_token": "EAAbenchSandboxToken0123456789"})),
    );
    if status != 200 {
        eprintln!("connecting the number failed ({status}): {conn}");
        std::process::exit(1);
    }
    let phone = if unconnected { format!("8{phone}") } else { phone };
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(usize::try_from(total).unwrap_or(0))));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(Mutex::new(0u64));
    let start = Instant::now() + Duration::from_millis(200);
    // Enough threads that a slow answer never delays the next scheduled send.
    let threads = 64;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (latencies, failures, next, hub, secret, phone) =
                (Arc::clone(&latencies), Arc::clone(&failures), Arc::clone(&next), &hub, secret, &phone);
            s.spawn(move || {
                let agent = new_agent();
                loop {
                    let i = {
                        let mut n = next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        if *n >= total {
                            return;
                        }
                        *n += 1;
                        *n - 1
                    };
                    let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    // Buyers spread over 50 contacts, each message its own wamid.
                    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone},
                        "contacts": [{"profile": {"name": format!("Buyer {}", i % 50)}, "wa_id": format!("23480{:08}", i % 50)}],
                        "messages": [{"from": format!("23480{:08}", i % 50), "id": format!("wamid.bench.{phone}.{i}"),
                                      "timestamp": "1790000000", "type": "text", "text": {"body": format!("Is item {i} available?")}}]
                    }}]}]})
                    .to_string();
                    let signature = linkhub_core::whatsapp::webhook::sign(body.as_bytes(), secret);
                    let resp = agent
                        .post(&format!("{hub}/webhooks/whatsapp"))
                        .header("content-type", "application/json")
                        .header("x-hub-signature-256", &signature)
                        .send(body.as_bytes());
                    let ms = due.elapsed().as_secs_f64() * 1000.0;
                    match resp {
                        Ok(r) if r.status() == 200 => {
                            latencies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(ms);
                        }
                        Ok(r) => failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(r.status().to_string()),
                        Err(e) => failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(e.to_string()),
                    }
                }
            });
        }
    });
    let sent_for = start.elapsed().as_secs_f64();
    let mut l = latencies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    l.sort_by(f64::total_cmp);
    let failures = failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    println!(
        "webhook acknowledgements at {rate}/s for {seconds} s: {} ok, {} failed, achieved {:.0}/s; p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        l.len(),
        failures.len(),
        l.len() as f64 / sent_for,
        percentile(&l, 0.50),
        percentile(&l, 0.90),
        percentile(&l, 0.99),
        percentile(&l, 1.0),
    );
    if !failures.is_empty() {
        eprintln!("first failures: {:?}", &failures[..failures.len().min(5)]);
    }
    if unconnected {
        return;
    }
    // Nothing lost: every acknowledged delivery ends in the inbox (50 conversations; unread counts).
    let applied_from = Instant::now();
    let deadline = applied_from + Duration::from_secs(600);
    let stored = loop {
        let (_, page) = call(&agent, "GET", &format!("{hub}/api/v1/inbox/conversations?limit=100"), Some(&token), None);
        let unread: i64 =
            page["items"].as_array().map_or(0, |items| items.iter().filter_map(|c| c["unread"].as_i64()).sum());
        if u64::try_from(unread).unwrap_or(0) >= l.len() as u64 || Instant::now() > deadline {
            break unread;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    println!(
        "applied: {stored} of {} acknowledged deliveries in the inbox, {:.1} s after the last was sent",
        l.len(),
        applied_from.elapsed().as_secs_f64()
    );
    let p99_ok = percentile(&l, 0.99) < 50.0;
    if !failures.is_empty() || u64::try_from(stored).unwrap_or(0) != l.len() as u64 {
        std::process::exit(1);
    }
    if !p99_ok {
        eprintln!("p99 is over the 50 ms target");
    }
}
