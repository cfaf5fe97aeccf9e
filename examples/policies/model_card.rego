# Require a model card (README.md next to the model or in a parent directory) that states the
# intended use (an "Intended use(s)" / "Uses" heading or an `intended_use` front-matter key).
package mlsecops.examples.model_card

deny_missing_card contains msg if {
	some model in input.models
	model.card == null
	msg := sprintf("%s has no model card (README.md)", [model.path])
}

deny_no_intended_use contains msg if {
	some model in input.models
	model.card != null
	not model.card.intended_use
	msg := sprintf("model card %s of %s does not state the intended use", [model.card.path, model.path])
}
