//! What each offer's provider did with the onward referrals sent to it: counts and the median
//! reply time, kept in one row per offer (`offer_answers`, migration 0025) so that building
//! the directory's index reads one row per offer, not every onward referral. Whoever writes
//! onward referrals calls [`refresh`] for their offers in the same transaction (today
//! `referral::insert_onward_many`, `referral::apply_onward` and `apply_onward_many`; by
//! convention, as for the reply times of migration 0023).

use std::collections::HashMap;

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::OfferId;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// How an offer's provider has answered the onward referrals sent to it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnswerStats {
    /// Onward referrals sent to the provider that it answered (acknowledged, declined, or
    /// recorded attendance).
    pub answered: u32,
    /// Of those, the ones it took (everything but a decline).
    pub taken: u32,
    /// Sent ones that lapsed without an answer.
    pub lapsed: u32,
    /// Median days from sending to the first answer, over the answered ones.
    pub median_reply_days: Option<f64>,
}

/// The statement that computes the figures of the offers `only` selects, with `days` the
/// engine's days between `sent_at` and `answered_at`: the same as migration 0025's, which
/// selects every offer (a test runs both and compares them with the events).
fn statement(days: &str, only: &str) -> String {
    format!(
        "insert into offer_answers (programme_key, offer_id, answered, taken, lapsed, median_reply_days) \
         select c.programme_key, c.offer_id, c.answered, c.taken, c.lapsed, m.median \
         from (select programme_key, offer_id, \
                 count(*) filter (where state in ('acknowledged', 'attending', 'ended', 'did_not_attend', 'declined_by_provider')) as answered, \
                 count(*) filter (where state in ('acknowledged', 'attending', 'ended', 'did_not_attend')) as taken, \
                 count(*) filter (where state = 'lapsed') as lapsed \
               from onward_referral where {only} \
               group by programme_key, offer_id) c \
         left join (select programme_key, offer_id, avg(days) as median \
                    from (select programme_key, offer_id, {days} as days, \
                            row_number() over (partition by programme_key, offer_id order by {days}) as i, \
                            count(*) over (partition by programme_key, offer_id) as n \
                          from onward_referral where {only} and sent_at is not null and answered_at is not null) r \
                    where i in ((n + 1) / 2, (n + 2) / 2) \
                    group by programme_key, offer_id) m \
           on m.programme_key = c.programme_key and m.offer_id = c.offer_id \
         where c.answered + c.lapsed > 0 or m.median is not null"
    )
}

/// Computes the figures of these offers again from their onward referrals.
pub(crate) async fn refresh(tx: &mut Tx, key: i64, offers: &[Uuid]) -> StoreResult<()> {
    let mut offers = offers.to_vec();
    offers.sort_unstable();
    offers.dedup();
    let (days, only) = match tx {
        Tx::Sqlite(_) => (
            "julianday(answered_at) - julianday(sent_at)",
            "programme_key = $1 and offer_id in (select unhex(value) from json_each($2))",
        ),
        Tx::Postgres(_) => (
            "extract(epoch from answered_at - sent_at) / 86400.0",
            "programme_key = $1 and offer_id in (select x::uuid from jsonb_array_elements_text($2) x)",
        ),
    };
    let delete = format!("delete from offer_answers where {only}");
    let insert = statement(days, only);
    for chunk in offers.chunks(5000) {
        let listed = Json::Array(chunk.iter().map(|o| Json::String(o.simple().to_string())).collect());
        for sql in [&delete, &insert] {
            on_conn!(tx, c => sqlx::query(sql).bind(key).bind(&listed).execute(c).await.map(|_| ()))?;
        }
    }
    Ok(())
}

/// Answer statistics per offer of the scope's programme (offers never sent to are left out).
pub async fn answer_stats(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<HashMap<OfferId, AnswerStats>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(Uuid, i64, i64, i64, Option<f64>)> = on_conn!(tx, c => sqlx::query_as(
        "select offer_id, answered, taken, lapsed, median_reply_days from offer_answers where programme_key = $1",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(rows
        .into_iter()
        .map(|(offer, answered, taken, lapsed, median)| {
            (
                OfferId::from_uuid(offer),
                AnswerStats {
                    answered: count(answered),
                    taken: count(taken),
                    lapsed: count(lapsed),
                    median_reply_days: median,
                },
            )
        })
        .collect())
}
