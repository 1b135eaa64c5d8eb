//! The side-by-side directory search benchmark (BENCHMARKS.md, "side by side"): the same 100
//! queries as `search_bench` (`bench_queries`), run in one process against
//!
//! - Lotse's own in-process engine (`lotse-search`, through `DirectoryIndex::search`);
//! - SQLite FTS5 (`unicode61 remove_diacritics 2`) plus an R*Tree over the offers' points and
//!   plain tables for the facets, in a scratch file;
//! - PostgreSQL full-text search (a `tsvector` per offer in the text search configuration of
//!   each text's language, a GIN index) plus `cube`/`earthdistance` (a GiST index on the
//!   point) and facets as GIN-indexed arrays, in a scratch database on the given server.
//!
//! It reads the offers of both demo programmes from a seeded demo database (only reading it),
//! builds Lotse's index as `search_bench` does, and loads the same listed (published, active)
//! offers with the same text (titles, descriptions, translations, provider, area, address) into
//! the two SQL engines. It warms each engine up once, then times ROUNDS rounds (each engine on
//! one connection, one query at a time), and prints p50/p99/max per engine and the ratios to
//! `lotse-search`. Every engine answers the top 20 and the number of matches; `lotse-search` is
//! also timed with its eight facet counts (as `search_bench` does), which the others do not
//! compute. Then it compares the answers: matches per query, the overlap of the top 10 and top
//! 20 between each pair, and the queries where they disagree most, with example offers.
//!
//! Run it through `scripts/bench-compare.sh`; never in CI.
//!
//! Usage: `compare_bench SQLITE_DEMO_URL POSTGRES_SERVER_URL [ROUNDS]`.

#![allow(clippy::indexing_slicing, reason = "a benchmark over fixed, non-empty lists")]
#![allow(clippy::too_many_lines, reason = "a benchmark's main reads top to bottom")]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "small counts, keys and facet positions"
)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Instant;

use lotse_app::offer_search::{DirectoryIndex, Listing, Origin, SearchRequest};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory, OfferStatus};
use lotse_store::{DatabaseUrl, Db};
use sqlx::Row as _;
use time::Weekday;

/// The server's allocator (`lotse-cli`), as in `search_bench`.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "shared/bench_queries.rs"]
mod bench_queries;

/// The radius of the sphere `lotse-search` measures on (`lotse_search::EARTH_RADIUS_M`); the
/// SQL engines are given the same.
const EARTH_RADIUS_M: f64 = lotse_search::EARTH_RADIUS_M;
/// Results per page.
const TOP: usize = 20;

/// A listed offer as the SQL engines get it.
struct Doc {
    key: i32,
    programme: i16,
    /// (language tag, title, description): the offer's own, then its translations.
    texts: Vec<(String, String, String)>,
    /// Provider, area and address, in no language.
    extra: String,
    category: i16,
    cost: i16,
    point: Option<(f64, f64)>,
    needs: Vec<i16>,
    languages: Vec<String>,
    access: Vec<i16>,
    slots: Vec<i16>,
    /// For the analysis: a full offer, which `lotse-search` ranks lower.
    full: bool,
}

impl Doc {
    fn all_text(&self) -> String {
        let mut s = String::new();
        for (_, t, d) in &self.texts {
            let _ = write!(s, "{t}\n{d}\n");
        }
        s.push_str(&self.extra);
        s
    }
}

fn position<T: PartialEq>(all: &[T], x: &T) -> i16 {
    all.iter().position(|a| a == x).unwrap_or(0) as i16
}

