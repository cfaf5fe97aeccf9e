//! A small, bounded HTML → text converter for `text/html` outputs (no DOM, no allocation per
//! node beyond the output string).

/// Tags that end a line (block elements and line breaks).
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "hr",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "title",
    "details",
    "summary",
    "figure",
    "figcaption",
    "form",
    "textarea",
];

/// Longest tag or entity name looked at.
const MAX_NAME: usize = 32;

/// Converts HTML to plain text for scanning.
///
/// Table cells (`td`, `th`) on one row are separated by a tab and rows (`tr`) by a newline, so
/// a pandas `DataFrame` becomes tab-separated lines (column-aware PII checks work on them). Block
/// elements end lines, runs of whitespace collapse to one space (kept inside `pre`), comments and
/// `style` contents are dropped, `script` contents are kept as their own lines (they may hold keys),
/// and the common named entities plus numeric references are decoded. URL-valued `href` / `src` /
/// `action` attributes (`…://…`, not `data:`) are kept as text, since credentials hide in URLs.
/// A `<` that does not start a tag, and an unterminated tag, are kept as text. Linear time,
/// output at most a small multiple of the input, never panics.
pub fn html_to_text(html: &str) -> String {
    let mut c = Converter {
        out: String::with_capacity(html.len() / 2),
        cur: String::new(),
        cells: 0,
        pre: 0,
    };
    let bytes = html.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let rest = html.get(i..).unwrap_or_default();
        let Some(lt) = rest.find('<') else {
            c.text(rest);
            break;
        };
        c.text(rest.get(..lt).unwrap_or_default());
        i += lt;
        let rest = html.get(i..).unwrap_or_default();
        if rest.starts_with("<!--") {
            i = find_from(html, i + 4, "-->").map_or(bytes.len(), |p| p + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = find_from(html, i + 2, ">").map_or(bytes.len(), |p| p + 1);
            continue;
        }
        let Some(tag) = parse_tag(html, i) else {
            // Not a tag: a literal `<`.
            c.push_text("<");
            i += 1;
            continue;
        };
        if tag.unterminated {
            // `<name …` without `>`: keep the rest as text rather than losing it.
            c.text(rest);
            break;
        }
        i = tag.end;
        let name = tag.name.as_str();
        for value in &tag.urls {
            c.push_text(" ");
            c.push_text(value);
            c.push_text(" ");
        }
        if !tag.closing && (name == "script" || name == "style") {
            let close = if name == "script" {
                "</script"
            } else {
                "</style"
            };
            let end = find_ci(html, i, close).unwrap_or(bytes.len());
            if name == "script" {
                c.flush();
                c.newline();
                c.pre = c.pre.saturating_add(1);
                c.text(html.get(i..end).unwrap_or_default());
                c.pre = c.pre.saturating_sub(1);
                c.flush();
                c.newline();
            }
            i = find_from(html, end, ">").map_or(bytes.len(), |p| p + 1);
            continue;
        }
        match name {
            "td" | "th" => {
                c.flush();
                if !tag.closing {
                    if c.cells > 0 {
                        c.out.push('\t');
                    }
                    c.cells = c.cells.saturating_add(1);
                }
            }
            _ if BLOCK_TAGS.contains(&name) => {
                c.flush();
                c.newline();
                if name == "pre" {
                    if tag.closing {
                        c.pre = c.pre.saturating_sub(1);
                    } else if !tag.self_closing {
                        c.pre = c.pre.saturating_add(1);
                    }
                }
            }
            _ => {}
        }
    }
    c.flush();
    while c.out.ends_with('\n') {
        c.out.pop();
    }
    c.out
}

struct Converter {
    out: String,
    cur: String,
    cells: u32,
    pre: u32,
}

impl Converter {
    /// Decodes entities in `raw` and appends it to the current inline text.
    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = decode_entities(raw);
        self.push_text(&decoded);
    }

    fn push_text(&mut self, text: &str) {
        if self.pre > 0 {
            self.cur.push_str(text);
            return;
        }
        for ch in text.chars() {
            if ch.is_whitespace() {
                if !self.cur.is_empty() && !self.cur.ends_with(' ') {
                    self.cur.push(' ');
                }
            } else {
                self.cur.push(ch);
            }
        }
    }

    fn flush(&mut self) {
        let t = if self.pre > 0 {
            self.cur.trim_matches(['\n', '\r'])
        } else {
            self.cur.trim()
        };
        self.out.push_str(t);
        self.cur.clear();
    }

    fn newline(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.cells = 0;
    }
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    unterminated: bool,
    /// Byte index just past `>`.
    end: usize,
    /// URL-valued attributes worth scanning.
    urls: Vec<String>,
}

