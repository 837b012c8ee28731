"""Known mistakes for training-bugs. The first six are the original broken scripts, each put back in
one script of the fixed folder; the others are fixes that went wrong, and wrong names for symptoms."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    # --- the six bugs, as the scripts came
    Mutant("softmax-before-cross-entropy",
           "script_a still ends its model with nn.Softmax: CrossEntropyLoss applies log-softmax itself and wants "
           "raw scores; with probabilities the loss cannot fall below ≈0.55 and the gradients fade; remove the "
           "softmax (use it, if at all, at prediction time)",
           replace={"    model = common.make_model(hidden=64)\n    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)":
                    "    model = nn.Sequential(common.make_model(hidden=64), nn.Softmax(dim=1))\n"
                    "    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)"}),
    Mutant("no-backward",
           "script_b never calls loss.backward(): no gradient is computed, optimizer.step() skips every "
           "parameter, and the loss stays the same every epoch",
           replace={"            loss.backward()\n            optimizer.step()\n            losses.append(loss.item())":
                    "            optimizer.step()\n            losses.append(loss.item())"}),
    Mutant("validation-in-train-mode",
           "script_c measures validation accuracy with dropout still on (torch.no_grad() without model.eval()): "
           "the number it reports is that of a randomly thinned network, lower than the model's and noisy",
           replace={"        model.eval()\n        with torch.no_grad():\n            predictions =":
                    "        with torch.no_grad():\n            predictions ="}),
    Mutant("learning-rate-too-large",
           "script_d still runs Adam with lr=1.0: every weight moves by about 1 per step, the loss explodes in "
           "the first batches and then bounces around at a high level; use about 1e-2",
           replace={"LEARNING_RATE = 1e-2": "LEARNING_RATE = 1.0"}),
    Mutant("no-zero-grad",
           "script_e never clears the gradients: backward() adds into .grad, so each step applies the sum of all "
           "gradients so far and the loss grows epoch after epoch; call optimizer.zero_grad() once per batch",
           replace={"        optimizer.zero_grad()\n        loss = loss_fn(model(inputs), labels)\n":
                    "        loss = loss_fn(model(inputs), labels)\n"}),
    Mutant("no-step",
           "script_f never calls optimizer.step(): the gradients are computed and thrown away, the weights "
           "never change and the loss stays the same every epoch",
           replace={"            optimizer.step()\n            epoch_loss += loss.item()":
                    "            epoch_loss += loss.item()"}),
    # --- fixes that went wrong
    Mutant("softmax-moved-into-the-loss-call",
           "script_a now applies the softmax in the loss call instead of in the model: CrossEntropyLoss still "
           "receives probabilities; give it the raw scores",
           replace={"            loss = loss_fn(scores, labels)": "            loss = loss_fn(scores.softmax(dim=1), labels)"}),
    Mutant("eval-never-back-to-train",
           "script_c switches to model.eval() for validation but never back with model.train(): from the second "
           "epoch on it trains with dropout off; call model.train() at the start of every epoch",
           replace={"        model.train()  # dropout on while learning\n": ""}),
    Mutant("dropout-removed-instead",
           "script_c's dropout was removed instead of switching it off for validation: the numbers now agree, "
           "but the model is not the one the script meant to train; keep dropout=0.3 and call model.eval() "
           "before measuring",
           replace={"model = common.make_model(hidden=64, dropout=0.3)": "model = common.make_model(hidden=64)"}),
    Mutant("learning-rate-far-too-small",
           "script_d's learning rate was cut far too much (1e-5): in 20 epochs the weights barely move and the "
           "accuracy stays low; Adam usually wants 1e-4 to 1e-2",
           replace={"LEARNING_RATE = 1e-2": "LEARNING_RATE = 1e-5"}),
    Mutant("step-before-backward",
           "script_d calls optimizer.step() before loss.backward(): each step uses gradients that were just "
           "cleared, so nothing is learned; the order is zero_grad, forward, loss, backward, step",
           replace={"            loss.backward()\n            optimizer.step()\n            batch_losses":
                    "            optimizer.step()\n            loss.backward()\n            batch_losses"}),
    Mutant("zero-grad-between-backward-and-step",
           "script_e clears the gradients between loss.backward() and optimizer.step(): the step finds zeros; "
           "clear them before the backward (or after the step), never in between",
           replace={"        optimizer.zero_grad()\n        loss = loss_fn(model(inputs), labels)\n        loss.backward()\n":
                    "        loss = loss_fn(model(inputs), labels)\n        loss.backward()\n        optimizer.zero_grad()\n"}),
    Mutant("validates-on-training-data",
           "script_f reports its accuracy on the training points instead of the validation points: the number "
           "is not the validation accuracy; measure on x_val, y_val",
           replace={"hits = (model(x_val).argmax(dim=1) == y_val).sum().item()\n        history[\"val_accuracy\"].append(hits / len(x_val))":
                    "hits = (model(x_train).argmax(dim=1) == y_train).sum().item()\n        history[\"val_accuracy\"].append(hits / len(x_train))"}),
    # --- wrong names for the symptoms
    Mutant("symptoms-backward-and-step-swapped",
           "symptoms.py swaps the two scripts whose loss never changes: tell them apart by whether the "
           "parameters have a .grad after training",
           replace={'"script_b": "A"': '"script_b": "B"', '"script_f": "B"': '"script_f": "A"'}),
    Mutant("symptoms-exploding-losses-swapped",
           "symptoms.py swaps the two scripts whose loss blows up: a loss that is huge from the first batches "
           "is the step size; one that grows epoch after epoch is gradients piling up",
           replace={'"script_d": "D"': '"script_d": "C"', '"script_e": "C"': '"script_e": "D"'}),
]
