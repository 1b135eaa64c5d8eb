//! Translations with Fluent (Project Fluent's `fluent-bundle`: plurals and variables done
//! right, the format translators already know). Messages live in `locales/<lang>/<area>.ftl`
//! and are compiled into the binary.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use lotse_domain::programme::Language;

/// One locale's files: (area, source).
type LocaleFiles = &'static [(&'static str, &'static str)];

macro_rules! locale {
    ($lang:literal: $($area:literal),*) => {
        &[$(($area, include_str!(concat!("../../../locales/", $lang, "/", $area, ".ftl")))),*]
    };
}

/// Every UI locale with its files.
pub const LOCALES: [(Language, LocaleFiles); 3] = [
    (
        Language::German,
        locale!("de": "common", "start", "login", "programme", "people", "account", "api", "directory", "hsds", "prescriptions"),
    ),
    (
        Language::Danish,
        locale!("da": "common", "start", "login", "programme", "people", "account", "api", "directory", "hsds", "prescriptions"),
    ),
    (
        Language::English,
        locale!("en": "common", "start", "login", "programme", "people", "account", "api", "directory", "hsds", "prescriptions"),
    ),
];

/// A broken translation file (a test and start-up both refuse it).
#[derive(Debug, thiserror::Error)]
#[error("locales/{lang}/{area}.ftl: {problem}")]
pub struct I18nError {
    lang: &'static str,
    area: &'static str,
    problem: String,
}

/// The loaded bundles, one per language.
pub struct I18n {
    bundles: HashMap<Language, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "I18n({} languages)", self.bundles.len())
    }
}

impl I18n {
    /// Parses every locale file; any syntax error or duplicate key is an error.
    pub fn load() -> Result<Self, I18nError> {
        let mut bundles = HashMap::new();
        for (language, files) in LOCALES {
            let tag = language.tag();
            let langid = tag.parse().map_err(|e| I18nError {
                lang: tag,
                area: "-",
                problem: format!("{e}"),
            })?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // No Unicode isolation marks around variables: the UI languages are all left-to-right.
            bundle.set_use_isolating(false);
            for (area, source) in files {
                let resource = FluentResource::try_new((*source).to_owned()).map_err(|(_, errors)| I18nError {
                    lang: tag,
                    area,
                    problem: format!("{errors:?}"),
                })?;
                bundle.add_resource(resource).map_err(|errors| I18nError {
                    lang: tag,
                    area,
                    problem: format!("{errors:?}"),
                })?;
            }
            bundles.insert(language, bundle);
        }
        Ok(Self { bundles })
    }

    /// The message `key` in `language` with arguments; falls back to English, then to the key.
    pub fn text_with(&self, language: Language, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for lang in [language, Language::English] {
            let Some(bundle) = self.bundles.get(&lang) else {
                continue;
            };
            let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, (!args.is_empty()).then_some(&fluent_args), &mut errors);
            return text.into_owned();
        }
        key.to_owned()
    }

    /// The message `key` in `language`.
    pub fn text(&self, language: Language, key: &str) -> String {
        self.text_with(language, key, &[])
    }

    /// Whether `language` has `key`.
    pub fn has(&self, language: Language, key: &str) -> bool {
        self.bundles.get(&language).is_some_and(|b| b.has_message(key))
    }
}

/// Message ids defined in one locale's sources (for the completeness tests).
pub fn keys(files: LocaleFiles) -> Vec<String> {
    let mut keys = Vec::new();
    for (_, source) in files {
        for line in source.lines() {
            let Some((id, _)) = line.split_once('=') else { continue };
            let id = id.trim_end();
            if !line.starts_with([' ', '#', '.', '-'])
                && !id.is_empty()
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                keys.push(id.to_owned());
            }
        }
    }
    keys
}

