//! Masking: reports never carry a personal value whole.

/// `john.doe@gmail.com` → `j***@gmail.com` (first character of the mailbox, domain kept).
pub(crate) fn email(value: &str) -> String {
    let (local, domain) = value.split_once('@').unwrap_or((value, ""));
    let first = local.chars().next().unwrap_or('*');
    format!("{first}***@{domain}")
}

/// Card number → `**** **** **** 1111` (last four digits only).
pub(crate) fn card(digits: &[u8]) -> String {
    format!("**** **** **** {}", last_n(digits, 4))
}

/// SSN → `***-**-6789`.
pub(crate) fn ssn(digits: &[u8]) -> String {
    format!("***-**-{}", last_n(digits, 4))
}

/// IBAN → `DE** **** **** 3000` (country and last four characters).
pub(crate) fn iban(compact: &[u8]) -> String {
    let country = String::from_utf8_lossy(compact.get(..2).unwrap_or(b"??"));
    format!("{country}** **** **** {}", last_n(compact, 4))
}

/// Phone number: every digit but the last two becomes `*`, separators stay.
pub(crate) fn phone(value: &str) -> String {
    let total = value.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0usize;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 2 > total { c } else { '*' }
            } else {
                c
            }
        })
        .collect()
}

/// IPv4 → first two octets kept (`81.2.*.*`); IPv6 → first group kept (`2a00:*:*`).
pub(crate) fn ip(value: &str) -> String {
    if value.contains(':') {
        let first = value.split(':').next().unwrap_or("");
        format!("{first}:*:*")
    } else {
        let mut parts = value.split('.');
        let a = parts.next().unwrap_or("*");
        let b = parts.next().unwrap_or("*");
        format!("{a}.{b}.*.*")
    }
}

/// Free-form value (names, addresses, dates): first character of each word kept, every
/// other letter or digit becomes `*`; at most 40 characters are shown.
pub(crate) fn generic(value: &str) -> String {
    let mut out = String::new();
    let mut word_start = true;
    for (i, c) in value.trim().chars().enumerate() {
        if i >= 40 {
            out.push('…');
            break;
        }
        if c.is_alphanumeric() {
            // Digits are never kept, not even at the start of a word (dates, house numbers).
            if word_start && c.is_alphabetic() {
                out.push(c);
            } else {
                out.push('*');
            }
            word_start = false;
        } else {
            out.push(c);
            word_start = true;
        }
    }
    out
}

fn last_n(bytes: &[u8], n: usize) -> String {
    let start = bytes.len().saturating_sub(n);
    String::from_utf8_lossy(bytes.get(start..).unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(email("john.doe@gmail.com"), "j***@gmail.com");
        assert_eq!(card(b"4539578763621486"), "**** **** **** 1486");
        assert_eq!(ssn(b"123456789"), "***-**-6789");
        assert_eq!(iban(b"DE89370400440532013000"), "DE** **** **** 3000");
        assert_eq!(phone("+44 20 7946 0958"), "+** ** **** **58");
        assert_eq!(ip("81.2.69.160"), "81.2.*.*");
        assert_eq!(ip("2a00:1450::1"), "2a00:*:*");
        assert_eq!(generic("John Smith"), "J*** S****");
        assert_eq!(generic("1985-04-12"), "****-**-**");
    }
}
