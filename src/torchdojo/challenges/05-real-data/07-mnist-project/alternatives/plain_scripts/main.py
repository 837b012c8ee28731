"""sys.argv by hand, plain tensors, pyplot's state machine; prints the accuracy as a percentage."""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from data import load, normalize
from model import Classifier

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "train":
        torch.manual_seed(1)
        x, y = load(True)
        x = normalize(x)
        net = Classifier()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        history = []
        for epoch in range(3):
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 128):
                idx = perm[i:i + 128]
                loss = F.cross_entropy(net(x[idx]), y[idx])
                net.zero_grad()
                loss.backward()
                opt.step()
                history.append(loss.item())
        torch.save(net.state_dict(), "model.pt")
        plt.plot(history)
        plt.xlabel("step")
        plt.ylabel("training loss")
        plt.savefig("training_curve.png")
    elif command == "evaluate":
        net = Classifier()
        net.load_state_dict(torch.load(sys.argv[2], weights_only=True))
        net.eval()
        x, y = load(False)
        with torch.no_grad():
            accuracy = (net(normalize(x)).argmax(1) == y).float().mean().item()
        print(f"Test accuracy: {100 * accuracy:.1f}%")
    else:
        print("usage: main.py train | evaluate MODEL")
        sys.exit(2)
