//! Document rules over a parsed notebook: malformed input, limits, personal metadata and
//! home-directory paths.

use std::collections::HashMap;

use mlsecops_core::{FormatAnalysis, Observation};
use serde_json::Value;

use crate::fragments::{Fragment, FragmentKind, fragments_bounded, pretty_json};
use crate::{FORMAT, Limits, Notebook, NotebookLocation, parse};

/// Most distinct people / user names reported per notebook.
const MAX_REPORTED: usize = 32;

/// Keys that identify a person inside a metadata object.
const PERSON_KEYS: &[&str] = &["displayName", "photoUrl", "userId", "email", "emailAddress"];

/// Home-directory user names that name no person (containers, CI, placeholders).
const GENERIC_USERS: &[&str] = &[
    "user",
    "username",
    "users",
    "jovyan",
    "runner",
    "runneradmin",
    "ubuntu",
    "ec2-user",
    "vscode",
    "codespace",
    "codespaces",
    "docker",
    "root",
    "admin",
    "administrator",
    "default",
    "defaultuser0",
    "public",
    "shared",
    "guest",
    "all",
    "colab",
    "jupyter",
    "notebook",
    "app",
    "centos",
    "vagrant",
    "pi",
    "builder",
    "nobody",
    "linuxbrew",
    "conda",
    "mambauser",
    "you",
    "your",
    "yourname",
    "your_username",
    "your-username",
    "yourusername",
    "me",
    "name",
    "myuser",
    "someone",
    "example",
    "john",
    "jdoe",
    "foo",
    "test",
    "dev",
    "developer",
    "sagemaker-user",
    "ec2",
    "azureuser",
    "cloudshell-user",
    "kaggle",
    "studio-lab-user",
];

/// Reads and checks a notebook with default [`Limits`]: the document observations and the
/// notebook (when it could be parsed).
///
/// Each observation's place is in its evidence: `cell`, `output` (0-based), `line` (1-based,
/// inside the fragment's text; for parse errors inside the file, with `column`), `fragment`
/// ([`FragmentKind::as_str`]) and `mime`. [`take_location`] moves the positional keys out.
pub fn analyze(data: &[u8]) -> (FormatAnalysis, Option<Notebook>) {
    analyze_with(data, &Limits::default())
}

/// [`analyze`] under `limits`.
pub fn analyze_with(data: &[u8], limits: &Limits) -> (FormatAnalysis, Option<Notebook>) {
    let (analysis, nb, _) = analyze_with_fragments(data, limits);
    (analysis, nb)
}

/// [`analyze_with`] that also returns the notebook's [`crate::fragments`] (computed once for the
/// checks; empty when the notebook could not be parsed).
pub fn analyze_with_fragments(
    data: &[u8],
    limits: &Limits,
) -> (FormatAnalysis, Option<Notebook>, Vec<Fragment>) {
    let mut analysis = FormatAnalysis::new(FORMAT);
    let nb = match parse(data, limits) {
        Ok(nb) => nb,
        Err(e) => {
            let mut obs = Observation::new(e.rule(), e.to_string());
            if let Some((line, column, offset)) = e.position() {
                obs = obs
                    .at(offset)
                    .with_evidence("line", line.to_string())
                    .with_evidence("column", column.to_string());
            }
            analysis.fail(obs);
            return (analysis, None, Vec::new());
        }
    };
    for issue in &nb.issues {
        let obs = issue.to_observation();
        if issue.lost_content {
            analysis.fail(obs);
        } else {
            analysis.push(obs);
        }
    }
    let (frags, truncated) = fragments_bounded(&nb);
    if truncated {
        analysis.fail(Observation::new(
            "notebook-limit-exceeded",
            format!(
                "notebook text exceeds {} bytes; the rest was not scanned",
                limits.max_text_bytes
            ),
        ));
    }
    personal_metadata(&nb, &mut analysis);
    local_paths(&frags, &mut analysis);
    (analysis, Some(nb), frags)
}

/// Removes the positional evidence keys (`cell`, `output`, `line`, `column`) of a notebook
/// observation and returns them, so the scan engine can put them in the finding's location
/// (and keep them out of the fingerprint).
pub fn take_location(obs: &mut Observation) -> NotebookLocation {
    let mut take = |key: &str| obs.evidence.remove(key).and_then(|v| v.parse::<u32>().ok());
    NotebookLocation {
        cell: take("cell"),
        output: take("output"),
        line: take("line"),
        column: take("column"),
    }
}

