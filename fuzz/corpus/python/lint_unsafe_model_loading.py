"""Training utilities that load checkpoints, features and configs unsafely."""
import pickle

import joblib as jl
import numpy as np
import pandas as pd
import torch
import yaml
from torch import load as load_checkpoint


def restore(path):
    state = torch.load(path)  # no weights_only=True
    legacy = load_checkpoint(path + ".bak", map_location="cpu", weights_only=False)
    return state, legacy


def features(path):
    with open(path, "rb") as f:
        cached = pickle.load(f)
    arrays = np.load(path + ".npz", allow_pickle=True)
    frame = pd.read_pickle(path + ".df")
    return cached, arrays, frame


def classifier(path):
    return jl.load(path)


def hyperparameters(path):
    with open(path) as f:
        return yaml.load(f, Loader=yaml.Loader)
