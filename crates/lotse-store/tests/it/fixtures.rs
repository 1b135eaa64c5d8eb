//! Small builders for storage tests.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditPurpose;
use lotse_domain::id::{OrganisationId, PatientId, ReferralId};
use lotse_domain::organisation::{Organisation, OrganisationKind};
use lotse_domain::patient::{Gender, PatientIdentity, PatientProfile};
use lotse_domain::prescription::ReferralSource;
use lotse_domain::referral::ReferralEvent;
use lotse_store::audit::Access;
use lotse_store::person::NewPatient;
use lotse_store::referral::{NewReferral, Recorded};
use lotse_testkit::{TestDb, fixed_now};
use time::macros::date;
use uuid::Uuid;

pub fn access() -> Access {
    Access {
        at: fixed_now(),
        purpose: AuditPurpose::Care,
    }
}

pub async fn facility(db: &TestDb, scope: &ProgrammeScope) -> OrganisationId {
    let org = Organisation {
        id: OrganisationId::from_uuid(Uuid::new_v4()),
        programme: scope.programme(),
        kind: OrganisationKind::LinkFacility,
        name: "zentrum plus Bilk".into(),
        area: None,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::directory::insert_organisations(&mut tx, scope, std::slice::from_ref(&org), fixed_now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    org.id
}

pub fn patient(scope: &ProgrammeScope, given_name: &str) -> NewPatient {
    NewPatient {
        profile: PatientProfile {
            id: PatientId::from_uuid(Uuid::new_v4()),
            programme: scope.programme(),
            age_band: "65-79".into(),
            gender: Gender::Female,
            language: "de".into(),
            home_postcode: None,
            home_area: None,
            languages: Vec::new(),
        },
        identity: PatientIdentity {
            given_name: given_name.into(),
            family_name: "Testfrau".into(),
            birth_date: date!(1955 - 03 - 14),
            phone: None,
        },
    }
}

pub fn recorded(event: ReferralEvent, minutes: i64) -> Recorded<ReferralEvent> {
    Recorded {
        event,
        actor: "system:admin".into(),
        at: fixed_now() + time::Duration::minutes(minutes),
    }
}

/// A patient and an issued referral to a fresh facility, committed.
pub async fn issued_referral(db: &TestDb, scope: &ProgrammeScope) -> (ReferralId, OrganisationId) {
    let facility = facility(db, scope).await;
    let p = patient(scope, "Erika");
    let id = ReferralId::from_uuid(Uuid::new_v4());
    let referral = NewReferral {
        id,
        prescription: None,
        case: None,
        patient: p.profile.id,
        source: ReferralSource::SelfReferral,
        history: vec![recorded(
            ReferralEvent::Issued {
                link_facility: facility,
            },
            0,
        )],
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, scope, access(), &[p])
        .await
        .unwrap();
    lotse_store::referral::insert_many(&mut tx, scope, access(), &[referral])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (id, facility)
}
