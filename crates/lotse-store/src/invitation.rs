//! Self-completion invitations: one questionnaire (instrument, timepoint, language) of one
//! case, answered once through a capability link. An invitation holds codes, ids and times,
//! never a name; writing one is audited as its creation, marking it answered as an update.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::id::{CaseId, QuestionnaireResponseId, UserId};
use lotse_domain::questionnaire::{Instrument, Timepoint};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::bulk::table_row;
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

table_row! {
    /// An invitation as stored.
    InvitationRow => "questionnaire_invitation" {
        programme_key: i64,
        invitation_id: Uuid,
        case_id: Uuid,
        instrument: String,
        timepoint: String,
        language: String,
        created_by: Uuid,
        created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
        response_id: Option<Uuid>,
        answered_at: Option<OffsetDateTime>,
    }
}

/// An invitation to answer one questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id (the capability's object).
    pub id: Uuid,
    /// The case.
    pub case: CaseId,
    /// The questionnaire.
    pub instrument: Instrument,
    /// When in the case.
    pub timepoint: Timepoint,
    /// The language its items are shown in (a language with validated texts).
    pub language: String,
    /// Who made it.
    pub created_by: UserId,
    /// When.
    pub created_at: OffsetDateTime,
    /// When its link stops working.
    pub expires_at: OffsetDateTime,
    /// The response it brought, once answered.
    pub response: Option<QuestionnaireResponseId>,
    /// When it was answered.
    pub answered_at: Option<OffsetDateTime>,
}

/// Stores an invitation, audited as created.
pub async fn insert(tx: &mut Tx, scope: &ProgrammeScope, access: Access, invitation: &Invitation) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let row = InvitationRow {
        programme_key: key,
        invitation_id: invitation.id,
        case_id: invitation.case.as_uuid(),
        instrument: invitation.instrument.code().to_owned(),
        timepoint: invitation.timepoint.code().to_owned(),
        language: invitation.language.clone(),
        created_by: invitation.created_by.as_uuid(),
        created_at: invitation.created_at,
        expires_at: invitation.expires_at,
        response_id: invitation.response.map(|r| r.as_uuid()),
        answered_at: invitation.answered_at,
    };
    audit::insert_created(
        tx,
        scope,
        access,
        vec![row],
        ObjectKind::QuestionnaireInvitation,
        [invitation.id],
    )
    .await
}

type Row = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    Uuid,
    OffsetDateTime,
    OffsetDateTime,
    Option<Uuid>,
    Option<OffsetDateTime>,
);

const COLUMNS: &str = "invitation_id, case_id, instrument, timepoint, language, created_by, created_at, expires_at, \
                       response_id, answered_at";

fn invitation(r: Row) -> StoreResult<Invitation> {
    Ok(Invitation {
        id: r.0,
        case: CaseId::from_uuid(r.1),
        instrument: Instrument::from_code(&r.2).ok_or_else(|| StoreError::Corrupt(format!("instrument {:?}", r.2)))?,
        timepoint: Timepoint::from_code(&r.3).ok_or_else(|| StoreError::Corrupt(format!("timepoint {:?}", r.3)))?,
        language: r.4,
        created_by: UserId::from_uuid(r.5),
        created_at: r.6,
        expires_at: r.7,
        response: r.8.map(QuestionnaireResponseId::from_uuid),
        answered_at: r.9,
    })
}

/// One invitation of the scope's programme.
pub async fn get(tx: &mut Tx, scope: &ProgrammeScope, id: Uuid) -> StoreResult<Invitation> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: Row = on_conn!(tx, c => sqlx::query_as(&format!(
        "select {COLUMNS} from questionnaire_invitation where programme_key = $1 and invitation_id = $2"
    ))
    .bind(key)
    .bind(id)
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound {
        kind: "questionnaire invitation",
    })?;
    invitation(row)
}

/// A case's invitations, newest first.
pub async fn of_case(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> StoreResult<Vec<Invitation>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("created_at");
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select {COLUMNS} from questionnaire_invitation where programme_key = $1 and case_id = $2 \
         order by {order} desc, invitation_id"
    ))
    .bind(key)
    .bind(case.as_uuid())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(invitation).collect()
}

/// Marks an invitation answered by `response`, once: false if it was answered already (nothing
/// changes). Audited as an update.
pub async fn mark_answered(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    id: Uuid,
    response: QuestionnaireResponseId,
) -> StoreResult<bool> {
    let key = tx.programme_key(scope.programme()).await?;
    let n = on_conn!(tx, c => sqlx::query(
        "update questionnaire_invitation set response_id = $3, answered_at = $4 \
         where programme_key = $1 and invitation_id = $2 and answered_at is null",
    )
    .bind(key)
    .bind(id)
    .bind(response.as_uuid())
    .bind(access.at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 1 {
        audit::record(
            tx,
            scope,
            access,
            AuditAction::Update,
            ObjectKind::QuestionnaireInvitation,
            [id],
        )
        .await?;
    }
    Ok(n == 1)
}
