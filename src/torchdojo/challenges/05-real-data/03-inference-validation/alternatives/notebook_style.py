"""The course notebook's way: fc1..fc4 with one nn.Dropout module, topk with the view that avoids the
broadcast, a DataLoader, validation under torch.inference_mode, pyplot's state machine for the plot."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn, optim  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


class Classifier(nn.Module):
    def __init__(self, dropout=0.2):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 64)
        self.fc4 = nn.Linear(64, 10)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = self.dropout(F.relu(self.fc1(x)))
        x = self.dropout(F.relu(self.fc2(x)))
        x = self.dropout(F.relu(self.fc3(x)))
        return self.fc4(x)


def accuracy(logits, labels):
    top_p, top_class = logits.topk(1, dim=1)
    equals = top_class == labels.view(*top_class.shape)  # (N, 1) == (N, 1): no broadcast
    return torch.mean(equals.type(torch.FloatTensor)).item()


def evaluate(model, images, labels, batch_size=256):
    mode = model.training
    model.eval()
    loss_sum, right = 0.0, 0
    with torch.inference_mode():
        for x, y in DataLoader(TensorDataset(images, labels), batch_size=batch_size):
            log_ps = F.log_softmax(model(x), dim=1)
            loss_sum += F.nll_loss(log_ps, y, reduction="sum").item()
            right += int((log_ps.argmax(1) == y).sum())
    model.train(mode)
    return loss_sum / len(images), right / len(images)


def fit(model, train_images, train_labels, val_images, val_labels, epochs=30, lr=2e-3, batch_size=32):
    loader = DataLoader(TensorDataset(train_images, train_labels), batch_size=batch_size, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    train_losses, val_losses, val_accuracies = [], [], []
    for e in range(epochs):
        running_loss = 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * images.shape[0]
        test_loss, test_accuracy = evaluate(model, val_images, val_labels)
        train_losses.append(running_loss / len(loader.dataset))
        val_losses.append(test_loss)
        val_accuracies.append(test_accuracy)
    return {"train_loss": train_losses, "val_loss": val_losses, "val_accuracy": val_accuracies}


def plot_history(history, path):
    plt.figure(figsize=(8, 5))
    plt.plot(history["train_loss"], label="Training loss")
    plt.plot(history["val_loss"], label="Validation loss")
    plt.legend(frameon=False)
    plt.xlabel("epoch")
    plt.savefig(path)
    plt.close()
