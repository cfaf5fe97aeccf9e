# Data residency: every dataset a model card names (`datasets:` front matter) must be stored
# in an allowed region. The organisation's dataset → region map and the allowed regions are
# data (`data.examples.residency`), not code.
package mlsecops.examples.residency

default allowed_regions := set()

allowed_regions := {r | some r in list} if {
	list := data.examples.residency.allowed_regions
}

default dataset_regions := {}

dataset_regions := data.examples.residency.dataset_regions

deny_region contains msg if {
	some model in input.models
	some dataset in model.card.datasets
	region := dataset_regions[dataset]
	not region in allowed_regions
	msg := sprintf("%s: dataset %s is stored in %s, outside the allowed regions %v", [model.path, dataset, region, sort([r | some r in allowed_regions])])
}

warn_region_unknown contains msg if {
	some model in input.models
	some dataset in model.card.datasets
	not dataset_regions[dataset]
	msg := sprintf("%s: no storage region is recorded for dataset %s", [model.path, dataset])
}