/// Parses the tag starting at `html[start] == '<'`; `None` when no tag name follows.
fn parse_tag(html: &str, start: usize) -> Option<Tag> {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        i += 1;
    }
    if i == name_start || !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name = html
        .get(name_start..i.min(name_start + MAX_NAME))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut tag = Tag {
        name,
        closing,
        self_closing: false,
        unterminated: false,
        end: i,
        urls: Vec::new(),
    };
    // Attributes.
    loop {
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
        {
            if bytes.get(i) == Some(&b'/') && bytes.get(i + 1) == Some(&b'>') {
                tag.self_closing = true;
            }
            i += 1;
        }
        match bytes.get(i) {
            None => {
                tag.unterminated = true;
                return Some(tag);
            }
            Some(b'>') => {
                tag.end = i + 1;
                return Some(tag);
            }
            Some(_) => {}
        }
        let attr_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let attr = html.get(attr_start..i).unwrap_or_default();
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let (value_start, value_end) = match bytes.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let vs = i + 1;
                let Some(ve) = bytes.get(vs..).and_then(|s| s.iter().position(|&b| b == q)) else {
                    tag.unterminated = true;
                    return Some(tag);
                };
                i = vs + ve + 1;
                (vs, vs + ve)
            }
            _ => {
                let vs = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                {
                    i += 1;
                }
                (vs, i)
            }
        };
        if ["href", "src", "action"]
            .iter()
            .any(|a| attr.eq_ignore_ascii_case(a))
        {
            let value = decode_entities(html.get(value_start..value_end).unwrap_or_default());
            let lower = value.trim_start().get(..5).map(str::to_ascii_lowercase);
            if value.contains("://") && lower.as_deref() != Some("data:") {
                tag.urls.push(value);
            }
        }
    }
}

/// Byte index of `needle` in `hay` at or after `from`.
fn find_from(hay: &str, from: usize, needle: &str) -> Option<usize> {
    hay.get(from..)?.find(needle).map(|p| p + from)
}

/// Case-insensitive (ASCII) `find_from`.
fn find_ci(hay: &str, from: usize, needle: &str) -> Option<usize> {
    let bytes = hay.as_bytes();
    let n = needle.as_bytes();
    let first = n.first()?;
    let mut i = from;
    while i + n.len() <= bytes.len() {
        let rest = bytes.get(i..)?;
        let p = rest.iter().position(|b| b == first)?;
        i += p;
        if bytes
            .get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
        {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Decodes `&name;`, `&#123;` and `&#x1F;` references; unknown ones stay as written.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let semi = after
            .char_indices()
            .take(MAX_NAME)
            .find(|&(_, ch)| ch == ';' || !(ch.is_ascii_alphanumeric() || ch == '#'))
            .filter(|&(_, ch)| ch == ';')
            .map(|(p, _)| p);
        let decoded = semi.and_then(|p| entity(after.get(..p).unwrap_or_default()));
        match (semi, decoded) {
            (Some(p), Some(ch)) => {
                out.push(ch);
                rest = after.get(p + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        return Some(
            char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}'),
        );
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "times" => '×',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        "para" => '¶',
        "sect" => '§',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANDAS: &str = r#"<div>
<style scoped>
    .dataframe tbody tr th:only-of-type { vertical-align: middle; }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;">
      <th></th>
      <th>name</th>
      <th>email</th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <th>0</th>
      <td>Alice &amp; Bob</td>
      <td>alice@example.com</td>
    </tr>
    <tr>
      <th>1</th>
      <td></td>
      <td>bob&#64;example.com</td>
    </tr>
  </tbody>
</table>
</div>"#;

    #[test]
    fn pandas_table_becomes_tab_separated_rows() {
        let t = html_to_text(PANDAS);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines,
            [
                "\tname\temail",
                "0\tAlice & Bob\talice@example.com",
                "1\t\tbob@example.com"
            ]
        );
    }

    #[test]
    fn blocks_entities_comments_scripts() {
        let t = html_to_text(
            "<p>a&lt;b &#x41;&#66; &bogus; &amp</p><!-- secret comment --><br/>c <b>d</b>\
             <script>var k = 'x';</script><pre>  x\n  y</pre>",
        );
        assert_eq!(t, "a<b AB &bogus; &amp\nc d\nvar k = 'x';\n  x\n  y");
    }

    #[test]
    fn urls_in_attributes_but_not_data_uris() {
        let t = html_to_text(
            r#"<a href="https://u:p@host/x">link</a><img src="data:image/png;base64,AAAA"><a href=mailto:a@b>m</a>"#,
        );
        assert!(t.contains("https://u:p@host/x"));
        assert!(!t.contains("AAAA"));
        assert!(!t.contains("mailto"));
    }

    #[test]
    fn literal_angle_brackets_and_unterminated_tags() {
        assert_eq!(html_to_text("1 < 2 and 3 <4"), "1 < 2 and 3 <4");
        assert_eq!(html_to_text("x <b key=sk-123"), "x <b key=sk-123");
        assert_eq!(
            html_to_text("<a title='unterminated"),
            "<a title='unterminated"
        );
        assert_eq!(html_to_text("<"), "<");
        assert_eq!(html_to_text("<!--"), "");
        assert_eq!(
            html_to_text("é<td>ü</td>&#xD800;&#99999999999;"),
            "éü\u{fffd}&#99999999999;"
        );
        assert_eq!(html_to_text("<td>a</td><td>b</td>"), "a\tb");
    }
}
