//! The one authorization policy. Pure code: every action a user asks for is decided here from
//! role × relationship × programme, and nowhere else.
//!
//! Two gates, both in this module:
//! 1. [`role_may`]: can this role ever do this action? The web layer checks it for every route
//!    (a route cannot be registered without naming its [`Action`]) and answers 403 if not.
//! 2. [`decide`]: may this membership do this action to this subject? The use cases load the
//!    facts ([`PersonRelations`]) and ask before they read or write; a denial about a person
//!    looks exactly like a missing record (404), so ids reveal nothing.

use crate::id::{OrganisationId, ProgrammeId};
use crate::user::{Membership, Role};

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
    /// List the programme's users and issue password-reset codes.
    ManageUsers,
}

impl Action {
    /// Every action.
    pub const ALL: [Self; 12] = [
        Self::ViewProgramme,
        Self::ManageOwnAccount,
        Self::ViewWorklist,
        Self::SearchCases,
        Self::ViewCase,
        Self::WithdrawConsent,
        Self::SearchPeople,
        Self::ViewPersonAudit,
        Self::ViewUserAudit,
        Self::ExportPersonData,
        Self::ErasePerson,
        Self::ManageUsers,
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
            Self::SearchPeople => "search_people",
            Self::ViewPersonAudit => "view_person_audit",
            Self::ViewUserAudit => "view_user_audit",
            Self::ExportPersonData => "export_person_data",
            Self::ErasePerson => "erase_person",
            Self::ManageUsers => "manage_users",
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
        A::SearchCases | A::WithdrawConsent => matches!(role, R::LinkWorker),
        A::SearchPeople
        | A::ViewPersonAudit
        | A::ViewUserAudit
        | A::ExportPersonData
        | A::ErasePerson
        | A::ManageUsers => matches!(role, R::Coordinator),
    }
}

impl Action {
    /// Whether the action reaches people's identities or personal data, or exports them, or
    /// can take over another account (resetting it): a role that may do any of these needs the
    /// second factor where the programme requires it.
    pub const fn reaches_personal_data(self) -> bool {
        !matches!(self, Self::ViewProgramme | Self::ManageOwnAccount)
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

/// How organisations relate to one person, as loaded by the use case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonRelations {
    /// Link facilities holding a case or referral of the person.
    pub link_facilities: Vec<OrganisationId>,
    /// Practices that issued a prescription for the person.
    pub practices: Vec<OrganisationId>,
    /// Providers with an onward referral for which the person's sharing consent is active now.
    pub shared_with: Vec<OrganisationId>,
    /// Whether the person's data was erased (anonymised): nothing personal is left to show.
    pub erased: bool,
}

/// What an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The programme itself (counts, lists, searches).
    Programme(ProgrammeId),
    /// One person of a programme.
    Person(ProgrammeId, &'a PersonRelations),
    /// A user account with a membership in the programme.
    User(ProgrammeId),
}

impl Subject<'_> {
    const fn programme(&self) -> ProgrammeId {
        match self {
            Self::Programme(p) | Self::Person(p, _) | Self::User(p) => *p,
        }
    }
}

/// How much of a person's record a permitted reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The link worker of the person's facility: the whole case.
    Case,
    /// The prescribing practice: identity and the status of every step (the closed loop).
    Prescriber,
    /// A provider: only the onward referrals sent to it with active sharing consent, and the
    /// contact details the person agreed to share.
    Provider,
    /// A coordinator acting on a data-subject request or audit: ids, states and the audit.
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
    /// No relationship between the user's organisation and the person.
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

fn related(org: Option<OrganisationId>, orgs: &[OrganisationId]) -> bool {
    org.is_some_and(|o| orgs.contains(&o))
}

