# Allowed licences: the model card's `license` (SPDX-style id, as on the Hugging Face Hub)
# must be in `data.examples.allowed_licences`; a model without a stated licence is denied.
package mlsecops.examples.licences

default allowed := {"apache-2.0", "mit", "bsd-3-clause"}

allowed := {lower(l) | some l in list} if {
	list := data.examples.allowed_licences
}

deny_licence contains msg if {
	some model in input.models
	licence := model.card.license
	is_string(licence)
	not lower(licence) in allowed
	msg := sprintf("%s: licence %q is not on the allow-list %v", [model.path, licence, sort([l | some l in allowed])])
}

deny_licence_missing contains msg if {
	some model in input.models
	not has_licence(model)
	msg := sprintf("%s: no licence stated in a model card", [model.path])
}

has_licence(model) if is_string(model.card.license)
