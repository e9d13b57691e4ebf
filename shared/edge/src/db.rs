//! D1 helpers. D1 binds JavaScript numbers, so integers go in as f64
//! (exact up to 2^53, far beyond any timestamp or counter here).

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use webox_core::ApiResult;

use crate::respond::OrInternal;

/// A value bound to a `?` placeholder.
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl From<&Arg<'_>> for JsValue {
    fn from(arg: &Arg<'_>) -> JsValue {
        match arg {
            Arg::Text(s) => JsValue::from_str(s),
            Arg::Int(i) => JsValue::from_f64(*i as f64),
            Arg::Null => JsValue::NULL,
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(i: i64) -> Self {
        Arg::Int(i)
    }
}

impl<'a, T: Into<Arg<'a>>> From<Option<T>> for Arg<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

/// `args![a, b, c]` builds the bound values of a statement.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => { &[$($crate::db::Arg::from($value)),*] };
}

pub fn statement(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> ApiResult<D1PreparedStatement> {
    let values: Vec<JsValue> = args.iter().map(JsValue::from).collect();
    db.prepare(sql).bind(&values).or_internal("binding a D1 statement")
}

pub async fn first<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> ApiResult<Option<T>> {
    statement(db, sql, args)?.first::<T>(None).await.or_internal("a D1 query")
}

pub async fn all<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> ApiResult<Vec<T>> {
    statement(db, sql, args)?.all().await.or_internal("a D1 query")?.results::<T>().or_internal("reading D1 rows")
}

/// Runs a write; returns the number of rows it changed.
pub async fn run(db: &D1Database, sql: &str, args: &[Arg<'_>]) -> ApiResult<usize> {
    let result = statement(db, sql, args)?.run().await.or_internal("a D1 write")?;
    Ok(result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0))
}

/// Runs statements atomically (D1's transaction); returns rows changed by each.
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<usize>> {
    let results = db.batch(statements).await.or_internal("a D1 batch")?;
    Ok(results.iter().map(|r| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)).collect())
}

/// Runs several reads in one round trip; the rows of each, in order.
pub async fn batch_read(db: &D1Database, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<worker::D1Result>> {
    db.batch(statements).await.or_internal("a D1 batch read")
}

/// The rows of one statement of a `batch_read`.
pub fn rows<T: DeserializeOwned>(results: &[worker::D1Result], index: usize) -> ApiResult<Vec<T>> {
    match results.get(index) {
        Some(result) => result.results::<T>().or_internal("reading D1 rows"),
        None => Err(webox_core::ApiError::internal()),
    }
}

/// Whether a D1 error is a UNIQUE constraint violation (turned into a 409).
pub fn is_unique_violation(err: &worker::Error) -> bool {
    err.to_string().contains("UNIQUE constraint failed")
}
