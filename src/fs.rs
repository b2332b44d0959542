//! Reading files (`std` only): the one way sealcheck reads a file, for evidence and for
//! configuration alike.
//!
//! A file is opened once (non-blocking, so a FIFO cannot stall the open), must be a regular
//! file (no FIFO, device, socket or directory, whatever a symlink points at), and its size is
//! checked against the limit *before* anything is read; at most `limit + 1` bytes are read, so a
//! file that grows while it is read still ends in [`Error::LimitExceeded`]. Inside a layout
//! ([`Confined`]), a path that resolves (through symlinks or `..`) outside the layout directory
//! is refused.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::string::ToString;
use std::vec::Vec;

use crate::error::{Error, Result};

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        return Error::NotFound(alloc::format!("{what} {}", path.display()));
    }
    Error::Io { what: alloc::format!("{what} {}", path.display()), detail: e.to_string() }
}

/// What exists at `path` is not a regular file: the error naming what it is.
pub(crate) fn not_regular(what: &str, path: &Path, ft: std::fs::FileType) -> Error {
    let kind = if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file (FIFO, socket or device)"
    };
    Error::Io { what: alloc::format!("{what} {}", path.display()), detail: alloc::format!("is {kind}") }
}

fn too_large(what: &'static str, max: usize, got: u64) -> Error {
    Error::LimitExceeded { what, max, got: usize::try_from(got).unwrap_or(usize::MAX) }
}

/// Reads the regular file at `path`, at most `max` bytes. `what` names the file in errors
/// (`"policy"`, `"bundle"`…) and `limit` names the limit (a [`crate::limits`] constant's
/// meaning). A missing file is [`Error::NotFound`]; anything that is not a regular file, or
/// cannot be read, is [`Error::Io`] naming the path and the OS error.
pub fn read_file(path: &Path, max: usize, what: &str, limit: &'static str) -> Result<Vec<u8>> {
    // Refuse special files before opening them (a FIFO would block a plain open), then check
    // the opened file again: the path may have changed in between.
    let meta = std::fs::metadata(path).map_err(|e| io_error(what, path, &e))?;
    if !meta.is_file() {
        return Err(not_regular(what, path, meta.file_type()));
    }
    if meta.len() > max as u64 {
        return Err(too_large(limit, max, meta.len()));
    }
    let mut file = open_nonblocking(path).map_err(|e| io_error(what, path, &e))?;
    let meta = file.metadata().map_err(|e| io_error(what, path, &e))?;
    if !meta.is_file() {
        return Err(not_regular(what, path, meta.file_type()));
    }
    if meta.len() > max as u64 {
        return Err(too_large(limit, max, meta.len()));
    }
    let mut out = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    (&mut file).take(max as u64 + 1).read_to_end(&mut out).map_err(|e| io_error(what, path, &e))?;
    if out.len() > max {
        return Err(too_large(limit, max, out.len() as u64));
    }
    Ok(out)
}

/// The size of the regular file at `path` (following symlinks), `None` when it does not exist.
pub fn regular_file_size(path: &Path, what: &str) -> Result<Option<u64>> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(Some(m.len())),
        Ok(m) => Err(not_regular(what, path, m.file_type())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(what, path, &e)),
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// A directory whose files may only resolve inside it (an OCI image layout, a `dir:` layout).
#[derive(Debug, Clone)]
pub struct Confined {
    root: PathBuf,
}

impl Confined {
    /// Opens `dir`, which must be an existing directory; `what` names it in errors. An empty path
    /// is refused (it would mean the current directory).
    pub fn open(dir: &Path, what: &str) -> Result<Self> {
        if dir.as_os_str().is_empty() {
            return Err(Error::Usage(alloc::format!("{what}: empty path (name the directory)")));
        }
        let root = std::fs::canonicalize(dir).map_err(|e| io_error(what, dir, &e))?;
        let meta = std::fs::metadata(&root).map_err(|e| io_error(what, dir, &e))?;
        if !meta.is_dir() {
            return Err(Error::Io { what: alloc::format!("{what} {}", dir.display()), detail: "is not a directory".into() });
        }
        Ok(Self { root })
    }

