"""Known mistakes for early-stopping."""
from torchdojo.grading.mutants import Mutant

SNAPSHOT = "            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n"

MUTANTS = [
    Mutant("patience-off-by-one",
           "training stops one epoch late: with patience N, stop at the N-th bad epoch in a row (bad_epochs >= "
           "patience), not after N + 1",
           replace={"return self.bad_epochs >= self.patience": "return self.bad_epochs > self.patience"}),
    Mutant("restores-last-not-best",
           "restore() puts back the last weights, not the best: the snapshot is taken every epoch instead of only "
           "when the loss improves",
           replace={SNAPSHOT: "", "        else:\n            self.bad_epochs += 1\n":
                    "        else:\n            self.bad_epochs += 1\n" + SNAPSHOT.replace("            ", "        ", 1)}),
    Mutant("restore-never-loads",
           "restore() never loads anything into the model: assigning to the name `model` inside restore() (model = "
           "self.best_model) only rebinds a local variable; load the saved copy into the model given, "
           "model.load_state_dict(best_state)",
           replace={"            model.load_state_dict(self.best_state)\n":
                    "            model = self.best_state  # rebinds the local name only\n"}),
    Mutant("parameters-only-no-buffers",
           "only the parameters are saved and restored, not the buffers (BatchNorm's running_mean and running_var "
           "keep the last epoch's values): copy and load the whole model.state_dict(), buffers included",
           replace={"{k: v.detach().clone() for k, v in model.state_dict().items()}":
                    "{k: v.detach().clone() for k, v in model.named_parameters()}",
                    "model.load_state_dict(self.best_state)": "model.load_state_dict(self.best_state, strict=False)"}),
    Mutant("min-delta-ignored",
           "min_delta is ignored: any lower loss counts as an improvement; it must be lower than the best by more "
           "than min_delta",
           replace={"if val_loss < self.best_loss - self.min_delta:": "if val_loss < self.best_loss:"}),
    Mutant("live-state-dict-reference",
           "the 'best' weights are a reference to model.state_dict(), whose tensors the training keeps changing in "
           "place, so 'best' silently follows the model; keep a copy (clone each tensor, or copy.deepcopy)",
           replace={"{k: v.detach().clone() for k, v in model.state_dict().items()}": "model.state_dict()"}),
    Mutant("ties-count-as-improvements",
           "a loss equal to the best counts as an improvement, so a plateau never stops training: use a strict <",
           replace={"if val_loss < self.best_loss - self.min_delta:": "if val_loss <= self.best_loss - self.min_delta:"}),
    Mutant("counter-not-reset",
           "the count of bad epochs is not reset when the loss improves, so bad epochs before an improvement still "
           "count: set it back to 0 on every improvement",
           replace={"            self.bad_epochs = 0\n": ""}),
    Mutant("compares-with-previous-epoch",
           "the loss is compared with the previous epoch's, not with the best so far: a small rebound after a "
           "bad epoch looks like progress",
           replace={"        else:\n            self.bad_epochs += 1\n":
                    "        else:\n            self.bad_epochs += 1\n            self.best_loss = val_loss\n"}),
    Mutant("best-creeps-down",
           "the best loss is lowered by every smaller loss, even by less than min_delta, so a slow steady "
           "improvement is never seen as one: move the best only on a real improvement",
           replace={"        else:\n            self.bad_epochs += 1\n":
                    "        else:\n            self.bad_epochs += 1\n            self.best_loss = min(self.best_loss, val_loss)\n"}),
    Mutant("best-starts-at-zero",
           "the best loss starts at 0, so no loss is ever an improvement and training stops after `patience` "
           "epochs whatever happens: start from math.inf (or take the first loss)",
           replace={"self.best_loss = math.inf": "self.best_loss = 0.0"}),
]
