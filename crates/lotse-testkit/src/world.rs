//! A small, fully related programme for policy, consent and data-subject tests.
//!
//! In one programme: two practices, two link facilities, two providers (each with one offer) and
//! a coordinating office. One person ("Hannelore Matrixfrau") was prescribed by the first
//! practice, has a case at the first facility, and an onward referral to the first provider's
//! offer with an active sharing consent; she also gave care and research consent. A second
//! person ("Rüdiger Zweitmann") has a closed referral at the first facility. Users are made with
//! [`World::member`]; their password hash is a placeholder nobody can sign in with (tests open
//! sessions directly).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditPurpose;
use lotse_domain::case::Case;
use lotse_domain::consent::{Consent, ConsentGiver, ConsentPurpose};
use lotse_domain::id::{
    CaseId, ConsentId, OfferId, OnwardReferralId, OrganisationId, PatientId, PrescriptionId, ReferralId, UserId,
};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AgeRange, Capacity, Cost, Offer, OfferCategory, OfferContact, OfferStatus, TargetGroup};
use lotse_domain::onward_referral::{AnswerChannel, OnwardReferralEvent};
use lotse_domain::organisation::{Organisation, OrganisationKind};
use lotse_domain::patient::{Gender, PatientIdentity, PatientProfile};
use lotse_domain::prescription::{Prescription, PrescriptionCode, ReferralSource};
use lotse_domain::programme::Programme;
use lotse_domain::referral::{ClosingReason, ReferralEvent};
use lotse_domain::user::{Role, Username};
use lotse_store::audit::Access;
use lotse_store::person::NewPatient;
use lotse_store::referral::{NewOnwardReferral, NewReferral, Recorded};
use time::macros::date;
use uuid::Uuid;

use crate::{TestDb, fixed_now};

/// The first person's identity, for scans that must not find it after erasure.
pub const PERSON_GIVEN: &str = "Hannelore";
/// The first person's family name.
pub const PERSON_FAMILY: &str = "Matrixfrau";
/// The first person's phone.
pub const PERSON_PHONE: &str = "+49 211 5550173";
/// The first person's birth date, as stored (ISO 8601).
pub const PERSON_BIRTH_DATE: &str = "1951-06-23";
/// The second person's family name.
pub const SECOND_FAMILY: &str = "Zweitmann";

/// The organisations of a world.
#[derive(Debug, Clone, Copy)]
pub struct Orgs {
    /// The practice that prescribed.
    pub practice: OrganisationId,
    /// Another practice.
    pub other_practice: OrganisationId,
    /// The facility holding the case.
    pub facility: OrganisationId,
    /// Another facility.
    pub other_facility: OrganisationId,
    /// The provider with the shared onward referral.
    pub provider: OrganisationId,
    /// Another provider.
    pub other_provider: OrganisationId,
}

/// A person whose referral (with a case) is still issued, so it can be redirected.
#[derive(Debug, Clone)]
pub struct IssuedCase {
    /// The person.
    pub person: PatientId,
    /// Their case.
    pub case: CaseId,
    /// The issued referral, in that case (version 1).
    pub referral: ReferralId,
    /// Their prescription code (compact), from the first practice.
    pub code: String,
}

/// The built world.
#[derive(Debug, Clone)]
pub struct World {
    /// The programme.
    pub programme: Programme,
    /// A system scope for it.
    pub scope: ProgrammeScope,
    /// Its organisations.
    pub orgs: Orgs,
    /// The first person.
    pub person: PatientId,
    /// Their case.
    pub case: CaseId,
    /// Their prescription code (compact).
    pub code: String,
    /// Their care consent.
    pub care_consent: ConsentId,
    /// Their sharing consent for the onward referral.
    pub sharing_consent: ConsentId,
    /// The onward referral to the provider.
    pub onward: OnwardReferralId,
    /// The second person (all referrals closed).
    pub second_person: PatientId,
    /// The second person's case.
    pub second_case: CaseId,
    /// The prescriber who issued the prescriptions.
    pub prescriber: UserId,
    /// The first provider's offer (published, active).
    pub offer: OfferId,
}

fn id() -> Uuid {
    Uuid::new_v4()
}

fn org(scope: &ProgrammeScope, kind: OrganisationKind, name: &str) -> Organisation {
    Organisation {
        id: OrganisationId::from_uuid(id()),
        programme: scope.programme(),
        kind,
        name: name.into(),
        area: None,
    }
}

