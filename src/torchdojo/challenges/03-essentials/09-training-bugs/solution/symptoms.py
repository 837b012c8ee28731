"""What each script showed before it was fixed: one letter per script, from the statement's list."""


def symptoms() -> dict[str, str]:
    return {
        "script_a": "E",  # the loss stalls near 0.55 and the outputs are probabilities: softmax before CrossEntropyLoss
        "script_b": "A",  # the same loss every epoch, .grad stays None: backward() never called
        "script_c": "F",  # the printed validation accuracy is lower than the model's and noisy: no model.eval()
        "script_d": "D",  # a huge loss in the first epoch, then bouncing around: learning rate far too large
        "script_e": "C",  # the loss grows epoch after epoch: gradients accumulate without zero_grad()
        "script_f": "B",  # the same loss every epoch although .grad is set: optimizer.step() never called
    }
