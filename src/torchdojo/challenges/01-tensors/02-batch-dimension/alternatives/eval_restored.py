"""predict_one in eval mode (what a deployed model would use), putting the caller's mode back
afterwards, without autograd; the other functions through torch's functional forms."""
import torch


def first_example(batch):
    return batch[:1]


def add_batch_dim(example):
    return torch.unsqueeze(example, 0)


def remove_batch_dim(batch):
    return torch.squeeze(batch, 0)


def flatten_features(batch):
    return torch.flatten(batch, 1)


def predict_one(model, example):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(example.unsqueeze(0))[0]
    finally:
        model.train(was_training)