/// One person found in metadata.
struct Person {
    /// Dotted path of the object (`executionInfo.user`).
    path: String,
    /// Which identifying keys it has.
    fields: Vec<&'static str>,
    /// Identity used to count distinct people (never reported).
    identity: String,
}

/// Objects with [`PERSON_KEYS`] anywhere in `value`.
fn find_people(value: &Value, path: &str, depth: u32, found: &mut Vec<Person>) {
    if depth > 16 || found.len() >= MAX_REPORTED {
        return;
    }
    match value {
        Value::Object(map) => {
            let fields: Vec<&'static str> = PERSON_KEYS
                .iter()
                .copied()
                .filter(|k| map.get(*k).is_some_and(non_empty_scalar))
                .collect();
            if !fields.is_empty() {
                let identity = fields
                    .iter()
                    .filter_map(|k| map.get(*k))
                    .map(scalar_text)
                    .collect::<Vec<_>>()
                    .join("\u{1f}");
                found.push(Person {
                    path: path.to_owned(),
                    fields,
                    identity,
                });
            }
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                find_people(child, &child_path, depth + 1, found);
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(1024) {
                find_people(item, path, depth + 1, found);
            }
        }
        _ => {}
    }
}

fn non_empty_scalar(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Number(_) => true,
        _ => false,
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// 1-based line of the first `"key":` in pretty-printed JSON text.
fn line_of_key(text: &str, key: &str) -> Option<u32> {
    let needle = format!("\"{key}\":");
    let at = text.find(&needle)?;
    let n = text.get(..at)?.bytes().filter(|&b| b == b'\n').count();
    u32::try_from(n + 1).ok()
}

fn personal_metadata(nb: &Notebook, analysis: &mut FormatAnalysis) {
    let cap = usize::try_from(nb.max_text_bytes).unwrap_or(usize::MAX);
    // Cell metadata (Colab executionInfo.user): one observation per distinct person.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut reports: Vec<(Observation, u32)> = Vec::new();
    for cell in &nb.cells {
        let mut people = Vec::new();
        find_people(&cell.metadata, "", 0, &mut people);
        for person in people {
            if let Some(&i) = seen.get(&person.identity) {
                if let Some((_, count)) = reports.get_mut(i) {
                    *count = count.saturating_add(1);
                }
                continue;
            }
            if reports.len() >= MAX_REPORTED {
                break;
            }
            let text = pretty_json(&cell.metadata, cap);
            let line = person
                .fields
                .first()
                .and_then(|k| line_of_key(&text, k))
                .unwrap_or(1);
            let colab = person.path.ends_with("executionInfo.user");
            let message = if colab {
                format!(
                    "Colab execution metadata names the Google account that ran the cell ({})",
                    person.fields.join(", ")
                )
            } else {
                format!(
                    "cell metadata `{}` names a person ({})",
                    display_path(&person.path),
                    person.fields.join(", ")
                )
            };
            let obs = Observation::new("notebook-personal-metadata", message)
                .with_evidence("cell", cell.index.to_string())
                .with_evidence("line", line.to_string())
                .with_evidence("fragment", FragmentKind::CellMetadata.as_str())
                .with_evidence("key", person.path.clone())
                .with_evidence("fields", person.fields.join(","));
            seen.insert(person.identity, reports.len());
            reports.push((obs, 1));
        }
    }
    for (obs, count) in reports {
        analysis.push(obs.with_evidence("cells", count.to_string()));
    }

    // Notebook metadata: authors / author, and person objects anywhere.
    let Value::Object(meta) = &nb.metadata else {
        return;
    };
    let text = pretty_json(&nb.metadata, cap);
    for key in ["authors", "author"] {
        let Some(value) = meta.get(key) else {
            continue;
        };
        let count = match value {
            Value::Array(items) => items.iter().filter(|v| names_someone(v)).count(),
            other => usize::from(names_someone(other)),
        };
        if count > 0 {
            let line = line_of_key(&text, key).unwrap_or(1);
            analysis.push(
                Observation::new(
                    "notebook-personal-metadata",
                    format!("notebook metadata `{key}` names {count} person(s)"),
                )
                .with_evidence("line", line.to_string())
                .with_evidence("fragment", FragmentKind::NotebookMetadata.as_str())
                .with_evidence("key", key),
            );
        }
    }
    let mut people = Vec::new();
    find_people(&nb.metadata, "", 0, &mut people);
    let mut seen_ids = std::collections::HashSet::new();
    for person in people {
        if person.path.starts_with("author") || !seen_ids.insert(person.identity) {
            continue;
        }
        let line = person
            .fields
            .first()
            .and_then(|k| line_of_key(&text, k))
            .unwrap_or(1);
        analysis.push(
            Observation::new(
                "notebook-personal-metadata",
                format!(
                    "notebook metadata `{}` names a person ({})",
                    display_path(&person.path),
                    person.fields.join(", ")
                ),
            )
            .with_evidence("line", line.to_string())
            .with_evidence("fragment", FragmentKind::NotebookMetadata.as_str())
            .with_evidence("key", person.path)
            .with_evidence("fields", person.fields.join(",")),
        );
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "metadata" } else { path }
}

fn names_someone(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.trim().is_empty(),
        Value::Object(map) => ["name", "email", "given-names", "family-names"]
            .iter()
            .any(|k| map.get(*k).is_some_and(non_empty_scalar)),
        _ => false,
    }
}

