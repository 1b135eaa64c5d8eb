//! E-mail to providers without an account: what goes out, in which words, and when a failed
//! delivery is tried again.
//!
//! Two kinds go out, both to the offer's public contact address, both holding a fresh signed
//! link and nothing about the person: [`EmailKind::ProviderLink`] when the link worker sends an
//! onward referral, and [`EmailKind::ProviderReminder`] when the provider stays silent for the
//! programme's `provider_silent_working_days`. [`provider_email`] writes them; the words name
//! the offer (public, from the directory), the link and the day it stops working — never a
//! name, a date of birth, a need or a reason (a test reads every language for that).
//!
//! A member who asked for it gets [`notice_email`]: "something new is waiting", with a link to
//! their inbox and nothing else.
//!
//! A failed delivery is tried again after [`retry_after`] (5 minutes, doubling, at most 6
//! hours between tries) until [`MAX_ATTEMPTS`]; then it is `failed`, and the link worker's
//! worklist still shows the provider as silent.

use time::{Date, Duration};

use crate::programme::Language;

/// What an e-mail is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// The provider's signed link, when the onward referral is sent.
    ProviderLink,
    /// The provider has not answered for the programme's working days: a reminder, with a new
    /// link.
    ProviderReminder,
}

impl EmailKind {
    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::ProviderLink => "provider_link",
            Self::ProviderReminder => "provider_reminder",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::ProviderLink, Self::ProviderReminder]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// Where an e-mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailState {
    /// Waiting for its (next) try.
    Pending,
    /// The relay took it.
    Sent,
    /// Every try failed; no more tries.
    Failed,
    /// Not sent, and never will be: the onward referral was answered or ended first, or the
    /// offer has no contact address.
    Dropped,
}

impl EmailState {
    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed, Self::Dropped]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// Tries of one e-mail before it is `failed`: with [`retry_after`], the last one comes about
/// 14 hours after the first.
pub const MAX_ATTEMPTS: u32 = 8;

/// After `attempts` failed tries, how long until the next one: 5 minutes, doubling, at most 6
/// hours; `None` once [`MAX_ATTEMPTS`] are used up.
pub fn retry_after(attempts: u32) -> Option<Duration> {
    match attempts {
        0 => Some(Duration::ZERO),
        n if n >= MAX_ATTEMPTS => None,
        n => Some(Duration::minutes((5_i64 << (n - 1).min(20)).min(6 * 60))),
    }
}

/// One e-mail's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailText {
    /// The subject line.
    pub subject: String,
    /// The body (plain text).
    pub body: String,
}

/// The e-mail of `kind` to the provider of the offer titled `offer`, in `language` (the
/// programme's first): the link `url` and the day it stops working, `expires_on`.
pub fn provider_email(kind: EmailKind, language: Language, offer: &str, url: &str, expires_on: Date) -> EmailText {
    let until = match language {
        Language::German => format!(
            "{:02}.{:02}.{}",
            expires_on.day(),
            u8::from(expires_on.month()),
            expires_on.year()
        ),
        Language::Danish => format!(
            "{}.{}.{}",
            expires_on.day(),
            u8::from(expires_on.month()),
            expires_on.year()
        ),
        Language::English => expires_on.to_string(),
    };
    let (subject, opening, action) = match (kind, language) {
        (EmailKind::ProviderLink, Language::German) => (
            format!("Neue Vermittlung zu Ihrem Angebot „{offer}“"),
            format!("über Lotse wurde eine Person an Ihr Angebot „{offer}“ vermittelt."),
            "Bitte öffnen Sie den Link, um zu sehen, was die Person mit Ihnen teilen möchte, und um zu antworten:",
        ),
        (EmailKind::ProviderReminder, Language::German) => (
            format!("Erinnerung: eine Vermittlung zu „{offer}“ wartet auf Ihre Antwort"),
            format!("eine Vermittlung an Ihr Angebot „{offer}“ wartet noch auf Ihre Antwort."),
            "Bitte antworten Sie über diesen neuen Link (ein früherer Link funktioniert weiter):",
        ),
        (EmailKind::ProviderLink, Language::Danish) => (
            format!("Ny henvisning til jeres tilbud »{offer}«"),
            format!("via Lotse er en person blevet henvist til jeres tilbud »{offer}«."),
            "Åbn linket for at se, hvad personen vil dele med jer, og for at svare:",
        ),
        (EmailKind::ProviderReminder, Language::Danish) => (
            format!("Påmindelse: en henvisning til »{offer}« venter på jeres svar"),
            format!("en henvisning til jeres tilbud »{offer}« venter stadig på jeres svar."),
            "Svar venligst via dette nye link (et tidligere link virker fortsat):",
        ),
        (EmailKind::ProviderLink, Language::English) => (
            format!("A new referral to your offer “{offer}”"),
            format!("through Lotse, a person has been referred to your offer “{offer}”."),
            "Please open the link to see what the person wants to share with you, and to answer:",
        ),
        (EmailKind::ProviderReminder, Language::English) => (
            format!("Reminder: a referral to “{offer}” is waiting for your answer"),
            format!("a referral to your offer “{offer}” is still waiting for your answer."),
            "Please answer through this new link (an earlier link keeps working):",
        ),
    };
    let (greeting, validity, closing) = match language {
        Language::German => (
            "Guten Tag,",
            format!("Der Link gilt bis zum {until}. Geben Sie ihn nicht weiter."),
            "Diese Nachricht wurde automatisch versandt; sie enthält keine Angaben zur Person.",
        ),
        Language::Danish => (
            "Goddag,",
            format!("Linket gælder til {until}. Giv det ikke videre."),
            "Denne besked er sendt automatisk; den indeholder ingen oplysninger om personen.",
        ),
        Language::English => (
            "Hello,",
            format!("The link works until {until}. Please do not pass it on."),
            "This message was sent automatically; it holds no details of the person.",
        ),
    };
    EmailText {
        subject,
        body: format!("{greeting}\n\n{opening}\n{action}\n\n{url}\n\n{validity}\n\n-- \n{closing}\n"),
    }
}

