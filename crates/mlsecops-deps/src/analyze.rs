//! Dependencies × advisories → observations.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use mlsecops_core::{Observation, Severity};
use pep440_rs::Version;
use version_ranges::Ranges;

use crate::db::AdvisoryDb;
use crate::manifest::{Dependency, Ecosystem, Issue, Parsed};
use crate::osv::{Advisory, AffectedPackage};
use crate::pep::{SpecInfo, parse_version, spec_info};
use crate::typosquat::typosquat_target;

/// Most advisory ids listed in one message.
const MAX_LISTED: usize = 8;

pub(crate) fn observations(parsed: &Parsed, db: &AdvisoryDb) -> Vec<Observation> {
    let mut out: Vec<Observation> = parsed
        .issues
        .iter()
        .map(|i| issue_observation(i, parsed))
        .collect();
    let db_label = db.info().label();
    for dep in &parsed.dependencies {
        check_dependency(dep, parsed, db, &db_label, &mut out);
    }
    out
}

fn place(mut obs: Observation, line: u32, offset: Option<u64>, file: Option<&str>) -> Observation {
    if line > 0 {
        obs = obs.with_evidence("line", line.to_string());
    }
    if let Some(file) = file {
        obs = obs.with_evidence("file", file);
    } else if let Some(off) = offset {
        obs = obs.at(off);
    }
    obs
}

fn issue_observation(issue: &Issue, parsed: &Parsed) -> Observation {
    let mut obs = Observation::new(issue.rule, issue.message.clone())
        .with_evidence("manifest", parsed.kind.label());
    for (k, v) in &issue.evidence {
        obs = obs.with_evidence(k, v.clone());
    }
    place(obs, issue.line, issue.offset, issue.file.as_deref())
}

fn dep_observation(
    rule: &'static str,
    message: String,
    dep: &Dependency,
    parsed: &Parsed,
) -> Observation {
    let ecosystem = match &dep.ecosystem {
        Ecosystem::PyPi => "PyPI".to_owned(),
        Ecosystem::CondaMapped { conda_name } => {
            return place(
                Observation::new(rule, message)
                    .with_evidence("manifest", parsed.kind.label())
                    .with_evidence("package", dep.normalized_name.clone())
                    .with_evidence("ecosystem", "conda (mapped)")
                    .with_evidence("conda_package", conda_name.clone()),
                dep.source_line,
                dep.offset,
                dep.file.as_deref(),
            );
        }
        Ecosystem::CondaUnmapped => "conda".to_owned(),
    };
    place(
        Observation::new(rule, message)
            .with_evidence("manifest", parsed.kind.label())
            .with_evidence("package", dep.normalized_name.clone())
            .with_evidence("ecosystem", ecosystem),
        dep.source_line,
        dep.offset,
        dep.file.as_deref(),
    )
}

/// Advisories sharing an id or alias, merged.
struct Group<'a> {
    ids: BTreeSet<String>,
    members: Vec<&'a Advisory>,
}

impl Group<'_> {
    /// Preferred display id: GHSA, then PYSEC, then CVE, then anything.
    fn primary(&self) -> String {
        for prefix in ["GHSA-", "PYSEC-", "CVE-"] {
            if let Some(id) = self.ids.iter().find(|i| i.starts_with(prefix)) {
                return id.clone();
            }
        }
        self.ids.iter().next().cloned().unwrap_or_default()
    }

    fn aliases(&self) -> String {
        let primary = self.primary();
        self.ids
            .iter()
            .filter(|i| **i != primary)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn severity(&self) -> Option<Severity> {
        self.members.iter().filter_map(|a| a.severity).max()
    }

    fn summary(&self) -> &str {
        self.members
            .iter()
            .map(|a| a.summary.as_str())
            .find(|s| !s.is_empty())
            .unwrap_or("")
    }
}

