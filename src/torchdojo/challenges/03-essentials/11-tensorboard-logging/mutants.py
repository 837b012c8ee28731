"""Known mistakes for tensorboard-logging."""
from torchdojo.grading.mutants import Mutant

STEP = "step = epoch * self.steps_per_epoch + batch"
TRAIN = "self.writer.add_scalar(\"train/loss\", loss, global_step=step)"
HISTOGRAM = "self.writer.add_histogram(f\"weights/{name}\", parameter.detach(), global_step=epoch)"

MUTANTS = [
    Mutant("step-is-epoch",
           "your train/loss uses the epoch as its global step: every batch of an epoch lands on the same x and "
           "overwrites the others; use epoch · steps_per_epoch + batch",
           replace={STEP: "step = epoch"}),
    Mutant("step-is-batch",
           "your train/loss uses the batch index as its global step: it starts again at 0 every epoch, so the "
           "epochs pile up on each other; add epoch · steps_per_epoch",
           replace={STEP: "step = batch"}),
    Mutant("no-global-step",
           "your add_scalar calls pass no global_step: every point lands at step 0 and TensorBoard keeps one; pass "
           "global_step",
           replace={TRAIN: "self.writer.add_scalar(\"train/loss\", loss)"}),
    Mutant("writer-not-closed",
           "your close() does not close the SummaryWriter: its background thread keeps running and events still "
           "queued can be lost when the program ends; call self.writer.close()",
           replace={"        self.writer.close()\n": "        pass\n"}),
    Mutant("log-dir-ignored",
           "your SummaryWriter ignores log_dir and writes to its default ./runs/<date>…; pass log_dir=log_dir",
           replace={"self.writer = SummaryWriter(log_dir=log_dir)": "self.writer = SummaryWriter()"}),
    Mutant("wrong-tag-names",
           "your tags are not the ones asked for (Loss/train instead of train/loss): dashboards, comparisons between "
           "runs and the grader look tags up by their exact names",
           replace={TRAIN: "self.writer.add_scalar(\"Loss/train\", loss, global_step=step)"}),
    Mutant("grad-histograms",
           "your histograms show the gradients (parameter.grad), not the weights: log parameter.detach()",
           replace={HISTOGRAM: "self.writer.add_histogram(f\"weights/{name}\", parameter.grad, global_step=epoch)"}),
    Mutant("histograms-without-step",
           "your histograms have no global_step: every epoch's lands at step 0 and only one survives; pass "
           "global_step=epoch",
           replace={HISTOGRAM: "self.writer.add_histogram(f\"weights/{name}\", parameter.detach())"}),
    Mutant("histograms-at-batch-step",
           "your histograms are logged at the first batch's global step (epoch · steps_per_epoch), not at the "
           "epoch: per-epoch values go at global_step=epoch, like val/loss and val/accuracy",
           replace={HISTOGRAM: HISTOGRAM.replace("global_step=epoch", "global_step=epoch * self.steps_per_epoch")}),
    Mutant("step-counter",
           "your train/loss step is a counter of log_batch calls, not computed from epoch and batch: a resumed run "
           "starts again at 0 and skipped batches close the gaps; use epoch · steps_per_epoch + batch",
           replace={"        self.steps_per_epoch = steps_per_epoch\n":
                    "        self.steps_per_epoch, self.calls = steps_per_epoch, 0\n",
                    STEP: "step = self.calls\n        self.calls += 1"}),
    Mutant("val-metrics-swapped",
           "your val/loss holds the accuracy and val/accuracy the loss: each value under its own tag",
           replace={"self.writer.add_scalar(\"val/loss\", val_loss, global_step=epoch)":
                    "self.writer.add_scalar(\"val/loss\", val_accuracy, global_step=epoch)",
                    "self.writer.add_scalar(\"val/accuracy\", val_accuracy, global_step=epoch)":
                    "self.writer.add_scalar(\"val/accuracy\", val_loss, global_step=epoch)"}),
]
