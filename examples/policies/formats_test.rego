package mlsecops.examples.formats

models := {"models": [
	{"path": "a.pt", "format": "pytorch-zip", "base_format": "pytorch-zip"},
	{"path": "b.pkl.gz", "format": "gzip:pickle", "base_format": "pickle"},
	{"path": "c.safetensors", "format": "safetensors", "base_format": "safetensors"},
]}

test_pickle_family_denied_in_production if {
	msgs := deny_pickle_in_production with input as models with data.examples.environment as "production"
	count(msgs) == 2
	count(warn_pickle) == 0 with input as models with data.examples.environment as "production"
}

test_missing_environment_means_production if {
	count(deny_pickle_in_production) == 2 with input as models
}

test_staging_only_warns if {
	count(deny_pickle_in_production) == 0 with input as models with data.examples.environment as "staging"
	warn_pickle["b.pkl.gz is a gzip:pickle file (pickle family): it will be blocked in production"] with input as models with data.examples.environment as "staging"
}

test_safe_formats_pass if {
	count(deny_pickle_in_production) == 0 with input as {"models": [{"path": "m.gguf", "format": "gguf", "base_format": "gguf"}]}
}
