//! The practice's board: every prescription a practice issued, with the state of the referral
//! it became (none: it stayed in the practice, without transfer consent), newest change first.
//! The names shown are one audited read listing the people. A concern the link worker raised
//! shows on its row from the moment it is saved (the referral row keeps the latest). The order
//! is the prescription's `board_at`, which the referral's writes keep at its last change.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::id::{CaseId, OrganisationId, PatientId, PrescriptionId, ReferralId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::crypto::Sealed;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// One prescription on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    /// The prescription.
    pub prescription: PrescriptionId,
    /// Its code (compact).
    pub code: String,
    /// The person.
    pub patient: PatientId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Urgency code.
    pub urgency: String,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// The referral it became, if it left the practice.
    pub referral: Option<ReferralId>,
    /// The case the referral is in.
    pub case: Option<CaseId>,
    /// The referral's state code (none: not transferred).
    pub state: Option<String>,
    /// The referral's closing reason code.
    pub closing_reason: Option<String>,
    /// The link facility it lies with now (without a referral: the one named on the sheet).
    pub link_facility: Option<OrganisationId>,
    /// Last change (the referral's, else the issue).
    pub updated_at: OffsetDateTime,
    /// The latest concern the link worker raised (its kind code and when), if any.
    pub concern: Option<(String, OffsetDateTime)>,
}

type Raw = (
    Uuid,
    String,
    Uuid,
    Sealed,
    Sealed,
    String,
    OffsetDateTime,
    Option<Uuid>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
    Option<OffsetDateTime>,
    Option<String>,
    Option<OffsetDateTime>,
);

/// Which of a practice's prescriptions [`for_practice`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slice {
    /// The first rows in board order.
    First,
    /// The rows after this prescription in board order (the next page: keyset, so a page
    /// costs the same however far back it lies). A prescription not of the practice gives
    /// none.
    After(PrescriptionId),
    /// This one prescription (the prescription page).
    Only(PrescriptionId),
}

/// A page of the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardPage {
    /// The rows, in board order.
    pub rows: Vec<BoardRow>,
    /// Whether more rows follow the last one.
    pub more: bool,
}

/// The board of one practice: its prescriptions of people not erased, newest change first, at
/// most `limit` of `slice`. One row more is read to know whether more follow; its person is
/// neither opened nor audited.
pub async fn for_practice(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    practice: OrganisationId,
    slice: Slice,
    limit: i64,
) -> StoreResult<BoardPage> {
    let key = tx.programme_key(scope.programme()).await?;
    // The prescription's own last-change time, in the order of the index `prescription_board`
    // (programme_key, practice_id, board_at desc, prescription_id): the first rows come from
    // the index, nothing of the practice's other prescriptions is read or sorted. The column as
    // stored, so that the index serves the order (on SQLite exact to the second: see migration
    // 0030). A later page starts at the cursor's row (`c`) with a range on `board_at`. The index
    // also carries the columns the page shows and `patient_erased` (set by erasure, migration
    // 0049), and `referral_prescription` the referral's (migration 0048): per line, only the
    // name and the referral's index entry are looked up.
    let (cursor, filter) = match slice {
        Slice::First => ("", ""),
        Slice::After(_) => (
            "join prescription c on c.programme_key = $1 and c.practice_id = $2 and c.prescription_id = $3 ",
            "and s.board_at <= c.board_at and (s.board_at < c.board_at or s.prescription_id > c.prescription_id) ",
        ),
        Slice::Only(_) => ("", "and s.prescription_id = $3 "),
    };
    // The row count is written into the statement, not bound: PostgreSQL plans a prepared
    // statement anew at each execution while a bound limit makes its generic plan look worse,
    // and with the limit written in it keeps the generic plan after five executions (a board
    // statement at scale 400: 1.2 ms planned each time, 0.4 ms with the generic plan;
    // BENCHMARKS.md, 2026-12-05). The number comes from the caller's code, never from input
    // as text.
    let rows_read = limit.max(0).saturating_add(1);
    let sql = format!(
        "select s.prescription_id, s.code, s.patient_id, i.given_name, i.family_name, s.urgency, s.issued_at, \
         r.referral_id, r.case_id, r.state, r.closing_reason, coalesce(r.link_facility_id, s.link_facility_id), r.updated_at, \
         r.concern_kind, r.concern_raised_at \
         from prescription s {cursor}\
         join patient_identity i on i.programme_key = s.programme_key and i.patient_id = s.patient_id \
         left join referral r on r.programme_key = s.programme_key and r.prescription_id = s.prescription_id \
         where s.programme_key = $1 and s.practice_id = $2 and s.patient_erased = false {filter}\
         order by s.board_at desc, s.prescription_id limit {rows_read}"
    );
    let id = match slice {
        Slice::First => Uuid::nil(),
        Slice::After(id) | Slice::Only(id) => id.as_uuid(),
    };
    let mut rows: Vec<Raw> = on_conn!(tx, c => sqlx::query_as(&sql)
        .bind(key)
        .bind(practice.as_uuid())
        .bind(id)
        .fetch_all(c)
        .await)?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let keys = tx.keys()?;
    let programme = scope.programme().as_uuid();
    let open = |patient: Uuid, column: &str, value: &[u8]| {
        crate::person::open_column(&keys, programme, patient, column, value)
    };
    let mut patients: Vec<Uuid> = rows.iter().map(|r| r.2).collect();
    patients.sort_unstable();
    patients.dedup();
    if !patients.is_empty() {
        audit::record(tx, scope, access, AuditAction::Read, ObjectKind::Patient, patients).await?;
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            Ok(BoardRow {
                prescription: PrescriptionId::from_uuid(r.0),
                code: r.1,
                patient: PatientId::from_uuid(r.2),
                given_name: open(r.2, "given_name", &r.3)?,
                family_name: open(r.2, "family_name", &r.4)?,
                urgency: r.5,
                issued_at: r.6,
                referral: r.7.map(ReferralId::from_uuid),
                case: r.8.map(CaseId::from_uuid),
                state: r.9,
                closing_reason: r.10,
                link_facility: r.11.map(OrganisationId::from_uuid),
                updated_at: r.12.unwrap_or(r.6),
                concern: r.13.zip(r.14),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(BoardPage { rows, more })
}
