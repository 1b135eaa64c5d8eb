//! Named system jobs: the one place in the app that makes a system job's scope.
//!
//! A system scope acts in any programme it names, without a membership, so only the job entry
//! points may hold one: `lotse demo`, the administration and audit commands, the retention job,
//! the research export and the public directory. They start a [`JobToken`] and take their
//! scopes from it; everything they call that needs a system scope takes the token, so the
//! signature shows that a job runs. What enforces it:
//! - the compiler: [`JobToken`] is `pub(crate)`, so no crate above the app can hold one, and
//!   a function without a token cannot make a system scope except through
//!   [`ProgrammeScope::for_system`];
//! - `cargo xtask ci`: `for_system` appears only here (and in `lotse-domain`, which defines it,
//!   and its `test_support`), and `JobToken::start_job` only in the job entry points it lists by
//!   file and function.

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::id::ProgrammeId;

/// Proof that a named system job is running.
#[derive(Debug)]
pub(crate) struct JobToken(SystemJob);

impl JobToken {
    /// Starts a job: called only by the job entry points (`cargo xtask ci` lists them).
    pub(crate) const fn start_job(job: SystemJob) -> Self {
        Self(job)
    }

    /// The job's scope for one programme, audited under `system:<job>`.
    pub(crate) const fn scope(&self, programme: ProgrammeId) -> ProgrammeScope {
        ProgrammeScope::for_system(self.0, programme)
    }
}
