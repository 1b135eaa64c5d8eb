//! The one authorization policy. Pure code: every action a user asks for is decided here from
//! role × relationship × programme, and nowhere else.
//!
//! Two gates, both in this module:
//! 1. [`role_may`]: can this role ever do this action? The web layer checks it for every route
//!    (a route cannot be registered without naming its [`Action`]) and answers 403 if not.
//! 2. [`decide`]: may this membership do this action to this subject? The use cases load the
//!    facts ([`PersonRelations`], computed by one store function; [`AccountRelations`]) and ask
//!    before they read or write: about a case, each onward referral shown, a person, an offer,
//!    an account. A denial about a record looks exactly like a missing one (404), so ids reveal
//!    nothing.

use crate::id::{CaseId, OnwardReferralId, OrganisationId, ProgrammeId};
use crate::user::{Membership, Role, User};

/// What a signed-in user asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// See the programme's counts (no personal data).
    ViewProgramme,
    /// See one's own sessions and end them ("log out everywhere"), set up a second factor.
    ManageOwnAccount,
    /// See the worklist: the people one's organisation works with.
    ViewWorklist,
    /// Find a person's case by prescription code (POST, redirects to an opaque id).
    SearchCases,
    /// Read one person's record.
    ViewCase,
    /// Record that a person withdrew a consent.
    WithdrawConsent,
    /// Work a case's open referral as its link worker: accept it, redirect it to another link
    /// facility, record contact attempts, declare the person unreachable.
    WorkCase,
    /// Find a person for a data-subject request (by prescription code).
    SearchPeople,
    /// See who read and changed one person's data.
    ViewPersonAudit,
    /// See what one user read and changed.
    ViewUserAudit,
    /// Export everything held about a person (GDPR Art. 15).
    ExportPersonData,
    /// Erase a person by anonymisation (GDPR Art. 17).
    ErasePerson,
    /// List the programme's users, see their accounts and unlock their second factors.
    ManageUsers,
    /// Issue a password-reset code for an account (decided on the account: it must act in the
    /// coordinator's programme only). Its route's first gate is [`Action::ManageUsers`].
    ResetPassword,
    /// Change an offer of the directory: its own provider, or a coordinator curating it
    /// (`/offers/{id}/edit`, `PUT /api/v1/offers/{id}`).
    ManageOffer,
    /// Curate the programme's directory: verify, pause, resume, end and merge offers, and see
    /// the review list and the proposed duplicates. Coordinators only.
    CurateDirectory,
    /// Register a person (or find them among the practice's own) and issue a prescription
    /// with the consents given: prescribers, for their practice.
    Prescribe,
    /// Register a person who comes to the link facility without a referral (on their own, from
    /// social services or a pharmacy): person, consents, case and referral (link workers).
    RegisterReferral,
    /// Change the programme's link-work settings: its holiday calendar, the deadlines of the
    /// link workers' next actions, the contact attempts before unreachable. Coordinators only.
    ManageProgramme,
    /// Answer an onward referral sent to one's offers from one's account (accept, decline,
    /// attendance): providers, only for an onward referral shared with them now.
    AnswerOnwardReferral,
}

impl Action {
    /// Every action.
    pub const ALL: [Self; 20] = [
        Self::ViewProgramme,
        Self::ManageOwnAccount,
        Self::ViewWorklist,
        Self::SearchCases,
        Self::ViewCase,
        Self::WithdrawConsent,
        Self::WorkCase,
        Self::SearchPeople,
        Self::ViewPersonAudit,
        Self::ViewUserAudit,
        Self::ExportPersonData,
        Self::ErasePerson,
        Self::ManageUsers,
        Self::ResetPassword,
        Self::ManageOffer,
        Self::CurateDirectory,
        Self::Prescribe,
        Self::RegisterReferral,
        Self::ManageProgramme,
        Self::AnswerOnwardReferral,
    ];

