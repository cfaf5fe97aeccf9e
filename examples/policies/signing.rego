# Block unsigned models: every model needs an OMS signature bundle (`model.sig`, written by
# `mlsecops sign`) in its directory or a parent directory. Presence only: verify the
# signature itself in the deploy step with `mlsecops verify`.
package mlsecops.examples.signing

deny_unsigned contains {"msg": msg, "path": model.path, "format": model.format} if {
	some model in input.models
	not model.signed
	msg := sprintf("%s is not signed: no model.sig next to it (run `mlsecops sign`)", [model.path])
}
