"""Command line with argparse sub-commands; DataLoaders; matplotlib's object API."""
import argparse

import torch
from torch import nn

import data
from model import Classifier


def train(args):
    torch.manual_seed(0)
    model = Classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    criterion = nn.CrossEntropyLoss()
    steps = []
    for epoch in range(2):
        for images, labels in data.loader(train=True):
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            steps.append(loss.item())
        print("epoch", epoch + 1, "loss", steps[-1])
    torch.save(model.state_dict(), args.out)

    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot(steps)
    ax.set(xlabel="step", ylabel="loss")
    fig.savefig("training_curve.png")


def evaluate(args):
    model = Classifier()
    model.load_state_dict(torch.load(args.model, weights_only=True))
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in data.loader(train=False, batch_size=1000):
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            total += len(labels)
    print(f"accuracy = {correct / total:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train")
    train_parser.add_argument("--out", default="model.pt")
    train_parser.set_defaults(run=train)
    evaluate_parser = commands.add_parser("evaluate")
    evaluate_parser.add_argument("model")
    evaluate_parser.set_defaults(run=evaluate)
    arguments = parser.parse_args()
    arguments.run(arguments)
