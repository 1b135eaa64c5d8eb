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

pub use consent::{consents, withdraw_consent};
pub use erasure::erase;
pub use lookup::{find_by_code, object_ids, open_referrals, patient_exists, patient_of_case, retention_due};
pub use onward::{OnwardLine, onward_referrals};
pub use prescription::{PrescriptionLine, prescriptions};
pub use profile::{Profile, profile};
pub use referral::{ReferralLine, referrals};
pub use response::{ResponseLine, responses};
