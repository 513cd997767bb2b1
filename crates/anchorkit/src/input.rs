//! One bounded reader for every input the program reads: certificate inputs, events files,
//! sdkconfig and configuration headers, target lists, `--output` resume files, scanned files.
//! Regular files (also behind a symbolic link the user names) and standard input (`-`) are
//! read, never more than the bound, which the error names; FIFOs, devices and sockets are
//! refused by name, since reading them may block forever or never end.

use std::io::Read;
use std::path::Path;

/// The bound for certificate inputs (a store, a bundle, a chain).
pub const MAX_CERT_INPUT: u64 = 64 * 1024 * 1024;
/// The bound for configuration-like inputs: events, sdkconfig, configuration headers, target
/// lists, CMake and PlatformIO files.
pub const MAX_CONFIG_INPUT: u64 = 8 * 1024 * 1024;
/// The bound for an `--output` file a run resumes from.
pub const MAX_RESUME_INPUT: u64 = 64 * 1024 * 1024;

/// Why an input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ReadError {
    /// The input as named (escaped for a terminal).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// What kind of file system object `path` is, when it is not a regular file: `a FIFO`, `a
/// device`, `a socket`, `a directory`.
pub fn special_kind(m: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

fn shown(path: &Path) -> String {
    crate::cert::printable(&crate::cert::clip(&path.display().to_string(), 300))
}

/// Reads `path` (`-` for standard input), at most `limit` bytes; `what` names the input in
/// the error ("events file", "sdkconfig").
pub fn read(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, ReadError> {
    let err = |message: String| ReadError {
        path: shown(path),
        message,
    };
    let too_big = || {
        err(format!(
            "larger than the {limit}-byte input limit for {what}s; give a smaller file"
        ))
    };
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| err(format!("cannot read standard input: {e}")))?;
        if buf.len() as u64 > limit {
            return Err(too_big());
        }
        return Ok(buf);
    }
    let m = std::fs::metadata(path).map_err(|e| {
        err(if e.kind() == std::io::ErrorKind::NotFound {
            format!("cannot read: no such file ({what})")
        } else {
            format!("cannot read: {e}")
        })
    })?;
    if let Some(kind) = special_kind(&m) {
        return Err(err(format!(
            "{kind}, not a regular file: give a file, or - to read the {what} from standard input"
        )));
    }
    if m.len() > limit {
        return Err(too_big());
    }
    let f = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    f.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if buf.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(buf)
}

/// [`read`] as text (invalid UTF-8 replaced; a leading byte-order mark dropped).
pub fn read_text(path: &Path, limit: u64, what: &str) -> Result<String, ReadError> {
    let b = read(path, limit, what)?;
    let t = String::from_utf8_lossy(&b).into_owned();
    Ok(t.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_special_files_refused() {
        let dir = std::env::temp_dir().join(format!("ak-input-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let f = dir.join("a.txt");
        std::fs::write(&f, "\u{feff}hello").unwrap_or_default();
        assert_eq!(read_text(&f, 100, "test").ok().as_deref(), Some("hello"));
        let e = read(&f, 3, "events file").expect_err("bound");
        assert!(
            e.to_string()
                .contains("3-byte input limit for events files"),
            "{e}"
        );
        let e = read(Path::new("/dev/zero"), 100, "sdkconfig").expect_err("device");
        assert!(e.to_string().contains("a device"), "{e}");
        let e = read(&dir, 100, "sdkconfig").expect_err("dir");
        assert!(e.to_string().contains("a directory"), "{e}");
        let e = read(&dir.join("none"), 100, "sdkconfig").expect_err("missing");
        assert!(e.to_string().contains("no such file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
