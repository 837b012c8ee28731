"""Known mistakes for lstm."""
from torchdojo.grading.mutants import Mutant

STEP = "            state = self.cell(x[:, t], state)\n            outputs.append(state[0])\n"

MUTANTS = [
    Mutant("gate-order-swapped",
           "the gates are read from the stacked weights in the order i, f, o, g: nn.LSTM (and so its weights) stacks "
           "them i, f, g, o, so the output and candidate gates trade places",
           replace={"i, f, g, o = gates.chunk(4, dim=1)": "i, f, o, g = gates.chunk(4, dim=1)"}),
    Mutant("gate-order-i-g-f-o",
           "the gates are read from the stacked weights in the order i, g, f, o: nn.LSTM (and so its weights) stacks "
           "them i, f, g, o, so the forget gate and the cell candidate trade places; i, f, g, o = gates.chunk(4, dim=1)",
           replace={"i, f, g, o = gates.chunk(4, dim=1)": "i, g, f, o = gates.chunk(4, dim=1)"}),
    Mutant("state-not-carried-across-steps",
           "every time step starts again from the initial state instead of the previous step's (h, c): the "
           "network has no memory; pass the state each step returns to the next step",
           replace={"        outputs = []\n": "        outputs, initial = [], state\n",
                    STEP: "            step = self.cell(x[:, t], initial)\n            outputs.append(step[0])\n"
                          "            state = step\n"}),
    Mutant("tanh-missing-on-cell-output",
           "h is o * c: the cell state goes out unsquashed; h = o * tanh(c) keeps the hidden state in (-1, 1)",
           replace={"h = o * torch.tanh(c)": "h = o * c"}),
    Mutant("forget-gate-inverted",
           "the old cell state is kept with (1 - f) rather than f: the forget gate works backwards, so what the "
           "weights learned to keep is dropped; c = f * c + i * g",
           replace={"c = f * c + i * g": "c = (1 - f) * c + i * g"}),
    Mutant("h-and-c-swapped",
           "the cell returns (c, h) instead of (h, c): the next step reads the memory as the hidden state and the "
           "other way round; return h first, like nn.LSTMCell",
           replace={"        return h, c\n": "        return c, h\n"}),
    Mutant("sigmoid-on-candidate",
           "the candidate g goes through a sigmoid: it can then only add to the cell state, never subtract; g is "
           "squashed with tanh, into (-1, 1)",
           replace={"g = torch.tanh(g)": "g = torch.sigmoid(g)"}),
    Mutant("initial-state-ignored",
           "the LSTM ignores the (h0, c0) it is given and always starts from zeros: a sequence cannot be read in "
           "pieces, and a forecast cannot go on from the history's state",
           replace={"        if state is not None:\n            state = (state[0][0], state[1][0])":
                    "        state = None"}),
    Mutant("state-detached-between-steps",
           "the state is detached before it is passed to the next step: the values are right, but gradients "
           "stop after one step, so the network cannot learn what happened earlier",
           replace={STEP: "            h_t, c_t = self.cell(x[:, t], state)\n            outputs.append(h_t)\n"
                          "            state = (h_t.detach(), c_t.detach())\n"}),
    Mutant("state-detached-before-each-step",
           "the state is detached as it goes into each step: the values and the last step's gradients are right, "
           "but no gradient flows back to earlier steps (nor to h0 and c0); pass the state to the next step as it is",
           replace={STEP: "            state = self.cell(x[:, t], None if state is None else "
                          "(state[0].detach(), state[1].detach()))\n            outputs.append(state[0])\n"}),
    Mutant("trained-on-the-inputs",
           "train_forecaster compares the predictions with the inputs instead of the targets (the next values): "
           "the model learns to repeat the current value, not to predict the next one",
           replace={"loss = nn.functional.mse_loss(predictions, targets)":
                    "loss = nn.functional.mse_loss(predictions, inputs)"}),
    Mutant("forecast-forgets-the-state",
           "forecast feeds each value back without the state: the model sees one number with an empty memory "
           "each step; pass the state returned by the previous call",
           replace={"        value, state = model(value, state)": "        value, _ = model(value)"}),
    Mutant("plot-closed-before-saving",
           "the figure is closed before it is saved, so savefig writes an empty figure: call savefig first",
           replace={"    figure.savefig(path, dpi=100)\n    plt.close(figure)\n":
                    "    plt.close(figure)\n    plt.savefig(path, dpi=100)\n"}),
    Mutant("one-bias-only",
           "the cell has a single bias: the equations need only one, but nn.LSTMCell keeps two (bias_ih and "
           "bias_hh), so its weights do not load into your cell; keep both, in nn.LSTMCell's layout",
           replace={"        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))\n": "",
                    "+ h @ self.weight_hh.T + self.bias_hh": "+ h @ self.weight_hh.T"}),
]
