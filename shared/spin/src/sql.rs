//! `Sql` over Spin's SQLite: rows as JSON maps like every other adapter; batches in a transaction
//! on the component's one connection.

use linkhub_core::ports::{PortError, PortErrorKind, Row, Sql, SqlValue, Stmt};
use serde_json::{Map, Value as Json};
use spin_sdk::sqlite::{Connection, Error, Value};

pub struct SpinSql(pub Connection);

impl SpinSql {
    pub async fn open(label: &str) -> Result<Self, PortError> {
        Connection::open(label).await.map(SpinSql).map_err(classify)
    }

    async fn run(&self, stmt: &Stmt) -> Result<Vec<Row>, PortError> {
        let params = stmt.params.iter().map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Int(i) => Value::Integer(*i),
            SqlValue::Real(f) => Value::Real(*f),
            SqlValue::Text(s) => Value::Text(s.clone()),
        });
        let result = self.0.execute(&stmt.sql, params).await.map_err(classify)?;
        let columns = result.columns().to_vec();
        let rows = result.collect().await.map_err(classify)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let mut map = Map::new();
                for (name, value) in columns.iter().zip(row.values) {
                    map.insert(name.clone(), json(value));
                }
                map
            })
            .collect())
    }
}

fn json(v: Value) -> Json {
    match v {
        Value::Integer(i) => Json::from(i),
        Value::Real(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        Value::Text(s) => Json::String(s),
        Value::Blob(b) => Json::String(String::from_utf8_lossy(&b).into_owned()),
        Value::Null => Json::Null,
    }
}

fn classify(e: Error) -> PortError {
    match e {
        Error::Io(message) => {
            let kind = if message.contains("UNIQUE constraint") || message.contains("PRIMARY KEY") {
                PortErrorKind::Conflict
            } else if message.contains("syntax error") || message.contains("no such") {
                PortErrorKind::Invalid
            } else {
                PortErrorKind::Unavailable
            };
            PortError::new(kind, format!("sqlite: {message}"))
        }
        other => PortError::unavailable(format!("sqlite: {other:?}")),
    }
}

impl Sql for SpinSql {
    async fn query(&self, stmt: Stmt) -> Result<Vec<Row>, PortError> {
        self.run(&stmt).await
    }

    async fn execute(&self, stmt: Stmt) -> Result<u64, PortError> {
        self.run(&stmt).await?;
        Ok(self.0.changes().await)
    }

    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<u64>, PortError> {
        self.run(&Stmt::new("BEGIN IMMEDIATE")).await?;
        let mut changed = Vec::with_capacity(stmts.len());
        for stmt in &stmts {
            match self.run(stmt).await {
                Ok(_) => changed.push(self.0.changes().await),
                Err(e) => {
                    // Best effort: the error that matters is the statement's.
                    let _ = self.run(&Stmt::new("ROLLBACK")).await;
                    return Err(e);
                }
            }
        }
        self.run(&Stmt::new("COMMIT")).await?;
        Ok(changed)
    }
}
