use linkhub_core::ports::{PortError, PortErrorKind, Row, Sql, SqlValue, Stmt};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params_from_iter};
use serde_json::{Number, Value};
use std::cell::RefCell;

pub use linkhub_core::migrations::MIGRATIONS;

/// SQLite through rusqlite, in memory or on disk, with the hub's migrations applied.
pub struct SqliteSql {
    conn: RefCell<Connection>,
}

impl SqliteSql {
    pub fn in_memory() -> Result<Self, PortError> {
        let conn = Connection::open_in_memory().map_err(map_err)?;
        Self::with_connection(conn)
    }

    pub fn open(path: &std::path::Path) -> Result<Self, PortError> {
        Self::with_connection(Connection::open(path).map_err(map_err)?)
    }

    fn with_connection(conn: Connection) -> Result<Self, PortError> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS d1_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .map_err(map_err)?;
        for (name, sql) in MIGRATIONS {
            let done: bool = conn
                .query_row("SELECT COUNT(*) > 0 FROM d1_migrations WHERE name = ?", [name], |r| r.get(0))
                .map_err(map_err)?;
            if !done {
                conn.execute_batch(&format!(
                    "BEGIN; {sql}; INSERT INTO d1_migrations (name, applied_at) VALUES ('{name}', 0); COMMIT;"
                ))
                .map_err(map_err)?;
            }
        }
        Ok(Self { conn: RefCell::new(conn) })
    }
}

struct Param<'a>(&'a SqlValue);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            SqlValue::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            SqlValue::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            SqlValue::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            SqlValue::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn map_err(e: rusqlite::Error) -> PortError {
    let kind = match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            PortErrorKind::Conflict
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            PortErrorKind::Unavailable
        }
        _ => PortErrorKind::Invalid,
    };
    PortError::new(kind, e.to_string())
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::from(b.iter().map(|x| Value::from(*x)).collect::<Vec<_>>()),
    }
}

fn run_query(conn: &Connection, stmt: &Stmt) -> Result<Vec<Row>, PortError> {
    let mut prepared = conn.prepare(&stmt.sql).map_err(map_err)?;
    let names: Vec<String> = prepared.column_names().iter().map(|s| (*s).to_owned()).collect();
    let mut rows = prepared.query(params_from_iter(stmt.params.iter().map(Param))).map_err(map_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(map_err)? {
        let mut map = Row::new();
        for (i, name) in names.iter().enumerate() {
            map.insert(name.clone(), to_json(row.get_ref(i).map_err(map_err)?));
        }
        out.push(map);
    }
    Ok(out)
}

fn run_execute(conn: &Connection, stmt: &Stmt) -> Result<u64, PortError> {
    let n = conn.execute(&stmt.sql, params_from_iter(stmt.params.iter().map(Param))).map_err(map_err)?;
    Ok(n as u64)
}

impl Sql for SqliteSql {
    async fn query(&self, stmt: Stmt) -> Result<Vec<Row>, PortError> {
        run_query(&self.conn.borrow(), &stmt)
    }

    async fn execute(&self, stmt: Stmt) -> Result<u64, PortError> {
        run_execute(&self.conn.borrow(), &stmt)
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<u64>, PortError> {
        let mut conn = self.conn.borrow_mut();
        let tx = conn.transaction().map_err(map_err)?;
        let mut out = Vec::with_capacity(stmts.len());
        for s in &stmts {
            out.push(run_execute(&tx, s)?);
        }
        tx.commit().map_err(map_err)?;
        Ok(out)
    }
}