    /// The directory, resolved.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `rel` resolved inside the directory; `None` when it does not exist.
    fn resolve(&self, rel: &Path, what: &str) -> Result<Option<PathBuf>> {
        let joined = self.root.join(rel);
        match std::fs::canonicalize(&joined) {
            Ok(p) if p.starts_with(&self.root) => Ok(Some(p)),
            Ok(p) => Err(Error::Io {
                what: alloc::format!("{what} {}", joined.display()),
                detail: alloc::format!("resolves to {}, outside {}", p.display(), self.root.display()),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(what, &joined, &e)),
        }
    }

    /// The size of the regular file `rel`, `None` when it does not exist.
    pub fn size(&self, rel: &Path, what: &str) -> Result<Option<u64>> {
        match self.resolve(rel, what)? {
            Some(p) => regular_file_size(&p, what),
            None => Ok(None),
        }
    }

    /// Reads the regular file `rel` (at most `max` bytes, see [`read_file`]); `None` when it
    /// does not exist.
    pub fn read(&self, rel: &Path, max: usize, what: &str, limit: &'static str) -> Result<Option<Vec<u8>>> {
        match self.resolve(rel, what)? {
            Some(p) => read_file(&p, max, what, limit).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(alloc::format!("sealcheck-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn regular_files_only_and_bounded() {
        let d = scratch("read");
        std::fs::write(d.join("ok"), b"12345").unwrap();
        assert_eq!(read_file(&d.join("ok"), 5, "test file", "test limit").unwrap(), b"12345");
        assert!(matches!(read_file(&d.join("ok"), 4, "test file", "test limit"), Err(Error::LimitExceeded { what: "test limit", max: 4, got: 5 })));
        assert!(matches!(read_file(&d.join("missing"), 4, "test file", "l"), Err(Error::NotFound(_))));
        assert!(matches!(read_file(&d, 4, "test file", "l"), Err(Error::Io { .. })), "a directory");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/dev/zero", d.join("zero")).unwrap();
            let e = read_file(&d.join("zero"), 4, "test file", "l").unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            assert!(std::process::Command::new("mkfifo").arg(d.join("fifo")).status().unwrap().success());
            assert!(matches!(read_file(&d.join("fifo"), 4, "test file", "l"), Err(Error::Io { .. })), "a FIFO, without blocking");
        }
    }

    #[test]
    fn confined_to_the_directory() {
        let d = scratch("confined");
        std::fs::create_dir_all(d.join("layout/blobs")).unwrap();
        std::fs::write(d.join("outside"), b"x").unwrap();
        std::fs::write(d.join("layout/blobs/inside"), b"y").unwrap();
        let c = Confined::open(&d.join("layout"), "layout").unwrap();
        assert_eq!(c.read(Path::new("blobs/inside"), 8, "blob", "l").unwrap().unwrap(), b"y");
        assert!(c.read(Path::new("blobs/absent"), 8, "blob", "l").unwrap().is_none());
        assert!(matches!(c.read(Path::new("../outside"), 8, "blob", "l"), Err(Error::Io { .. })));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.join("outside"), d.join("layout/blobs/link")).unwrap();
            assert!(matches!(c.read(Path::new("blobs/link"), 8, "blob", "l"), Err(Error::Io { .. })), "a symlink out");
            std::os::unix::fs::symlink("inside", d.join("layout/blobs/rel")).unwrap();
            assert_eq!(c.read(Path::new("blobs/rel"), 8, "blob", "l").unwrap().unwrap(), b"y", "a symlink within");
        }
        assert!(matches!(Confined::open(Path::new(""), "layout"), Err(Error::Usage(_))));
        assert!(matches!(Confined::open(&d.join("nope"), "layout"), Err(Error::NotFound(_))));
        assert!(matches!(Confined::open(&d.join("outside"), "layout"), Err(Error::Io { .. })));
    }
}
