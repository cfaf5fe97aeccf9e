# Built-in default policy of `mlsecops scan` (package `mlsecops.default`).
#
# It only checks what the exit-code contract (`--fail-on`, `--strict`, waiver expiry) does
# not already check. Disable it with `--no-default-policy`. Input: docs/policy.md.
package mlsecops.default

# Rules whose findings mean "known-malicious": no waiver and no `--fail-on` threshold may
# accept them.
unwaivable_rules := {
	"dep-malicious-package",
	"pickle-scanner-evasion",
}

# deny: a known-malicious finding fails the run even when waived or below `--fail-on`.
deny_unwaivable contains msg if {
	some file in input.files
	some finding in file.findings
	finding.rule in unwaivable_rules
	msg := sprintf("%s: %s cannot be waived or thresholded away: %s", [
		file.path, finding.rule, finding.message,
	])
}

# warn: a critical finding should only be waived by a waiver pinned to its fingerprint, not by
# a rule/path glob that would also accept the next payload dropped into the same place.
warn_broad_critical_waiver contains msg if {
	some file in input.files
	some finding in file.findings
	finding.severity == "critical"
	waiver_id := finding.waiver.id
	some entry in input.waivers.entries
	entry.id == waiver_id
	not entry.fingerprint
	msg := sprintf("%s: critical finding %s is waived by %s without a fingerprint; pin the waiver with `fingerprint = \"%s\"`", [
		file.path, finding.rule, waiver_id, finding.fingerprint,
	])
}

# warn: expired waivers no longer waive anything; renew or remove them.
warn_waiver_expired contains msg if {
	some entry in input.waivers.entries
	entry.state == "expired"
	msg := sprintf("waiver %s (%s, owner %s) expired on %s", [entry.id, entry.rule, entry.owner, entry.expires])
}

# warn: unused waivers rot; remove them.
warn_waiver_unused contains msg if {
	some entry in input.waivers.entries
	entry.state == "unused"
	msg := sprintf("waiver %s (%s on %s) matched no finding; remove it", [entry.id, entry.rule, entry.path])
}

incomplete_states := {"inconclusive", "error", "unsupported"}

# warn: a file that was not fully analysed is not known to be safe.
warn_incomplete contains msg if {
	some file in input.files
	file.status in incomplete_states
	reason := object.get(file, "reason", "no reason given")
	msg := sprintf("%s was not fully analysed (%s, %s): it is not known to be safe", [file.path, file.status, reason])
}
