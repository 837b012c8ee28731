"""Known mistakes for inference-validation (each one retrains: the grading runs every check)."""
from torchdojo.grading.mutants import Mutant

MODE_BACK = "    model.train(was_training)  # give the model back in the mode it came in\n"

MUTANTS = [
    Mutant("accuracy-broadcast",
           "accuracy compares predictions of shape (N, 1) (from topk) with labels of shape (N,): they broadcast to an "
           "(N, N) table and the result is about 10% whatever the model; compare logits.argmax(dim=1) == labels",
           replace={"predictions = logits.argmax(dim=1)": "predictions = logits.topk(1, dim=1).indices"}),
    Mutant("no-dropout",
           "the Classifier ignores its dropout rate (no dropout is applied), so nothing holds over-fitting back; put "
           "nn.Dropout(dropout) after each hidden ReLU",
           replace={"nn.ReLU(), nn.Dropout(dropout)]": "nn.ReLU()]"}),
    Mutant("functional-dropout-always-on",
           "forward calls F.dropout(x, p) without training=self.training, so dropout stays on in eval mode and the "
           "model's predictions are random at inference; use nn.Dropout (a module) or pass training=self.training",
           replace={"nn.ReLU(), nn.Dropout(dropout)]": "nn.ReLU()]",
                    "        self.layers = nn.Sequential(*layers)\n":
                    "        self.layers = nn.Sequential(*layers)\n        self.dropout = dropout\n",
                    "        return self.layers(x)":
                    "        for layer in self.layers:\n            x = layer(x)\n"
                    "            if isinstance(layer, nn.ReLU):\n                x = F.dropout(x, self.dropout)\n"
                    "        return x"}),
    Mutant("evaluate-without-eval",
           "evaluate measures the model in training mode: dropout is on and BatchNorm uses the batch's statistics, "
           "so the numbers describe a noisier model than the one used; call model.eval() first",
           replace={"    model.eval()  # dropout off": "    pass  # dropout off"}),
    Mutant("evaluate-without-no-grad",
           "evaluate runs the model with autograd recording: the numbers are right, but a graph is built and kept "
           "for nothing; wrap the loop in torch.no_grad()",
           replace={"    with torch.no_grad():  # no graph": "    if True:  # no graph"}),
    Mutant("evaluate-leaves-eval-mode",
           "evaluate leaves the model in eval mode, so the training that follows runs without dropout; give it back "
           "in the mode it came in with model.train(was_training)",
           replace={MODE_BACK: "", "        model.train()  # dropout on while learning\n": ""}),
    Mutant("evaluate-always-train-after",
           "evaluate ends with model.train() whatever mode the model came in, so a model someone put in eval mode "
           "comes back in training mode; restore the mode it had (model.train(was_training))",
           replace={MODE_BACK: "    model.train()\n"}),
    Mutant("evaluate-mean-of-batch-means",
           "the validation loss is the mean of the batch means, which gives a smaller last batch the weight of a "
           "full one; sum the per-image losses and divide by the number of images",
           replace={"total_loss += F.cross_entropy(logits, y, reduction=\"sum\").item()":
                    "total_loss += F.cross_entropy(logits, y).item() * batch_size"}),
    Mutant("validate-before-training",
           "fit validates at the start of each epoch, before the epoch's training, so every history entry describes "
           "the model one epoch late; validate after the epoch's batches",
           replace={"        model.train()  # dropout on while learning\n":
                    "        val_loss, val_accuracy = evaluate(model, val_images, val_labels)\n"
                    "        model.train()  # dropout on while learning\n",
                    "        val_loss, val_accuracy = evaluate(model, val_images, val_labels)\n"
                    "        history[\"train_loss\"]": "        history[\"train_loss\"]"}),
    Mutant("train-loss-last-batch",
           "the training loss recorded per epoch is the last batch's, not the mean over the epoch's batches; add "
           "up loss.item() × batch size and divide by the number of images",
           replace={"history[\"train_loss\"].append(total / len(train_images))":
                    "history[\"train_loss\"].append(loss.item())"}),
    Mutant("train-loss-mean-of-batch-means",
           "the training loss recorded per epoch is the mean of the batch means, which gives a short last batch the "
           "weight of a full one; add up loss.item() × batch size and divide by the number of images",
           replace={"total += loss.item() * len(batch)": "total += loss.item()",
                    "history[\"train_loss\"].append(total / len(train_images))":
                    "history[\"train_loss\"].append(total / len(range(0, len(train_images), batch_size)))"}),
    Mutant("optimizer-on-a-new-model",
           "the optimizer is built over a new Classifier's parameters, not the model fit was given, so that model "
           "never learns; use torch.optim.Adam(model.parameters(), lr=lr)",
           replace={"torch.optim.Adam(model.parameters(), lr=lr)": "torch.optim.Adam(Classifier().parameters(), lr=lr)"}),
    Mutant("plot-saved-after-close",
           "the figure is closed before it is saved, so savefig writes a new, empty figure; call savefig first, "
           "then plt.close",
           replace={"    figure.savefig(path, dpi=100)  # save before closing: a closed figure is gone\n    plt.close(figure)":
                    "    plt.close(figure)\n    plt.savefig(path, dpi=100)"}),
    Mutant("plot-not-a-plot",
           "plot_history saves an image that is not a plot of the curves (noise: no background, no lines); draw the "
           "training and validation losses with matplotlib and save that figure",
           replace={"    figure.savefig(path, dpi=100)  # save before closing: a closed figure is gone\n":
                    "    plt.imsave(path, torch.rand(300, 500, 3).numpy())\n"}),
    Mutant("plot-accuracy-for-validation-loss",
           "the plot shows the validation accuracy where the validation loss belongs, so the over-fitting (the "
           "validation loss rising while the training loss falls) cannot be seen; plot history['val_loss']",
           replace={"losses.plot(epochs, history[\"val_loss\"], label=\"validation loss\")":
                    "losses.plot(epochs, history[\"val_accuracy\"], label=\"validation loss\")"}),
]