fn group<'a>(advisories: Vec<&'a Advisory>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for adv in advisories {
        let mut ids: BTreeSet<String> = adv.aliases.iter().cloned().collect();
        ids.insert(adv.id.clone());
        let mut merged = Group {
            ids,
            members: vec![adv],
        };
        let mut i = 0;
        while let Some(g) = groups.get(i) {
            if g.ids.is_disjoint(&merged.ids) {
                i = i.saturating_add(1);
            } else {
                let g = groups.swap_remove(i);
                merged.ids.extend(g.ids);
                merged.members.extend(g.members);
            }
        }
        groups.push(merged);
    }
    groups.sort_by_key(Group::primary);
    groups
}

fn severity_word(s: Severity) -> String {
    s.as_str().to_owned()
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        _ => Severity::Low,
    }
}

fn check_dependency(
    dep: &Dependency,
    parsed: &Parsed,
    db: &AdvisoryDb,
    db_label: &str,
    out: &mut Vec<Observation>,
) {
    if matches!(dep.ecosystem, Ecosystem::CondaUnmapped) {
        return;
    }
    let name = dep.normalized_name.as_str();
    if matches!(dep.ecosystem, Ecosystem::PyPi)
        && let Some(target) = typosquat_target(name)
    {
        out.push(
            dep_observation(
                "dep-typosquat",
                format!(
                    "`{}` looks like a typo-squat of the popular package `{target}`",
                    dep.name
                ),
                dep,
                parsed,
            )
            .with_evidence("imitates", target),
        );
    }
    // Versions and specifiers that are not PEP 440 are reported whether or not the package
    // has advisories: pip would reject them, and no advisory range can be evaluated.
    if let Some(raw) = &dep.version
        && parse_version(raw).is_none()
    {
        out.push(
            dep_observation(
                "dep-unparseable-version",
                format!(
                    "`{}` is pinned to `{raw}`, which is not a PEP 440 version: advisory ranges cannot be evaluated (only exact `versions` entries are compared)",
                    dep.name
                ),
                dep,
                parsed,
            )
            .with_evidence("version", raw.clone()),
        );
    } else if dep.version.is_none()
        && let Some(spec) = &dep.specifier
        && let SpecInfo::Unparseable(bad) = spec_info(spec)
    {
        out.push(
            dep_observation(
                "dep-unparseable-version",
                format!(
                    "`{}` has a specifier that is not PEP 440 (`{bad}`): advisories cannot be evaluated",
                    dep.name
                ),
                dep,
                parsed,
            )
            .with_evidence("specifier", spec.clone()),
        );
    }
    let advisories: Vec<&Advisory> = db.for_package(name).collect();
    if advisories.is_empty() {
        return;
    }
    let (malicious, vulns): (Vec<&Advisory>, Vec<&Advisory>) =
        advisories.into_iter().partition(|a| a.malicious);
    if !malicious.is_empty() {
        let groups = group(malicious);
        let ids: Vec<String> = groups.iter().map(Group::primary).collect();
        out.push(
            dep_observation(
                "dep-malicious-package",
                format!(
                    "`{}` is a known malicious package ({}): every version is malicious; remove it and treat machines that installed it as compromised",
                    dep.name,
                    ids.join(", ")
                ),
                dep,
                parsed,
            )
            .with_evidence("advisory", ids.join(", "))
            .with_evidence("severity", "critical")
            .with_evidence("db", db_label),
        );
    }
    if vulns.is_empty() {
        return;
    }
    if let Some(raw) = &dep.version {
        let Some(version) = parse_version(raw) else {
            let hits: Vec<&Advisory> = vulns
                .iter()
                .copied()
                .filter(|a| {
                    affected_packages(a, name)
                        .iter()
                        .any(|p| p.affects_legacy(raw))
                })
                .collect();
            report_pinned(dep, parsed, raw, None, hits, db_label, out);
            return;
        };
        let hits: Vec<&Advisory> = vulns
            .iter()
            .copied()
            .filter(|a| {
                affected_packages(a, name)
                    .iter()
                    .any(|p| p.affects(&version))
            })
            .collect();
        report_pinned(dep, parsed, raw, Some(&version), hits, db_label, out);
        return;
    }
    let Some(spec) = &dep.specifier else { return };
    let range = match spec_info(spec) {
        SpecInfo::Range(r) => r,
        SpecInfo::Pinned(_) | SpecInfo::Any | SpecInfo::Unparseable(_) => return,
    };
    let mut vulnerable_union: Ranges<Version> = Ranges::empty();
    let hits: Vec<&Advisory> = vulns
        .iter()
        .copied()
        .filter(|a| {
            let set = affected_packages(a, name)
                .iter()
                .fold(Ranges::empty(), |acc: Ranges<Version>, p| {
                    acc.union(&p.affected_set())
                });
            let overlap = !set.is_disjoint(&range);
            if overlap {
                vulnerable_union = vulnerable_union.union(&set);
            }
            overlap
        })
        .collect();
    if hits.is_empty() {
        return;
    }
    let groups = group(hits);
    let only_vulnerable = range
        .intersection(&vulnerable_union.complement())
        .is_empty();
    let max = groups
        .iter()
        .filter_map(Group::severity)
        .max()
        .unwrap_or(Severity::Medium);
    let severity = if only_vulnerable { max } else { lower(max) };
    let ids: Vec<String> = groups.iter().map(Group::primary).collect();
    let mut fixed: Vec<String> = groups
        .iter()
        .flat_map(|g| {
            g.members
                .iter()
                .flat_map(|a| affected_packages(a, name))
                .flat_map(|p| p.fixed_after(None))
        })
        .collect();
    fixed.sort_by_key(|f| parse_version(f));
    fixed.dedup();
    let listed = ids
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = ids.len().saturating_sub(MAX_LISTED);
    let mut message = format!(
        "`{}{spec}` admits versions affected by {} advisor{} ({listed}{})",
        dep.name,
        ids.len(),
        if ids.len() == 1 { "y" } else { "ies" },
        if more > 0 {
            format!(", +{more} more")
        } else {
            String::new()
        }
    );
    if only_vulnerable {
        message.push_str("; every version the specifier allows is affected");
    }
    if let Some(last) = fixed.last() {
        let _ = write!(message, "; the newest fix is {last}");
    }
    message.push_str(" (the installed version is unknown: pin it or use a lockfile)");
    let mut obs = dep_observation("dep-range-admits-vulnerable", message, dep, parsed)
        .with_evidence("specifier", spec.clone())
        .with_evidence("advisory", ids.join(", "))
        .with_evidence("severity", severity_word(severity))
        .with_evidence("db", db_label);
    if !fixed.is_empty() {
        obs = obs.with_evidence("fixed", fixed.join(", "));
    }
    out.push(obs);
}

