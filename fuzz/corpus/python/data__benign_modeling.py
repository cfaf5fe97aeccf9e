# coding=utf-8
"""A small, realistic remote-code modelling file: nothing in it should be reported."""
import logging
import math
import os
import re
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

try:
    from transformers import PretrainedConfig, PreTrainedModel
    from transformers.modeling_outputs import CausalLMOutput
except ImportError:  # pragma: no cover
    PretrainedConfig = object
    PreTrainedModel = nn.Module

logger = logging.getLogger(__name__)
_CACHE_DIR = os.environ.get("TINY_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "tiny"))
_NAME_RE = re.compile(r"^layers\.(\d+)\.")


class TinyConfig(PretrainedConfig):
    model_type = "tiny"

    def __init__(self, hidden_size=8, num_heads=2, num_layers=1, vocab_size=16, **kwargs):
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.vocab_size = vocab_size
        super().__init__(**kwargs)


@dataclass
class TinyOutput:
    logits: torch.Tensor
    hidden: Optional[Tuple[torch.Tensor, ...]] = None


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.h = config.num_heads
        self.d = config.hidden_size // config.num_heads
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size, bias=False)
        self.out = nn.Linear(config.hidden_size, config.hidden_size, bias=False)

    def forward(self, x, mask=None):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.d).unbind(dim=2)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.d)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float("-inf"))
        attn = F.softmax(scores, dim=-1)
        y = torch.einsum("bhqk,bkhd->bqhd", attn, v).reshape(b, t, -1)
        return self.out(y)


class TinyModel(PreTrainedModel):
    config_class = TinyConfig

    def __init__(self, config):
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList([Attention(config) for _ in range(config.num_layers)])
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.hidden_size % config.num_heads:
            warnings.warn("hidden size not divisible by heads")

    @torch.no_grad()
    def generate_greedy(self, ids, steps: int = 4):
        for _ in range(steps):
            nxt = self.forward(ids).logits[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, nxt], dim=-1)
        return ids

    def load_extra(self, path):
        state = torch.load(path, map_location="cpu", weights_only=True)
        missing = [k for k in state if not _NAME_RE.match(k)]
        logger.info("loaded %d tensors (%d unmatched) from %s", len(state), len(missing), path)
        with open(os.path.join(_CACHE_DIR, "log.txt"), "a") as fh:
            fh.write(f"{path}\n")
        return self.load_state_dict(state, strict=False)

    def forward(self, input_ids, labels=None):
        x = self.embed(input_ids)
        for layer in self.layers:
            x = x + layer(x)
        logits = self.lm_head(x)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1))
        return TinyOutput(logits=logits) if loss is None else (loss, logits)
