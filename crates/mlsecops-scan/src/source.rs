//! File access: small files are read, large ones memory-mapped.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use memmap2::Mmap;

/// Files at or above this size are memory-mapped.
const MMAP_THRESHOLD: u64 = 1 << 20;

pub(crate) enum Source {
    Owned(Vec<u8>),
    Mapped(Mmap),
}

impl Source {
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        if meta.len() >= MMAP_THRESHOLD {
            #[allow(unsafe_code)]
            // SAFETY: the map is read-only and private to this process. If another process
            // truncates the file while we scan it, reads past the new end raise SIGBUS; that
            // is the documented residual risk of memory-mapping (see README "Limits").
            let map = unsafe { Mmap::map(&file) };
            if let Ok(map) = map {
                return Ok(Source::Mapped(map));
            }
        }
        let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 24));
        file.read_to_end(&mut buf)?;
        Ok(Source::Owned(buf))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Source::Owned(v) => v,
            Source::Mapped(m) => m,
        }
    }
}
