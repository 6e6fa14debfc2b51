//! Values to and from diesel: binding parameters, reading rows of dynamic shape, and the facts
//! of diesel's errors.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::mysql::{Mysql, MysqlType, MysqlValue};
use diesel::pg::{Pg, PgTypeMetadata, PgValue};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::row::{Field, NamedRow, Row};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{
    BigInt, Binary, Bool, Date, Datetime, Double, Float, HasSqlType, Integer, Json, Jsonb, SmallInt,
    SqlType, Text, Timestamp, Timestamptz, Unsigned,
};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

use auth_core::sql::{DbError, Facts, Kind};
use auth_core::{Error, Value};

/// A row of one of the adapter's statements: every column, in order, decoded from the type the database
/// reports for it (diesel's `QueryableByName`, by index rather than by name).
pub(crate) struct DynRow(pub(crate) Vec<Value>);

fn columns<'a, DB, R>(row: &R, decode: impl Fn(DB::RawValue<'_>) -> deserialize::Result<Value>) -> deserialize::Result<DynRow>
where
    DB: diesel::backend::Backend,
    R: NamedRow<'a, DB>,
{
    let n = Row::field_count(row);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let field = Row::get(row, i).ok_or(diesel::result::UnexpectedEndOfRow)?;
        out.push(match field.value() {
            None => Value::Null,
            Some(raw) => decode(raw)?,
        });
    }
    Ok(DynRow(out))
}

impl QueryableByName<Pg> for DynRow {
    fn build<'a>(row: &impl NamedRow<'a, Pg>) -> deserialize::Result<Self> {
        columns::<Pg, _>(row, from_pg)
    }
}

impl QueryableByName<Mysql> for DynRow {
    fn build<'a>(row: &impl NamedRow<'a, Mysql>) -> deserialize::Result<Self> {
        columns::<Mysql, _>(row, from_mysql)
    }
}

impl QueryableByName<Sqlite> for DynRow {
    fn build<'a>(row: &impl NamedRow<'a, Sqlite>) -> deserialize::Result<Self> {
        columns::<Sqlite, _>(row, from_sqlite)
    }
}

fn from_pg(v: PgValue<'_>) -> deserialize::Result<Value> {
    Ok(match v.get_oid().get() {
        16 => Value::Bool(<bool as FromSql<Bool, Pg>>::from_sql(v)?),
        20 => Value::Int(<i64 as FromSql<BigInt, Pg>>::from_sql(v)?),
        21 => Value::Int(<i16 as FromSql<SmallInt, Pg>>::from_sql(v)?.into()),
        23 => Value::Int(<i32 as FromSql<Integer, Pg>>::from_sql(v)?.into()),
        700 => Value::Float(<f32 as FromSql<Float, Pg>>::from_sql(v)?.into()),
        701 => Value::Float(<f64 as FromSql<Double, Pg>>::from_sql(v)?),
        1184 => Value::Date(<DateTime<Utc> as FromSql<Timestamptz, Pg>>::from_sql(v)?),
        1114 => Value::Date(<NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(v)?.and_utc()),
        1082 => Value::Date(<NaiveDate as FromSql<Date, Pg>>::from_sql(v)?.and_time(Default::default()).and_utc()),
        114 => Value::Json(<serde_json::Value as FromSql<Json, Pg>>::from_sql(v)?),
        3802 => Value::Json(<serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(v)?),
        // text, varchar, bpchar, name and anything else sent as its text bytes.
        _ => Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
    })
}

