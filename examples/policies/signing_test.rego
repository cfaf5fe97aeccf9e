package mlsecops.examples.signing

test_unsigned_model_denied if {
	msgs := deny_unsigned with input as {"models": [
		{"path": "a/m.safetensors", "format": "safetensors", "signed": false},
		{"path": "b/m.gguf", "format": "gguf", "signed": true},
	]}
	count(msgs) == 1
	some m in msgs
	m.path == "a/m.safetensors"
	contains(m.msg, "not signed")
}

test_signed_models_pass if {
	count(deny_unsigned) == 0 with input as {"models": [{"path": "m.pt", "format": "pytorch-zip", "signed": true}]}
}

test_no_models_pass if {
	count(deny_unsigned) == 0 with input as {"models": []}
}