/// The second gate: may this membership do this action to this subject?
pub fn decide(membership: &Membership, action: Action, subject: Subject<'_>) -> Decision {
    use Action as A;
    use Role as R;
    if membership.programme != subject.programme() {
        return Decision::Deny(DenyReason::OtherProgramme);
    }
    if !role_may(membership.role, action) {
        return Decision::Deny(DenyReason::Role);
    }
    let org = membership.organisation;
    match (action, subject) {
        (A::ViewCase | A::WithdrawConsent, Subject::Person(_, relations)) => {
            if relations.erased {
                return Decision::Deny(DenyReason::Erased);
            }
            let visibility = match membership.role {
                R::LinkWorker if related(org, &relations.link_facilities) => Some(Visibility::Case),
                R::Prescriber if action == A::ViewCase && related(org, &relations.practices) => {
                    Some(Visibility::Prescriber)
                }
                R::OfferProvider if action == A::ViewCase && related(org, &relations.shared_with) => {
                    Some(Visibility::Provider)
                }
                _ => None,
            };
            visibility.map_or(Decision::Deny(DenyReason::NoRelationship), Decision::Allow)
        }
        (A::ViewPersonAudit | A::ExportPersonData | A::ErasePerson, Subject::Person(..))
        | (A::ViewUserAudit | A::ManageUsers, Subject::User(_))
        | (
            A::ViewProgramme
            | A::ManageOwnAccount
            | A::ViewWorklist
            | A::SearchCases
            | A::SearchPeople
            | A::ManageUsers,
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

    fn member(role: Role, organisation: Option<u128>) -> Membership {
        Membership {
            programme: programme(1),
            organisation: organisation.map(org),
            role,
        }
    }

    fn relations() -> PersonRelations {
        PersonRelations {
            link_facilities: vec![org(10)],
            practices: vec![org(20)],
            shared_with: vec![org(30)],
            erased: false,
        }
    }

    #[test]
    fn each_relationship_opens_its_own_view_only() {
        let r = relations();
        let person = Subject::Person(programme(1), &r);
        let cases = [
            (member(Role::LinkWorker, Some(10)), Decision::Allow(Visibility::Case)),
            (
                member(Role::Prescriber, Some(20)),
                Decision::Allow(Visibility::Prescriber),
            ),
            (
                member(Role::OfferProvider, Some(30)),
                Decision::Allow(Visibility::Provider),
            ),
            (
                member(Role::LinkWorker, Some(20)),
                Decision::Deny(DenyReason::NoRelationship),
            ),
            (
                member(Role::Prescriber, Some(10)),
                Decision::Deny(DenyReason::NoRelationship),
            ),
            (
                member(Role::OfferProvider, Some(11)),
                Decision::Deny(DenyReason::NoRelationship),
            ),
            (member(Role::Coordinator, None), Decision::Deny(DenyReason::Role)),
            (member(Role::Evaluator, None), Decision::Deny(DenyReason::Role)),
            (member(Role::OutcomePayer, None), Decision::Deny(DenyReason::Role)),
        ];
        for (membership, expected) in cases {
            assert_eq!(
                decide(&membership, Action::ViewCase, person),
                expected,
                "{membership:?}"
            );
        }
    }

    #[test]
    fn another_programme_is_always_denied() {
        let r = relations();
        for role in Role::ALL {
            for action in Action::ALL {
                for subject in [
                    Subject::Programme(programme(2)),
                    Subject::Person(programme(2), &r),
                    Subject::User(programme(2)),
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
    fn only_the_link_worker_withdraws_consent_and_not_after_erasure() {
        let mut r = relations();
        let lw = member(Role::LinkWorker, Some(10));
        assert!(decide(&lw, Action::WithdrawConsent, Subject::Person(programme(1), &r)).is_allowed());
        let prescriber = member(Role::Prescriber, Some(20));
        assert!(!decide(&prescriber, Action::WithdrawConsent, Subject::Person(programme(1), &r)).is_allowed());
        r.erased = true;
        assert_eq!(
            decide(&lw, Action::ViewCase, Subject::Person(programme(1), &r)),
            Decision::Deny(DenyReason::Erased)
        );
    }

    #[test]
    fn a_withdrawn_sharing_consent_closes_the_provider_view() {
        let mut r = relations();
        let provider = member(Role::OfferProvider, Some(30));
        assert!(decide(&provider, Action::ViewCase, Subject::Person(programme(1), &r)).is_allowed());
        r.shared_with.clear();
        assert!(!decide(&provider, Action::ViewCase, Subject::Person(programme(1), &r)).is_allowed());
    }

    #[test]
    fn administration_is_for_coordinators_and_never_reaches_case_content() {
        let r = relations();
        let coordinator = member(Role::Coordinator, None);
        for action in [Action::ViewPersonAudit, Action::ExportPersonData, Action::ErasePerson] {
            assert_eq!(
                decide(&coordinator, action, Subject::Person(programme(1), &r)),
                Decision::Allow(Visibility::Administration)
            );
            assert!(
                !decide(
                    &member(Role::LinkWorker, Some(10)),
                    action,
                    Subject::Person(programme(1), &r)
                )
                .is_allowed()
            );
        }
        assert!(!decide(&coordinator, Action::ViewCase, Subject::Person(programme(1), &r)).is_allowed());
        // An action about a person cannot be granted against a user subject, and the reverse.
        assert!(!decide(&coordinator, Action::ErasePerson, Subject::User(programme(1))).is_allowed());
        assert!(!decide(&coordinator, Action::ManageUsers, Subject::Person(programme(1), &r)).is_allowed());
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
