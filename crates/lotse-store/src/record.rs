//! Reading one person's record (case view, worklists, data-subject requests) and erasing it.
//!
//! Functions that return personal data write one `read` audit entry per kind of record they
//! return, listing the records (see [`crate::audit::record`]); functions that return only ids
//! (to find a person or a case) do not. The relationship facts the policy needs come from
//! [`crate::relation`].

mod consent;
mod erasure;
mod lookup;
mod onward;
mod prescription;
mod profile;
mod referral;
mod response;

pub use consent::{consents, sharing_consent, withdraw_consent};
pub use erasure::erase;
pub use lookup::{
    CodedPrescription, find_by_code, object_ids, open_referrals, patient_exists, prescription_by_code, retention_due,
};
pub use onward::{OnwardLine, onward_referral, onward_referrals, onward_referrals_of_case};
pub use prescription::{PrescriptionLine, prescription_of_case, prescription_reasons, prescriptions};
pub use profile::{Profile, profile};
pub use referral::{ReferralLine, referrals};
pub use response::{ResponseLine, case_scores, responses};

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::StoreResult;

/// Records the read of the rows (their ids from `id`) as one `read` audit entry of `kind`
/// (see [`crate::audit::record`]) and hands the rows back: the readers here return personal
/// data only through it.
async fn audited_read<R: Sync>(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    kind: ObjectKind,
    rows: Vec<R>,
    id: impl Fn(&R) -> Uuid + Send,
) -> StoreResult<Vec<R>> {
    audit::record(tx, scope, access, AuditAction::Read, kind, rows.iter().map(id)).await?;
    Ok(rows)
}
