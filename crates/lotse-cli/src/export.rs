//! Writing exports to an output directory: one CSV per table and a data dictionary. Files are
//! written to a hidden sibling directory first and renamed into place, so an interrupted export
//! leaves no half-written directory behind.

use std::path::{Path, PathBuf};

use anyhow::Context;
use lotse_app::research_export::ResearchExport;
use serde::Serialize;

const DICTIONARY: &str = include_str!("research_dictionary.md");

fn write_table<T: Serialize>(dir: &Path, name: &str, rows: &[T], header: &[&str]) -> anyhow::Result<()> {
    let path = dir.join(name);
    let mut writer = csv::Writer::from_path(&path).with_context(|| format!("cannot create {}", path.display()))?;
    if rows.is_empty() {
        writer.write_record(header)?;
    }
    for row in rows {
        writer.serialize(row)?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes the HSDS export's files into `dir`, which must not exist yet.
pub fn write_hsds(dir: &Path, files: &[(&str, String)]) -> anyhow::Result<()> {
    write_dir(dir, |staging| {
        for (name, content) in files {
            let path = staging.join(name);
            std::fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    })
}

/// Writes the research export into `dir`, which must not exist yet.
pub fn write_research(dir: &Path, export: &ResearchExport) -> anyhow::Result<()> {
    write_dir(dir, |staging| {
        write_table(
            staging,
            "people.csv",
            &export.people,
            &["pseudonym", "age_band", "gender", "language"],
        )?;
        write_table(
            staging,
            "referrals.csv",
            &export.referrals,
            &[
                "pseudonym",
                "source",
                "state",
                "closing_reason",
                "issued_on",
                "updated_on",
            ],
        )?;
        write_table(
            staging,
            "questionnaire_responses.csv",
            &export.responses,
            &["pseudonym", "instrument", "timepoint", "answers", "answered_on"],
        )?;
        let dictionary = DICTIONARY
            .replace("{programme}", &export.programme)
            .replace("{exported_at}", &export.exported_at.to_string())
            .replace("{people}", &export.people.len().to_string());
        std::fs::write(staging.join("DATA_DICTIONARY.md"), dictionary)?;
        Ok(())
    })
}

/// Creates `dir` (which must not exist) with what `fill` writes into a staging directory,
/// renamed into place only when all of it was written.
fn write_dir(dir: &Path, fill: impl FnOnce(&Path) -> anyhow::Result<()>) -> anyhow::Result<()> {
    if dir.exists() {
        anyhow::bail!(
            "{} exists; choose a new directory (an export never overwrites)",
            dir.display()
        );
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    if !parent.is_dir() {
        anyhow::bail!("{} is not a directory", parent.display());
    }
    let name = dir
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{} has no directory name", dir.display()))?;
    let staging: PathBuf = parent.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let result = (|| -> anyhow::Result<()> {
        fill(&staging)?;
        std::fs::rename(&staging, dir).with_context(|| format!("cannot move the export to {}", dir.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
