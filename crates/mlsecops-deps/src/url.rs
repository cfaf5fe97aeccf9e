//! Credentials in index, find-links and VCS URLs.

/// Query keys whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "token",
    "access_token",
    "private_token",
    "api_key",
    "apikey",
    "password",
    "passwd",
    "secret",
    "auth",
    "sig",
];

/// What a URL reveals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlFacts {
    /// The URL with user-info and secret query values replaced by `***`.
    pub redacted: String,
    /// Literal credentials are embedded (user-info or a secret query parameter).
    pub credentials: bool,
    /// Host (lowercase, without port), when the URL has an authority.
    pub host: Option<String>,
}

/// Inspects `url` (`scheme://[userinfo@]host[:port]/path?query#frag`, `git+https://…`).
pub(crate) fn inspect(url: &str) -> UrlFacts {
    let url = url.trim();
    let Some(scheme_end) = url.find("://") else {
        return UrlFacts {
            redacted: url.to_owned(),
            credentials: false,
            host: None,
        };
    };
    let after = scheme_end.saturating_add(3);
    let rest = url.get(after..).unwrap_or("");
    let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..auth_len).unwrap_or("");
    let tail = rest.get(auth_len..).unwrap_or("");
    let scheme = url.get(..scheme_end).unwrap_or("").to_ascii_lowercase();
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (
            authority.get(..i),
            authority.get(i.saturating_add(1)..).unwrap_or(""),
        ),
        None => (None, authority),
    };
    let host = hostport
        .rsplit_once(':')
        .map_or(hostport, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                hostport
            }
        })
        .to_ascii_lowercase();
    let mut credentials = false;
    let mut redacted = String::with_capacity(url.len());
    redacted.push_str(url.get(..after).unwrap_or(""));
    if let Some(info) = userinfo {
        if userinfo_is_secret(&scheme, info) {
            credentials = true;
            redacted.push_str("***@");
        } else {
            redacted.push_str(info);
            redacted.push('@');
        }
    }
    redacted.push_str(hostport);
    // Query secrets.
    let (path, query_and_frag) = match tail.find('?') {
        Some(i) => (tail.get(..i).unwrap_or(""), tail.get(i..).unwrap_or("")),
        None => (tail, ""),
    };
    redacted.push_str(path);
    if let Some(q) = query_and_frag.strip_prefix('?') {
        let (query, frag) = match q.find('#') {
            Some(i) => (q.get(..i).unwrap_or(""), q.get(i..).unwrap_or("")),
            None => (q, ""),
        };
        redacted.push('?');
        let mut first = true;
        for pair in query.split('&') {
            if !first {
                redacted.push('&');
            }
            first = false;
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str())
                && !v.is_empty()
                && !is_env_ref(v)
            {
                credentials = true;
                redacted.push_str(k);
                redacted.push_str("=***");
            } else {
                redacted.push_str(pair);
            }
        }
        redacted.push_str(frag);
    }
    UrlFacts {
        redacted,
        credentials,
        host: (!host.is_empty()).then_some(host),
    }
}

/// `${VAR}` / `$VAR` / `%VAR%` only: pip expands environment variables, the recommended way.
fn is_env_ref(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("${") {
            let Some(end) = r.find('}') else { return false };
            rest = r.get(end.saturating_add(1)..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('$') {
            let n = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            if n == 0 {
                return false;
            }
            rest = r.get(n..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix(':') {
            rest = r;
        } else {
            return false;
        }
    }
    true
}

fn userinfo_is_secret(scheme: &str, info: &str) -> bool {
    if info.is_empty() || is_env_ref(info) {
        return false;
    }
    let (user, password) = match info.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (info, None),
    };
    match password {
        Some(p) => !p.is_empty() && !is_env_ref(p),
        // A bare user name: `git@` / `ssh://user@` is an account, not a secret; over HTTP(S)
        // a lone user-info is a token (GitHub PATs, GitLab deploy tokens).
        None => scheme.contains("http") && !is_env_ref(user) && user != "git",
    }
}

/// `true` for the public PyPI index hosts.
pub(crate) fn is_pypi_host(host: Option<&str>) -> bool {
    matches!(
        host,
        Some("pypi.org" | "pypi.python.org" | "files.pythonhosted.org" | "test.pypi.org")
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn user_password_is_redacted() {
        let f = inspect("https://alice:s3cret@pypi.corp.example/simple/");
        assert!(f.credentials);
        assert_eq!(f.redacted, "https://***@pypi.corp.example/simple/");
        assert_eq!(f.host.as_deref(), Some("pypi.corp.example"));
        assert!(!f.redacted.contains("s3cret"));
    }

    #[test]
    fn tokens_and_env_refs() {
        assert!(
            inspect("git+https://ghp_abcdefabcdefabcdefabcdefabcdefabcdef@github.com/o/r.git")
                .credentials
        );
        assert!(!inspect("https://${PIP_USER}:${PIP_TOKEN}@pypi.corp.example/simple").credentials);
        assert!(!inspect("git+ssh://git@github.com/o/r.git").credentials);
        assert!(!inspect("https://pypi.org/simple").credentials);
        let q = inspect("https://h.example/simple?token=abc123&x=1");
        assert!(q.credentials);
        assert_eq!(q.redacted, "https://h.example/simple?token=***&x=1");
        assert_eq!(
            inspect("https://h.example:8443/x").host.as_deref(),
            Some("h.example")
        );
    }
}