    /// The stable code (audit entries of denials, logs, docs).
    pub const fn code(self) -> &'static str {
        match self {
            Self::ViewProgramme => "view_programme",
            Self::ManageOwnAccount => "manage_own_account",
            Self::ViewWorklist => "view_worklist",
            Self::SearchCases => "search_cases",
            Self::ViewCase => "view_case",
            Self::WithdrawConsent => "withdraw_consent",
            Self::WorkCase => "work_case",
            Self::SearchPeople => "search_people",
            Self::ViewPersonAudit => "view_person_audit",
            Self::ViewUserAudit => "view_user_audit",
            Self::ExportPersonData => "export_person_data",
            Self::ErasePerson => "erase_person",
            Self::ManageUsers => "manage_users",
            Self::ResetPassword => "reset_password",
            Self::ManageOffer => "manage_offer",
            Self::CurateDirectory => "curate_directory",
            Self::Prescribe => "prescribe",
            Self::RegisterReferral => "register_referral",
            Self::ManageProgramme => "manage_programme",
            Self::AnswerOnwardReferral => "answer_onward_referral",
        }
    }
}

/// The first gate: whether a role can ever perform an action (in its own programme).
pub const fn role_may(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::ViewProgramme | A::ManageOwnAccount => true,
        A::ViewWorklist | A::ViewCase => matches!(role, R::Prescriber | R::LinkWorker | R::OfferProvider),
        A::SearchCases | A::WithdrawConsent | A::WorkCase | A::RegisterReferral => matches!(role, R::LinkWorker),
        A::SearchPeople
        | A::ViewPersonAudit
        | A::ViewUserAudit
        | A::ExportPersonData
        | A::ErasePerson
        | A::ManageUsers
        | A::ResetPassword
        | A::CurateDirectory
        | A::ManageProgramme => matches!(role, R::Coordinator),
        A::ManageOffer => matches!(role, R::OfferProvider | R::Coordinator),
        A::Prescribe => matches!(role, R::Prescriber),
        A::AnswerOnwardReferral => matches!(role, R::OfferProvider),
    }
}

impl Action {
    /// Whether the action reaches people's identities or personal data, or exports them, or
    /// can take over another account (resetting it): a role that may do any of these needs the
    /// second factor where the programme requires it.
    pub const fn reaches_personal_data(self) -> bool {
        !matches!(
            self,
            Self::ViewProgramme
                | Self::ManageOwnAccount
                | Self::ManageOffer
                | Self::CurateDirectory
                | Self::ManageProgramme
        )
    }
}

/// Whether a role must show a second factor at sign-in where the programme requires one:
/// every role that may do an action reaching personal data or exports (see
/// [`Action::reaches_personal_data`]), coordinators included. Derived from [`role_may`], so a
/// role that is given such an action later needs the factor without another change.
pub fn needs_second_factor(role: Role) -> bool {
    Action::ALL
        .into_iter()
        .any(|action| action.reaches_personal_data() && role_may(role, action))
}

/// How an organisation is linked to a person: one kind of relationship fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// A link facility holds one of the person's referrals now: the facility the referral lies
    /// with after every redirect, for an open referral; for a closed one only while none of the
    /// person's referrals is open (the current-facility rule, see `lotse_store::relation`).
    Holds,
    /// A practice issued one of the person's prescriptions.
    Prescribed,
    /// A provider received an onward referral whose sharing consent is active now.
    SharedWith,
}

/// One relationship fact: an organisation linked to a person, through a case (and, for a
/// provider, one onward referral).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    /// What kind of link.
    pub kind: LinkKind,
    /// The linked organisation.
    pub organisation: OrganisationId,
    /// The case it goes through (`None`: a referral or prescription not in a case yet).
    pub case: Option<CaseId>,
    /// For [`LinkKind::SharedWith`]: the onward referral shared.
    pub onward_referral: Option<OnwardReferralId>,
}

/// The relationship facts about one person, as the store computes them
/// (`lotse_store::relation::of_person`) for the moment of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonRelations {
    /// Every link of an organisation to the person.
    pub links: Vec<Link>,
    /// Whether the person's data was erased (anonymised): nothing personal is left to show.
    pub erased: bool,
}

impl PersonRelations {
    /// Whether `organisation` has a link of `kind` that satisfies `through`.
    fn linked(&self, kind: LinkKind, organisation: Option<OrganisationId>, through: impl Fn(&Link) -> bool) -> bool {
        organisation.is_some_and(|org| {
            self.links
                .iter()
                .any(|l| l.kind == kind && l.organisation == org && through(l))
        })
    }

    /// The person's cases, each once, in the order of the facts.
    pub fn cases(&self) -> Vec<CaseId> {
        let mut cases: Vec<CaseId> = Vec::new();
        for case in self.links.iter().filter_map(|l| l.case) {
            if !cases.contains(&case) {
                cases.push(case);
            }
        }
        cases
    }
}

