"""Training script with the unsafe ML API calls mlsecops lints for."""
import pickle
import subprocess

import numpy as np
import torch
import yaml
from transformers import AutoModelForCausalLM


def load_everything(path, cmd):
    state = torch.load(path)  # no weights_only=True
    with open("features.pkl", "rb") as f:
        features = pickle.load(f)
    arr = np.load("cache.npy", allow_pickle=True)
    cfg = yaml.load(open("train.yaml"))
    model = AutoModelForCausalLM.from_pretrained("org/model", trust_remote_code=True)
    subprocess.run(cmd, shell=True)
    return state, features, arr, cfg, model
