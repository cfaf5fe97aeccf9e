//! Checksums, range filters and lookup tables used to post-validate regex candidates.

/// Luhn (mod 10) check over ASCII digits. Non-digits make it fail.
pub(crate) fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum: u32 = 0;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Card issuer prefixes: (first prefix, last prefix, number of prefix digits, min length, max length).
/// Sources: issuer documentation as summarised by ISO/IEC 7812 IIN listings (facts only).
const IIN_RANGES: &[(u32, u32, u32, usize, usize)] = &[
    (4, 4, 1, 13, 19),             // Visa (13, 16, 19)
    (51, 55, 2, 16, 16),           // Mastercard
    (2221, 2720, 4, 16, 16),       // Mastercard 2-series
    (34, 34, 2, 15, 15),           // American Express
    (37, 37, 2, 15, 15),           // American Express
    (6011, 6011, 4, 16, 19),       // Discover
    (644, 649, 3, 16, 19),         // Discover
    (65, 65, 2, 16, 19),           // Discover
    (622_126, 622_925, 6, 16, 19), // Discover / UnionPay co-brand
    (62, 62, 2, 16, 19),           // UnionPay
    (3528, 3589, 4, 16, 19),       // JCB
    (300, 305, 3, 14, 19),         // Diners Club International
    (36, 36, 2, 14, 19),           // Diners Club International
    (38, 39, 2, 16, 19),           // Diners Club
    (2200, 2204, 4, 16, 19),       // Mir
    (50, 50, 2, 13, 19),           // Maestro
    (56, 58, 2, 13, 19),           // Maestro
    (63, 63, 2, 13, 19),           // Maestro
    (67, 67, 2, 13, 19),           // Maestro
];

/// True when `digits` (ASCII digits only) starts with a known issuer prefix and has a length
/// that issuer uses.
pub(crate) fn card_iin_valid(digits: &[u8]) -> bool {
    let len = digits.len();
    IIN_RANGES.iter().any(|&(lo, hi, width, min, max)| {
        if len < min || len > max {
            return false;
        }
        let Some(prefix) = digits.get(..width as usize) else {
            return false;
        };
        let value = prefix
            .iter()
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')));
        (lo..=hi).contains(&value)
    })
}

/// Documented test card numbers (Stripe, PayPal/Braintree, Adyen test-card pages). They pass
/// Luhn but identify nobody, so they are not reported.
const TEST_CARDS: &[&str] = &[
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "4242424242424242",
    "4000056655665556",
    "4000000000000002",
    "4000000000000077",
    "4000000000003220",
    "4917610000000000",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "5454545454545454",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "6011981111111113",
    "3056930009020004",
    "30569309025904",
    "38520000023237",
    "36227206271667",
    "3566002020360505",
    "3530111333300000",
    "6200000000000005",
    "6555900000604105",
];

/// True for a documented test card number.
pub(crate) fn is_test_card(digits: &[u8]) -> bool {
    TEST_CARDS.iter().any(|t| t.as_bytes() == digits)
}

/// IBAN length per country (ISO 13616 IBAN registry, SWIFT, release 2024; facts only).
#[rustfmt::skip]
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
    ("BG", 22), ("BH", 22), ("BI", 27), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22),
    ("CY", 28), ("CZ", 24), ("DE", 22), ("DJ", 27), ("DK", 18), ("DO", 28), ("EE", 20),
    ("EG", 29), ("ES", 24), ("FI", 18), ("FK", 18), ("FO", 18), ("FR", 27), ("GB", 22),
    ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27), ("GT", 28), ("HN", 28), ("HR", 21),
    ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26), ("IT", 27), ("JO", 30),
    ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21), ("LT", 20), ("LU", 20),
    ("LV", 21), ("LY", 25), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19), ("MN", 20),
    ("MR", 27), ("MT", 31), ("MU", 30), ("NI", 28), ("NL", 18), ("NO", 15), ("OM", 23),
    ("PK", 24), ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22),
    ("RU", 33), ("SA", 24), ("SC", 31), ("SD", 18), ("SE", 24), ("SI", 19), ("SK", 24),
    ("SM", 27), ("SO", 23), ("ST", 25), ("SV", 28), ("TL", 23), ("TN", 24), ("TR", 26),
    ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20), ("YE", 30),
];