/// The facts about a user account that a coordinator's action on it depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRelations {
    /// The programmes of the account's memberships (one entry per membership).
    pub programmes: Vec<ProgrammeId>,
}

impl AccountRelations {
    /// The facts of an account.
    pub fn of(user: &User) -> Self {
        Self {
            programmes: user.memberships.iter().map(|m| m.programme).collect(),
        }
    }
}

/// What an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The programme itself (counts, lists, searches).
    Programme(ProgrammeId),
    /// One person of a programme, for administration (audit trail, export, erasure).
    Person(ProgrammeId, &'a PersonRelations),
    /// One case of a person (the case page, consent withdrawal, finding a case by code).
    Case(ProgrammeId, CaseId, &'a PersonRelations),
    /// One onward referral of a person (which of them a reader of the case page sees).
    OnwardReferral(ProgrammeId, OnwardReferralId, &'a PersonRelations),
    /// One offer of the directory, by its provider.
    Offer(ProgrammeId, OrganisationId),
    /// A user account, asked about from a programme.
    User(ProgrammeId, &'a AccountRelations),
}

impl Subject<'_> {
    const fn programme(&self) -> ProgrammeId {
        match self {
            Self::Programme(p)
            | Self::Person(p, _)
            | Self::Case(p, ..)
            | Self::OnwardReferral(p, ..)
            | Self::Offer(p, _)
            | Self::User(p, _) => *p,
        }
    }
}

/// How much of a record a permitted reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The link worker of the facility holding the case: the whole case.
    Case,
    /// The prescribing practice: identity and the status of every step (the closed loop).
    Prescriber,
    /// A provider: only the onward referrals sent to it with active sharing consent, and the
    /// contact details the person agreed to share; for an offer: its own offer.
    Provider,
    /// A coordinator acting on a data-subject request, an audit, an account or the directory:
    /// ids, states and the audit.
    Administration,
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, with what may be seen.
    Allow(Visibility),
    /// Denied.
    Deny(DenyReason),
}

/// Why (for the audit of denials and for tests; never shown to the user in detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The membership is for another programme.
    OtherProgramme,
    /// The role never does this.
    Role,
    /// No relationship between the user's organisation and the subject.
    NoRelationship,
    /// The person's data was erased.
    Erased,
}

