"""Training script using the safe variants of the same APIs."""
import numpy as np
import torch
import yaml
from safetensors.torch import load_file


def load_everything(path):
    state = torch.load(path, weights_only=True)
    weights = load_file("model.safetensors")
    arr = np.load("cache.npy")
    with open("train.yaml") as f:
        cfg = yaml.safe_load(f)
    return state, weights, arr, cfg
