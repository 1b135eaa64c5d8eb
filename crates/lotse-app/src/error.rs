//! A storage failure as the layers above the app see it.

use lotse_store::StoreError;

/// Storage failed under a use case. The store's own error stays inside: callers above the app
/// (the web layer, which does not know the store) act on [`StoreFailure::kind`] and log the
/// text.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StoreFailure(StoreError);

/// What a storage failure means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The record does not exist (in this programme).
    NotFound,
    /// The record was changed meanwhile: it is no longer at the version the caller had.
    Conflict,
    /// The database cannot be reached, is overloaded or read-only: try again later.
    Unavailable,
    /// Anything else (corrupt data, a missing data key, a driver error): a fault to log.
    Internal,
}

impl StoreFailure {
    /// What it means for the caller.
    pub const fn kind(&self) -> FailureKind {
        match self.0 {
            StoreError::NotFound { .. } => FailureKind::NotFound,
            StoreError::Conflict { .. } => FailureKind::Conflict,
            StoreError::Unavailable(_) => FailureKind::Unavailable,
            StoreError::Duplicate { .. }
            | StoreError::Transition(_)
            | StoreError::Corrupt(_)
            | StoreError::NoDataKey
            | StoreError::Other(_) => FailureKind::Internal,
        }
    }

    /// The store's error, for the app's own mapping.
    pub(crate) fn into_store(self) -> StoreError {
        self.0
    }
}

impl From<StoreError> for StoreFailure {
    fn from(err: StoreError) -> Self {
        Self(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_store_error_has_the_kind_the_web_layer_answers_with() {
        let kind = |e: StoreError| StoreFailure::from(e).kind();
        assert_eq!(kind(StoreError::NotFound { kind: "case" }), FailureKind::NotFound);
        assert_eq!(
            kind(StoreError::Conflict {
                kind: "case",
                current_version: 2
            }),
            FailureKind::Conflict
        );
        assert_eq!(
            kind(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
            FailureKind::Unavailable
        );
        assert_eq!(kind(StoreError::NoDataKey), FailureKind::Internal);
        assert_eq!(kind(StoreError::Corrupt("x".into())), FailureKind::Internal);
    }
}
