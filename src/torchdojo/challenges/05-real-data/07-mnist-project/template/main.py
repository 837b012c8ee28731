"""`python main.py train` trains the model and saves model.pt (a state_dict) and training_curve.png
(training loss against the step); `python main.py evaluate model.pt` prints the test accuracy."""
import sys

import torch

from data import load, normalize
from model import Classifier


def train() -> None:
    # TODO 5: load the training split, normalise it, train Classifier() for a few epochs (Adam, mini-batches),
    #         keep every step's loss; torch.save(model.state_dict(), "model.pt"); plot the losses against the
    #         step with matplotlib and save the figure as "training_curve.png"
    raise NotImplementedError("TODO: train the model in main.py")


def evaluate(weights: str) -> None:
    # TODO 6: Classifier() with torch.load(weights, weights_only=True) loaded, in eval mode; the accuracy on the
    #         test split; print it, e.g. print(f"Test accuracy: {accuracy:.2%}")
    raise NotImplementedError("TODO: evaluate the saved model in main.py")


if __name__ == "__main__":  # importing main.py must not start anything
    if sys.argv[1:2] == ["train"]:
        train()
    elif len(sys.argv) == 3 and sys.argv[1] == "evaluate":
        evaluate(sys.argv[2])
    else:
        sys.exit("usage: python main.py train | python main.py evaluate MODEL")