/// Registered IBAN length of a country code, if the country uses IBANs.
pub(crate) fn iban_length(country: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c.as_bytes() == country)
        .map(|&(_, l)| l)
}

/// ISO 13616 / ISO 7064 mod-97-10 check of a compact IBAN (uppercase letters and digits).
pub(crate) fn iban_mod97_valid(iban: &[u8]) -> bool {
    if iban.len() < 5 {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut rem: u32 = 0;
    for &b in tail.iter().chain(head) {
        match b {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => {
                let v = u32::from(b - b'A') + 10;
                rem = (rem * 100 + v) % 97;
            }
            _ => return false,
        }
    }
    rem == 1
}

/// US SSN validity (Social Security Administration rules): area not 000, 666 or 900–999,
/// group not 00, serial not 0000, and not a publicised advertising/test number.
pub(crate) fn ssn_valid(area: u32, group: u32, serial: u32) -> bool {
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    // Woolworth wallet card (078-05-1120), Social Security card ad sample (219-09-9999) and
    // the 987-65-4320..4329 advertising block (already excluded by area >= 900).
    !matches!((area, group, serial), (78, 5, 1120) | (219, 9, 9999))
}

/// Top-level domains accepted in email addresses besides all two-letter country codes.
const GENERIC_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "name",
    "pro",
    "aero",
    "coop",
    "museum",
    "mobi",
    "asia",
    "tel",
    "travel",
    "jobs",
    "app",
    "dev",
    "page",
    "tech",
    "online",
    "site",
    "xyz",
    "club",
    "shop",
    "store",
    "blog",
    "cloud",
    "email",
    "digital",
    "solutions",
    "agency",
    "company",
    "center",
    "network",
    "systems",
    "services",
    "group",
    "global",
    "world",
    "today",
    "life",
    "live",
    "news",
    "media",
    "studio",
    "design",
    "art",
    "academy",
    "university",
    "school",
    "education",
    "health",
    "care",
    "clinic",
    "bank",
    "finance",
    "capital",
    "money",
    "law",
    "legal",
    "consulting",
    "partners",
    "ventures",
    "space",
    "website",
    "host",
    "web",
    "wiki",
    "family",
    "fun",
    "guru",
    "ltd",
    "llc",
    "inc",
    "codes",
    "software",
    "engineering",
    "science",
    "security",
    "ninja",
    "expert",
    "tools",
    "works",
    "team",
    "city",
    "london",
    "berlin",
    "nyc",
    "paris",
    "tokyo",
    "amsterdam",
    "swiss",
    "eu",
    "gmbh",
    "work",
    "io",
    "ai",
];

/// Two-letter country TLDs that are also common file extensions (`user@model.pt`,
/// `x@setup.py`): accepted only with a context word.
const AMBIGUOUS_TLDS: &[&str] = &["py", "sh", "md", "rs", "pt", "so", "ml", "ps", "mk", "cc"];

/// Classification of a top-level domain for email validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tld {
    /// A known TLD.
    Known,
    /// A country TLD that is also a common file extension.
    Ambiguous,
    /// Not a TLD (or a reserved one).
    Invalid,
}

/// Classifies the last label of an email domain (already lowercase).
pub(crate) fn classify_tld(tld: &str) -> Tld {
    if !tld.bytes().all(|b| b.is_ascii_lowercase()) {
        return Tld::Invalid;
    }
    if AMBIGUOUS_TLDS.contains(&tld) {
        return Tld::Ambiguous;
    }
    if tld.len() == 2 || GENERIC_TLDS.contains(&tld) {
        return Tld::Known;
    }
    Tld::Invalid
}

/// Reserved domains (RFC 2606, RFC 6761) that cannot belong to a real mailbox.
pub(crate) fn is_reserved_domain(domain: &str) -> bool {
    const EXACT: &[&str] = &["example.com", "example.net", "example.org", "example.edu"];
    const SUFFIX: &[&str] = &[
        ".example.com",
        ".example.net",
        ".example.org",
        ".example",
        ".test",
        ".invalid",
        ".localhost",
        ".local",
    ];
    EXACT.contains(&domain) || SUFFIX.iter().any(|s| domain.ends_with(s)) || domain == "localhost"
}