impl Decision {
    /// Whether allowed.
    pub const fn is_allowed(self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

fn allow_if(condition: bool, visibility: Visibility) -> Decision {
    if condition {
        Decision::Allow(visibility)
    } else {
        Decision::Deny(DenyReason::NoRelationship)
    }
}

/// A care role's view of one case of a person.
fn decide_case(membership: &Membership, action: Action, case: CaseId, relations: &PersonRelations) -> Decision {
    let org = membership.organisation;
    let through_case = |l: &Link| l.case == Some(case);
    match (membership.role, action) {
        (Role::LinkWorker, Action::ViewCase | Action::WithdrawConsent | Action::WorkCase) => {
            allow_if(relations.linked(LinkKind::Holds, org, through_case), Visibility::Case)
        }
        (Role::Prescriber, Action::ViewCase) => allow_if(
            relations.linked(LinkKind::Prescribed, org, through_case),
            Visibility::Prescriber,
        ),
        (Role::OfferProvider, Action::ViewCase) => allow_if(
            relations.linked(LinkKind::SharedWith, org, through_case),
            Visibility::Provider,
        ),
        _ => Decision::Deny(DenyReason::NoRelationship),
    }
}

/// A care role's view of one onward referral of a person: the link facility and the practice
/// see every onward referral of a person they hold or prescribed for (the closed loop); a
/// provider only one shared with it now.
fn decide_onward(
    membership: &Membership,
    action: Action,
    onward: OnwardReferralId,
    relations: &PersonRelations,
) -> Decision {
    let org = membership.organisation;
    match (membership.role, action) {
        (Role::LinkWorker, Action::ViewCase) => {
            allow_if(relations.linked(LinkKind::Holds, org, |_| true), Visibility::Case)
        }
        (Role::Prescriber, Action::ViewCase) => allow_if(
            relations.linked(LinkKind::Prescribed, org, |_| true),
            Visibility::Prescriber,
        ),
        (Role::OfferProvider, Action::ViewCase | Action::AnswerOnwardReferral) => allow_if(
            relations.linked(LinkKind::SharedWith, org, |l| l.onward_referral == Some(onward)),
            Visibility::Provider,
        ),
        _ => Decision::Deny(DenyReason::NoRelationship),
    }
}

/// The second gate: may this membership do this action to this subject?
pub fn decide(membership: &Membership, action: Action, subject: Subject<'_>) -> Decision {
    use Action as A;
    use Role as R;
    let programme = subject.programme();
    if membership.programme != programme {
        return Decision::Deny(DenyReason::OtherProgramme);
    }
    if !role_may(membership.role, action) {
        return Decision::Deny(DenyReason::Role);
    }
    match (action, subject) {
        (
            A::ViewCase | A::WithdrawConsent | A::WorkCase,
            Subject::Case(_, _, relations) | Subject::OnwardReferral(_, _, relations),
        ) if relations.erased => Decision::Deny(DenyReason::Erased),
        (A::ViewCase | A::WithdrawConsent | A::WorkCase, Subject::Case(_, case, relations)) => {
            decide_case(membership, action, case, relations)
        }
        (A::AnswerOnwardReferral, Subject::OnwardReferral(_, _, relations)) if relations.erased => {
            Decision::Deny(DenyReason::Erased)
        }
        (A::ViewCase | A::AnswerOnwardReferral, Subject::OnwardReferral(_, onward, relations)) => {
            decide_onward(membership, action, onward, relations)
        }
        // A prescriber prescribes again for a person only where the practice prescribed before
        // (choosing them from the practice's own people); anyone else is registered anew.
        (A::Prescribe, Subject::Person(_, relations)) => allow_if(
            !relations.erased && relations.linked(LinkKind::Prescribed, membership.organisation, |_| true),
            Visibility::Prescriber,
        ),
        // A link worker registering someone is shown the people its facility holds whose name
        // and birth date match (to open their case instead); nobody else's.
        (A::RegisterReferral, Subject::Person(_, relations)) => allow_if(
            !relations.erased && relations.linked(LinkKind::Holds, membership.organisation, |_| true),
            Visibility::Case,
        ),
        (A::ManageOffer, Subject::Offer(_, provider)) => match membership.role {
            R::OfferProvider => allow_if(membership.organisation == Some(provider), Visibility::Provider),
            R::Coordinator => Decision::Allow(Visibility::Administration),
            _ => Decision::Deny(DenyReason::NoRelationship),
        },
        // An account is a coordinator's to see and unlock while it acts in the programme; to
        // reset (and so take over) only while it acts in no other programme.
        (A::ViewUserAudit | A::ManageUsers, Subject::User(_, account)) => {
            allow_if(account.programmes.contains(&programme), Visibility::Administration)
        }
        (A::ResetPassword, Subject::User(_, account)) => allow_if(
            !account.programmes.is_empty() && account.programmes.iter().all(|p| *p == programme),
            Visibility::Administration,
        ),
        // Administration reaches erased people too: their audit trail and export remain.
        // Curating the directory: the role gate above admits coordinators only; any offer of
        // their programme.
        (A::ViewPersonAudit | A::ExportPersonData | A::ErasePerson, Subject::Person(..))
        | (A::CurateDirectory, Subject::Offer(..))
        | (
            A::ViewProgramme
            | A::ManageOwnAccount
            | A::ViewWorklist
            | A::SearchCases
            | A::SearchPeople
            | A::ManageUsers
            | A::CurateDirectory
            | A::Prescribe
            | A::RegisterReferral
            | A::ManageProgramme,
            Subject::Programme(_),
        ) => Decision::Allow(Visibility::Administration),
        _ => Decision::Deny(DenyReason::NoRelationship),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn org(n: u128) -> OrganisationId {
        OrganisationId::from_uuid(Uuid::from_u128(n))
    }

    fn programme(n: u128) -> ProgrammeId {
        ProgrammeId::from_uuid(Uuid::from_u128(n))
    }

    fn case(n: u128) -> CaseId {
        CaseId::from_uuid(Uuid::from_u128(n))
    }

    fn onward(n: u128) -> OnwardReferralId {
        OnwardReferralId::from_uuid(Uuid::from_u128(n))
    }

    fn member(role: Role, organisation: Option<u128>) -> Membership {
        Membership {
            programme: programme(1),
            organisation: organisation.map(org),
            role,
        }
    }

    fn link(kind: LinkKind, organisation: u128, case_id: u128, onward_referral: Option<u128>) -> Link {
        Link {
            kind,
            organisation: org(organisation),
            case: Some(case(case_id)),
            onward_referral: onward_referral.map(onward),
        }
    }

    /// Facility 10 holds case 100, practice 20 prescribed into it, provider 30 has onward
    /// referral 200 of it shared; onward referral 201 (to provider 31) is not shared; case 101
    /// of the person is held by nobody now.
    fn relations() -> PersonRelations {
        PersonRelations {
            links: vec![
                link(LinkKind::Holds, 10, 100, None),
                link(LinkKind::Prescribed, 20, 100, None),
                link(LinkKind::SharedWith, 30, 100, Some(200)),
            ],
            erased: false,
        }
    }

    /// The members of the table, by label.
    fn members() -> Vec<(&'static str, Membership)> {
        vec![
            ("link worker 10", member(Role::LinkWorker, Some(10))),
            ("link worker 11", member(Role::LinkWorker, Some(11))),
            ("prescriber 20", member(Role::Prescriber, Some(20))),
            ("prescriber 21", member(Role::Prescriber, Some(21))),
            ("provider 30", member(Role::OfferProvider, Some(30))),
            ("provider 31", member(Role::OfferProvider, Some(31))),
            ("coordinator", member(Role::Coordinator, None)),
            ("evaluator", member(Role::Evaluator, None)),
            ("payer", member(Role::OutcomePayer, None)),
        ]
    }

    const ANY_MEMBER: [&str; 9] = [
        "link worker 10",
        "link worker 11",
        "prescriber 20",
        "prescriber 21",
        "provider 30",
        "provider 31",
        "coordinator",
        "evaluator",
        "payer",
    ];

    /// Every allowed (member, action, subject) with what it sees, written by hand; everything
    /// else is denied.
    fn allowed() -> Vec<(&'static str, Action, &'static str, Visibility)> {
        use Action as A;
        use Visibility as V;
        let mut table = Vec::new();
        for m in ANY_MEMBER {
            table.push((m, A::ViewProgramme, "programme", V::Administration));
            table.push((m, A::ManageOwnAccount, "programme", V::Administration));
        }
        for m in &ANY_MEMBER[..6] {
            table.push((*m, A::ViewWorklist, "programme", V::Administration));
        }
        table.extend([
            ("link worker 10", A::SearchCases, "programme", V::Administration),
            ("link worker 11", A::SearchCases, "programme", V::Administration),
            ("link worker 10", A::RegisterReferral, "programme", V::Administration),
            ("link worker 11", A::RegisterReferral, "programme", V::Administration),
            ("link worker 10", A::RegisterReferral, "person", V::Case),
            ("coordinator", A::SearchPeople, "programme", V::Administration),
            ("coordinator", A::ManageUsers, "programme", V::Administration),
            ("coordinator", A::ViewPersonAudit, "person", V::Administration),
            ("coordinator", A::ExportPersonData, "person", V::Administration),
            ("coordinator", A::ErasePerson, "person", V::Administration),
            ("link worker 10", A::ViewCase, "case 100", V::Case),
            ("link worker 10", A::WithdrawConsent, "case 100", V::Case),
            ("link worker 10", A::WorkCase, "case 100", V::Case),
            ("prescriber 20", A::ViewCase, "case 100", V::Prescriber),
            ("provider 30", A::ViewCase, "case 100", V::Provider),
            ("link worker 10", A::ViewCase, "onward 200 (shared)", V::Case),
            ("prescriber 20", A::ViewCase, "onward 200 (shared)", V::Prescriber),
            ("provider 30", A::ViewCase, "onward 200 (shared)", V::Provider),
            (
                "provider 30",
                A::AnswerOnwardReferral,
                "onward 200 (shared)",
                V::Provider,
            ),
            ("link worker 10", A::ViewCase, "onward 201 (not shared)", V::Case),
            ("prescriber 20", A::ViewCase, "onward 201 (not shared)", V::Prescriber),
            ("provider 30", A::ManageOffer, "offer of 30", V::Provider),
            ("coordinator", A::ManageOffer, "offer of 30", V::Administration),
            ("provider 31", A::ManageOffer, "offer of 31", V::Provider),
            ("coordinator", A::ManageOffer, "offer of 31", V::Administration),
            ("coordinator", A::CurateDirectory, "programme", V::Administration),
            ("coordinator", A::ManageProgramme, "programme", V::Administration),
            ("prescriber 20", A::Prescribe, "programme", V::Administration),
            ("prescriber 21", A::Prescribe, "programme", V::Administration),
            ("prescriber 20", A::Prescribe, "person", V::Prescriber),
            ("coordinator", A::CurateDirectory, "offer of 30", V::Administration),
            ("coordinator", A::CurateDirectory, "offer of 31", V::Administration),
            ("coordinator", A::ViewUserAudit, "account here", V::Administration),
            ("coordinator", A::ManageUsers, "account here", V::Administration),
            ("coordinator", A::ResetPassword, "account here", V::Administration),
            (
                "coordinator",
                A::ViewUserAudit,
                "account here and elsewhere",
                V::Administration,
            ),
            (
                "coordinator",
                A::ManageUsers,
                "account here and elsewhere",
                V::Administration,
            ),
        ]);
        table
    }

    #[test]
    fn every_decision_matches_the_table_written_by_hand() {
        let r = relations();
        let here = AccountRelations {
            programmes: vec![programme(1)],
        };
        let both = AccountRelations {
            programmes: vec![programme(1), programme(2)],
        };
        let elsewhere = AccountRelations {
            programmes: vec![programme(2)],
        };
        let none = AccountRelations::default();
        let p = programme(1);
        let subjects = [
            ("programme", Subject::Programme(p)),
            ("person", Subject::Person(p, &r)),
            ("case 100", Subject::Case(p, case(100), &r)),
            ("case 101", Subject::Case(p, case(101), &r)),
            ("onward 200 (shared)", Subject::OnwardReferral(p, onward(200), &r)),
            ("onward 201 (not shared)", Subject::OnwardReferral(p, onward(201), &r)),
            ("offer of 30", Subject::Offer(p, org(30))),
            ("offer of 31", Subject::Offer(p, org(31))),
            ("account here", Subject::User(p, &here)),
            ("account here and elsewhere", Subject::User(p, &both)),
            ("account elsewhere", Subject::User(p, &elsewhere)),
            ("account without membership", Subject::User(p, &none)),
        ];
        let table = allowed();
        let mut allows = 0;
        for (label, membership) in members() {
            for action in Action::ALL {
                for (subject_label, subject) in subjects {
                    let want = table
                        .iter()
                        .find(|(m, a, s, _)| *m == label && *a == action && *s == subject_label)
                        .map_or(
                            if role_may(membership.role, action) {
                                Decision::Deny(DenyReason::NoRelationship)
                            } else {
                                Decision::Deny(DenyReason::Role)
                            },
                            |(.., v)| Decision::Allow(*v),
                        );
                    if want.is_allowed() {
                        allows += 1;
                    }
                    assert_eq!(
                        decide(&membership, action, subject),
                        want,
                        "{label} {action:?} {subject_label}"
                    );
                }
            }
        }
        assert_eq!(allows, table.len(), "every row of the table names a real case");
    }

    #[test]
    fn another_programme_is_always_denied() {
        let r = relations();
        let account = AccountRelations {
            programmes: vec![programme(1), programme(2)],
        };
        let p = programme(2);
        for role in Role::ALL {
            for action in Action::ALL {
                for subject in [
                    Subject::Programme(p),
                    Subject::Person(p, &r),
                    Subject::Case(p, case(100), &r),
                    Subject::OnwardReferral(p, onward(200), &r),
                    Subject::Offer(p, org(30)),
                    Subject::User(p, &account),
                ] {
                    assert_eq!(
                        decide(&member(role, Some(10)), action, subject),
                        Decision::Deny(DenyReason::OtherProgramme)
                    );
                }
            }
        }
    }

    #[test]
    fn an_erased_person_is_closed_to_care_and_open_to_administration() {
        let mut r = relations();
        r.erased = true;
        let p = programme(1);
        for (membership, subject) in [
            (member(Role::LinkWorker, Some(10)), Subject::Case(p, case(100), &r)),
            (member(Role::Prescriber, Some(20)), Subject::Case(p, case(100), &r)),
            (member(Role::OfferProvider, Some(30)), Subject::Case(p, case(100), &r)),
            (
                member(Role::OfferProvider, Some(30)),
                Subject::OnwardReferral(p, onward(200), &r),
            ),
        ] {
            assert_eq!(
                decide(&membership, Action::ViewCase, subject),
                Decision::Deny(DenyReason::Erased),
                "{membership:?}"
            );
        }
        let lw = member(Role::LinkWorker, Some(10));
        assert_eq!(
            decide(&lw, Action::WithdrawConsent, Subject::Case(p, case(100), &r)),
            Decision::Deny(DenyReason::Erased)
        );
        // Nor is an erased person offered at intake as one the facility knows.
        assert_eq!(
            decide(&lw, Action::RegisterReferral, Subject::Person(p, &r)),
            Decision::Deny(DenyReason::NoRelationship)
        );
        let coordinator = member(Role::Coordinator, None);
        for action in [Action::ViewPersonAudit, Action::ExportPersonData, Action::ErasePerson] {
            assert_eq!(
                decide(&coordinator, action, Subject::Person(p, &r)),
                Decision::Allow(Visibility::Administration)
            );
        }
    }

    #[test]
    fn a_withdrawn_sharing_consent_closes_the_provider_view() {
        let mut r = relations();
        let p = programme(1);
        let provider = member(Role::OfferProvider, Some(30));
        assert!(decide(&provider, Action::ViewCase, Subject::Case(p, case(100), &r)).is_allowed());
        r.links.retain(|l| l.kind != LinkKind::SharedWith);
        assert!(!decide(&provider, Action::ViewCase, Subject::Case(p, case(100), &r)).is_allowed());
        assert!(!decide(&provider, Action::ViewCase, Subject::OnwardReferral(p, onward(200), &r)).is_allowed());
        // The link facility and the practice still see the onward referral.
        let lw = member(Role::LinkWorker, Some(10));
        assert!(decide(&lw, Action::ViewCase, Subject::OnwardReferral(p, onward(200), &r)).is_allowed());
    }

    #[test]
    fn after_a_redirect_only_the_facility_holding_the_case_relates_to_it() {
        let mut r = relations();
        let p = programme(1);
        for l in &mut r.links {
            if l.kind == LinkKind::Holds {
                l.organisation = org(11);
            }
        }
        let former = member(Role::LinkWorker, Some(10));
        let current = member(Role::LinkWorker, Some(11));
        for action in [Action::ViewCase, Action::WithdrawConsent, Action::WorkCase] {
            assert_eq!(
                decide(&former, action, Subject::Case(p, case(100), &r)),
                Decision::Deny(DenyReason::NoRelationship)
            );
            assert_eq!(
                decide(&current, action, Subject::Case(p, case(100), &r)),
                Decision::Allow(Visibility::Case)
            );
        }
        assert!(!decide(&former, Action::ViewCase, Subject::OnwardReferral(p, onward(200), &r)).is_allowed());
    }

    #[test]
    fn the_cases_of_the_facts_are_listed_once_in_order() {
        let mut r = relations();
        r.links.push(link(LinkKind::Holds, 10, 101, None));
        r.links.push(Link {
            kind: LinkKind::Holds,
            organisation: org(10),
            case: None,
            onward_referral: None,
        });
        assert_eq!(r.cases(), vec![case(100), case(101)]);
    }

    #[test]
    fn the_second_factor_covers_every_role_that_reaches_identities_or_exports() {
        // Written by hand: coordinators reach exports, erasure and account resets; evaluators
        // and payers see counts only.
        let expected = [
            (Role::Prescriber, true),
            (Role::LinkWorker, true),
            (Role::OfferProvider, true),
            (Role::Coordinator, true),
            (Role::Evaluator, false),
            (Role::OutcomePayer, false),
        ];
        assert_eq!(expected.len(), Role::ALL.len());
        for (role, needed) in expected {
            assert_eq!(needs_second_factor(role), needed, "{role:?}");
        }
    }

    #[test]
    fn every_action_has_a_distinct_code_and_some_role() {
        let codes: std::collections::BTreeSet<_> = Action::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), Action::ALL.len());
        for action in Action::ALL {
            assert!(Role::ALL.iter().any(|r| role_may(*r, action)), "{action:?}");
        }
    }
}
