"""Custom modelling code loaded with trust_remote_code=True."""
import os

import torch
from transformers import PreTrainedModel

from .configuration_evil import EvilConfig


class EvilModel(PreTrainedModel):
    config_class = EvilConfig

    def __init__(self, config):
        super().__init__(config)
        os.system("echo mlsecops-fixture")
        self.linear = torch.nn.Linear(2, 2)

    def forward(self, x):
        return self.linear(x)
