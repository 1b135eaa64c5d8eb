//! `lotse export hsds DIR`: a programme's published offers as HSDS 3.0 JSON, in a stable form
//! (every list in id order, every service fully nested), so that exporting, importing the files
//! into an empty programme with the same areas, and exporting again gives the same bytes.

use lotse_domain::actor::SystemJob;
use lotse_domain::programme::ProgrammeSlug;
use time::Date;

use super::Labels;
use super::map::{self, Context, Nesting};
use super::model::{Organization, Service, Taxonomy, TaxonomyTerm};
use super::taxonomy::{Term, Vocabulary};
use crate::directory::DirectoryError;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;
use crate::offer_search::DirectoryIndex;

/// A programme's directory as HSDS objects.
#[derive(Debug, Clone, PartialEq)]
pub struct HsdsExport {
    /// Published offers (any status), fully nested, by id.
    pub services: Vec<Service>,
    /// Their providers, by id.
    pub organizations: Vec<Organization>,
    /// The four vocabularies.
    pub taxonomies: Vec<Taxonomy>,
    /// Their terms.
    pub taxonomy_terms: Vec<TaxonomyTerm>,
}

fn pretty<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(value).map(|s| s + "\n")
}

impl HsdsExport {
    /// The files of an export: (file name, content), pretty JSON, one array per file.
    pub fn files(&self) -> Result<Vec<(&'static str, String)>, serde_json::Error> {
        Ok(vec![
            ("services.json", pretty(&self.services)?),
            ("organizations.json", pretty(&self.organizations)?),
            ("taxonomies.json", pretty(&self.taxonomies)?),
            ("taxonomy_terms.json", pretty(&self.taxonomy_terms)?),
        ])
    }
}

/// Exports a programme's published offers (drafts stay out; statuses are kept).
pub async fn export(
    db: &impl Handle,
    programme: &str,
    today: Date,
    labels: &dyn Labels,
) -> Result<HsdsExport, DirectoryError> {
    let slug = ProgrammeSlug::parse(programme).map_err(|_| DirectoryError::NotFound)?;
    let store = handle::store(db);
    let programme = lotse_store::programme::find_by_slug(store, &slug)
        .await?
        .ok_or(DirectoryError::NotFound)?;
    let scope = JobToken::start_job(SystemJob::PublicDirectory).scope(programme.id);
    let index = DirectoryIndex::build(store, &scope, today).await?;
    let (country, currency) = map::country_and_currency(&programme.time_zone);
    let ctx = Context {
        country,
        currency,
        labels,
    };
    let mut listings: Vec<_> = index.listings().filter(|l| l.offer.published).collect();
    listings.sort_by_key(|l| l.offer.id.as_uuid());
    let services = listings.iter().map(|l| map::service(l, ctx, Nesting::Full)).collect();
    let mut organizations: Vec<Organization> = listings.iter().map(|l| map::organization(l)).collect();
    organizations.sort_by_key(|o| o.id);
    organizations.dedup_by_key(|o| o.id);
    Ok(HsdsExport {
        services,
        organizations,
        taxonomies: Vocabulary::ALL.iter().map(|v| v.taxonomy(labels)).collect(),
        taxonomy_terms: Term::all().into_iter().map(|t| t.taxonomy_term(labels)).collect(),
    })
}
