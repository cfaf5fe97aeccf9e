//! ANSI escape-code stripping for tracebacks and stream outputs.

/// Removes ANSI / VT100 escape sequences: CSI (`ESC [ … final`, also the 8-bit `\u{9b}`), OSC
/// (`ESC ] … BEL` or `ESC ] … ESC \`), other two-byte escapes, and a lone `ESC`. Newlines are
/// kept, so line numbers do not move. Linear time; never panics.
pub fn strip_ansi(text: &str) -> String {
    if !text.contains(['\u{1b}', '\u{9b}']) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars, &mut out);
                }
                Some(']') => {
                    chars.next();
                    skip_osc(&mut chars);
                }
                // Two-character escapes (`ESC (B`, `ESC =`, `ESC 7`…): drop the next character
                // unless it is a line break.
                Some(next) if next != '\n' && next != '\r' => {
                    chars.next();
                    if matches!(next, '(' | ')' | '*' | '+')
                        && let Some(&n) = chars.peek()
                        && n != '\n'
                    {
                        chars.next();
                    }
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars, &mut out),
            _ => out.push(c),
        }
    }
    out
}

/// Parameter and intermediate bytes then one final byte (`@`..`~`). A line break ends a
/// broken sequence and is kept.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    while let Some(&c) = chars.peek() {
        if c == '\n' {
            return;
        }
        chars.next();
        if ('@'..='~').contains(&c) {
            return;
        }
        if !(' '..='?').contains(&c) {
            out.push(c);
            return;
        }
    }
}

/// Until BEL or `ESC \`; a line break ends a broken sequence and is kept.
fn skip_osc(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if c == '\n' {
            return;
        }
        chars.next();
        if c == '\u{7}' {
            return;
        }
        if c == '\u{1b}' {
            if chars.peek() == Some(&'\\') {
                chars.next();
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn strips_ipython_traceback_colours() {
        let tb = "\u{1b}[0;31mValueError\u{1b}[0m                                Traceback (most recent call last)\n\
                  Cell \u{1b}[0;32mIn[3], line 1\u{1b}[0m\n\u{1b}[1;32m----> 1\u{1b}[0m x";
        let s = strip_ansi(tb);
        assert!(s.starts_with("ValueError "));
        assert!(s.contains("Cell In[3], line 1\n----> 1 x"));
        assert_eq!(s.lines().count(), tb.lines().count());
        assert!(!s.contains('\u{1b}'));
    }

    #[test]
    fn osc_hyperlinks_and_broken_sequences() {
        let s = strip_ansi("a\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{1b}\\b");
        assert_eq!(s, "alinkb");
        assert_eq!(strip_ansi("x\u{1b}[31"), "x");
        assert_eq!(strip_ansi("x\u{1b}[31\ny"), "x\ny");
        assert_eq!(strip_ansi("x\u{1b}"), "x");
        assert_eq!(strip_ansi("\u{1b}(Bok"), "ok");
        assert_eq!(strip_ansi("plain"), "plain");
    }
}
