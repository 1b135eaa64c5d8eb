use std::fmt;

use crate::id::{OrganisationId, PatientId, PrescriptionId, ProgrammeId, UserId};
use crate::need::NeedDomain;

/// The 29 symbols of a prescription code: digits and capitals without the look-alikes
/// 0/O, 1/I/L, U/V and Z/2 (Z dropped). 29 is prime, which the check character needs.
pub const CODE_ALPHABET: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRSTVWXY";

/// How many data symbols a code has (29^8 ≈ 5·10^11 codes); one check symbol follows.
pub const CODE_DATA_LEN: usize = 8;

/// A prescription code as printed on the sheet: `K7QM-4RTA-X`.
///
/// Eight data symbols and one check symbol, chosen so that the weighted sum
/// `Σ (i+1)·value(symbol_i)` over all nine symbols is 0 modulo 29. Because 29 is prime and the
/// weights 1..=9 are distinct and non-zero modulo 29, every single mistyped symbol and every
/// swap of two different symbols (adjacent or not) is detected.
///
/// The code identifies a prescription when the person calls a link facility; on its own it
/// grants no access to data.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrescriptionCode([u8; CODE_DATA_LEN + 1]);

/// Why a typed code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrescriptionCodeError {
    /// Wrong number of symbols once spaces and hyphens are removed.
    #[error("a prescription code has 9 characters (without hyphens), this one has {0}")]
    WrongLength(usize),
    /// A character that is not in the alphabet.
    #[error("'{0}' cannot appear in a prescription code")]
    InvalidCharacter(char),
    /// The check character does not match: a typo.
    #[error("the check character does not match: please check the code for a typo")]
    CheckFailed,
}

fn symbol_value(symbol: u8) -> Option<u32> {
    CODE_ALPHABET
        .iter()
        .position(|s| *s == symbol)
        .and_then(|p| u32::try_from(p).ok())
}

fn symbol_at(value: u32) -> u8 {
    // value is always reduced modulo 29, so it is in range; the fallback is unreachable.
    CODE_ALPHABET
        .get(value as usize % CODE_ALPHABET.len())
        .copied()
        .unwrap_or(b'2')
}

fn weighted_sum(symbols: &[u8]) -> u32 {
    symbols
        .iter()
        .zip(1u32..)
        .map(|(s, w)| w * symbol_value(*s).unwrap_or(0))
        .sum()
}

impl PrescriptionCode {
    /// Builds a code from eight data values (each taken modulo 29), e.g. from random bytes
    /// supplied by the caller, and appends the check symbol.
    pub fn from_values(values: [u32; CODE_DATA_LEN]) -> Self {
        let mut symbols = [b'2'; CODE_DATA_LEN + 1];
        for (slot, value) in symbols.iter_mut().zip(values) {
            *slot = symbol_at(value % 29);
        }
        let partial = weighted_sum(symbols.get(..CODE_DATA_LEN).unwrap_or(&[]));
        // Solve partial + 9·c ≡ 0 (mod 29); 9⁻¹ ≡ 13 (mod 29) because 9·13 = 117 = 4·29 + 1.
        let check = ((29 - partial % 29) % 29) * 13 % 29;
        if let Some(last) = symbols.last_mut() {
            *last = symbol_at(check);
        }
        Self(symbols)
    }

    /// Parses a typed code: case-insensitive, spaces and hyphens ignored.
    pub fn parse(input: &str) -> Result<Self, PrescriptionCodeError> {
        let mut symbols = Vec::with_capacity(CODE_DATA_LEN + 1);
        for c in input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{2010}'..='\u{2015}'))
        {
            let upper = c.to_ascii_uppercase();
            let byte = u8::try_from(upper).map_err(|_| PrescriptionCodeError::InvalidCharacter(c))?;
            if symbol_value(byte).is_none() {
                return Err(PrescriptionCodeError::InvalidCharacter(c));
            }
            symbols.push(byte);
        }
        let array: [u8; CODE_DATA_LEN + 1] = symbols
            .as_slice()
            .try_into()
            .map_err(|_| PrescriptionCodeError::WrongLength(symbols.len()))?;
        if !weighted_sum(&array).is_multiple_of(29) {
            return Err(PrescriptionCodeError::CheckFailed);
        }
        Ok(Self(array))
    }

    /// The canonical form without hyphens, as stored.
    pub fn compact(&self) -> String {
        self.0.iter().map(|b| char::from(*b)).collect()
    }
}

impl fmt::Display for PrescriptionCode {
    /// The printed form, `XXXX-XXXX-C`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let compact = self.compact();
        let (first, rest) = compact.split_at(4);
        let (second, check) = rest.split_at(4);
        write!(f, "{first}-{second}-{check}")
    }
}

