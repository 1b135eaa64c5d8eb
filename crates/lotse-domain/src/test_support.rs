//! Test support, compiled only with the `test-support` feature: tests need scopes without a
//! job's entry point (a fixture writes a programme's rows directly). Only `lotse-testkit`
//! enables the feature, and it is a dev-dependency only, so the `lotse` binary never has it
//! (`cargo xtask ci` checks `cargo tree -p lotse-cli -e normal,features`).

use crate::actor::{ProgrammeScope, SystemJob};
use crate::id::ProgrammeId;

/// The scope a named system job would get for a programme.
pub const fn system_scope(job: SystemJob, programme: ProgrammeId) -> ProgrammeScope {
    ProgrammeScope::for_system(job, programme)
}
