"""Known mistakes for lr-scheduler."""
from torchdojo.grading.mutants import Mutant

ATTRIBUTES = ("        self.warmup_epochs = warmup_epochs\n        self.total_epochs = total_epochs\n"
              "        self.min_lr = min_lr\n")
SUPER = "        super().__init__(optimizer, last_epoch)\n"

MUTANTS = [
    Mutant("off-by-one-epoch",
           "every lr is the next epoch's: the schedule is one epoch ahead (after construction, last_epoch is "
           "already 0: use it as it is, not last_epoch + 1)",
           replace={"self.lr_at(base_lr, self.last_epoch)": "self.lr_at(base_lr, self.last_epoch + 1)"}),
    Mutant("never-warms-up",
           "the lr starts at the full base lr: there is no linear warm-up from 0 (lr_t = base_lr · t / warmup_epochs "
           "for t < warmup_epochs)",
           replace={"return base_lr * t / self.warmup_epochs": "return base_lr"}),
    Mutant("cosine-to-zero",
           "the cosine decays to 0 instead of min_lr: lr_t = min_lr + (base_lr − min_lr) · ½(1 + cos(π·progress))",
           replace={"return self.min_lr + (base_lr - self.min_lr) * 0.5": "return base_lr * 0.5"}),
    Mutant("first-group-base-lr-for-all",
           "every param group follows the first group's base lr: compute each group's lr from its own entry of "
           "self.base_lrs",
           replace={"for base_lr in self.base_lrs]": "for base_lr in [self.base_lrs[0]] * len(self.base_lrs)]"}),
    Mutant("compounds-current-lr",
           "the lr is computed from the optimizer's current lr instead of self.base_lrs, so the factors multiply "
           "up epoch after epoch (and a warm-up from 0 stays at 0)",
           replace={"for base_lr in self.base_lrs]": "for base_lr in [g['lr'] for g in self.optimizer.param_groups]]"}),
    Mutant("no-floor-after-the-end",
           "after total_epochs the lr climbs back up: the cosine is periodic, so clamp it (lr = min_lr once "
           "t ≥ total_epochs)",
           replace={"        if t >= self.total_epochs:\n            return self.min_lr  # the floor stays; cos would "
                    "climb back up past the end\n": ""}),
    Mutant("attributes-after-super-init",
           "constructing the scheduler fails: LRScheduler.__init__ already calls get_lr() (for epoch 0), so set "
           "your attributes before calling super().__init__",
           replace={ATTRIBUTES + SUPER: SUPER + ATTRIBUTES}),
    Mutant("lambda-in-state",
           "the scheduler keeps a lambda as an attribute: state_dict() holds every attribute, and a function cannot "
           "be saved (or loaded with weights_only=True); compute the lr in a method",
           replace={"        self.min_lr = min_lr\n": "        self.min_lr = min_lr\n        self.rule = lambda b, t: self.lr_at(b, t)\n",
                    "self.lr_at(base_lr, self.last_epoch)": "self.rule(base_lr, self.last_epoch)"}),
    Mutant("own-epoch-counter",
           "get_lr() counts its own calls instead of reading self.last_epoch: a scheduler built with last_epoch=k "
           "(resumed, as PyTorch allows) restarts the schedule at epoch 0; compute the lr from self.last_epoch",
           replace={"        self.min_lr = min_lr\n": "        self.min_lr = min_lr\n        self.calls = -1\n",
                    "        return [self.lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]":
                    "        self.calls += 1\n        return [self.lr_at(base_lr, self.calls) for base_lr in self.base_lrs]"}),
]
