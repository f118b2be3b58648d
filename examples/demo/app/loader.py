import pickle
import torch
import numpy as np
from flask import request


def load_upload():
    return pickle.loads(request.files["model"].read())


def load_checkpoint(path):
    return torch.load(path)


def load_features(path):
    return np.load(path, allow_pickle=True)
