//! What can go wrong with a store, said so that a person knows what to do, and always
//! naming the file.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{}: the database is locked by another process; wait for it to finish or use another file", path.display())]
    Locked { path: PathBuf },
    #[error("{}: the database cannot be written: {cause}; use a writable file and directory", path.display())]
    ReadOnly { path: PathBuf, cause: String },
    #[error("{}: not an rtgsim database, or damaged ({detail}); use another file", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{}: the disk is full; free space and resume the run", path.display())]
    Full { path: PathBuf },
    #[error("{}: cannot open the database: {detail}", path.display())]
    CannotOpen { path: PathBuf, detail: String },
    #[error("{}: the database was written by a newer rtgsim (schema {found}, this build reads up to {known}); use that rtgsim or a newer one", path.display())]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{}: no run {run}", path.display())]
    NoRun { path: PathBuf, run: i64 },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: no policy version {id} in the registry", path.display())]
    NoPolicyVersion { path: PathBuf, id: i64 },
    /// A registry transition its version's status does not allow; nothing changed.
    #[error("{}: {message}", path.display())]
    Refused { path: PathBuf, message: String },
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
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
                cause: why_not_writable(&path),
                path,
            },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt { path, detail }
            }
            Some(ErrorCode::DiskFull) => StoreError::Full { path },
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                let detail = why_not_openable(&path).unwrap_or(detail);
                StoreError::CannotOpen { path, detail }
            }
            _ => StoreError::Sqlite { path, detail },
        }
    }
}

/// Why SQLite could not open (or create) the file at `path`, found by asking the
/// operating system the same thing: SQLite itself only says "unable to open database
/// file". `None` when the operating system sees no problem.
pub(crate) fn why_not_openable(path: &Path) -> Option<String> {
    let existed = path.exists();
    let parent = parent_dir(path);
    if !parent.is_dir() {
        return Some(format!("the directory {} does not exist", parent.display()));
    }
    if path.is_dir() {
        return Some("it is a directory, not a file".into());
    }
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
    {
        Ok(_) => {
            if !existed {
                // Only probing: leave no empty file behind.
                let _ = std::fs::remove_file(path);
            }
            None
        }
        Err(error) if existed => Some(format!("cannot open it for writing: {}", cause(&error))),
        Err(error) => Some(format!(
            "cannot create it in {}: {}",
            parent.display(),
            cause(&error)
        )),
    }
}

/// Why the database at `path` cannot be written: the file, or its directory (where
/// SQLite keeps its `-wal` and `-shm` files beside the database).
pub(crate) fn why_not_writable(path: &Path) -> String {
    if let Err(error) = std::fs::OpenOptions::new().write(true).open(path) {
        return format!("the file is not writable ({})", cause(&error));
    }
    let parent = parent_dir(path);
    let probe = parent.join(format!(".rtgsim-write-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            "SQLite could not write it or its -wal and -shm files beside it".into()
        }
        Err(error) => format!(
            "its directory {} is not writable ({}), and SQLite keeps its -wal and -shm files there",
            parent.display(),
            cause(&error)
        ),
    }
}

/// An operating-system error as a cause a person acts on.
pub(crate) fn cause(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let what = match error.kind() {
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only",
        ErrorKind::PermissionDenied => "permission denied",
        ErrorKind::NotFound => "no such file or directory",
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "the disk is full",
        _ => return error.to_string(),
    };
    format!("{what}: {error}")
}

/// The directory `path` is in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
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