/// User names in `/home/<u>`, `/Users/<u>`, `C:\Users\<u>` (also JSON-escaped backslashes).
pub(crate) fn home_users(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let Some(p) = bytes
            .get(i..)
            .and_then(|s| s.iter().position(|&b| b == b'/' || b == b'\\'))
        else {
            break;
        };
        let sep_at = i + p;
        i = sep_at + 1;
        let rest = bytes.get(sep_at + 1..).unwrap_or_default();
        let word_len = if starts_ci(rest, b"home") {
            4
        } else if starts_ci(rest, b"users") {
            5
        } else {
            continue;
        };
        // `/home` must start a path component: preceded by start, `:`, a quote, space…,
        // not by a letter (`/myhome/`).
        let after_word = sep_at + 1 + word_len;
        let mut j = after_word;
        let mut seps = 0;
        while bytes.get(j).is_some_and(|&b| b == b'/' || b == b'\\') && seps < 2 {
            j += 1;
            seps += 1;
        }
        if seps == 0 {
            continue;
        }
        let name_start = j;
        while j < bytes.len()
            && j - name_start < 64
            && bytes
                .get(j)
                .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            j += 1;
        }
        let name = text.get(name_start..j).unwrap_or_default();
        i = i.max(j);
        if name.is_empty()
            || !name
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_alphanumeric)
            || name.bytes().all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if GENERIC_USERS.contains(&lower.as_str()) {
            continue;
        }
        found.push((sep_at, name.to_owned()));
    }
    found
}

fn starts_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.get(..needle.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(needle))
}

fn local_paths(frags: &[Fragment], analysis: &mut FormatAnalysis) {
    // user (lowercase) -> (first observation, occurrences)
    let mut users: Vec<(String, Observation, u32)> = Vec::new();
    for frag in frags {
        for (at, name) in home_users(&frag.text) {
            let key = name.to_ascii_lowercase();
            if let Some(entry) = users.iter_mut().find(|(k, _, _)| *k == key) {
                entry.2 = entry.2.saturating_add(1);
                continue;
            }
            if users.len() >= MAX_REPORTED {
                continue;
            }
            let mut obs = Observation::new(
                "notebook-local-path-disclosure",
                format!("home-directory path names the local user `{name}`"),
            )
            .with_evidence("user", name.clone())
            .with_evidence("line", frag.line_at(at).to_string())
            .with_evidence("fragment", frag.kind.as_str());
            if let Some(cell) = frag.cell {
                obs = obs.with_evidence("cell", cell.to_string());
            }
            if let Some(output) = frag.output {
                obs = obs.with_evidence("output", output.to_string());
            }
            if let Some(mime) = &frag.mime {
                obs = obs.with_evidence("mime", mime.clone());
            }
            users.push((key, obs, 1));
        }
    }
    for (_, obs, count) in users {
        analysis.push(obs.with_evidence("occurrences", count.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_user_names() {
        let names =
            |t: &str| -> Vec<String> { home_users(t).into_iter().map(|(_, n)| n).collect() };
        assert_eq!(names("File /home/alice/x.py, line 3"), ["alice"]);
        assert_eq!(names("/Users/Bob.Smith/Library"), ["Bob.Smith"]);
        assert_eq!(names(r"C:\Users\carol\AppData"), ["carol"]);
        assert_eq!(names(r#""C:\\Users\\dave\\x""#), ["dave"]);
        assert!(names("/home/jovyan/work /Users/Shared /home/runner/ /home/1000/").is_empty());
        assert!(names("/myhome/eve /homework/x /home").is_empty());
        assert_eq!(names("~/x and /home/frank"), ["frank"]);
    }
}
