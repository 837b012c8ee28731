"""The classic torchvision recipe: freeze model.features, a new classifier, SGD with momentum over the parameters
that still require grad, the backbone's BatchNorm in eval mode and the head in train mode."""
import torch
from torch import nn, optim


def adapt(pretrained: nn.Module, num_classes: int) -> nn.Module:
    for param in pretrained.features.parameters():
        param.requires_grad = False
    pretrained.fc = nn.Linear(pretrained.fc.in_features, num_classes)
    return pretrained


def train_head(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> None:
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.01, momentum=0.9)
    model.features.eval()  # frozen BatchNorm statistics
    model.fc.train()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=32, shuffle=True)
    for _ in range(3):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
