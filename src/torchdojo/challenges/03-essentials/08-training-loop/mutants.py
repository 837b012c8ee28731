"""Known mistakes for training-loop."""
from torchdojo.grading.mutants import Mutant

ZERO_GRAD = "        optimizer.zero_grad()\n"
BACKWARD = "        loss.backward()  # fills p.grad for every parameter\n"
STEP = "        optimizer.step()  # one update per batch, using those gradients\n"
TRAIN_RETURN = "    return total_loss / seen\n"
EVAL_RETURN = "    return total_loss / seen, correct / seen\n"
EVAL_LOSS = "            total_loss += loss_fn(outputs, targets).item() * len(inputs)\n"
HITS = "            correct += (outputs.argmax(dim=1) == targets).sum().item()\n"

MUTANTS = [
    Mutant("no-zero-grad",
           "the gradients are never cleared: loss.backward() adds to .grad, so every step uses the sum of all "
           "gradients so far; call optimizer.zero_grad() for every batch, before loss.backward()",
           replace={ZERO_GRAD: ""}),
    Mutant("zero-grad-after-backward",
           "optimizer.zero_grad() runs between loss.backward() and optimizer.step(), so the step finds empty "
           "gradients and changes nothing; clear the gradients before backward (or after the step)",
           replace={ZERO_GRAD: "", BACKWARD: BACKWARD + ZERO_GRAD}),
    Mutant("no-step",
           "optimizer.step() is never called: the gradients are computed but the weights never change",
           replace={STEP: ""}),
    Mutant("step-once-per-epoch",
           "optimizer.step() sits after the loop (an indentation slip), so the weights move once per epoch "
           "instead of once per batch",
           replace={STEP: "", TRAIN_RETURN: "    optimizer.step()\n" + TRAIN_RETURN}),
    Mutant("no-model-train",
           "train_one_epoch never calls model.train(): after evaluate() the model stays in eval mode, so Dropout "
           "is off and BatchNorm uses frozen statistics while training",
           replace={"    model.train()\n": ""}),
    Mutant("no-model-eval",
           "evaluate does not call model.eval(): Dropout keeps dropping units and BatchNorm normalises with each "
           "batch's statistics (and changes its running ones), so the metrics are noisy and wrong",
           replace={"    model.eval()  #": "    #"}),
    Mutant("no-no-grad",
           "evaluate runs with gradient tracking on (no torch.no_grad()), so each forward pass builds a graph "
           "that is never used: slower, and memory can run out",
           replace={"    with torch.no_grad():  #": "    if True:  #"}),
    Mutant("train-returns-last-batch-loss",
           "train_one_epoch returns the loss of the last batch, not the mean over the epoch; keep a running total "
           "(loss.item() * batch size) and divide by the number of examples",
           replace={TRAIN_RETURN: "    return loss.item()\n"}),
    Mutant("evaluate-returns-last-batch-loss",
           "evaluate returns the loss of the last batch, not the mean over the dataset",
           replace={EVAL_LOSS: "            last_loss = loss_fn(outputs, targets).item()\n" + EVAL_LOSS,
                    EVAL_RETURN: "    return last_loss, correct / seen\n"}),
    Mutant("sums-loss-tensors",
           "the running loss adds the loss tensors themselves (no .item()), so the returned value is a tensor that "
           "keeps the autograd graph of every batch of the epoch alive; add loss.item()",
           replace={"        total_loss += loss.item() * len(inputs)\n": "        total_loss += loss * len(inputs)\n"}),
    Mutant("argmax-over-the-batch",
           "the predicted class is taken with argmax over dim 0 (the batch) instead of dim 1 (the classes of "
           "each row): outputs.argmax(dim=1)",
           replace={HITS: HITS.replace("dim=1", "dim=0")}),
    Mutant("predictions-keep-a-column",
           "predictions of shape (batch, 1) are compared with targets of shape (batch,): broadcasting makes a "
           "batch × batch table of comparisons; use argmax(dim=1) without keepdim (or targets.view(-1, 1))",
           replace={HITS: HITS.replace("argmax(dim=1)", "argmax(dim=1, keepdim=True)")}),
    Mutant("accuracy-per-batch-count",
           "the accuracy divides the number of correct predictions by the number of batches, not of examples, "
           "so it is not a fraction in [0, 1]",
           replace={EVAL_RETURN: "    return total_loss / seen, correct / len(loader)\n"}),
    Mutant("batch-centred-in-place",
           "each batch is centred in place (inputs -= inputs.mean(0)): when the loader hands out views of the "
           "dataset, the dataset itself is overwritten; compute a new tensor (inputs = inputs - inputs.mean(0))",
           replace={"        outputs = model(inputs)\n        loss = loss_fn(outputs, targets)  #":
                    "        inputs -= inputs.mean(dim=0)\n"
                    "        outputs = model(inputs)\n        loss = loss_fn(outputs, targets)  #"}),
]
