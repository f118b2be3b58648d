import json

import numpy as np
import torch
from safetensors.torch import load_file


def load_checkpoint(path):
    return torch.load(path, weights_only=True)


def load_weights(path):
    return load_file(path)


def load_features(path):
    return np.load(path)


def load_config(path):
    with open(path) as f:
        return json.load(f)
