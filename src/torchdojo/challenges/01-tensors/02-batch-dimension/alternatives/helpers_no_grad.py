"""predict_one built from the other helpers and run without autograd (a prediction needs no
gradients), with the functional forms of the same operations."""
import torch
from torch import nn


def first_example(batch):
    return torch.narrow(batch, 0, 0, 1)


def add_batch_dim(example):
    return torch.stack([example])  # a stack of one example is a batch of one


def remove_batch_dim(batch):
    return torch.select(batch, 0, 0)


def flatten_features(batch):
    return nn.Flatten()(batch)


def predict_one(model, example):
    with torch.no_grad():
        return remove_batch_dim(model(add_batch_dim(example)))
