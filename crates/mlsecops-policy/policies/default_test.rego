# Tests of the built-in default policy (`mlsecops policy test` with no directory runs them).
package mlsecops.default

mk_finding(rule, severity) := {
	"rule": rule,
	"severity": severity,
	"message": "m",
	"fingerprint": "abc123",
	"location": {"path": "m.pkl"},
}

test_malicious_package_denied if {
	f := mk_finding("dep-malicious-package", "critical")
	msgs := deny_unwaivable with input as {"files": [{"path": "requirements.txt", "status": "complete", "findings": [f]}]}
	count(msgs) == 1
	some msg in msgs
	contains(msg, "requirements.txt: dep-malicious-package")
}

test_waived_evasion_still_denied if {
	f := object.union(mk_finding("pickle-scanner-evasion", "critical"), {"waiver": {"id": "w.toml:1"}})
	count(deny_unwaivable) == 1 with input as {"files": [{"path": "m.pkl", "status": "complete", "findings": [f]}]}
}

test_ordinary_finding_not_unwaivable if {
	f := mk_finding("pickle-code-execution", "critical")
	count(deny_unwaivable) == 0 with input as {"files": [{"path": "m.pkl", "status": "complete", "findings": [f]}]}
}

waived(severity, fingerprint) := {
	"files": [{"path": "m.pkl", "status": "complete", "findings": [object.union(
		mk_finding("pickle-code-execution", severity),
		{"waiver": {"id": "w.toml:3"}},
	)]}],
	"waivers": {"entries": [object.union(
		{"id": "w.toml:3", "rule": "pickle-code-execution", "path": "*.pkl", "state": "active"},
		fingerprint,
	)]},
}

test_glob_waiver_on_critical_warns if {
	msgs := warn_broad_critical_waiver with input as waived("critical", {})
	count(msgs) == 1
	some msg in msgs
	contains(msg, "abc123")
}

test_fingerprint_waiver_on_critical_allowed if {
	count(warn_broad_critical_waiver) == 0 with input as waived("critical", {"fingerprint": "abc123"})
}

test_glob_waiver_on_high_allowed if {
	count(warn_broad_critical_waiver) == 0 with input as waived("high", {})
}

test_expired_and_unused_waivers_warn if {
	doc := {"files": [], "waivers": {"entries": [
		{"id": "w:1", "rule": "a", "path": "*", "owner": "o", "expires": "2020-01-01", "state": "expired"},
		{"id": "w:5", "rule": "b", "path": "x/*", "owner": "o", "expires": "2099-01-01", "state": "unused"},
		{"id": "w:9", "rule": "c", "path": "*", "owner": "o", "expires": "2099-01-01", "state": "active"},
	]}}
	warn_waiver_expired == {"waiver w:1 (a, owner o) expired on 2020-01-01"} with input as doc
	warn_waiver_unused == {"waiver w:5 (b on x/*) matched no finding; remove it"} with input as doc
}

test_no_waivers_no_warnings if {
	count(warn_waiver_expired) == 0 with input as {"files": []}
	count(warn_waiver_unused) == 0 with input as {"files": []}
}

test_incomplete_file_warns if {
	doc := {"files": [
		{"path": "a.pt", "status": "inconclusive", "reason": "truncated", "findings": []},
		{"path": "b.bin", "status": "complete", "findings": []},
		{"path": "c.txt", "status": "skipped", "findings": []},
	]}
	warn_incomplete == {"a.pt was not fully analysed (inconclusive, truncated): it is not known to be safe"} with input as doc
}
