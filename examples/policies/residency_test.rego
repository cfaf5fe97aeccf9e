package mlsecops.examples.residency

residency := {
	"allowed_regions": ["eu-west-1", "eu-central-1"],
	"dataset_regions": {"org/claims-eu": "eu-west-1", "org/claims-us": "us-east-1"},
}

doc := {"models": [{"path": "m", "card": {"datasets": ["org/claims-eu", "org/claims-us", "public/unknown"]}}]}

test_dataset_outside_allowed_region_denied if {
	msgs := deny_region with input as doc with data.examples.residency as residency
	count(msgs) == 1
	some msg in msgs
	contains(msg, "org/claims-us is stored in us-east-1")
}

test_unknown_region_warns if {
	msgs := warn_region_unknown with input as doc with data.examples.residency as residency
	msgs == {"m: no storage region is recorded for dataset public/unknown"}
}

test_no_region_data_denies_nothing_but_warns if {
	count(deny_region) == 0 with input as doc
	count(warn_region_unknown) == 3 with input as doc
}

test_models_without_card_ignored if {
	count(deny_region) == 0 with input as {"models": [{"path": "m", "card": null}]} with data.examples.residency as residency
}
