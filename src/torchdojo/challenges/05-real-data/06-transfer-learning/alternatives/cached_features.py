"""Compute the frozen features once (the backbone never changes, so neither do they), then train the head alone
on them for many cheap epochs."""
import torch
import torch.nn.functional as F
from torch import nn


def adapt(pretrained, num_classes):
    pretrained.requires_grad_(False)  # every parameter of the module tree at once
    pretrained.fc = nn.Linear(pretrained.fc.in_features, num_classes)
    return pretrained


def train_head(model, images, labels):
    model.eval()
    with torch.no_grad():
        features = model.features(images)  # (N, 1152), computed once
    optimizer = torch.optim.AdamW(model.fc.parameters(), lr=5e-3, weight_decay=1e-4)
    for _ in range(2):
        for batch in torch.randperm(len(features)).split(50):
            loss = F.cross_entropy(model.fc(features[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
