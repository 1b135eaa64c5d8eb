/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (in this programme).
    #[error("{kind} not found")]
    NotFound {
        /// What was looked for.
        kind: &'static str,
    },
    /// A stale update: someone else changed the record first.
    #[error("{kind} was changed by someone else (now at version {current_version}); reload and try again")]
    Conflict {
        /// What was updated.
        kind: &'static str,
        /// The version now stored.
        current_version: i64,
    },
    /// A unique constraint was violated.
    #[error("already exists ({constraint})")]
    Duplicate {
        /// The constraint's name or description.
        constraint: String,
    },
    /// A lifecycle transition was refused.
    #[error(transparent)]
    Transition(#[from] lotse_domain::event::TransitionError),
    /// A stored value could not be read back into a domain type.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Identity fields are encrypted and no data key is configured.
    #[error(
        "identity fields are encrypted at rest and no data key is configured: set LOTSE_DATA_KEYS \
         (or `data_keys_file` in lotse.toml); `lotse keys generate` makes one"
    )]
    NoDataKey,
    /// The database cannot be reached or is read-only.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Any other driver error.
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound { kind: "record" },
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Duplicate {
                constraint: db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned),
            },
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(err),
            _ => Self::Other(err),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        Self::Corrupt(err.to_string())
    }
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;
