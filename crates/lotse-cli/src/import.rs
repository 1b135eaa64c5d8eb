//! Reading import files: one file, or the known files of a directory.

use std::path::Path;

use anyhow::Context;
use lotse_app::area_import::ImportFile;

/// The largest import file read (a whole country's postcodes fit many times over).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

fn read(path: &Path) -> anyhow::Result<ImportFile> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_BYTES {
        anyhow::bail!(
            "{} is {size} bytes; import files may hold at most {MAX_BYTES}",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(ImportFile {
        name: path.display().to_string(),
        bytes,
    })
}

/// `path` itself if it is a file; the files of `known` that a directory holds (at least one).
pub fn read_import_files(path: &Path, known: &[&str]) -> anyhow::Result<Vec<ImportFile>> {
    if !path.is_dir() {
        return Ok(vec![read(path)?]);
    }
    let files: Vec<ImportFile> = known
        .iter()
        .map(|name| path.join(name))
        .filter(|p| p.is_file())
        .map(|p| read(&p))
        .collect::<anyhow::Result<_>>()?;
    if files.is_empty() {
        anyhow::bail!("{} holds none of {}", path.display(), known.join(", "));
    }
    Ok(files)
}

/// The HSDS tables a directory may hold (the tabular data package).
const HSDS_TABLES: [&str; 12] = [
    "services.csv",
    "organizations.csv",
    "service_at_location.csv",
    "locations.csv",
    "addresses.csv",
    "accessibility.csv",
    "schedules.csv",
    "languages.csv",
    "phones.csv",
    "cost_options.csv",
    "attributes.csv",
    "taxonomy_terms.csv",
];

/// An HSDS file, or a directory's `services.json` (an export) or else its tables.
pub fn read_hsds_files(path: &Path) -> anyhow::Result<Vec<ImportFile>> {
    if path.is_dir() && path.join("services.json").is_file() {
        return Ok(vec![read(&path.join("services.json"))?]);
    }
    read_import_files(path, &HSDS_TABLES)
}
