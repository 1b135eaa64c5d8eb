//! The app's handle on its database, which the web layer holds without knowing the store.

use lotse_store::Db;

use crate::email::Relays;
use crate::error::StoreFailure;

/// The purpose the form-token (CSRF) key is derived for. Unchanged since the web layer derived
/// the key itself, so open forms stay valid across the upgrade and between instances.
const FORM_TOKEN_PURPOSE: &str = "lotse-web csrf v1";

/// The application: its database (with the data keys), opaque to the layers above.
///
/// `lotse serve` builds one from the store's `Db`; the web layer keeps it in its state and
/// passes it to the use cases. Nothing on it opens a transaction, reaches a pool or reads a
/// key: the web layer gets only what it asks for by name (readiness, pool statistics, the
/// form-token key).
#[derive(Clone, Debug)]
pub struct App {
    db: Db,
    relays: Relays,
}

impl App {
    /// The application over a connected, migrated database, without e-mail.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            relays: Relays::none(),
        }
    }

    /// The same application, sending e-mail to providers through `relays`.
    #[must_use]
    pub fn with_email(self, relays: Relays) -> Self {
        Self { relays, ..self }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreFailure> {
        Ok(self.db.ping().await?)
    }

    /// Pool statistics (for `/metrics`): open connections, idle connections.
    pub fn pool_stats(&self) -> (u32, usize) {
        self.db.pool_stats()
    }

    /// The key the web layer derives its form tokens (CSRF) with: derived from the first data
    /// key, so every instance with the same keys agrees and a restart keeps it; `None` without
    /// data keys (the web layer then uses a random key per process).
    pub fn form_token_key(&self) -> Option<[u8; 32]> {
        self.db.data_keys().map(|keys| keys.derive(FORM_TOKEN_PURPOSE))
    }
}

/// What the use cases run against: the [`App`] handle (the web layer), or the store's `Db`
/// (the CLI and tests, which hold one anyway).
///
/// Sealed: only this crate implements it, and only this crate can take the database out of it
/// (the method that does needs a key no other crate can build).
pub trait Handle: sealed::Sealed + Sync {}

impl Handle for App {}

impl Handle for Db {}

mod sealed {
    use lotse_store::Db;

    /// Built only in [`super`], so no other crate can call [`Sealed::store`].
    #[derive(Debug, Clone, Copy)]
    pub struct Key(pub(super) ());

    /// The database behind a handle.
    pub trait Sealed {
        /// The store's database.
        fn store(&self, key: Key) -> &Db;

        /// The programmes' e-mail relays, if the handle has any.
        fn relays(&self, key: Key) -> Option<&crate::email::Relays>;
    }

    impl Sealed for super::App {
        fn store(&self, _: Key) -> &Db {
            &self.db
        }

        fn relays(&self, _: Key) -> Option<&crate::email::Relays> {
            Some(&self.relays)
        }
    }

    impl Sealed for Db {
        fn store(&self, _: Key) -> &Db {
            self
        }

        fn relays(&self, _: Key) -> Option<&crate::email::Relays> {
            None
        }
    }
}

/// The store's database behind a handle, for the app's use cases.
pub(crate) fn store<H: Handle + ?Sized>(handle: &H) -> &Db {
    handle.store(sealed::Key(()))
}

/// The e-mail relays behind a handle (none for a bare `Db`).
pub(crate) fn relays<H: Handle + ?Sized>(handle: &H) -> Option<&Relays> {
    handle.relays(sealed::Key(()))
}
