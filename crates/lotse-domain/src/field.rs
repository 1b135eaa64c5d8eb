//! What is wrong with one field of a form or an API body: shared by every checked input
//! (an offer edit, a person's registration, a prescription).

/// What is wrong with one field of a form or an API body. Its [`code`](FieldProblem::code)
/// names the message (`field-error-<code>` in the UI's Fluent files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    /// Must not be empty.
    Required,
    /// Longer than allowed.
    TooLong,
    /// Not a whole number, or outside its range.
    Number,
    /// Not an amount of money (`3.50` or `3,50`), or outside its range.
    Amount,
    /// Not one of the known codes.
    UnknownCode,
    /// The minimum age is above the maximum age.
    AgesReversed,
    /// Not a time of day (`HH:MM`).
    Time,
    /// A session must end after it starts.
    SessionEndsBeforeStart,
    /// Too many entries.
    TooMany,
    /// A weekday is 1 (Monday) to 7 (Sunday).
    Weekday,
    /// Not a postcode of the programme's postcode table (checked by the use case, which can
    /// read the table).
    UnknownPostcode,
    /// Not a date (`YYYY-MM-DD`).
    Date,
    /// A date that lies in the future (a birth date, a date something happened).
    DateInFuture,
    /// A date before the earliest allowed (a birth date before 1900).
    DateTooEarly,
    /// Not a telephone number (digits, spaces, `+`, `-`, `/`, `(` and `)`; 6 to 20 digits).
    Phone,
    /// A consent this step needs was not given.
    ConsentRequired,
    /// The offer is already on the person's shortlist (and not yet declined or ended).
    AlreadyShortlisted,
    /// The date lies before today.
    DateInPast,
    /// The date must lie after today.
    DateNotAfterToday,
    /// The date lies too far ahead.
    DateTooFar,
    /// The number lies outside the range the field allows (the form shows the range).
    OutOfRange,
    /// Another record of the programme already has this name.
    NameTaken,
    /// A lapse period that does not end after the period before a provider counts as silent.
    LapseNotAfterSilence,
    /// Not an e-mail address.
    Email,
    /// No prescription of the programme has this code for this person (their name and birth
    /// date as the practice registered them): an unknown code and another person's code read
    /// alike.
    CodeNotForPerson,
    /// The prescription went to a link facility already.
    AlreadyReferred,
}

impl FieldProblem {
    /// The stable code (the i18n key is `field-error-<code>`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too-long",
            Self::Number => "number",
            Self::Amount => "amount",
            Self::UnknownCode => "unknown-code",
            Self::AgesReversed => "ages-reversed",
            Self::Time => "time",
            Self::SessionEndsBeforeStart => "session-ends-before-start",
            Self::TooMany => "too-many",
            Self::Weekday => "weekday",
            Self::UnknownPostcode => "unknown-postcode",
            Self::Date => "date",
            Self::DateInFuture => "date-in-future",
            Self::DateTooEarly => "date-too-early",
            Self::Phone => "phone",
            Self::ConsentRequired => "consent-required",
            Self::AlreadyShortlisted => "already-shortlisted",
            Self::DateInPast => "date-in-past",
            Self::DateNotAfterToday => "date-not-after-today",
            Self::DateTooFar => "date-too-far",
            Self::OutOfRange => "out-of-range",
            Self::NameTaken => "name-taken",
            Self::LapseNotAfterSilence => "lapse-not-after-silence",
            Self::Email => "email",
            Self::CodeNotForPerson => "code-not-for-person",
            Self::AlreadyReferred => "already-referred",
        }
    }

    /// Every problem.
    pub const ALL: [Self; 26] = [
        Self::Required,
        Self::TooLong,
        Self::Number,
        Self::Amount,
        Self::UnknownCode,
        Self::AgesReversed,
        Self::Time,
        Self::SessionEndsBeforeStart,
        Self::TooMany,
        Self::Weekday,
        Self::UnknownPostcode,
        Self::Date,
        Self::DateInFuture,
        Self::DateTooEarly,
        Self::Phone,
        Self::ConsentRequired,
        Self::AlreadyShortlisted,
        Self::DateInPast,
        Self::DateNotAfterToday,
        Self::DateTooFar,
        Self::OutOfRange,
        Self::NameTaken,
        Self::LapseNotAfterSilence,
        Self::Email,
        Self::CodeNotForPerson,
        Self::AlreadyReferred,
    ];
}

/// One field's problem: the field's name as the form and the API spell it (`title`,
/// `sessions[1].closes_at`), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// What is wrong.
    pub problem: FieldProblem,
}

impl FieldError {
    /// `field` has `problem`.
    pub fn new(field: &str, problem: FieldProblem) -> Self {
        Self {
            field: field.to_owned(),
            problem,
        }
    }
}
