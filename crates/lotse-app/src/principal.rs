//! Who a use case acts for: a signed-in member, an API client, or the holder of a capability
//! link. Each is audited as itself (`user:<id>`, `client:<id>`, `capability:<id>`: the actor of
//! its [`Principal::scope`]), and the policy decides on what it is: a member by its role, an
//! API client by its role and scopes, a capability only by its purpose and object (it holds no
//! membership, so no member use case lets it in).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::api_client::ApiClient;
use lotse_domain::audit::ObjectKind;
use lotse_domain::capability::Capability;
use lotse_domain::policy::{self, Action, Decision, DenyReason, Subject};
use lotse_domain::user::Membership;
use uuid::Uuid;

use crate::auth::SessionUser;

/// Who a use case acts for.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in member (a session), under the session's membership.
    Member(SessionUser),
    /// An API client (a bearer token), under its membership and limited by its scopes.
    ApiClient {
        /// The client.
        client: ApiClient,
        /// Its programme, audited as `client:<id>`.
        scope: ProgrammeScope,
    },
    /// The holder of a capability link: one purpose, one object, no membership.
    Capability {
        /// The verified capability.
        capability: Capability,
        /// Its programme, audited as `capability:<id>`.
        scope: ProgrammeScope,
    },
}

impl Principal {
    /// An API client as a principal.
    pub fn api_client(client: ApiClient) -> Self {
        let scope = client.scope();
        Self::ApiClient { client, scope }
    }

    /// A verified capability as a principal.
    pub const fn capability(capability: Capability) -> Self {
        let scope = capability.scope();
        Self::Capability { capability, scope }
    }

    /// The programme it acts in; its actor names the principal in audit entries and events.
    pub const fn scope(&self) -> &ProgrammeScope {
        match self {
            Self::Member(user) => &user.scope,
            Self::ApiClient { scope, .. } | Self::Capability { scope, .. } => scope,
        }
    }

    /// The membership it acts under (role, organisation); a capability has none.
    pub const fn membership(&self) -> Option<&Membership> {
        match self {
            Self::Member(user) => Some(&user.membership),
            Self::ApiClient { client, .. } => Some(client.membership()),
            Self::Capability { .. } => None,
        }
    }

    /// The policy's first gate for this principal: a member's role may do the action; an API
    /// client's role may and one of its scopes allows it; a capability never does a member's
    /// action.
    pub fn may(&self, action: Action) -> bool {
        match self {
            Self::Member(user) => policy::role_may(user.membership.role(), action),
            Self::ApiClient { client, .. } => client.may(action),
            Self::Capability { .. } => false,
        }
    }

    /// The policy's decision about one subject: [`Principal::may`], then
    /// [`policy::decide`] on the membership (role × relationship × programme).
    pub fn decide(&self, action: Action, subject: Subject<'_>) -> Decision {
        match self.membership() {
            Some(membership) if self.may(action) => policy::decide(membership, action, subject),
            _ => Decision::Deny(DenyReason::Role),
        }
    }

    /// The audit object that names the principal itself (for its refused requests):
    /// `user`, `api_client` or `capability`, with its id.
    pub fn own_object(&self) -> (ObjectKind, Uuid) {
        match self {
            Self::Member(user) => (ObjectKind::User, user.user.id().as_uuid()),
            Self::ApiClient { client, .. } => (ObjectKind::ApiClient, client.id().as_uuid()),
            Self::Capability { capability, .. } => (ObjectKind::Capability, capability.id().as_uuid()),
        }
    }
}

impl SessionUser {
    /// The signed-in member as the principal of a use case.
    pub fn principal(&self) -> Principal {
        Principal::Member(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use lotse_domain::api_client::ApiScope;
    use lotse_domain::id::{ApiClientId, CaseId, OrganisationId, ProgrammeId, UserId};
    use lotse_domain::policy::{Link, LinkKind, PersonRelations};
    use lotse_domain::test_support;
    use lotse_domain::user::{Role, Username, authorize_membership};

    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn membership(role: Role) -> Membership {
        test_support::membership(
            ProgrammeId::from_uuid(id(1)),
            Some(OrganisationId::from_uuid(id(2))),
            role,
        )
    }

    fn member(role: Role) -> Principal {
        let user = test_support::user(
            UserId::from_uuid(id(3)),
            Username::parse("anna").unwrap(),
            "Anna".to_owned(),
            vec![membership(role)],
        );
        let (scope, membership) = authorize_membership(&user, ProgrammeId::from_uuid(id(1))).unwrap();
        let membership = membership.clone();
        Principal::Member(SessionUser {
            user,
            membership,
            scope,
        })
    }

    fn client(role: Role, scopes: Vec<ApiScope>) -> Principal {
        Principal::api_client(test_support::api_client(
            ApiClientId::from_uuid(id(4)),
            "his".to_owned(),
            membership(role),
            scopes,
        ))
    }

    #[test]
    fn each_principal_is_audited_as_itself() {
        assert_eq!(
            member(Role::LinkWorker).scope().actor().reference(),
            format!("user:{}", id(3))
        );
        assert_eq!(
            client(Role::LinkWorker, vec![ApiScope::CaseRead])
                .scope()
                .actor()
                .reference(),
            format!("client:{}", id(4))
        );
    }

    #[test]
    fn a_client_is_decided_by_role_and_scope_a_member_by_role() {
        let case = CaseId::from_uuid(id(5));
        let relations = PersonRelations {
            links: vec![Link {
                kind: LinkKind::Holds,
                organisation: OrganisationId::from_uuid(id(2)),
                case: Some(case),
                onward_referral: None,
            }],
            ..PersonRelations::default()
        };
        let person = Subject::Case(ProgrammeId::from_uuid(id(1)), case, &relations);
        assert!(member(Role::LinkWorker).decide(Action::ViewCase, person).is_allowed());
        assert!(
            member(Role::LinkWorker)
                .decide(Action::WithdrawConsent, person)
                .is_allowed()
        );
        let reader = client(Role::LinkWorker, vec![ApiScope::CaseRead]);
        assert!(reader.decide(Action::ViewCase, person).is_allowed());
        assert_eq!(
            reader.decide(Action::WithdrawConsent, person),
            Decision::Deny(DenyReason::Role),
            "a client without the scope is refused although its role may"
        );
        assert!(!client(Role::Coordinator, vec![ApiScope::CaseRead]).may(Action::ViewCase));
    }
}