fn weekdays() -> [Weekday; 7] {
    [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
}

/// A weekly slot as `offer_search` numbers it: weekday from Monday × 3 + part of the day.
fn slot(day: Weekday, part: DayPart) -> i16 {
    i16::from(day.number_days_from_monday()) * 3 + position(DayPart::ALL, &part)
}

fn doc(key: i32, programme: i16, l: &Listing) -> Doc {
    let o = &l.offer;
    let mut texts = vec![(o.language.clone(), o.title.clone(), o.description.clone())];
    texts.extend(
        o.translations
            .iter()
            .map(|t| (t.language.clone(), t.title.clone(), t.description.clone())),
    );
    let mut extra = l.provider_name.clone();
    if let Some(a) = &l.area_name {
        extra.push('\n');
        extra.push_str(a);
    }
    if let Some(a) = &o.address {
        let _ = write!(extra, "\n{} {} {}", a.street, a.postcode, a.city);
    }
    let mut slots: Vec<i16> = o
        .schedule
        .iter()
        .flat_map(|s| s.day_parts().map(move |p| slot(s.weekday, p)))
        .collect();
    slots.sort_unstable();
    slots.dedup();
    Doc {
        key,
        programme,
        texts,
        extra,
        category: position(OfferCategory::ALL, &o.category),
        cost: position(CostKind::ALL, &o.cost.kind),
        point: o.location.map(|p| (p.lat(), p.lon())),
        needs: o.need_domains.iter().map(|n| position(&NeedDomain::ALL, n)).collect(),
        languages: o.languages.clone(),
        access: o
            .accessibility
            .iter()
            .map(|f| position(AccessibilityFeature::ALL, f))
            .collect(),
        slots,
        full: o.capacity.is_full(),
    }
}

/// A query as the SQL engines get it: the filters of a [`SearchRequest`] with the same
/// semantics as `offer_search` (needs, categories, languages, day parts: any of; accessibility:
/// every one; cost: at most).
struct SqlQuery {
    programme: i16,
    words: Vec<String>,
    lat: f64,
    lon: f64,
    radius_m: f64,
    needs: Vec<i16>,
    categories: Vec<i16>,
    languages: Vec<String>,
    access: Vec<i16>,
    costs: Vec<i16>,
    slots: Vec<i16>,
}

fn sql_query(
    programme: i16,
    index: &DirectoryIndex,
    r: &SearchRequest,
) -> Result<SqlQuery, Box<dyn std::error::Error>> {
    let Some(Origin::Postcode(code)) = &r.origin else {
        return Err("the benchmark's queries measure from a postcode".into());
    };
    let origin = index.postcode_point(code)?;
    let slots = if r.weekdays.is_empty() && r.day_parts.is_empty() {
        Vec::new()
    } else {
        let days: Vec<Weekday> = if r.weekdays.is_empty() {
            weekdays().to_vec()
        } else {
            r.weekdays.clone()
        };
        let parts: Vec<DayPart> = if r.day_parts.is_empty() {
            DayPart::ALL.to_vec()
        } else {
            r.day_parts.clone()
        };
        days.iter().flat_map(|d| parts.iter().map(|p| slot(*d, *p))).collect()
    };
    Ok(SqlQuery {
        programme,
        words: r
            .text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect(),
        lat: origin.lat(),
        lon: origin.lon(),
        radius_m: f64::from(r.radius_m.unwrap_or(0)),
        needs: r.needs.iter().map(|n| position(&NeedDomain::ALL, n)).collect(),
        categories: r.categories.iter().map(|c| position(OfferCategory::ALL, c)).collect(),
        languages: r.languages.clone(),
        access: r
            .accessibility
            .iter()
            .map(|f| position(AccessibilityFeature::ALL, f))
            .collect(),
        costs: r.max_cost.map_or_else(Vec::new, |max| {
            CostKind::ALL
                .iter()
                .filter(|c| **c <= max)
                .map(|c| position(CostKind::ALL, c))
                .collect()
        }),
        slots,
    })
}

impl SqlQuery {
    /// Half the sides of the circle's bounding box in degrees (a little wider, as the R*Tree
    /// keeps 32-bit floats rounded outwards).
    fn box_half_sides(&self) -> (f64, f64) {
        let dlat = (self.radius_m / EARTH_RADIUS_M).to_degrees() * 1.001;
        (dlat, dlat / self.lat.to_radians().cos().max(0.01))
    }
}

fn unit_vector(lat: f64, lon: f64) -> (f64, f64, f64) {
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    (lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin())
}

fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

// ---------------------------------------------------------------------------------------------
// SQLite FTS5 + R*Tree

const SQLITE_SCHEMA: &[&str] = &[
    "CREATE TABLE offer (key INTEGER PRIMARY KEY, programme INTEGER NOT NULL, category INTEGER NOT NULL,
        cost INTEGER NOT NULL, x REAL, y REAL, z REAL)",
    "CREATE VIRTUAL TABLE offer_text USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2',
        prefix = '3 4')",
    "CREATE VIRTUAL TABLE offer_point USING rtree(key, min_lat, max_lat, min_lon, max_lon)",
    "CREATE TABLE offer_need (key INTEGER NOT NULL, need INTEGER NOT NULL, PRIMARY KEY (key, need)) WITHOUT ROWID",
    "CREATE TABLE offer_language (key INTEGER NOT NULL, language TEXT NOT NULL, PRIMARY KEY (key, language))
        WITHOUT ROWID",
    "CREATE TABLE offer_access (key INTEGER NOT NULL, feature INTEGER NOT NULL, PRIMARY KEY (key, feature))
        WITHOUT ROWID",
    "CREATE TABLE offer_slot (key INTEGER NOT NULL, slot INTEGER NOT NULL, PRIMARY KEY (key, slot)) WITHOUT ROWID",
];