fn offer(scope: &ProgrammeScope, provider: OrganisationId, title: &str) -> Offer {
    Offer {
        id: OfferId::from_uuid(id()),
        programme: scope.programme(),
        provider,
        title: title.into(),
        description: "Wöchentlich, offen für alle.".into(),
        language: "de".into(),
        translations: Vec::new(),
        category: OfferCategory::Group,
        need_domains: vec![NeedDomain::Loneliness],
        target_groups: vec![TargetGroup::Everyone],
        languages: vec!["de".into()],
        ages: AgeRange::default(),
        area: None,
        location: None,
        address: None,
        contact: OfferContact::default(),
        schedule: Vec::new(),
        cost: Cost::FREE,
        accessibility: Vec::new(),
        capacity: Capacity::default(),
        status: OfferStatus::Active,
        published: true,
        last_verified: None,
        updated_at: fixed_now(),
    }
}

fn at(minutes: i64) -> time::OffsetDateTime {
    fixed_now() - time::Duration::days(30) + time::Duration::minutes(minutes)
}

fn recorded<E>(event: E, minutes: i64) -> Recorded<E> {
    Recorded {
        event,
        actor: "system:admin".into(),
        at: at(minutes),
    }
}

fn patient(
    scope: &ProgrammeScope,
    given: &str,
    family: &str,
    birth_date: time::Date,
    phone: Option<&str>,
) -> NewPatient {
    NewPatient {
        profile: PatientProfile {
            id: PatientId::from_uuid(id()),
            programme: scope.programme(),
            age_band: "65-79".into(),
            gender: Gender::Female,
            language: "de".into(),
            home_postcode: None,
            home_area: None,
            languages: Vec::new(),
        },
        identity: PatientIdentity {
            given_name: given.into(),
            family_name: family.into(),
            birth_date,
            phone: phone.map(str::to_owned),
        },
    }
}

fn consent(
    scope: &ProgrammeScope,
    patient: PatientId,
    purpose: ConsentPurpose,
    onward: Option<OnwardReferralId>,
    by: UserId,
) -> Consent {
    Consent {
        id: ConsentId::from_uuid(id()),
        programme: scope.programme(),
        patient,
        purpose,
        onward_referral: onward,
        shared: sharing_fields(purpose),
        text_version: "2026-01".into(),
        language: "de".into(),
        given_by: ConsentGiver::Person,
        recorded_by: by,
        given_at: at(5),
        withdrawn_at: None,
        version: 1,
    }
}

fn prescription(scope: &ProgrammeScope, patient: PatientId, practice: OrganisationId, by: UserId) -> Prescription {
    let mut values = [0u32; lotse_domain::prescription::CODE_DATA_LEN];
    for v in &mut values {
        *v = u32::try_from(id().as_u128() % 29).expect("small");
    }
    Prescription {
        id: PrescriptionId::from_uuid(id()),
        programme: scope.programme(),
        code: PrescriptionCode::from_values(values),
        patient,
        practice,
        prescriber: by,
        need_domains: vec![NeedDomain::Loneliness],
        issued_at: at(0),
        urgency: lotse_domain::prescription::Urgency::Routine,
        link_facility: None,
    }
}

impl World {
    /// Builds the world in a new programme `slug`, the first person named [`PERSON_FAMILY`].
    pub async fn build(db: &TestDb, slug: &str) -> Self {
        Self::build_with_family(db, slug, PERSON_FAMILY).await
    }