/// Mailbox names that never denote a person (SSH remotes, automated senders).
pub(crate) fn is_non_personal_local(local: &str) -> bool {
    const NAMES: &[&str] = &[
        "git",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(local))
}

/// ITU-T E.164 country calling codes (1–3 digits), assigned as of 2024.
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
    55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211,
    212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 248, 249, 250, 251, 252, 253, 254,
    255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298, 299,
    350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    379, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506,
    507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
    677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 850, 852, 853, 855,
    856, 880, 886, 960, 961, 962, 963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974, 975, 976,
    977, 992, 993, 994, 995, 996, 998,
];

/// Length of the country calling code at the start of `digits` (E.164 digits after `+`).
pub(crate) fn country_code_len(digits: &[u8]) -> Option<usize> {
    let mut value: u16 = 0;
    for (i, &b) in digits.iter().take(3).enumerate() {
        value = value * 10 + u16::from(b.wrapping_sub(b'0'));
        if COUNTRY_CODES.contains(&value) {
            return Some(i + 1);
        }
    }
    None
}

/// NANP validity of a 10-digit national number: area code `[2-9][0-8][0-9]` and not `N11`,
/// exchange `[2-9][0-9][0-9]` and not `N11`.
pub(crate) fn nanp_valid(d: &[u8]) -> bool {
    let [a0, a1, a2, e0, e1, e2, ..] = d else {
        return false;
    };
    let n11 = |x: u8, y: u8| x == b'1' && y == b'1';
    d.len() == 10
        && (b'2'..=b'9').contains(a0)
        && *a1 != b'9'
        && !n11(*a1, *a2)
        && (b'2'..=b'9').contains(e0)
        && !n11(*e1, *e2)
}

/// The NANP block 555-0100..555-0199 is reserved for fiction; 555-1212 is directory
/// assistance.
pub(crate) fn nanp_fictional(d: &[u8]) -> bool {
    d.get(3..8) == Some(b"55501") || d.get(3..10) == Some(b"5551212")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid(b"79927398713"));
        assert!(!luhn_valid(b"79927398710"));
        assert!(!luhn_valid(b""));
        assert!(!luhn_valid(b"7992739871x"));
    }

    #[test]
    fn iin() {
        assert!(card_iin_valid(b"4539578763621486"));
        assert!(card_iin_valid(b"371449635398431"));
        assert!(!card_iin_valid(b"9539578763621486"));
        // Amex prefix with a Visa length.
        assert!(!card_iin_valid(b"3714496353984310"));
    }

    #[test]
    fn iban() {
        assert_eq!(iban_length(b"DE"), Some(22));
        assert_eq!(iban_length(b"US"), None);
        assert!(iban_mod97_valid(b"DE89370400440532013000"));
        assert!(iban_mod97_valid(b"GB82WEST12345698765432"));
        assert!(!iban_mod97_valid(b"DE89370400440532013001"));
        assert!(!iban_mod97_valid(b"DE8937040044053201300!"));
    }

    #[test]
    fn ssn_ranges() {
        assert!(ssn_valid(123, 45, 6789));
        assert!(!ssn_valid(0, 45, 6789));
        assert!(!ssn_valid(666, 45, 6789));
        assert!(!ssn_valid(900, 45, 6789));
        assert!(!ssn_valid(123, 0, 6789));
        assert!(!ssn_valid(123, 45, 0));
        assert!(!ssn_valid(78, 5, 1120));
    }

    #[test]
    fn tlds_and_codes() {
        assert_eq!(classify_tld("com"), Tld::Known);
        assert_eq!(classify_tld("de"), Tld::Known);
        assert_eq!(classify_tld("py"), Tld::Ambiguous);
        assert_eq!(classify_tld("weight"), Tld::Invalid);
        assert_eq!(country_code_len(b"4420"), Some(2));
        assert_eq!(country_code_len(b"1212"), Some(1));
        assert_eq!(country_code_len(b"3531"), Some(3));
        assert_eq!(country_code_len(b"999"), None);
        assert!(nanp_valid(b"2125550123"));
        assert!(!nanp_valid(b"1125550123"));
        assert!(!nanp_valid(b"2121110123"));
        assert!(nanp_fictional(b"2125550123"));
    }
}