fn affected_packages<'a>(a: &'a Advisory, name: &str) -> Vec<&'a AffectedPackage> {
    a.packages.iter().filter(|p| p.name == name).collect()
}

fn report_pinned(
    dep: &Dependency,
    parsed: &Parsed,
    raw: &str,
    version: Option<&Version>,
    hits: Vec<&Advisory>,
    db_label: &str,
    out: &mut Vec<Observation>,
) {
    for g in group(hits) {
        let mut fixed: Vec<String> = g
            .members
            .iter()
            .flat_map(|a| a.packages.iter().filter(|p| p.name == dep.normalized_name))
            .flat_map(|p| p.fixed_after(version))
            .collect();
        fixed.sort_by_key(|f| parse_version(f));
        fixed.dedup();
        let primary = g.primary();
        let aliases = g.aliases();
        let mut message = format!("`{}` {raw} is affected by {primary}", dep.name);
        if !aliases.is_empty() {
            let _ = write!(message, " ({aliases})");
        }
        let summary = g.summary();
        if !summary.is_empty() {
            let _ = write!(message, ": {summary}");
        }
        match fixed.first() {
            Some(f) => {
                let _ = write!(message, "; fixed in {f}");
            }
            None => message.push_str("; no fixed version is known"),
        }
        let mut obs = dep_observation("dep-vulnerable", message, dep, parsed)
            .with_evidence("version", raw)
            .with_evidence("advisory", primary)
            .with_evidence("db", db_label);
        if !aliases.is_empty() {
            obs = obs.with_evidence("aliases", aliases);
        }
        if !fixed.is_empty() {
            obs = obs.with_evidence("fixed", fixed.join(", "));
        }
        if let Some(s) = g.severity() {
            obs = obs.with_evidence("severity", severity_word(s));
        }
        out.push(obs);
    }
}
