//! The SQL outbox (the queue on platforms without one) over real SQLite: delivery, backoff,
//! dead-lettering after the retry budget, leases against double delivery, nothing dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use linkhub_core::outbox::{self, MAX_ATTEMPTS, Outbox};
use linkhub_core::ports::{Queue, Sql, Stmt, Topic};
use linkhub_core::stages::StageOutcome;
use linkhub_testkit::{SqliteSql, TestSystem, block_on};
use std::cell::RefCell;

const T0: i64 = 1_750_000_000_000;

fn rows(sql: &SqliteSql) -> Vec<(String, i64, i64)> {
    let r = block_on(sql.query(Stmt::new("SELECT topic, attempts, dead FROM outbox ORDER BY created_at"))).unwrap();
    r.iter()
        .map(|r| {
            (r["topic"].as_str().unwrap().to_owned(), r["attempts"].as_i64().unwrap(), r["dead"].as_i64().unwrap())
        })
        .collect()
}

#[test]
fn messages_are_delivered_in_order_and_removed_when_done() {
    let (sql, sys) = (SqliteSql::in_memory().unwrap(), TestSystem::at(T0));
    let q = Outbox { sql: &sql, sys: &sys };
    block_on(q.send(Topic::Caption, "{\"n\":1}")).unwrap();
    sys.advance_ms(1);
    block_on(q.send(Topic::Tagging, "{\"n\":2}")).unwrap();
    let seen = RefCell::new(Vec::new());
    let report = block_on(outbox::drain(&sql, &sys, 100, async |topic, body: &str, dead| {
        seen.borrow_mut().push((topic, body.to_owned(), dead));
        StageOutcome::Done
    }))
    .unwrap();
    assert_eq!((report.delivered, report.done), (2, 2));
    assert_eq!(
        seen.into_inner(),
        vec![(Topic::Caption, "{\"n\":1}".to_owned(), false), (Topic::Tagging, "{\"n\":2}".to_owned(), false)]
    );
    assert!(rows(&sql).is_empty());
}

#[test]
fn retries_wait_their_delay_then_exhausted_messages_reach_the_dead_letter_handler() {
    let (sql, sys) = (SqliteSql::in_memory().unwrap(), TestSystem::at(T0));
    block_on(Outbox { sql: &sql, sys: &sys }.send(Topic::Metadata, "{}")).unwrap();
    let deliveries = RefCell::new(Vec::new());
    let run = || {
        block_on(outbox::drain(&sql, &sys, 100, async |_, _: &str, dead| {
            deliveries.borrow_mut().push(dead);
            if dead { StageOutcome::Failed { code: "retries_exhausted".into() } } else { StageOutcome::RetryAfter(30) }
        }))
        .unwrap()
    };
    assert_eq!(run().retried, 1);
    // Not due yet: nothing delivered.
    sys.advance_ms(29_000);
    assert_eq!(run().delivered, 0);
    for _ in 1..MAX_ATTEMPTS {
        sys.advance_ms(31_000);
        run();
    }
    // The last failed delivery dead-lettered it, and the same drain ran the dead-letter handler.
    assert_eq!(deliveries.borrow().iter().filter(|d| !**d).count() as i64, MAX_ATTEMPTS);
    assert_eq!(deliveries.borrow().last(), Some(&true));
    assert!(rows(&sql).is_empty());
}

#[test]
fn a_claimed_message_is_not_delivered_twice_until_its_lease_expires() {
    let (sql, sys) = (SqliteSql::in_memory().unwrap(), TestSystem::at(T0));
    block_on(Outbox { sql: &sql, sys: &sys }.send(Topic::Thumbnail, "{}")).unwrap();
    let first = block_on(outbox::claim(&sql, &sys, 10)).unwrap();
    assert_eq!(first.len(), 1);
    assert!(block_on(outbox::claim(&sql, &sys, 10)).unwrap().is_empty(), "leased");
    // The drain that claimed it died: after the lease, another drain gets it again.
    sys.advance_ms(outbox::LEASE_MS + 1);
    let again = block_on(outbox::claim(&sql, &sys, 10)).unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
}

#[test]
fn a_dead_letter_handler_that_keeps_failing_leaves_the_message_for_an_operator() {
    let (sql, sys) = (SqliteSql::in_memory().unwrap(), TestSystem::at(T0));
    block_on(Outbox { sql: &sql, sys: &sys }.send(Topic::Caption, "{}")).unwrap();
    let mut parked = 0;
    let mut last = outbox::DrainReport::default();
    for _ in 0..40 {
        last = block_on(outbox::drain(&sql, &sys, 100, async |_, _: &str, _| StageOutcome::RetryAfter(1))).unwrap();
        parked += last.parked;
        sys.advance_ms(2_000);
    }
    // A parked message is reported as parked, not as retried.
    assert_eq!(parked, 1);
    assert_eq!((last.delivered, last.retried), (0, 0), "a parked message is not delivered again");
    let left = rows(&sql);
    assert_eq!(left.len(), 1, "never dropped");
    assert_eq!((left[0].1, left[0].2), (outbox::MAX_DEAD_LETTER_ATTEMPTS, 1));
}

#[test]
fn migrations_apply_through_the_sql_port_once() {
    use linkhub_core::migrations::{MIGRATIONS, apply, statements};
    // The statements of every file, each a complete statement.
    for (name, text) in MIGRATIONS {
        let stmts = statements(text);
        assert!(!stmts.is_empty(), "{name}");
        // A trigger's body holds its own statements' `;`.
        assert!(
            stmts.iter().all(|s| (!s.contains(';') || s.starts_with("CREATE TRIGGER")) && !s.contains("--")),
            "{name}"
        );
    }
    // A database with everything applied (rusqlite) gets nothing again from the port path.
    let sql = SqliteSql::in_memory().unwrap();
    assert!(block_on(apply(&sql, T0)).unwrap().is_empty());
    // Forget the last one: it is applied again, alone, and its table exists afterwards.
    block_on(sql.execute(Stmt::new("DROP TABLE outbox"))).unwrap();
    block_on(sql.execute(Stmt::new("DELETE FROM d1_migrations WHERE name = '0004_outbox.sql'"))).unwrap();
    assert_eq!(block_on(apply(&sql, T0)).unwrap(), vec!["0004_outbox.sql"]);
    assert!(block_on(sql.query(Stmt::new("SELECT COUNT(*) AS n FROM outbox"))).is_ok());
}