/// The notice to a member that something new is waiting in their inbox (`url`), in
/// `language` (the programme's first): what happened and to whom stays in Lotse.
pub fn notice_email(language: Language, url: &str) -> EmailText {
    let (subject, greeting, line, closing) = match language {
        Language::German => (
            "Neues in Lotse",
            "Guten Tag,",
            "in Lotse wartet etwas Neues auf Sie:",
            "Sie bekommen diese Nachricht, weil Sie sie in Lotse unter „Mein Konto“ eingerichtet haben; dort stellen Sie sie auch ab.",
        ),
        Language::Danish => (
            "Nyt i Lotse",
            "Goddag,",
            "i Lotse venter der noget nyt på dig:",
            "Du får denne besked, fordi du har bedt om den i Lotse under »Min konto«; der kan du også slå den fra.",
        ),
        Language::English => (
            "Something new in Lotse",
            "Hello,",
            "something new is waiting for you in Lotse:",
            "You get this message because you asked for it in Lotse under “My account”, where you can also turn it off.",
        ),
    };
    EmailText {
        subject: subject.to_owned(),
        body: format!("{greeting}\n\n{line}\n\n{url}\n\n-- \n{closing}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn failed_tries_wait_longer_each_time_and_stop_after_the_last() {
        // (failed tries so far, minutes until the next; None = no more)
        let table: [(u32, Option<i64>); 10] = [
            (0, Some(0)),
            (1, Some(5)),
            (2, Some(10)),
            (3, Some(20)),
            (4, Some(40)),
            (5, Some(80)),
            (6, Some(160)),
            (7, Some(320)),
            (8, None),
            (40, None),
        ];
        for (attempts, minutes) in table {
            assert_eq!(
                retry_after(attempts),
                minutes.map(Duration::minutes),
                "after {attempts} tries"
            );
        }
    }

    #[test]
    fn the_wait_between_tries_is_capped_at_six_hours() {
        // Not reached with 8 tries; the cap holds wherever MAX_ATTEMPTS goes.
        let longest = (1..MAX_ATTEMPTS).filter_map(retry_after).max();
        assert!(longest <= Some(Duration::hours(6)));
    }

    #[test]
    fn the_notice_holds_the_inbox_link_and_nothing_else() {
        for language in Language::ALL {
            let mail = notice_email(language, "https://lotse.example.org/inbox");
            assert!(
                mail.body.contains("\nhttps://lotse.example.org/inbox\n"),
                "{language:?}"
            );
            assert!(mail.subject.contains("Lotse"), "{language:?}");
            // One link, and no other line that could carry a name or a case.
            assert_eq!(mail.body.matches("https://").count(), 1, "{language:?}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for kind in [EmailKind::ProviderLink, EmailKind::ProviderReminder] {
            assert_eq!(EmailKind::from_code(kind.code()), Some(kind));
        }
        for state in [
            EmailState::Pending,
            EmailState::Sent,
            EmailState::Failed,
            EmailState::Dropped,
        ] {
            assert_eq!(EmailState::from_code(state.code()), Some(state));
        }
        assert_eq!(EmailKind::from_code("newsletter"), None);
    }

    #[test]
    fn every_email_names_the_offer_the_link_and_its_last_day() {
        // (language, kind, words the subject must hold, the last day as written)
        let table = [
            (
                Language::German,
                EmailKind::ProviderLink,
                "Neue Vermittlung",
                "05.01.2027",
            ),
            (
                Language::German,
                EmailKind::ProviderReminder,
                "Erinnerung",
                "05.01.2027",
            ),
            (Language::Danish, EmailKind::ProviderLink, "Ny henvisning", "5.1.2027"),
            (Language::Danish, EmailKind::ProviderReminder, "Påmindelse", "5.1.2027"),
            (
                Language::English,
                EmailKind::ProviderLink,
                "A new referral",
                "2027-01-05",
            ),
            (Language::English, EmailKind::ProviderReminder, "Reminder", "2027-01-05"),
        ];
        let url = "https://lotse.example.org/r/abc";
        for (language, kind, subject, until) in table {
            let mail = provider_email(kind, language, "Laufgruppe am Rhein", url, date!(2027 - 01 - 05));
            assert!(
                mail.subject.contains(subject),
                "{language:?} {kind:?}: {}",
                mail.subject
            );
            assert!(mail.subject.contains("Laufgruppe am Rhein"));
            assert!(mail.body.contains(&format!("\n{url}\n")), "{language:?} {kind:?}");
            assert!(mail.body.contains(until), "{language:?} {kind:?}: {}", mail.body);
        }
    }
}
