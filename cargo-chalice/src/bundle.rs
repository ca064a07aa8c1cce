//! The deployment zip: one entry, `bootstrap`, mode 0755, with a fixed
//! timestamp, so that the same binary always gives the same bytes (and the
//! same content hash, which deploy uses to skip uploads).

use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// The entry name Lambda's `provided.al2023` runtime executes.
pub const ENTRY_NAME: &str = "bootstrap";

/// Why the zip cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Reading the binary or writing the zip failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The zip library failed.
    #[error("cannot build the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// The zip's bytes for a `bootstrap` binary's bytes.
pub fn zip_bytes(binary: &[u8]) -> Result<Vec<u8>, BundleError> {
    // 1980-01-01 00:00:00, the earliest time a zip can hold: never "now".
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755)
        .large_file(false);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(binary.len() / 2)));
    writer.start_file(ENTRY_NAME, options)?;
    writer.write_all(binary).map_err(|source| BundleError::Io {
        action: "cannot compress",
        path: PathBuf::from(ENTRY_NAME),
        source,
    })?;
    Ok(writer.finish()?.into_inner())
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A written zip.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The zip file.
    pub path: PathBuf,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Zips the binary at `binary` into `out`. The file is replaced atomically,
/// and left untouched when it already holds the same bytes.
///
/// The compressed bytes are kept beside the binary (`<binary>.chalice.zip`,
/// with a stamp of the binary's size and modification time), so that
/// packaging an unchanged build does not compress it again.
pub fn write_zip(binary: &Path, out: &Path) -> Result<Bundle, BundleError> {
    let read_error = |source| BundleError::Io {
        action: "cannot read",
        path: binary.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(binary).map_err(read_error)?;
    let stamp = format!(
        "{} {:?} {}\n",
        metadata.len(),
        metadata.modified().ok(),
        env!("CARGO_PKG_VERSION")
    );
    let cache = binary.with_extension("chalice.zip");
    let stamp_path = binary.with_extension("chalice.zip.stamp");
    let cached = match std::fs::read_to_string(&stamp_path) {
        Ok(text) if text == stamp => std::fs::read(&cache).ok(),
        _ => None,
    };
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            let data = std::fs::read(binary).map_err(read_error)?;
            let bytes = zip_bytes(&data)?;
            // The cache is an optimisation: failing to write it is not an error.
            if write_if_changed(&cache, &bytes).is_ok() {
                let _ = std::fs::write(&stamp_path, &stamp);
            }
            bytes
        }
    };
    write_if_changed(out, &bytes)?;
    Ok(Bundle {
        path: out.to_owned(),
        sha256: sha256_hex(&bytes),
        size: bytes.len() as u64,
    })
}

/// Writes `bytes` to `path` atomically (a temporary file in the same
/// directory, then a rename), unless the file already holds exactly them.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    let io = |action: &'static str| {
        let path = path.to_owned();
        move |source| BundleError::Io {
            action,
            path,
            source,
        }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io("cannot write"))?;
    temp.write_all(bytes).map_err(io("cannot write"))?;
    temp.as_file().sync_all().map_err(io("cannot write"))?;
    #[cfg(unix)]
    {
        // A temporary file is private (0600); the artifact is an ordinary file.
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io("cannot write"))?;
    }
    temp.persist(path)
        .map_err(|error| error.error)
        .map_err(io("cannot write"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn same_binary_same_bytes() {
        let binary: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let a = zip_bytes(&binary).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = zip_bytes(&binary).unwrap();
        assert_eq!(a, b);
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
        assert_ne!(zip_bytes(b"other").unwrap(), a);
    }

    #[test]
    fn one_executable_bootstrap_entry() {
        let bytes = zip_bytes(b"\x7fELF binary").unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let time = entry.last_modified().unwrap();
        assert_eq!((time.year(), time.month(), time.day()), (1980, 1, 1));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, b"\x7fELF binary");
    }

    #[test]
    fn sha256_matches_known_value() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn unchanged_file_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployment.zip");
        write_if_changed(&path, b"one").unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_if_changed(&path, b"one").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
        write_if_changed(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }
}