/// Picks the UI language: the user's choice (cookie) if it is a UI language, else the best
/// match in `Accept-Language`, else the programme default, else German.
pub fn negotiate(choice: Option<&str>, accept_language: Option<&str>, default: Option<Language>) -> Language {
    if let Some(language) = choice.and_then(Language::from_tag) {
        return language;
    }
    if let Some(header) = accept_language {
        let requested = fluent_langneg::accepted_languages::parse(header);
        let available: Vec<fluent_langneg::LanguageIdentifier> =
            Language::ALL.iter().filter_map(|l| l.tag().parse().ok()).collect();
        let matched = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            None,
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        if let Some(language) = matched.first().and_then(|m| Language::from_tag(&m.to_string())) {
            return language;
        }
    }
    default.unwrap_or(Language::German)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_parses() {
        I18n::load().unwrap();
    }

    #[test]
    fn every_key_exists_in_every_ui_language() {
        let all: Vec<(Language, Vec<String>)> = LOCALES.iter().map(|(l, files)| (*l, keys(files))).collect();
        let english = &all.iter().find(|(l, _)| *l == Language::English).unwrap().1;
        assert!(english.len() > 20, "found {} keys", english.len());
        for (language, keys) in &all {
            let missing: Vec<_> = english.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<_> = keys.iter().filter(|k| !english.contains(k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", language.tag());
            assert!(extra.is_empty(), "{} has keys English lacks: {extra:?}", language.tag());
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let i18n = I18n::load().unwrap();
        let mut used = Vec::new();
        let sources = [
            include_str!("../templates/layout.html"),
            include_str!("../templates/start.html"),
            include_str!("../templates/login.html"),
            include_str!("../templates/programme.html"),
            include_str!("../templates/error.html"),
            include_str!("../templates/worklist.html"),
            include_str!("../templates/case.html"),
            include_str!("../templates/people.html"),
            include_str!("../templates/person.html"),
            include_str!("../templates/audit_table.html"),
            include_str!("../templates/user_audit.html"),
            include_str!("../templates/export.html"),
            include_str!("html.rs"),
            include_str!("page.rs"),
            include_str!("cases.rs"),
            include_str!("data_subject.rs"),
            include_str!("account.rs"),
            include_str!("../templates/second_factor.html"),
            include_str!("../templates/users.html"),
            include_str!("../templates/reset_code.html"),
            include_str!("../templates/password_reset.html"),
            include_str!("../templates/account.html"),
            include_str!("../templates/directory.html"),
            include_str!("../templates/directory_index.html"),
            include_str!("../templates/offer.html"),
            include_str!("directory.rs"),
            include_str!("../templates/offer_edit.html"),
            include_str!("../templates/offer_review.html"),
            include_str!("../templates/offer_duplicates.html"),
            include_str!("offer_edit.rs"),
        ];
        for source in sources {
            for part in source.split(".t(\"").skip(1) {
                if let Some((key, _)) = part.split_once('"') {
                    used.push(key.to_owned());
                }
            }
        }
        // The directory pages also name keys in other calls (`count`, `text_with`, `bad`).
        for source in [include_str!("directory.rs"), include_str!("offer_edit.rs")] {
            for part in source.split('"').skip(1).step_by(2) {
                let prefixes = [
                    "dir-",
                    "reason-",
                    "offer-",
                    "edit-",
                    "review-",
                    "duplicates-",
                    "curate-",
                ];
                if prefixes.iter().any(|p| part.starts_with(p)) && !part.contains(['{', ' ']) {
                    used.push(part.to_owned());
                }
            }
        }
        assert!(used.len() > 10);
        for error in crate::error::WebError::examples() {
            let (title, message) = error.keys();
            used.extend([title.to_owned(), message.to_owned()]);
        }
        used.extend(["error-payload-too-large-title", "error-payload-too-large"].map(str::to_owned));
        used.extend(dynamic_keys());
        for key in used {
            for language in Language::ALL {
                assert!(i18n.has(language, &key), "{key} missing in {}", language.tag());
            }
        }
    }

    /// Keys the pages build from domain codes, from the enums' own lists (every state, event,
    /// consent purpose and role), through the same functions the pages use.
    fn dynamic_keys() -> Vec<String> {
        use crate::page::{consent_key, event_key, onward_state_key, role_key, state_key};
        use lotse_domain::consent::{ConsentPurpose, WITHDRAWN_EVENT};
        use lotse_domain::onward_referral::{OnwardReferralEvent, OnwardReferralState};
        use lotse_domain::referral::{ReferralEvent, ReferralState};
        use lotse_domain::user::Role;
        let events = ReferralEvent::KINDS
            .into_iter()
            .chain(OnwardReferralEvent::KINDS)
            .chain(lotse_domain::offer_edit::OfferEvent::KINDS)
            .chain([WITHDRAWN_EVENT]);
        events
            .map(event_key)
            .chain(ReferralState::ALL.map(|s| state_key(s.code())))
            .chain(OnwardReferralState::ALL.map(|s| onward_state_key(s.code())))
            .chain(ConsentPurpose::ALL.map(|p| consent_key(p.code())))
            .chain(Role::ALL.map(|r| role_key(r.code())))
            .chain(
                lotse_domain::next_action::NextActionKind::ALL
                    .iter()
                    .map(|k| crate::cases::next_action_key(*k)),
            )
            .chain(directory_keys())
            .collect()
    }

    /// Keys the directory pages build from the offer taxonomies' codes.
    fn directory_keys() -> Vec<String> {
        use lotse_domain::need::NeedDomain;
        use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory, OfferStatus, TargetGroup};
        let mut keys: Vec<String> = NeedDomain::ALL.iter().map(|n| format!("need-{}", n.code())).collect();
        keys.extend(OfferCategory::ALL.iter().map(|c| format!("category-{}", c.code())));
        keys.extend(AccessibilityFeature::ALL.iter().map(|c| format!("access-{}", c.code())));
        keys.extend(CostKind::ALL.iter().map(|c| format!("cost-{}", c.code())));
        keys.extend(TargetGroup::ALL.iter().map(|c| format!("target-{}", c.code())));
        keys.extend(DayPart::ALL.iter().map(|c| format!("daypart-{}", c.code())));
        keys.extend(OfferStatus::ALL.iter().map(|c| format!("offer-status-{}", c.code())));
        keys.extend((1..=7).map(|d| format!("weekday-{d}")));
        keys.extend(["de", "da", "en", "tr", "ar", "uk", "ru", "pl"].map(|l| format!("speaks-{l}")));
        keys
    }

    #[test]
    fn the_choice_wins_then_accept_language() {
        assert_eq!(negotiate(Some("da"), Some("de-DE,de;q=0.9"), None), Language::Danish);
        assert_eq!(negotiate(Some("fr"), Some("en-GB,en;q=0.8"), None), Language::English);
        assert_eq!(negotiate(None, Some("da-DK, en;q=0.5"), None), Language::Danish);
        assert_eq!(negotiate(None, Some("fr-FR"), Some(Language::Danish)), Language::Danish);
        assert_eq!(negotiate(None, None, None), Language::German);
    }

    #[test]
    fn arguments_are_filled_in() {
        let i18n = I18n::load().unwrap();
        let text = i18n.text_with(Language::English, "start-offers", &[("count", FluentValue::from(3))]);
        assert_eq!(text, "3 published offers");
    }
}