fn from_mysql(v: MysqlValue<'_>) -> deserialize::Result<Value> {
    use MysqlType as T;
    Ok(match v.value_type() {
        T::Tiny | T::UnsignedTiny | T::Short | T::UnsignedShort | T::Long | T::UnsignedLong | T::LongLong => {
            Value::Int(<i64 as FromSql<BigInt, Mysql>>::from_sql(v)?)
        }
        T::UnsignedLongLong => {
            let u = <u64 as FromSql<Unsigned<BigInt>, Mysql>>::from_sql(v)?;
            Value::Int(i64::try_from(u)?)
        }
        T::Float | T::Double => Value::Float(<f64 as FromSql<Double, Mysql>>::from_sql(v)?),
        T::DateTime | T::Timestamp => Value::Date(<NaiveDateTime as FromSql<Datetime, Mysql>>::from_sql(v)?.and_utc()),
        T::Date => Value::Date(<NaiveDate as FromSql<Date, Mysql>>::from_sql(v)?.and_time(Default::default()).and_utc()),
        T::Numeric => {
            let s = String::from_utf8_lossy(v.as_bytes()).into_owned();
            match (s.parse::<i64>(), s.parse::<f64>()) {
                (Ok(i), _) => Value::Int(i),
                (_, Ok(f)) => Value::Float(f),
                _ => Value::String(s),
            }
        }
        // Strings, blobs (MariaDB reports `mediumtext` and `json` so), enums, sets, time.
        _ => Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
    })
}

fn from_sqlite(v: SqliteValue<'_, '_, '_>) -> deserialize::Result<Value> {
    Ok(match v.value_type() {
        None => Value::Null,
        Some(SqliteType::Long | SqliteType::Integer | SqliteType::SmallInt) => {
            Value::Int(<i64 as FromSql<BigInt, Sqlite>>::from_sql(v)?)
        }
        Some(SqliteType::Double | SqliteType::Float) => Value::Float(<f64 as FromSql<Double, Sqlite>>::from_sql(v)?),
        Some(SqliteType::Binary) => {
            Value::String(String::from_utf8_lossy(&<Vec<u8> as FromSql<Binary, Sqlite>>::from_sql(v)?).into_owned())
        }
        Some(SqliteType::Text) => Value::String(<String as FromSql<Text, Sqlite>>::from_sql(v)?),
    })
}

/// A PostgreSQL parameter of unspecified type (OID 0): the server infers it from the context,
/// which a NULL needs (a NULL sent as `text` does not fit a `timestamptz` column).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Unspecified;

impl SqlType for Unspecified {
    type IsNull = diesel::sql_types::is_nullable::IsNullable;
}

impl HasSqlType<Unspecified> for Pg {
    fn metadata(_: &mut Self::MetadataLookup) -> PgTypeMetadata {
        PgTypeMetadata::new(0, 0)
    }
}

/// SQL NULL, bound as [`Unspecified`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Null;

impl ToSql<Unspecified, Pg> for Null {
    fn to_sql<'b>(&'b self, _: &mut Output<'b, '_, Pg>) -> serialize::Result {
        Ok(IsNull::Yes)
    }
}

/// The facts of a diesel error: its error kind and what the database reports (message,
/// constraint, column, PostgreSQL's detail).
pub(crate) fn failure(e: DieselError) -> DbError {
    DbError::new(facts(&e), e)
}

fn facts(e: &DieselError) -> Facts {
    match e {
        DieselError::DatabaseError(kind, info) => Facts {
            kind: match kind {
                DatabaseErrorKind::UniqueViolation => Some(Kind::Unique),
                DatabaseErrorKind::ForeignKeyViolation => Some(Kind::ForeignKey),
                DatabaseErrorKind::NotNullViolation => Some(Kind::NotNull),
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => Some(Kind::Lost),
                _ => None,
            },
            message: info.message().to_string(),
            constraint: info.constraint_name().map(str::to_string),
            column: info.column_name().map(str::to_string),
            detail: info.details().map(str::to_string),
            ..Facts::default()
        },
        // MySQL: the COMMIT failed, and so did the rollback diesel tried after it.
        DieselError::RollbackErrorOnCommit { commit_error, rollback_error } => {
            let commit = facts(commit_error);
            Facts { message: format!("{} (and the rollback after it: {rollback_error})", commit.message), ..commit }
        }
        DieselError::BrokenTransactionManager | DieselError::AlreadyInTransaction | DieselError::NotInTransaction => {
            Facts { kind: Some(Kind::Transaction), message: e.to_string(), ..Facts::default() }
        }
        _ => Facts { message: e.to_string(), ..Facts::default() },
    }
}

/// Maps an r2d2 error (pool timeout, failed connect) to [`Error::Connection`].
pub(crate) fn pool_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::connection_from(format!("cannot get a database connection from the pool: {e}"), e)
}
