# Block pickle-family model formats in production: loading them runs code chosen by whoever
# wrote the file. Convert to safetensors / GGUF / ONNX instead. `data.examples.environment`
# selects the environment (missing means production: fail closed).
package mlsecops.examples.formats

# Format labels of `mlsecops scan` (`input.models[].base_format` drops a compression
# prefix such as `gzip:`) whose usual loader unpickles.
pickle_family := {
	"pickle",
	"dill",
	"joblib",
	"pytorch-zip",
	"pytorch-legacy",
	"pytorch-legacy-tar",
	"torchscript",
	"numpy-npz",
}

default environment := "production"

environment := data.examples.environment

deny_pickle_in_production contains msg if {
	environment == "production"
	some model in input.models
	model.base_format in pickle_family
	msg := sprintf("%s is a %s file (pickle family): not allowed in production; convert it to safetensors", [model.path, model.format])
}

warn_pickle contains msg if {
	environment != "production"
	some model in input.models
	model.base_format in pickle_family
	msg := sprintf("%s is a %s file (pickle family): it will be blocked in production", [model.path, model.format])
}
