//! What can go wrong with a store, said so that a person knows what to do, and always
//! naming the file.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{}: the database is locked by another process; wait for it to finish or use another file", path.display())]
    Locked { path: PathBuf },
    #[error("{}: the database cannot be written (read-only file or directory); use a writable file", path.display())]
    ReadOnly { path: PathBuf },
    #[error("{}: not an rtgsim database, or damaged ({detail}); use another file", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{}: the disk is full; free space and resume the run", path.display())]
    Full { path: PathBuf },
    #[error("{}: cannot open the database: {detail}", path.display())]
    CannotOpen { path: PathBuf, detail: String },
    #[error("{}: the database was written by a newer rtgsim (schema version {found}; this one knows up to {known})", path.display())]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{}: no run {run}", path.display())]
    NoRun { path: PathBuf, run: i64 },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: {detail}", path.display())]
    Sqlite { path: PathBuf, detail: String },
}

impl StoreError {
    /// A SQLite error on the database at `path`, sorted into what it means for the
    /// user.
    pub(crate) fn from_sqlite(path: &Path, error: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        let detail = error.to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Locked { path }
            }
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt { path, detail }
            }
            Some(ErrorCode::DiskFull) => StoreError::Full { path },
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                StoreError::CannotOpen { path, detail }
            }
            _ => StoreError::Sqlite { path, detail },
        }
    }
}

/// Attaches the store's path to SQLite errors.
pub(crate) trait AtPath<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> AtPath<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::from_sqlite(path, e))
    }
}
