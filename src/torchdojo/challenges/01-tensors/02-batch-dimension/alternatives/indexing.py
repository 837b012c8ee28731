"""The batch dimension through indexing alone: slices keep an axis, None adds one, an integer drops one."""
import torch


def first_example(batch):
    return batch[0:1]


def add_batch_dim(example):
    return example[None]


def remove_batch_dim(batch):
    return batch[0]


def flatten_features(batch):
    return batch.reshape(batch.shape[0], -1)  # reshape copies when a view is impossible


def predict_one(model, example):
    return model(example[None])[0]