async fn sqlite_load(pool: &sqlx::SqlitePool, docs: &[&Doc]) -> Result<(), sqlx::Error> {
    for s in SQLITE_SCHEMA {
        sqlx::query(s).execute(pool).await?;
    }
    let mut tx = pool.begin().await?;
    for d in docs {
        let xyz = d.point.map(|(lat, lon)| unit_vector(lat, lon));
        sqlx::query("INSERT INTO offer VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(d.key)
            .bind(d.programme)
            .bind(d.category)
            .bind(d.cost)
            .bind(xyz.map(|v| v.0))
            .bind(xyz.map(|v| v.1))
            .bind(xyz.map(|v| v.2))
            .execute(&mut *tx)
            .await?;
        let titles: Vec<&str> = d.texts.iter().map(|t| t.1.as_str()).collect();
        let mut body: Vec<&str> = d.texts.iter().map(|t| t.2.as_str()).collect();
        body.push(&d.extra);
        sqlx::query("INSERT INTO offer_text (rowid, title, body) VALUES (?, ?, ?)")
            .bind(d.key)
            .bind(titles.join("\n"))
            .bind(body.join("\n"))
            .execute(&mut *tx)
            .await?;
        if let Some((lat, lon)) = d.point {
            sqlx::query("INSERT INTO offer_point VALUES (?, ?, ?, ?, ?)")
                .bind(d.key)
                .bind(lat)
                .bind(lat)
                .bind(lon)
                .bind(lon)
                .execute(&mut *tx)
                .await?;
        }
        for (table, values) in [
            ("offer_need", &d.needs),
            ("offer_access", &d.access),
            ("offer_slot", &d.slots),
        ] {
            for v in values {
                sqlx::query(&format!("INSERT OR IGNORE INTO {table} VALUES (?, ?)"))
                    .bind(d.key)
                    .bind(v)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for l in &d.languages {
            sqlx::query("INSERT OR IGNORE INTO offer_language VALUES (?, ?)")
                .bind(d.key)
                .bind(l)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    sqlx::query("INSERT INTO offer_text (offer_text) VALUES ('optimize')")
        .execute(pool)
        .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The SQL of one query on SQLite; the binds in order are [`sqlite_binds`].
fn sqlite_sql(q: &SqlQuery) -> String {
    let mut sql = String::from(
        "WITH matching AS MATERIALIZED (SELECT o.key, bm25(offer_text, 2.0, 1.0) AS rank
         FROM offer_text
         JOIN offer o ON o.key = offer_text.rowid
         JOIN offer_point p ON p.key = offer_text.rowid
         WHERE offer_text MATCH ? AND o.programme = ?
           AND p.min_lat <= ? AND p.max_lat >= ? AND p.min_lon <= ? AND p.max_lon >= ?
           AND o.x * ? + o.y * ? + o.z * ? >= ?",
    );
    if !q.needs.is_empty() {
        let _ = write!(
            sql,
            " AND EXISTS (SELECT 1 FROM offer_need n WHERE n.key = o.key AND n.need IN ({}))",
            placeholders(q.needs.len())
        );
    }
    if !q.categories.is_empty() {
        let _ = write!(sql, " AND o.category IN ({})", placeholders(q.categories.len()));
    }
    if !q.languages.is_empty() {
        let _ = write!(
            sql,
            " AND EXISTS (SELECT 1 FROM offer_language l WHERE l.key = o.key AND l.language IN ({}))",
            placeholders(q.languages.len())
        );
    }
    for _ in &q.access {
        sql.push_str(" AND EXISTS (SELECT 1 FROM offer_access a WHERE a.key = o.key AND a.feature = ?)");
    }
    if !q.costs.is_empty() {
        let _ = write!(sql, " AND o.cost IN ({})", placeholders(q.costs.len()));
    }
    if !q.slots.is_empty() {
        let _ = write!(
            sql,
            " AND EXISTS (SELECT 1 FROM offer_slot s WHERE s.key = o.key AND s.slot IN ({}))",
            placeholders(q.slots.len())
        );
    }
    // FTS5's rank function cannot be read beside a window function, hence the CTE.
    sql.push_str(") SELECT key, count(*) OVER () AS total FROM matching ORDER BY rank, key LIMIT ?");
    sql
}

/// The FTS5 query: every word (AND), each a quoted string, the last one also as a prefix (as
/// `lotse-search` matches the last word as a prefix from 3 chars).
fn fts5_match(words: &[String]) -> String {
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let quoted = format!("\"{}\"", w.replace('"', "\"\""));
            if i + 1 == n && w.chars().count() >= lotse_search::MIN_PREFIX_CHARS {
                format!("{quoted}*")
            } else {
                quoted
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn sqlite_search(
    pool: &sqlx::SqlitePool,
    sql: &str,
    q: &SqlQuery,
    limit: i64,
) -> Result<(Vec<i32>, usize), sqlx::Error> {
    // The bounding box of the circle (a little wider: the R*Tree keeps 32-bit floats, rounded
    // outwards), then the exact check: the angle between the unit vectors is at most r / R.
    let (dlat, dlon) = q.box_half_sides();
    let (x, y, z) = unit_vector(q.lat, q.lon);
    let mut query = sqlx::query(sql)
        .bind(fts5_match(&q.words))
        .bind(q.programme)
        .bind(q.lat + dlat)
        .bind(q.lat - dlat)
        .bind(q.lon + dlon)
        .bind(q.lon - dlon)
        .bind(x)
        .bind(y)
        .bind(z)
        .bind((q.radius_m / EARTH_RADIUS_M).cos());
    for v in &q.needs {
        query = query.bind(v);
    }
    for v in &q.categories {
        query = query.bind(v);
    }
    for v in &q.languages {
        query = query.bind(v);
    }
    for v in &q.access {
        query = query.bind(v);
    }
    for v in &q.costs {
        query = query.bind(v);
    }
    for v in &q.slots {
        query = query.bind(v);
    }
    let rows = query.bind(limit).fetch_all(pool).await?;
    let total = rows.first().map_or(Ok(0), |r| r.try_get::<i64, _>(1))?;
    let keys = rows.iter().map(|r| r.try_get::<i32, _>(0)).collect::<Result<_, _>>()?;
    Ok((keys, total as usize))
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL full-text search + earthdistance

/// The text search configuration of a language tag.
fn pg_config(tag: &str) -> &'static str {
    match tag {
        "de" => "german",
        "da" => "danish",
        "en" => "english",
        _ => "simple",
    }
}

/// The configurations a query's words are analysed in: every one the documents use.
const PG_CONFIGS: [&str; 4] = ["german", "danish", "english", "simple"];

const PG_SCHEMA: &[&str] = &[
    "CREATE EXTENSION cube",
    "CREATE EXTENSION earthdistance",
    // The same sphere as lotse-search (earthdistance's default is 6,378,168 m); its
    // documentation names earth() as the place to change the radius.
    "CREATE OR REPLACE FUNCTION earth() RETURNS float8 LANGUAGE SQL IMMUTABLE PARALLEL SAFE
        AS 'SELECT 6371008.8::float8'",
    "CREATE AGGREGATE tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')",
    "CREATE TABLE offer (key int PRIMARY KEY, programme smallint NOT NULL, category smallint NOT NULL,
        cost smallint NOT NULL, lat float8, lon float8, needs smallint[] NOT NULL,
        languages text[] NOT NULL, access smallint[] NOT NULL, slots smallint[] NOT NULL, tsv tsvector)",
    "CREATE TABLE offer_text_part (key int NOT NULL, config regconfig NOT NULL, weight \"char\" NOT NULL,
        body text NOT NULL)",
];

const PG_INDEXES: &[&str] = &[
    "UPDATE offer o SET tsv = t.tsv FROM (SELECT key, tsvector_agg(setweight(to_tsvector(config, body), weight)) AS tsv
        FROM offer_text_part GROUP BY key) t WHERE o.key = t.key",
    "CREATE INDEX offer_tsv ON offer USING gin (tsv)",
    // A bounding box on B-tree-indexed coordinates, then the exact check with earth_distance. (A
    // GiST index on ll_to_earth(lat, lon) with earth_box was tried first: the planner, which has
    // no statistics for cube containment, then estimated 9 rows in the box where thousands were
    // and scanned the box instead of the words' matches.)
    "CREATE INDEX offer_place ON offer (programme, lat, lon)",
    "CREATE INDEX offer_needs ON offer USING gin (needs)",
    "CREATE INDEX offer_languages ON offer USING gin (languages)",
    "CREATE INDEX offer_access ON offer USING gin (access)",
    "CREATE INDEX offer_slots ON offer USING gin (slots)",
    "VACUUM ANALYZE offer",
];

fn pg_array<T: ToString>(values: &[T]) -> String {
    format!(
        "{{{}}}",
        values.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
    )
}

async fn pg_load(pool: &sqlx::PgPool, docs: &[&Doc]) -> Result<(), sqlx::Error> {
    for s in PG_SCHEMA {
        sqlx::query(s).execute(pool).await?;
    }
    for chunk in docs.chunks(5000) {
        let mut text: (Vec<i32>, Vec<&str>, Vec<&str>, Vec<String>) = Default::default();
        for d in chunk {
            for (lang, title, description) in &d.texts {
                for (weight, body) in [("A", title), ("B", description)] {
                    text.0.push(d.key);
                    text.1.push(pg_config(lang));
                    text.2.push(weight);
                    text.3.push(body.clone());
                }
            }
            text.0.push(d.key);
            text.1.push("simple");
            text.2.push("B");
            text.3.push(d.extra.clone());
        }
        sqlx::query(
            "INSERT INTO offer SELECT k, p, c, co, la, lo, n::smallint[], l::text[], a::smallint[], s::smallint[]
             FROM UNNEST($1::int[], $2::smallint[], $3::smallint[], $4::smallint[], $5::float8[], $6::float8[],
                         $7::text[], $8::text[], $9::text[], $10::text[]) AS t(k, p, c, co, la, lo, n, l, a, s)",
        )
        .bind(chunk.iter().map(|d| d.key).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| d.programme).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| d.category).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| d.cost).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| d.point.map(|p| p.0)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| d.point.map(|p| p.1)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| pg_array(&d.needs)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| pg_array(&d.languages)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| pg_array(&d.access)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|d| pg_array(&d.slots)).collect::<Vec<_>>())
        .execute(pool)
        .await?;
        sqlx::query(
            "INSERT INTO offer_text_part SELECT k, c::regconfig, w::\"char\", b
             FROM UNNEST($1::int[], $2::text[], $3::text[], $4::text[]) AS t(k, c, w, b)",
        )
        .bind(text.0)
        .bind(text.1)
        .bind(text.2)
        .bind(text.3)
        .execute(pool)
        .await?;
    }
    for s in PG_INDEXES {
        sqlx::query(s).execute(pool).await?;
    }
    Ok(())
}

/// The SQL of one query on PostgreSQL. The words, as `to_tsquery` input (AND, the last one a
/// prefix), are analysed in every configuration the documents use, and the results ORed: the
/// query's language is not known, as in `lotse-search`, which stems the query in every language.
fn pg_sql(q: &SqlQuery) -> String {
    let tsquery = PG_CONFIGS
        .iter()
        .map(|c| format!("to_tsquery('{c}', $1)"))
        .collect::<Vec<_>>()
        .join(" || ");
    let mut sql = format!(
        "SELECT key, count(*) OVER () AS total
         FROM offer, (SELECT {tsquery}) AS q(q)
         WHERE tsv @@ q AND programme = $2
           AND lat BETWEEN $13 AND $14 AND lon BETWEEN $15 AND $16
           AND earth_distance(ll_to_earth($3, $4), ll_to_earth(lat, lon)) <= $5"
    );
    if !q.needs.is_empty() {
        sql.push_str(" AND needs && $6");
    }
    if !q.categories.is_empty() {
        sql.push_str(" AND category = ANY($7)");
    }
    if !q.languages.is_empty() {
        sql.push_str(" AND languages && $8");
    }
    if !q.access.is_empty() {
        sql.push_str(" AND access @> $9");
    }
    if !q.costs.is_empty() {
        sql.push_str(" AND cost = ANY($10)");
    }
    if !q.slots.is_empty() {
        sql.push_str(" AND slots && $11");
    }
    sql.push_str(" ORDER BY ts_rank_cd(tsv, q) DESC, key LIMIT $12");
    sql
}

fn pg_tsquery(words: &[String]) -> String {
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i + 1 == n && w.chars().count() >= lotse_search::MIN_PREFIX_CHARS {
                format!("{w}:*")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

async fn pg_search(
    pool: &sqlx::PgPool,
    sql: &str,
    q: &SqlQuery,
    limit: Option<i64>,
) -> Result<(Vec<i32>, usize), sqlx::Error> {
    let (dlat, dlon) = q.box_half_sides();
    let rows = sqlx::query(sql)
        .bind(pg_tsquery(&q.words))
        .bind(q.programme)
        .bind(q.lat)
        .bind(q.lon)
        .bind(q.radius_m)
        .bind(&q.needs)
        .bind(&q.categories)
        .bind(&q.languages)
        .bind(&q.access)
        .bind(&q.costs)
        .bind(&q.slots)
        .bind(limit)
        .bind(q.lat - dlat)
        .bind(q.lat + dlat)
        .bind(q.lon - dlon)
        .bind(q.lon + dlon)
        .fetch_all(pool)
        .await?;
    let total = rows.first().map_or(Ok(0), |r| r.try_get::<i64, _>(1))?;
    let keys = rows.iter().map(|r| r.try_get::<i32, _>(0)).collect::<Result<_, _>>()?;
    Ok((keys, total as usize))
}

// ---------------------------------------------------------------------------------------------
// Running and comparing

struct Case {
    slug: &'static str,
    request: SearchRequest,
    sql: SqlQuery,
    sqlite_sql: String,
    pg_sql: String,
}

fn lotse_keys(
    index: &DirectoryIndex,
    offset: i32,
    ids: &HashMap<lotse_domain::id::OfferId, i32>,
    r: &SearchRequest,
) -> Result<(Vec<i32>, usize), Box<dyn std::error::Error>> {
    let answer = index.search(r)?;
    let keys = answer
        .matches
        .iter()
        .map(|m| {
            ids.get(&m.listing.offer.id)
                .map(|k| k + offset)
                .ok_or("an offer not indexed")
        })
        .collect::<Result<_, _>>()?;
    Ok((keys, answer.total))
}

/// Every match of `lotse-search`, in its order (pages of 100).
fn lotse_all(
    index: &DirectoryIndex,
    offset: i32,
    ids: &HashMap<lotse_domain::id::OfferId, i32>,
    r: &SearchRequest,
) -> Result<Vec<i32>, Box<dyn std::error::Error>> {
    let mut all = Vec::new();
    loop {
        let page = SearchRequest {
            window: Some((all.len(), 100)),
            without_facet_counts: true,
            ..r.clone()
        };
        let (keys, total) = lotse_keys(index, offset, ids, &page)?;
        let done = keys.is_empty() || all.len() + keys.len() >= total;
        all.extend(keys);
        if done {
            return Ok(all);
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn overlap(a: &[i32], b: &[i32], k: usize) -> (usize, usize) {
    let a: HashSet<i32> = a.iter().take(k).copied().collect();
    let b: HashSet<i32> = b.iter().take(k).copied().collect();
    (a.intersection(&b).count(), a.len().max(b.len()))
}

/// The words of a text (split as `lotse-search` splits), lowercased.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Optimal string alignment distance, for naming the word of an offer closest to the query.
fn osa(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// How an offer's text relates to a one-word query, by `lotse-search`'s variants: the word of
/// the offer that explains it, and the kind of relation (the stem and typo kinds are guessed
/// from the spelling: a shared start of at least 4 folded letters counts as a stem, else one
/// or two edits as a typo).
fn explain(doc: &Doc, word: &str) -> (&'static str, String) {
    let word = word.to_lowercase();
    let folded = lotse_search::fold(&word);
    let words = tokens(&doc.all_text());
    if let Some(w) = words.iter().find(|w| **w == word) {
        return ("the same word", w.clone());
    }
    if let Some(w) = words.iter().find(|w| w.starts_with(&word)) {
        return ("a word it begins", w.clone());
    }
    if let Some(w) = words.iter().find(|w| lotse_search::fold(w) == folded) {
        return ("the same word after folding", w.clone());
    }
    if let Some(w) = words.iter().find(|w| lotse_search::fold(w).starts_with(&folded)) {
        return ("a word it begins after folding", w.clone());
    }
    let shared = |w: &String| {
        lotse_search::fold(w)
            .chars()
            .zip(folded.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    if let Some(w) = words.iter().filter(|w| shared(w) >= 4).max_by_key(|w| shared(w)) {
        return ("a word of the same or a related stem", w.clone());
    }
    let limit = if folded.chars().count() >= 9 { 2 } else { 1 };
    if let Some(w) = words
        .iter()
        .filter(|w| osa(&lotse_search::fold(w), &folded) <= limit)
        .min_by_key(|w| osa(&lotse_search::fold(w), &folded))
    {
        return ("a word one or two typos away", w.clone());
    }
    ("none of these", String::new())
}

/// The lexemes of an offer's `tsvector` that the query matches in PostgreSQL.
async fn pg_lexemes(pool: &sqlx::PgPool, key: i32, words: &[String]) -> Result<String, sqlx::Error> {
    let tsquery = PG_CONFIGS
        .iter()
        .map(|c| format!("to_tsquery('{c}', $2)"))
        .collect::<Vec<_>>()
        .join(" || ");
    sqlx::query_scalar(&format!(
        "SELECT coalesce(string_agg(u.lexeme, ' '), '') FROM offer, unnest(tsv) u
         WHERE key = $1 AND array_to_tsvector(ARRAY[u.lexeme]) @@ ({tsquery})"
    ))
    .bind(key)
    .bind(pg_tsquery(words))
    .fetch_one(pool)
    .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: compare_bench SQLITE_DEMO_URL POSTGRES_SERVER_URL [ROUNDS]";
    let demo_url = args.next().ok_or(usage)?;
    let pg_server = args.next().ok_or(usage)?;
    let rounds: usize = args.next().map_or(Ok(20), |r| r.parse())?;

    // Lotse's index, built as search_bench builds it; its listings are what the others load.
    let db = Db::connect(
        &DatabaseUrl::parse(&demo_url)?,
        lotse_store::db::PoolSettings::default(),
    )
    .await?;
    let today = lotse_app::Clock::now(&lotse_app::SystemClock).date();
    let mut programmes = Vec::new();
    let mut docs = Vec::new();
    let mut cases = Vec::new();
    for (number, (slug, requests)) in bench_queries::programmes().into_iter().enumerate() {
        let programme = number as i16;
        let start = Instant::now();
        let index = lotse_app::directory::index_for(&db, slug, today).await?;
        let offset = docs.len() as i32;
        let mut ids = HashMap::new();
        let mut listed = 0;
        for (k, l) in index.listings().enumerate() {
            let key = k as i32;
            ids.insert(l.offer.id, key);
            if l.offer.published && l.offer.status == OfferStatus::Active {
                listed += 1;
            }
            // Unlisted offers get a key too (so keys line up), but only listed ones are loaded.
            docs.push(
                (l.offer.published && l.offer.status == OfferStatus::Active).then(|| doc(key + offset, programme, l)),
            );
        }
        println!(
            "{slug}: {} offers ({listed} listed) indexed by lotse-search in {:.3} s",
            index.len(),
            start.elapsed().as_secs_f64()
        );
        for r in requests {
            let sql = sql_query(programme, &index, &r)?;
            cases.push(Case {
                slug,
                sqlite_sql: sqlite_sql(&sql),
                pg_sql: pg_sql(&sql),
                sql,
                request: r,
            });
        }
        programmes.push((slug, index, offset, ids));
    }
    db.close().await;
    let by_key: HashMap<i32, &Doc> = docs.iter().flatten().map(|d| (d.key, d)).collect();
    let loaded: Vec<&Doc> = docs.iter().flatten().collect();

    // The scratch SQLite file, removed whatever happens after it is made.
    let sqlite_path = std::env::temp_dir().join(format!("lotse_compare_{}.db", std::process::id()));
    let result = with_scratch_sqlite(&sqlite_path, &pg_server, &programmes, &cases, &by_key, &loaded, rounds).await;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = sqlite_path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    result
}

async fn with_scratch_sqlite(
    sqlite_path: &std::path::Path,
    pg_server: &str,
    programmes: &[Programme],
    cases: &[Case],
    by_key: &HashMap<i32, &Doc>,
    loaded: &[&Doc],
    rounds: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let sqlite = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(sqlite_path)
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Off),
        )
        .await?;
    let start = Instant::now();
    let result = match sqlite_load(&sqlite, loaded).await {
        Ok(()) => {
            println!(
                "SQLite FTS5 + R*Tree: {} offers loaded into {} in {:.1} s",
                loaded.len(),
                sqlite_path.display(),
                start.elapsed().as_secs_f64()
            );
            with_scratch_postgres(pg_server, programmes, cases, by_key, loaded, &sqlite, rounds).await
        }
        Err(e) => Err(e.into()),
    };
    sqlite.close().await;
    result
}

async fn with_scratch_postgres(
    pg_server: &str,
    programmes: &[Programme],
    cases: &[Case],
    by_key: &HashMap<i32, &Doc>,
    loaded: &[&Doc],
    sqlite: &sqlx::SqlitePool,
    rounds: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    // The scratch PostgreSQL database, dropped whatever happens after it is made.
    let scratch = format!("lotse_compare_{}", std::process::id());
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(pg_server)
        .await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {scratch}"))
        .execute(&admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {scratch}"))
        .execute(&admin)
        .await?;
    let result = in_scratch_postgres(pg_server, &scratch, programmes, cases, by_key, loaded, sqlite, rounds).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {scratch}"))
        .execute(&admin)
        .await?;
    admin.close().await;
    result
}

#[expect(clippy::too_many_arguments, reason = "the benchmark's state, passed down once")]
async fn in_scratch_postgres(
    pg_server: &str,
    scratch: &str,
    programmes: &[Programme],
    cases: &[Case],
    by_key: &HashMap<i32, &Doc>,
    loaded: &[&Doc],
    sqlite: &sqlx::SqlitePool,
    rounds: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let pg_options: sqlx::postgres::PgConnectOptions = pg_server.parse()?;
    let pg = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        // Planned for each query's values: a prepared statement's generic plan (chosen after
        // five executions) evaluates the query's `to_tsquery` calls once per row, and cannot
        // weigh how common the words are.
        .connect_with(
            pg_options
                .database(scratch)
                .options([("plan_cache_mode", "force_custom_plan")]),
        )
        .await?;
    let start = Instant::now();
    let result = match pg_load(&pg, loaded).await {
        Ok(()) => {
            println!(
                "PostgreSQL FTS + earthdistance: {} offers loaded into database {scratch} in {:.1} s",
                loaded.len(),
                start.elapsed().as_secs_f64()
            );
            run(programmes, cases, by_key, sqlite, &pg, rounds).await
        }
        Err(e) => Err(e.into()),
    };
    pg.close().await;
    result
}

type Programme = (
    &'static str,
    DirectoryIndex,
    i32,
    HashMap<lotse_domain::id::OfferId, i32>,
);

const ENGINES: [&str; 4] = [
    "lotse-search",
    "lotse-search + 8 facet counts",
    "SQLite FTS5 + R*Tree",
    "PostgreSQL FTS + earthdistance",
];

/// One search by engine `engine` (a position in [`ENGINES`]): the keys of the top 20 (or of
/// every match with `all`) and the number of matches.
async fn search(
    engine: usize,
    programmes: &[Programme],
    c: &Case,
    sqlite: &sqlx::SqlitePool,
    pg: &sqlx::PgPool,
    all: bool,
) -> Result<(Vec<i32>, usize), Box<dyn std::error::Error>> {
    let (_, index, offset, ids) = &programmes[c.sql.programme as usize];
    Ok(match engine {
        0 | 1 if all => {
            let keys = lotse_all(index, *offset, ids, &c.request)?;
            let n = keys.len();
            (keys, n)
        }
        0 => {
            let r = SearchRequest {
                without_facet_counts: true,
                ..c.request.clone()
            };
            lotse_keys(index, *offset, ids, &r)?
        }
        1 => lotse_keys(index, *offset, ids, &c.request)?,
        2 => sqlite_search(sqlite, &c.sqlite_sql, &c.sql, if all { -1 } else { TOP as i64 }).await?,
        _ => pg_search(pg, &c.pg_sql, &c.sql, (!all).then_some(TOP as i64)).await?,
    })
}

fn facets_of(r: &SearchRequest) -> String {
    let mut f = Vec::new();
    if !r.needs.is_empty() {
        f.push("needs");
    }
    if r.max_cost.is_some() {
        f.push("cost");
    }
    if !r.accessibility.is_empty() {
        f.push("step-free");
    }
    if !r.day_parts.is_empty() {
        f.push("pm/evening");
    }
    if !r.categories.is_empty() {
        f.push("categories");
    }
    if !r.languages.is_empty() {
        f.push("languages");
    }
    f.join("+")
}

/// Per pair of engines (lotse-search = 0, SQLite = 1, PostgreSQL = 2).
const PAIRS: [(usize, usize, &str); 3] = [(0, 1, "lotse/SQLite"), (0, 2, "lotse/PG"), (1, 2, "SQLite/PG")];
/// Offers one engine finds and another does not: (finder, other), kind, count, examples.
type Difference = ((usize, usize), &'static str, usize, Vec<String>);

const SHORT: [&str; 3] = ["lotse", "SQLite", "PG"];

async fn run(
    programmes: &[Programme],
    cases: &[Case],
    by_key: &HashMap<i32, &Doc>,
    sqlite: &sqlx::SqlitePool,
    pg: &sqlx::PgPool,
    rounds: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    // Warm-up: every query once on every engine.
    for engine in 0..ENGINES.len() {
        for c in cases {
            std::hint::black_box(search(engine, programmes, c, sqlite, pg, false).await?);
        }
    }
    // Timed rounds; each round runs every engine in turn, so drift of a shared machine spreads
    // over all of them.
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); ENGINES.len()];
    for _ in 0..rounds {
        for (engine, t) in times.iter_mut().enumerate() {
            for c in cases {
                let start = Instant::now();
                let answer = search(engine, programmes, c, sqlite, pg, false).await?;
                t.push(start.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(answer);
            }
        }
    }
    println!();
    println!(
        "{} queries × {rounds} rounds per engine (top {TOP} and the number of matches; one at a time):",
        cases.len()
    );
    println!("| engine | p50 ms | p99 ms | max ms | p50 / lotse-search | p99 / lotse-search |");
    println!("|---|---|---|---|---|---|");
    for t in &mut times {
        t.sort_by(f64::total_cmp);
    }
    let (base50, base99) = (percentile(&times[0], 0.5), percentile(&times[0], 0.99));
    for (name, t) in ENGINES.iter().zip(&times) {
        let (p50, p99) = (percentile(t, 0.5), percentile(t, 0.99));
        println!(
            "| {name} | {p50:.3} | {p99:.3} | {:.3} | {:.1}× | {:.1}× |",
            t.last().copied().unwrap_or(f64::NAN),
            p50 / base50,
            p99 / base99
        );
    }

    // Agreement: every match of each engine, in its order.
    let mut answers: Vec<[Vec<i32>; 3]> = Vec::new();
    for c in cases {
        let l = search(0, programmes, c, sqlite, pg, true).await?.0;
        let s = search(2, programmes, c, sqlite, pg, true).await?.0;
        let p = search(3, programmes, c, sqlite, pg, true).await?.0;
        answers.push([l, s, p]);
    }
    println!();
    println!(
        "Agreement per query: matches found by each engine; overlap of the top 10 and top 20 sets per pair \
         (shared / the larger set)."
    );
    println!(
        "| # | programme | words | filters | matches lotse/SQLite/PG | top 10 lotse∩SQLite, lotse∩PG, SQLite∩PG | top 20 (same) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut sums = [[0usize; 4]; 3];
    let mut identical = [[0usize; 2]; 3];
    let mut same_sets = [0usize; 3];
    let mut worst = Vec::new();
    for (i, (c, a)) in cases.iter().zip(&answers).enumerate() {
        let mut top10 = Vec::new();
        let mut top20 = Vec::new();
        let mut score = 1.0f64;
        for (n, (x, y, _)) in PAIRS.iter().enumerate() {
            let o10 = overlap(&a[*x], &a[*y], 10);
            let o20 = overlap(&a[*x], &a[*y], 20);
            sums[n][0] += o10.0;
            sums[n][1] += o10.1;
            sums[n][2] += o20.0;
            sums[n][3] += o20.1;
            identical[n][0] += usize::from(o10.0 == o10.1);
            identical[n][1] += usize::from(o20.0 == o20.1);
            let sx: HashSet<i32> = a[*x].iter().copied().collect();
            let sy: HashSet<i32> = a[*y].iter().copied().collect();
            same_sets[n] += usize::from(sx == sy);
            top10.push(format!("{}/{}", o10.0, o10.1));
            top20.push(format!("{}/{}", o20.0, o20.1));
            if o20.1 > 0 {
                score = score.min(o20.0 as f64 / o20.1 as f64);
            }
        }
        worst.push((score, i));
        println!(
            "| {} | {} | {} | {} | {}/{}/{} | {} | {} |",
            i + 1,
            c.slug,
            c.request.text,
            facets_of(&c.request),
            a[0].len(),
            a[1].len(),
            a[2].len(),
            top10.join(", "),
            top20.join(", ")
        );
    }
    println!();
    println!(
        "Queries that no engine found anything for: {}; that every engine found the same number of offers for: {}.",
        answers.iter().filter(|a| a.iter().all(Vec::is_empty)).count(),
        answers
            .iter()
            .filter(|a| a[0].len() == a[1].len() && a[1].len() == a[2].len())
            .count()
    );
    println!(
        "| pair | top 10 shared | top 10 identical | top 20 shared | top 20 identical | same set of all matches |"
    );
    println!("|---|---|---|---|---|---|");
    for (n, (_, _, name)) in PAIRS.iter().enumerate() {
        println!(
            "| {name} | {}/{} ({:.0} %) | {} of {} queries | {}/{} ({:.0} %) | {} of {} | {} of {} |",
            sums[n][0],
            sums[n][1],
            100.0 * sums[n][0] as f64 / sums[n][1].max(1) as f64,
            identical[n][0],
            cases.len(),
            sums[n][2],
            sums[n][3],
            100.0 * sums[n][2] as f64 / sums[n][3].max(1) as f64,
            identical[n][1],
            cases.len(),
            same_sets[n],
            cases.len()
        );
    }

    // Why the match sets differ: every offer one engine finds and another does not, by how its
    // text relates to the query's word.
    println!();
    println!("Offers found by one engine and not by another, by how the offer's text relates to the word:");
    let mut kinds: Vec<Difference> = Vec::new();
    for (c, a) in cases.iter().zip(&answers) {
        for x in 0..3 {
            for y in 0..3 {
                if x == y {
                    continue;
                }
                let other: HashSet<i32> = a[y].iter().copied().collect();
                for k in a[x].iter().filter(|k| !other.contains(k)) {
                    let Some(d) = by_key.get(k) else { continue };
                    let (kind, example) = if x == 2 {
                        let lexemes = pg_lexemes(pg, *k, &c.sql.words).await?;
                        let kind = if lexemes.is_empty() {
                            "no lexeme matching (so a filter or the radius differs)"
                        } else {
                            "PostgreSQL lexemes"
                        };
                        (kind, format!("{} → {lexemes}", c.request.text))
                    } else {
                        let (kind, word) = explain(d, &c.request.text);
                        (kind, format!("{} → {word}", c.request.text))
                    };
                    if let Some(e) = kinds.iter_mut().find(|e| e.0 == (x, y) && e.1 == kind) {
                        e.2 += 1;
                        if e.3.len() < 6 && !e.3.contains(&example) {
                            e.3.push(example);
                        }
                    } else {
                        kinds.push(((x, y), kind, 1, vec![example]));
                    }
                }
            }
        }
    }
    kinds.sort_by_key(|e| (e.0, std::cmp::Reverse(e.2)));
    for ((x, y), kind, n, examples) in &kinds {
        println!(
            "- found by {} not {}: {n} × {kind} (e.g. {})",
            SHORT[*x],
            SHORT[*y],
            examples.join("; ")
        );
    }

    // Ranking where the sets agree: the distance and the share of full offers in each top 10.
    println!();
    println!("Top 10 of queries whose match sets agree (lotse vs PG, lotse vs SQLite): mean distance, full offers.");
    for (n, (x, y, name)) in PAIRS.iter().enumerate().take(2) {
        let mut dist = [0.0f64; 2];
        let mut full = [0usize; 2];
        let mut count = [0usize; 2];
        let mut queries = 0;
        for (c, a) in cases.iter().zip(&answers) {
            let sx: HashSet<i32> = a[*x].iter().copied().collect();
            let sy: HashSet<i32> = a[*y].iter().copied().collect();
            if sx != sy || sx.len() <= 10 {
                continue;
            }
            queries += 1;
            for (side, e) in [*x, *y].iter().enumerate() {
                for k in a[*e].iter().take(10) {
                    let Some(d) = by_key.get(k) else { continue };
                    if let Some(p) = d.point {
                        dist[side] += haversine_m((c.sql.lat, c.sql.lon), p);
                    }
                    full[side] += usize::from(d.full);
                    count[side] += 1;
                }
            }
        }
        let _ = n;
        println!(
            "- {name}: {queries} queries with the same set of more than 10 matches; top 10 mean distance {:.0} m vs {:.0} m; full offers {} vs {} of {}",
            dist[0] / count[0].max(1) as f64,
            dist[1] / count[1].max(1) as f64,
            full[0],
            full[1],
            count[0]
        );
    }

    // The queries where the engines disagree most, with examples.
    worst.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    println!();
    println!("The 8 queries where two engines share the smallest part of their top 20:");
    for (score, i) in worst.iter().take(8) {
        let c = &cases[*i];
        let a = &answers[*i];
        println!(
            "- #{} {} \"{}\" ({}): matches {}/{}/{}, worst top-20 overlap {:.0} %",
            i + 1,
            c.slug,
            c.request.text,
            facets_of(&c.request),
            a[0].len(),
            a[1].len(),
            a[2].len(),
            score * 100.0
        );
        for (x, y, _) in PAIRS {
            for (from, to) in [(x, y), (y, x)] {
                let other: HashSet<i32> = a[to].iter().copied().collect();
                let mut only = Vec::new();
                for d in a[from]
                    .iter()
                    .take(TOP)
                    .filter(|k| !other.contains(k))
                    .filter_map(|k| by_key.get(k))
                    .take(3)
                {
                    only.push(if from == 2 {
                        let lexemes = pg_lexemes(pg, d.key, &c.sql.words).await?;
                        format!("{} (PostgreSQL lexemes: {lexemes})", d.texts[0].1)
                    } else {
                        let (kind, word) = explain(d, &c.request.text);
                        format!("{} ({kind}: {word})", d.texts[0].1)
                    });
                }
                if !only.is_empty() {
                    println!(
                        "  - top 20 of {} not matched by {}: {}",
                        SHORT[from],
                        SHORT[to],
                        only.join("; ")
                    );
                }
            }
        }
    }
    Ok(())
}
