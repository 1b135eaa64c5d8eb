//! Who acts in a write that names a person as its author (a prescription's prescriber, a
//! note's or plan's author, who made a self-completion link): a signed-in member is that
//! person; an API client acts for its organisation and names one of its members by username
//! ([`acting_member`]); a capability link names nobody and is refused.

use lotse_domain::field::FieldProblem;
use lotse_domain::id::UserId;
use lotse_domain::user::{Role, Username};

use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// Why no acting member was found.
#[derive(Debug)]
pub(crate) enum NotActing {
    /// A capability link (never an author).
    Capability,
    /// The client named nobody, or someone who is not a member with `role` of its
    /// organisation in the programme (an unknown or disabled account answers the same).
    Named(FieldProblem),
    /// Storage failed.
    Store(StoreFailure),
}

/// The member who acts: the signed-in member; for an API client, the account `named` (a
/// username) if it is not disabled and has a membership with `role` of the client's
/// organisation in the client's programme.
pub(crate) async fn acting_member(
    db: &impl Handle,
    principal: &Principal,
    named: &str,
    role: Role,
) -> Result<UserId, NotActing> {
    match principal {
        Principal::Member(session) => Ok(session.user.id()),
        Principal::Capability { .. } => Err(NotActing::Capability),
        Principal::ApiClient { .. } => {
            let named = named.trim();
            if named.is_empty() {
                return Err(NotActing::Named(FieldProblem::Required));
            }
            let Ok(username) = Username::parse(named) else {
                return Err(NotActing::Named(FieldProblem::UnknownCode));
            };
            let store = handle::store(db);
            let store_failed = |e: lotse_store::StoreError| NotActing::Store(e.into());
            let Some(found) = lotse_store::user::find_credentials(store, &username)
                .await
                .map_err(store_failed)?
            else {
                return Err(NotActing::Named(FieldProblem::UnknownCode));
            };
            let user = lotse_store::user::get(store, found.user_id)
                .await
                .map_err(store_failed)?;
            let organisation = principal
                .membership()
                .and_then(lotse_domain::user::Membership::organisation);
            let member_here = user.memberships().iter().any(|m| {
                m.programme() == principal.scope().programme()
                    && organisation.is_some()
                    && m.organisation() == organisation
                    && m.role() == role
            });
            if found.disabled || !member_here {
                return Err(NotActing::Named(FieldProblem::UnknownCode));
            }
            Ok(found.user_id)
        }
    }
}
