//! Where a scenario's policy files come from: the disk (and then every file read is
//! kept, so a run can be stored with everything it read), or the files stored with an
//! earlier run (so a resume sees exactly what the run saw, whatever happened to the
//! disk since).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct PolicyFiles {
    source: Source,
    /// Every file read, by the path as the scenario wrote it.
    read: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
enum Source {
    /// Paths are relative to this directory (the scenario file's).
    Disk(PathBuf),
    Stored,
}

impl PolicyFiles {
    /// Files read from disk, relative to `base_dir`.
    pub fn disk(base_dir: &Path) -> PolicyFiles {
        PolicyFiles {
            source: Source::Disk(base_dir.to_path_buf()),
            read: BTreeMap::new(),
        }
    }

    /// Files as stored with a run (path as written -> text).
    pub fn stored(files: BTreeMap<String, String>) -> PolicyFiles {
        PolicyFiles {
            source: Source::Stored,
            read: files,
        }
    }

    /// Files from the same place, none read yet (files stored with a run are all
    /// there from the start).
    pub(crate) fn same_source(&self) -> PolicyFiles {
        match &self.source {
            Source::Disk(base) => PolicyFiles::disk(base),
            Source::Stored => self.clone(),
        }
    }

    /// The text of the file the scenario names `written`; the error names the file.
    pub(crate) fn read(&mut self, written: &str) -> Result<String, String> {
        match &self.source {
            Source::Disk(base) => {
                let full = base.join(written);
                let text = std::fs::read_to_string(&full)
                    .map_err(|e: io::Error| format!("cannot read {}: {e}", full.display()))?;
                self.read.insert(written.to_string(), text.clone());
                Ok(text)
            }
            Source::Stored => self
                .read
                .get(written)
                .cloned()
                .ok_or_else(|| format!("{written} is not among the run's stored files")),
        }
    }

    /// Every file read so far (for disk) or stored (for a stored run).
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.read
    }
}
