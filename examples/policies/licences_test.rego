package mlsecops.examples.licences

card(licence) := {"path": "README.md", "license": licence}

test_listed_licence_passes if {
	doc := {"models": [{"path": "m", "card": card("Apache-2.0")}]}
	count(deny_licence) == 0 with input as doc
	count(deny_licence_missing) == 0 with input as doc
}

test_unlisted_licence_denied if {
	msgs := deny_licence with input as {"models": [{"path": "m", "card": card("cc-by-nc-4.0")}]}
	count(msgs) == 1
}

test_allow_list_comes_from_data if {
	doc := {"models": [{"path": "m", "card": card("cc-by-nc-4.0")}]}
	count(deny_licence) == 0 with input as doc with data.examples.allowed_licences as ["CC-BY-NC-4.0"]
	count(deny_licence) == 1 with input as {"models": [{"path": "m", "card": card("mit")}]} with data.examples.allowed_licences as ["CC-BY-NC-4.0"]
}

test_missing_licence_denied if {
	count(deny_licence_missing) == 2 with input as {"models": [
		{"path": "a", "card": null},
		{"path": "b", "card": {"path": "README.md", "license": null}},
	]}
}
