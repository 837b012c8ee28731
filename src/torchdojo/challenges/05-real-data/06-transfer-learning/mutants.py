"""Known mistakes for transfer-learning (each one retrains the head: the grading runs every check)."""
from torchdojo.grading.mutants import Mutant

FREEZE = "    for parameter in pretrained.parameters():\n        parameter.requires_grad_(False)\n"
NEW_HEAD = "    pretrained.fc = nn.Linear(pretrained.fc.in_features, num_classes)\n"

MUTANTS = [
    Mutant("backbone-not-frozen",
           "the pretrained parameters still require grad: the optimizer leaves them alone, but every backward pass "
           "computes their gradients for nothing; freeze them with requires_grad_(False)",
           replace={FREEZE: ""}),
    Mutant("head-frozen-too",
           "the parameters are frozen after the new head is in place, so the head is frozen too and nothing can "
           "learn (backward fails); freeze first, then create the new head",
           replace={FREEZE: "", NEW_HEAD: NEW_HEAD + FREEZE}),
    Mutant("batchnorm-in-training-mode",
           "the backbone runs in training mode while the head trains, so BatchNorm keeps updating its running "
           "statistics although every weight is frozen: the pretrained network changes; call model.eval()",
           replace={"    model.eval()\n": "    model.train()\n"}),
    Mutant("optimizer-over-all-parameters",
           "the optimizer holds every parameter of the model, frozen ones included; give it only the head's "
           "(model.fc.parameters())",
           replace={"torch.optim.Adam(model.fc.parameters(), lr=LR)": "torch.optim.Adam(model.parameters(), lr=LR)"}),
    Mutant("fine-tune-everything",
           "nothing is frozen and the optimizer holds every parameter: the whole network is fine-tuned, and the "
           "pretrained backbone is overwritten; freeze it and train only the head",
           replace={FREEZE: "",
                    "torch.optim.Adam(model.fc.parameters(), lr=LR)": "torch.optim.Adam(model.parameters(), lr=LR)"}),
    Mutant("backbone-reinitialised",
           "adapt re-initialises the pretrained layers (reset_parameters), so the features learned on the old task "
           "are thrown away; keep the pretrained weights and only replace fc",
           replace={FREEZE: "    for layer in pretrained.modules():\n        if hasattr(layer, 'reset_parameters'):\n"
                            "            layer.reset_parameters()\n" + FREEZE}),
    Mutant("head-stacked-on-old-head",
           "the new Linear is put after the old 5-class head instead of in its place, so the new classes are read "
           "off five old-class scores; replace fc by nn.Linear(fc.in_features, num_classes)",
           replace={NEW_HEAD: "    pretrained.fc = nn.Sequential(pretrained.fc, nn.Linear(pretrained.fc.out_features, "
                              "num_classes))\n"}),
    Mutant("learning-rate-too-small",
           "the head's learning rate is far too small (1e-5): a new head starts from random weights and barely "
           "moves in a few epochs; use a rate around 1e-2 for Adam",
           replace={"EPOCHS, BATCH_SIZE, LR = 3, 64, 1e-2": "EPOCHS, BATCH_SIZE, LR = 3, 64, 1e-5"}),
    Mutant("too-many-epochs",
           "train_head trains the head for 12 epochs, more examples than training from scratch needs: the point of "
           "transfer is to get there cheaply; a linear head on good features converges in a few epochs",
           replace={"EPOCHS, BATCH_SIZE, LR = 3, 64, 1e-2": "EPOCHS, BATCH_SIZE, LR = 12, 64, 1e-2"}),
]
