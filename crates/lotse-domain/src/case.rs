use time::OffsetDateTime;

use crate::id::{CaseId, OrganisationId, PatientId, ProgrammeId};

/// The link worker's file for one person in one programme: it holds the referrals,
/// contacts, notes, questionnaires, shortlist and action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Its id.
    pub id: CaseId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// The person.
    pub patient: PatientId,
    /// The link facility (or navigating practice) holding the case.
    pub link_facility: OrganisationId,
    /// When it was opened.
    pub opened_at: OffsetDateTime,
}
