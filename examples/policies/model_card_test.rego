package mlsecops.examples.model_card

test_missing_card_denied if {
	deny_missing_card == {"m.pt has no model card (README.md)"} with input as {"models": [{"path": "m.pt", "card": null}]}
}

test_card_without_intended_use_denied if {
	msgs := deny_no_intended_use with input as {"models": [{"path": "m.pt", "card": {"path": "README.md", "intended_use": false}}]}
	count(msgs) == 1
	count(deny_missing_card) == 0 with input as {"models": [{"path": "m.pt", "card": {"path": "README.md", "intended_use": false}}]}
}

test_complete_card_passes if {
	doc := {"models": [{"path": "m.pt", "card": {"path": "README.md", "intended_use": true}}]}
	count(deny_missing_card) == 0 with input as doc
	count(deny_no_intended_use) == 0 with input as doc
}
