from transformers import PretrainedConfig


class EvilConfig(PretrainedConfig):
    model_type = "evil"
