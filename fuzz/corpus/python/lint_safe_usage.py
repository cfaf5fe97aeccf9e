"""The safe counterparts: nothing here should be reported."""
import gradio as gr
import numpy as np
import torch
import yaml
from safetensors.torch import load_file
from transformers import AutoModel


def restore(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def weights(path):
    return load_file(path)


def features(path):
    return np.load(path)


def hyperparameters(path):
    with open(path) as f:
        return yaml.safe_load(f)


def model():
    return AutoModel.from_pretrained("bert-base-uncased", revision="86b5e0934494bd15c9632b12f734a8a67f723594")


def app():
    demo = gr.Interface(fn=lambda t: t, inputs="text", outputs="text")
    demo.launch()
