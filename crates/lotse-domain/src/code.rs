//! Enums with a stable text code (stored, exchanged, used as an i18n key suffix).

/// Declares an enum whose every variant has a stable code, with `ALL`, `code` and `from_code`.
///
/// ```
/// lotse_domain::coded_enum! {
///     /// A colour.
///     pub enum Colour {
///         /// Red.
///         Red => "red",
///         /// Blue.
///         Blue => "blue",
///     }
/// }
/// assert_eq!(Colour::from_code("blue"), Some(Colour::Blue));
/// assert_eq!(Colour::ALL.len(), 2);
/// ```
#[macro_export]
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[ $( Self::$variant, )+ ];

            /// The stable code.
            pub const fn code(self) -> &'static str {
                match self {
                    $( Self::$variant => $code, )+
                }
            }

            /// Parses a code.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}