    /// Builds the world with another family name for the first person (a second programme's
    /// person must not be mistaken for the first one's in scans).
    pub async fn build_with_family(db: &TestDb, slug: &str, family: &str) -> Self {
        let (programme, scope) = db.programme(slug).await;
        let orgs = [
            org(&scope, OrganisationKind::Practice, "Praxis Dr. Eins"),
            org(&scope, OrganisationKind::Practice, "Praxis Dr. Zwei"),
            org(&scope, OrganisationKind::LinkFacility, "zentrum plus Eins"),
            org(&scope, OrganisationKind::LinkFacility, "zentrum plus Zwei"),
            org(&scope, OrganisationKind::OfferProvider, "Sportverein Eins"),
            org(&scope, OrganisationKind::OfferProvider, "Chor Zwei"),
        ];
        let [
            practice,
            other_practice,
            facility,
            other_facility,
            provider,
            other_provider,
        ] = orgs.each_ref().map(|o| o.id);
        let o = Orgs {
            practice,
            other_practice,
            facility,
            other_facility,
            provider,
            other_provider,
        };
        let offers = [
            offer(&scope, o.provider, "Spaziergruppe"),
            offer(&scope, o.other_provider, "Offenes Singen"),
        ];
        let [offer_id, _] = offers.each_ref().map(|f| f.id);
        let access = Access {
            at: at(0),
            purpose: AuditPurpose::Care,
        };
        let mut tx = db.db.begin().await.expect("begin");
        lotse_store::directory::insert_organisations(&mut tx, &scope, &orgs, fixed_now())
            .await
            .expect("organisations");
        lotse_store::offer::insert_offers(&mut tx, &scope, &offers)
            .await
            .expect("offers");
        tx.commit().await.expect("commit");
        let world_stub = Self {
            programme: programme.clone(),
            scope: scope.clone(),
            orgs: o,
            person: PatientId::from_uuid(id()),
            case: CaseId::from_uuid(id()),
            code: String::new(),
            care_consent: ConsentId::from_uuid(id()),
            sharing_consent: ConsentId::from_uuid(id()),
            onward: OnwardReferralId::from_uuid(id()),
            second_person: PatientId::from_uuid(id()),
            second_case: CaseId::from_uuid(id()),
            prescriber: UserId::from_uuid(id()),
            offer: offer_id,
        };
        let prescriber = world_stub
            .member(
                db,
                &format!("{slug}-fixture-prescriber"),
                Role::Prescriber,
                Some(o.practice),
            )
            .await;

        let first = patient(&scope, PERSON_GIVEN, family, date!(1951 - 06 - 23), Some(PERSON_PHONE));
        let second = patient(&scope, "Rüdiger", SECOND_FAMILY, date!(1948 - 02 - 11), None);
        let (person, second_person) = (first.profile.id, second.profile.id);
        let p1 = prescription(&scope, person, o.practice, prescriber);
        let p2 = prescription(&scope, second_person, o.practice, prescriber);
        let code = p1.code.compact();
        let case = Case {
            id: CaseId::from_uuid(id()),
            programme: scope.programme(),
            patient: person,
            link_facility: o.facility,
            opened_at: at(10),
        };
        let second_case = Case {
            id: CaseId::from_uuid(id()),
            patient: second_person,
            ..case.clone()
        };
        let referral = |p: &Prescription, case: &Case, closed: bool| {
            let mut history = vec![
                recorded(
                    ReferralEvent::Issued {
                        link_facility: o.facility,
                    },
                    0,
                ),
                recorded(ReferralEvent::Accepted, 10),
                recorded(ReferralEvent::Contacted, 20),
            ];
            if closed {
                history.push(recorded(
                    ReferralEvent::Closed {
                        reason: ClosingReason::GoalsMet,
                    },
                    30,
                ));
            }
            NewReferral {
                id: ReferralId::from_uuid(id()),
                prescription: Some(p.id),
                case: Some(case.id),
                patient: case.patient,
                source: ReferralSource::Prescriber,
                history,
            }
        };
        let referrals = [referral(&p1, &case, false), referral(&p2, &second_case, true)];
        let onward = NewOnwardReferral {
            id: OnwardReferralId::from_uuid(id()),
            case: case.id,
            history: vec![
                recorded(OnwardReferralEvent::Proposed { offer: offer_id }, 40),
                recorded(OnwardReferralEvent::AcceptedByPerson, 41),
                recorded(OnwardReferralEvent::Sent, 42),
                recorded(
                    OnwardReferralEvent::Acknowledged {
                        channel: AnswerChannel::ProviderAccount,
                    },
                    43,
                ),
            ],
        };
        let care = consent(&scope, person, ConsentPurpose::Care, None, prescriber);
        let sharing = consent(
            &scope,
            person,
            ConsentPurpose::ProviderSharing,
            Some(onward.id),
            prescriber,
        );
        let research = consent(&scope, person, ConsentPurpose::Research, None, prescriber);
        let mut tx = db.db.begin().await.expect("begin");
        lotse_store::person::insert_patients(&mut tx, &scope, access, &[first, second])
            .await
            .expect("patients");
        lotse_store::person::insert_prescriptions(&mut tx, &scope, access, &[p1, p2])
            .await
            .expect("prescriptions");
        lotse_store::person::insert_cases(&mut tx, &scope, access, &[case.clone(), second_case.clone()])
            .await
            .expect("cases");
        lotse_store::referral::insert_many(&mut tx, &scope, access, &referrals)
            .await
            .expect("referrals");
        lotse_store::referral::insert_onward_many(&mut tx, &scope, access, std::slice::from_ref(&onward))
            .await
            .expect("onward referral");
        lotse_store::person::insert_consents(&mut tx, &scope, access, &[care.clone(), sharing.clone(), research])
            .await
            .expect("consents");
        tx.commit().await.expect("commit");
        Self {
            person,
            case: case.id,
            code,
            care_consent: care.id,
            sharing_consent: sharing.id,
            onward: onward.id,
            second_person,
            second_case: second_case.id,
            prescriber,
            ..world_stub
        }
    }

