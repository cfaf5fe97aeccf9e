//! Classification of relative paths stored inside model files (ONNX external data,
//! TensorFlow assets and Const paths, `MLflow` artifact paths): shared so every analyser
//! judges "does this escape the model directory" the same way.

/// What a path stored in a model would resolve to, relative to the model directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathVerdict {
    /// Stays inside the model directory after normalisation.
    Inside,
    /// Empty string.
    Empty,
    /// Absolute POSIX path (`/etc/passwd`) or home-relative (`~/x`).
    AbsolutePosix,
    /// Windows drive path (`C:\x`, `C:x`) or a rooted `\x`.
    AbsoluteWindows,
    /// UNC or device path (`\\host\share`, `//host/share`, `\\?\C:\x`).
    Unc,
    /// A URL (`file://`, `http://`, …).
    Url,
    /// `..` components climb above the model directory (`../../x`, `sub/../../x`).
    Escapes,
    /// Contains a NUL byte (truncates paths in C-based loaders).
    NulByte,
}

impl PathVerdict {
    /// Short phrase for messages.
    pub fn describe(self) -> &'static str {
        match self {
            PathVerdict::Inside => "stays inside the model directory",
            PathVerdict::Empty => "is empty",
            PathVerdict::AbsolutePosix => "is an absolute path",
            PathVerdict::AbsoluteWindows => "is an absolute Windows path",
            PathVerdict::Unc => "is a UNC / device path",
            PathVerdict::Url => "is a URL",
            PathVerdict::Escapes => "escapes the model directory after normalisation",
            PathVerdict::NulByte => "contains a NUL byte",
        }
    }
}

/// Classifies `path` as loaders on any platform would see it: both `/` and `\` are
/// separators, `.` is dropped and `..` pops one component.
pub fn classify_relative_path(path: &str) -> PathVerdict {
    if path.is_empty() {
        return PathVerdict::Empty;
    }
    if path.contains('\0') {
        return PathVerdict::NulByte;
    }
    let bytes = path.as_bytes();
    let sep = |b: u8| b == b'/' || b == b'\\';
    if bytes.len() >= 2 && sep(bytes[0]) && sep(bytes[1]) {
        return PathVerdict::Unc;
    }
    if bytes[0] == b'\\' {
        return PathVerdict::AbsoluteWindows;
    }
    if bytes[0] == b'/' || bytes[0] == b'~' {
        return PathVerdict::AbsolutePosix;
    }
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return PathVerdict::AbsoluteWindows;
    }
    if let Some(idx) = path.find("://")
        && idx > 0
        && path[..idx]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
    {
        return PathVerdict::Url;
    }
    let mut depth: usize = 0;
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return PathVerdict::Escapes,
            },
            _ => depth += 1,
        }
    }
    PathVerdict::Inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_cases() {
        use PathVerdict::*;
        for (p, v) in [
            ("weights.bin", Inside),
            ("sub/weights.bin", Inside),
            ("./sub/../weights.bin", Inside),
            ("../../etc/passwd", Escapes),
            ("sub/../../x", Escapes),
            ("sub\\..\\..\\x", Escapes),
            ("/etc/passwd", AbsolutePosix),
            ("~/.ssh/id_rsa", AbsolutePosix),
            ("C:\\Windows\\win.ini", AbsoluteWindows),
            ("c:x", AbsoluteWindows),
            ("\\x", AbsoluteWindows),
            ("\\\\host\\share\\x", Unc),
            ("//host/share/x", Unc),
            ("file:///etc/passwd", Url),
            ("", Empty),
            ("a\0b", NulByte),
        ] {
            assert_eq!(classify_relative_path(p), v, "{p}");
        }
    }
}