impl fmt::Debug for PrescriptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrescriptionCode({self})")
    }
}

/// Who a referral came from. Prescriptions are the main source; the model admits others
/// from day one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralSource {
    /// A GP, psychotherapist or other health professional in a practice.
    Prescriber,
    /// The person came on their own.
    SelfReferral,
    /// Social services.
    SocialServices,
    /// A pharmacy.
    Pharmacy,
    /// Another link worker or link facility.
    LinkWorker,
}

impl ReferralSource {
    /// Every source, in a stable order.
    pub const ALL: [Self; 5] = [
        Self::Prescriber,
        Self::SelfReferral,
        Self::SocialServices,
        Self::Pharmacy,
        Self::LinkWorker,
    ];

    /// The stable code stored and exchanged.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Prescriber => "prescriber",
            Self::SelfReferral => "self",
            Self::SocialServices => "social-services",
            Self::Pharmacy => "pharmacy",
            Self::LinkWorker => "link-worker",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// How soon the person should be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// Within the programme's usual time.
    Routine,
    /// Soon: the link worker should give it priority.
    Soon,
}

impl Urgency {
    /// Every urgency.
    pub const ALL: [Self; 2] = [Self::Routine, Self::Soon];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Routine => "routine",
            Self::Soon => "soon",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.code() == code)
    }
}

/// A prescription as issued: who, for whom, for which needs (FHIR ServiceRequest).
#[derive(Debug, Clone, PartialEq)]
pub struct Prescription {
    /// Its id.
    pub id: PrescriptionId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// The printed code.
    pub code: PrescriptionCode,
    /// The person.
    pub patient: PatientId,
    /// The issuing practice.
    pub practice: OrganisationId,
    /// The issuing prescriber.
    pub prescriber: UserId,
    /// What the person needs support with (at least one).
    pub need_domains: Vec<NeedDomain>,
    /// When it was issued.
    pub issued_at: time::OffsetDateTime,
    /// How soon the person should be contacted.
    pub urgency: Urgency,
    /// The link facility named on the sheet (where the referral went first, with transfer
    /// consent; without it, where the person may turn themselves).
    pub link_facility: Option<OrganisationId>,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn formats_and_parses_back() {
        let code = PrescriptionCode::from_values([0, 1, 2, 3, 4, 5, 6, 7]);
        let printed = code.to_string();
        assert_eq!(printed.len(), 11);
        assert_eq!(PrescriptionCode::parse(&printed), Ok(code.clone()));
        assert_eq!(PrescriptionCode::parse(&printed.to_lowercase()), Ok(code.clone()));
        assert_eq!(PrescriptionCode::parse(&code.compact().replace("", " ")), Ok(code));
    }

    #[test]
    fn rejects_bad_input_with_a_precise_error() {
        assert_eq!(
            PrescriptionCode::parse("ABC"),
            Err(PrescriptionCodeError::WrongLength(3))
        );
        assert_eq!(
            PrescriptionCode::parse("ABCD-EFGH-0"),
            Err(PrescriptionCodeError::InvalidCharacter('0'))
        );
        assert_eq!(PrescriptionCode::parse(""), Err(PrescriptionCodeError::WrongLength(0)));
        assert_eq!(
            PrescriptionCode::parse("ÄBCD-EFGH-2"),
            Err(PrescriptionCodeError::InvalidCharacter('Ä'))
        );
    }

    fn values() -> impl Strategy<Value = [u32; CODE_DATA_LEN]> {
        proptest::array::uniform8(0u32..29)
    }

    proptest! {
        #[test]
        fn every_generated_code_parses(v in values()) {
            let code = PrescriptionCode::from_values(v);
            prop_assert_eq!(PrescriptionCode::parse(&code.to_string()), Ok(code));
        }

        #[test]
        fn any_single_substitution_is_detected(v in values(), pos in 0usize..9, delta in 1u32..29) {
            let code = PrescriptionCode::from_values(v).compact().into_bytes();
            let mut typo = code.clone();
            let old = symbol_value(typo[pos]).unwrap();
            typo[pos] = symbol_at((old + delta) % 29);
            let typed = String::from_utf8(typo).unwrap();
            prop_assert_eq!(PrescriptionCode::parse(&typed), Err(PrescriptionCodeError::CheckFailed));
        }

        #[test]
        fn any_transposition_of_different_symbols_is_detected(v in values(), i in 0usize..9, j in 0usize..9) {
            let code = PrescriptionCode::from_values(v).compact().into_bytes();
            prop_assume!(i != j && code[i] != code[j]);
            let mut typo = code.clone();
            typo.swap(i, j);
            let typed = String::from_utf8(typo).unwrap();
            prop_assert_eq!(PrescriptionCode::parse(&typed), Err(PrescriptionCodeError::CheckFailed));
        }
    }
}
