//! Small helpers that turn port rows into typed values.

use crate::error::ApiError;
use crate::ports::{Sql, Stmt};
use serde::de::DeserializeOwned;

pub async fn all<T: DeserializeOwned>(sql: &impl Sql, stmt: Stmt) -> Result<Vec<T>, ApiError> {
    let rows = sql.query(stmt).await?;
    rows.into_iter().map(|r| serde_json::from_value(serde_json::Value::Object(r)).map_err(ApiError::from)).collect()
}

pub async fn opt<T: DeserializeOwned>(sql: &impl Sql, stmt: Stmt) -> Result<Option<T>, ApiError> {
    Ok(all(sql, stmt).await?.into_iter().next())
}
