//! Test support, compiled only with the `test-support` feature: tests need scopes without a
//! job's entry point (a fixture writes a programme's rows directly), and unit tests above the
//! domain need users, memberships and API clients without a store to load them from. Only `lotse-testkit`
//! enables the feature, and it is a dev-dependency only, so the `lotse` binary never has it
//! (`cargo xtask ci` checks `cargo tree -p lotse-cli -e normal,features`).

use crate::actor::{ProgrammeScope, SystemJob};
use crate::api_client::{ApiClient, ApiScope};
use crate::id::{ApiClientId, OrganisationId, ProgrammeId, UserId};
use crate::user::{Membership, Role, User, Username};

/// The scope a named system job would get for a programme.
pub const fn system_scope(job: SystemJob, programme: ProgrammeId) -> ProgrammeScope {
    ProgrammeScope::for_system(job, programme)
}

/// A membership as the store would load it, for unit tests above the domain that need one
/// without a database.
pub const fn membership(programme: ProgrammeId, organisation: Option<OrganisationId>, role: Role) -> Membership {
    Membership {
        programme,
        organisation,
        role,
    }
}

/// A user account as the store would load it (for unit tests, like [`membership`]).
pub const fn user(id: UserId, username: Username, display_name: String, memberships: Vec<Membership>) -> User {
    User {
        id,
        username,
        display_name,
        memberships,
    }
}

/// A live API client as the store would load it (for unit tests, like [`membership`]).
pub const fn api_client(id: ApiClientId, name: String, membership: Membership, scopes: Vec<ApiScope>) -> ApiClient {
    ApiClient {
        id,
        name,
        membership,
        scopes,
    }
}
