use serde::{Serialize, de::DeserializeOwned};

/// A transition was not allowed from the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event} is not allowed when the {stream} is {from}")]
pub struct TransitionError {
    /// The kind of lifecycle (`referral`, `onward_referral`).
    pub stream: &'static str,
    /// The state it was in (its code), or `new` before the first event.
    pub from: String,
    /// The event that was refused (its kind).
    pub event: &'static str,
}

/// A lifecycle whose state is the fold of its events.
///
/// `apply` is pure and total over its inputs: an invalid transition is an error, never a
/// panic, and never a silent no-op. State stored anywhere must equal `replay` of the events.
pub trait Lifecycle: Sized + Clone + PartialEq {
    /// The events of this lifecycle.
    type Event: Serialize + DeserializeOwned + Clone;
    /// The stream name used in events and errors.
    const STREAM: &'static str;

    /// The state created by the first event.
    fn start(event: &Self::Event) -> Result<Self, TransitionError>;

    /// The state after one more event.
    fn apply(&self, event: &Self::Event) -> Result<Self, TransitionError>;

    /// The state after a whole sequence of events, starting from nothing.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Result<Self, TransitionError>
    where
        Self::Event: 'a,
    {
        let mut iter = events.into_iter();
        let first = iter.next().ok_or(TransitionError {
            stream: Self::STREAM,
            from: "new".to_owned(),
            event: "none",
        })?;
        iter.try_fold(Self::start(first)?, |state, event| state.apply(event))
    }
}

/// Serialises an event payload for the event log (versioned by its `type` tag).
pub fn to_payload<E: Serialize>(event: &E) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(event)
}

/// Reads an event payload back.
pub fn from_payload<E: DeserializeOwned>(payload: serde_json::Value) -> Result<E, serde_json::Error> {
    serde_json::from_value(payload)
}
