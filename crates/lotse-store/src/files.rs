//! Database files and backups readable only by their owner (mode 0600), whatever the umask.
//!
//! New files are created with mode 0600 before SQLite opens them; SQLite gives the WAL and
//! shared-memory files the database file's mode. Existing files lose their group and other
//! bits (an earlier version created them with the default mode, usually 0644).

use std::io;
use std::path::Path;

/// Creates `path` as an empty file with mode 0600 if nothing exists there; returns whether it
/// did (an existing file, or anything else at that path, is left alone).
pub(crate) fn create_private(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        Ok(!path.exists())
    }
}

/// Removes the group and other permission bits of a regular file at `path`, if there is one
/// (it never adds a bit, and never touches a directory). A file this process may not change
/// (owned by another user, who chose its mode) is left as it is.
pub(crate) fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o077 != 0 {
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7700)) {
                Err(e) if e.kind() != io::ErrorKind::PermissionDenied => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}
