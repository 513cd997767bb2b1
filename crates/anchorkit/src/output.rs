//! Writing results to files so that a failure never leaves a partial or stale result: through
//! a temporary sibling and a rename. Only regular files and directories are replaced: a
//! device node, a FIFO, a socket or a symbolic link at the path is refused, not overwritten.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a result could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path is something other than a regular file.
    #[error("{path}: is {what}; give the path of a regular file or a new name")]
    NotRegular {
        /// The path.
        path: String,
        /// What it is.
        what: &'static str,
    },
    /// A directory output's path is something other than a directory.
    #[error("{path}: is {what}; give a directory (an existing one, or a new name)")]
    NotDirectory {
        /// The path.
        path: String,
        /// What it is.
        what: &'static str,
    },
    /// An I/O failure, with the path it concerns.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The path.
        path: String,
        /// The failure.
        source: io::Error,
    },
}

fn io_err(p: &Path) -> impl Fn(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: p.display().to_string(),
        source,
    }
}

fn kind_of(p: &Path) -> Option<&'static str> {
    let m = fs::symlink_metadata(p).ok()?;
    let t = m.file_type();
    Some(if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a device, FIFO or socket"
    })
}

fn sibling(p: &Path, tag: &str) -> PathBuf {
    let mut name = p.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".anchorkit-{tag}-{}", std::process::id()));
    p.with_file_name(name)
}

/// Writes `bytes` to the regular file `path` (created or replaced) atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    match kind_of(path) {
        None | Some("a regular file") => {}
        Some(what) => {
            return Err(OutputError::NotDirectory {
                path: path.display().to_string(),
                what,
            });
        }
    }
    let tmp = sibling(path, "tmp");
    let done = fs::write(&tmp, bytes)
        .map_err(io_err(&tmp))
        .and_then(|()| fs::rename(&tmp, path).map_err(io_err(path)));
    if done.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    done
}

/// Writes `files` (name, bytes) as the directory `path`, created or replaced as a whole: files
/// from an earlier run that this one does not write are gone afterwards.
pub fn write_dir(path: &Path, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
    let existing = kind_of(path);
    match existing {
        None | Some("a directory") => {}
        Some(what) => {
            return Err(OutputError::NotDirectory {
                path: path.display().to_string(),
                what,
            });
        }
    }
    let tmp = sibling(path, "tmp");
    let _ = fs::remove_dir_all(&tmp);
    let fill = || -> Result<(), OutputError> {
        fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
        for (name, bytes) in files {
            if name.contains('/') || name.contains('\\') || name == ".." {
                return Err(OutputError::Io {
                    path: name.clone(),
                    source: io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"),
                });
            }
            let p = tmp.join(name);
            fs::write(&p, bytes).map_err(io_err(&p))?;
        }
        Ok(())
    };
    if let Err(e) = fill() {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if existing.is_some() {
        // Swap: the old directory aside, the new one in, the old one removed.
        let old = sibling(path, "old");
        let _ = fs::remove_dir_all(&old);
        fs::rename(path, &old).map_err(|e| {
            let _ = fs::remove_dir_all(&tmp);
            io_err(path)(e)
        })?;
        if let Err(e) = fs::rename(&tmp, path) {
            let _ = fs::rename(&old, path);
            let _ = fs::remove_dir_all(&tmp);
            return Err(io_err(path)(e));
        }
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&tmp, path).map_err(|e| {
            let _ = fs::remove_dir_all(&tmp);
            io_err(path)(e)
        })?;
    }
    Ok(())
}