    /// Adds a person (family name `family`) prescribed by the first practice,
    /// with a case whose only referral is still issued at `facility`: a referral that may be
    /// redirected.
    pub async fn issued_case(&self, db: &TestDb, family: &str, facility: OrganisationId) -> IssuedCase {
        let issued = ReferralEvent::Issued {
            link_facility: facility,
        };
        self.case_with_history(db, family, facility, vec![(issued, at(0))])
            .await
    }

    /// Adds a person (family name `family`) prescribed by the first practice, with a case at
    /// `facility` whose only referral has these events at these times (the first should be
    /// `Issued` to `facility`; the case opens a minute after it). The returned referral's
    /// version is the number of events.
    pub async fn case_with_history(
        &self,
        db: &TestDb,
        family: &str,
        facility: OrganisationId,
        history: Vec<(ReferralEvent, time::OffsetDateTime)>,
    ) -> IssuedCase {
        let scope = &self.scope;
        let first = history.first().map_or(at(0), |(_, at)| *at);
        let access = Access {
            at: first,
            purpose: AuditPurpose::Care,
        };
        let new = patient(scope, "Ilse", family, date!(1960 - 04 - 01), None);
        let person = new.profile.id;
        let prescription = prescription(scope, person, self.orgs.practice, self.prescriber);
        let code = prescription.code.compact();
        let case = Case {
            id: CaseId::from_uuid(id()),
            programme: scope.programme(),
            patient: person,
            link_facility: facility,
            opened_at: first + time::Duration::minutes(1),
        };
        let referral = NewReferral {
            id: ReferralId::from_uuid(id()),
            prescription: Some(prescription.id),
            case: Some(case.id),
            patient: person,
            source: ReferralSource::Prescriber,
            history: history
                .into_iter()
                .map(|(event, at)| Recorded {
                    event,
                    actor: "system:admin".into(),
                    at,
                })
                .collect(),
        };
        let mut tx = db.db.begin().await.expect("begin");
        lotse_store::person::insert_patients(&mut tx, scope, access, &[new])
            .await
            .expect("patient");
        lotse_store::person::insert_prescriptions(&mut tx, scope, access, &[prescription])
            .await
            .expect("prescription");
        lotse_store::person::insert_cases(&mut tx, scope, access, std::slice::from_ref(&case))
            .await
            .expect("case");
        lotse_store::referral::insert_many(&mut tx, scope, access, std::slice::from_ref(&referral))
            .await
            .expect("referral");
        tx.commit().await.expect("commit");
        IssuedCase {
            person,
            case: case.id,
            referral: referral.id,
            code,
        }
    }

    /// Applies one referral event at [`fixed_now`] as `system:admin`, at the version given.
    pub async fn apply(&self, db: &TestDb, referral: ReferralId, version: i64, event: ReferralEvent) {
        let access = Access {
            at: fixed_now(),
            purpose: AuditPurpose::Care,
        };
        let recorded = Recorded {
            event,
            actor: "system:admin".into(),
            at: fixed_now(),
        };
        let mut tx = db.db.begin().await.expect("begin");
        lotse_store::referral::apply(&mut tx, &self.scope, access, referral, version, recorded)
            .await
            .expect("apply");
        tx.commit().await.expect("commit");
    }

    /// Adds a user with one membership (no usable password).
    pub async fn member(
        &self,
        db: &TestDb,
        username: &str,
        role: Role,
        organisation: Option<OrganisationId>,
    ) -> UserId {
        let user = UserId::from_uuid(id());
        let name = Username::parse(username).expect("username");
        let mut tx = db.db.begin().await.expect("begin");
        lotse_store::user::insert(&mut tx, user, &name, &format!("{role:?} {username}"), "!", fixed_now())
            .await
            .expect("user");
        lotse_store::user::add_membership(&mut tx, &self.scope, user, role, organisation, fixed_now())
            .await
            .expect("membership");
        tx.commit().await.expect("commit");
        user
    }
}

/// What a demo person shares with a provider: name and phone (nothing for other purposes).
fn sharing_fields(purpose: ConsentPurpose) -> Vec<lotse_domain::consent::SharedField> {
    use lotse_domain::consent::SharedField;
    if purpose == ConsentPurpose::ProviderSharing {
        vec![SharedField::Name, SharedField::Phone]
    } else {
        Vec::new()
    }
}
