"""Checks for mlp-and-cnn: the MLP's layers in the order they run (Linear sizes, nothing after the
output layer) and its output against the grader's forward pass from its Linear weights; dropout in
train mode at two rates other than the default (the share of zeros, the survivors' 1/(1-p) scaling),
in the MLP and in the CNN's head; the CNN's output shapes for several image sizes and channel counts,
its head being an instance of the learner's own MLP fed conv_channels[-1] features, convolution really
used (Conv2d layers in run order, an output unchanged when the object in the image moves, every
parameter reached by the gradient), each block halving the image; then a short training run next to
the learner's code on a real Fashion-MNIST subset, with the test accuracy computed here."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import expect, expect_close, expect_module, expect_shape, observer, randn, rng

DATASET = "fashion-mnist"
TRAIN_IMAGES, TEST_IMAGES, EPOCHS, BATCH = 4000, 2000, 3, 32
MEAN, STD = 0.286, 0.353  # Fashion-MNIST's pixel statistics: the grader feeds standardised images
# Test accuracy after 3 epochs (375 Adam steps): global max pooling reaches about 0.79, global average pooling
# 0.69-0.75 (10 initialisations), a network that does not learn 0.1-0.2.
TARGET = 0.6
DROPOUT_RATES = (0.2, 0.8)  # not 0.5, nn.Dropout's default: an ignored `dropout` argument shows


def _leaves(model):
    return [m for m in model.modules() if not list(m.children()) and m is not model]


@observer
def _mlp_trace(learner, sizes: list, activation: str, dropout: float, x: torch.Tensor, train: bool,
               seed: int) -> dict:
    """Runs next to the learner's code: MLP(sizes, nn.<activation>(), dropout) run once with a hook on every
    leaf; the leaves in run order (a Linear's weights and input), the output, and the parameter count."""
    torch.manual_seed(seed)
    model = learner.MLP(sizes, getattr(nn, activation)(), dropout)
    model.train(train)
    ran = []

    def seen(module, args, output) -> None:
        ran.append((module, args[0].detach().clone()))

    handles = [m.register_forward_hook(seen) for m in _leaves(model)]
    try:
        torch.manual_seed(seed)
        with torch.no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    layers = [{"type": type(m).__name__, "linear": isinstance(m, nn.Linear), "input": received,
               "weight": m.weight.detach().clone() if isinstance(m, nn.Linear) else None,
               "bias": m.bias.detach().clone() if isinstance(m, nn.Linear) else None} for m, received in ran]
    return {"layers": layers, "output": output, "module": isinstance(model, nn.Module),
            "parameters": sum(p.numel() for p in model.parameters())}


def _mlp(learner, sizes, activation, dropout, x, train, seed=0):
    what = f"MLP({sizes}, nn.{activation}(), dropout={dropout})"
    facts = _mlp_trace.labelled(what, learner, sizes, activation, dropout, x, train, seed)
    expect(facts["module"], f"{what} is not an nn.Module", "mlp:not-module", kind="type")
    linears = [[tuple(l["weight"].shape)[1], tuple(l["weight"].shape)[0]] for l in facts["layers"] if l["linear"]]
    wanted = [[a, b] for a, b in zip(sizes[:-1], sizes[1:])]
    expect(linears == wanted, f"{what} runs Linear layers of sizes {linears} (in, out); expected {wanted}",
           f"mlp:linears:{len(linears)}", kind="structure")
    return what, facts


def check_mlp_layers(learner):
    """MLP(layer_sizes, activation, dropout) runs one nn.Linear per pair of neighbouring sizes, in order,
    registers Σ (nᵢ·nᵢ₊₁ + nᵢ₊₁) parameters, and nothing runs after the output Linear (no activation, no
    dropout: the loss wants raw logits)."""
    for seed, sizes in enumerate([[6, 9, 4], [5, 8, 7, 3], [4, 2]]):
        what, facts = _mlp(learner, sizes, "ReLU", 0.3, randn(rng(seed), 16, sizes[0]), True, seed)
        wanted = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        expect(facts["parameters"] == wanted, f"{what} registers {facts['parameters']} parameters, expected {wanted}: "
                                              "keep the layers in an nn.Sequential (a plain list is not registered)",
               f"mlp:count:{'none' if facts['parameters'] == 0 else 'other'}", kind="state")
        layers = facts["layers"]
        last = max(i for i, layer in enumerate(layers) if layer["linear"])
        after = [layer["type"] for layer in layers[last + 1:]]
        expect(not after, f"{what} runs {', '.join(after)} after its output Linear: the output must be the last "
                          "Linear's raw scores; nn.CrossEntropyLoss applies the softmax itself, an activation clips "
                          "or squashes the logits and dropout zeroes some of them", f"mlp:after-output:{','.join(after)}",
               kind="structure")


def _expect_dropout(linears: list, p: float, what: str, code: str) -> None:
    """The hidden Linears' inputs (run order; tanh networks in train mode) against dropout(p) after each hidden
    tanh: about a share p of zeros, and every survivor tanh(previous Linear's output) / (1 - p)."""
    for k in range(1, len(linears)):
        bias = linears[k - 1]["bias"]
        before = torch.tanh(linears[k - 1]["input"] @ linears[k - 1]["weight"].T + (0 if bias is None else bias))
        received = linears[k]["input"]
        kept = received != 0
        share = 1 - float(kept.float().mean())
        default = " (nn.Dropout() without an argument drops 50%: pass `dropout` on)" if abs(share - 0.5) < 0.04 else ""
        expect(abs(share - p) < 0.04, f"in train mode {share:.0%} of hidden layer #{k}'s outputs are zeroed in {what}; "
                                      f"expected about {p:.0%}: an nn.Dropout(dropout) after each hidden "
                                      f"activation{default}", f"{code}:dropout-rate:{'low' if share < p else 'high'}")
        expected = torch.where(kept, before / (1 - p), torch.zeros(()))
        error = (received - expected).abs()
        worst = int(error.argmax())
        expect(bool(torch.allclose(received, expected, rtol=1e-4, atol=1e-5)),
               f"in train mode, what {what} feeds its Linear #{k + 1} is not dropout(tanh(Linear #{k}'s output)): a kept "
               f"value is {float(received.flatten()[worst]):.4g} where tanh(…)/(1 - p) = "
               f"{float(expected.flatten()[worst]):.4g}. The survivors are scaled by 1/(1 - p) = {1 / (1 - p):.3g}, and "
               "the dropout comes after the activation (Linear → activation → Dropout)",
               f"{code}:dropout-values", kind="value")


def check_mlp_values_and_dropout(learner):
    """In eval mode the MLP's output equals the grader's forward pass (Linear, the given activation, …, Linear)
    from its own weights; in train mode, with dropout=0.2 and dropout=0.8, about that fraction of each hidden
    layer's outputs is zeroed and the others are scaled by 1/(1 - p)."""
    sizes = [8, 64, 64, 5]
    x = randn(rng(10), 128, sizes[0])
    what, facts = _mlp(learner, sizes, "Tanh", 0.5, x, False, seed=10)
    linears = [layer for layer in facts["layers"] if layer["linear"]]
    h = x
    for k, layer in enumerate(linears):
        h = h @ layer["weight"].T + layer["bias"]
        h = torch.tanh(h) if k < len(linears) - 1 else h
    expect_close(facts["output"], h, what=f"{what} in eval mode")
    for seed, p in enumerate(DROPOUT_RATES, start=11):
        what, facts = _mlp(learner, sizes, "Tanh", p, x, True, seed=seed)
        _expect_dropout([layer for layer in facts["layers"] if layer["linear"]], p, what, "mlp")


# --- the CNN --------------------------------------------------------------------------------------


@observer
def _build_cnn(learner, conv_channels: list, mlp_layers: list, seed: int, dropout: float):
    """Runs next to the learner's code: CNN(conv_channels, mlp_layers, nn.ReLU(), dropout) (a module cannot be
    sent from the grader, so it is built here)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return learner.CNN(conv_channels, mlp_layers, nn.ReLU(), dropout)


def _cnn(learner, conv_channels, mlp_layers, seed=0, dropout=0.25):
    return _build_cnn.labelled(f"CNN({list(conv_channels)}, {list(mlp_layers)}, nn.ReLU(), {dropout})", learner,
                               list(conv_channels), list(mlp_layers), seed, dropout)


@observer
def _anatomy(model, images: torch.Tensor) -> dict:
    """Runs next to the learner's code: one eval-mode pass with hooks; the leaves in run order, what the
    model's .mlp received and returned, its type's name and whether it is the learner's MLP class, and
    which parameters a backward pass from the output reaches."""
    import sys

    model.eval()
    ran, head = [], {}

    def seen(module, args, output) -> None:
        ran.append({"type": type(module).__name__, "conv": isinstance(module, nn.Conv2d),
                    "channels": [module.in_channels, module.out_channels] if isinstance(module, nn.Conv2d) else None})

    handles = [m.register_forward_hook(seen) for m in _leaves(model)]
    mlp = getattr(model, "mlp", None)
    if isinstance(mlp, nn.Module):
        handles.append(mlp.register_forward_hook(lambda m, args, out: head.update(input=args[0].detach().clone(),
                                                                                    output=out.detach().clone())))
    try:
        output = model(images)
    finally:
        for handle in handles:
            handle.remove()
    learner_mlp = getattr(sys.modules.get(type(model).__module__), "MLP", None)
    for p in model.parameters():
        p.grad = None
    output.sum().backward()
    unreached = [name for name, p in model.named_parameters() if p.requires_grad and (p.grad is None
                                                                                      or not bool(p.grad.abs().sum() > 0))]
    model.zero_grad()
    return {"layers": ran, "output": output.detach(), "head": head, "head_type": type(mlp).__name__,
            "head_is_mlp": isinstance(learner_mlp, type) and isinstance(mlp, learner_mlp), "unreached": unreached}


def check_cnn_output_shapes(learner):
    """CNN(conv_channels, mlp_layers) maps images (N, C, H, W) to logits (N, classes) for 28×28, 32×32, 20×20
    and 24×40 images, grey or RGB, with 2 or 3 convolution blocks."""
    for seed, (channels, head, size) in enumerate([([1, 8, 16], [32, 10], (28, 28)), ([1, 8, 16], [32, 10], (32, 32)),
                                                   ([3, 8, 16, 16], [24, 5], (20, 20)),
                                                   ([3, 8, 16, 16], [24, 5], (24, 40))]):
        model = _cnn(learner, channels, head, seed=20 + seed)
        if seed == 0:
            expect_module(model, f"CNN({channels}, {head})")
        model.eval()
        images = torch.rand(3, channels[0], *size, generator=rng(20 + seed))
        expect_shape(model(images), (3, head[-1]), what=f"CNN({channels}, {head}) on images of shape "
                                                         f"{tuple(images.shape)}")


def check_cnn_head_is_the_mlp(learner):
    """The CNN's head, self.mlp, is an instance of your MLP class, built as MLP([conv_channels[-1]] + mlp_layers,
    …): it receives conv_channels[-1] features per image and its output is the CNN's output."""
    channels, head = [1, 8, 12], [20, 7]
    facts = _anatomy(_cnn(learner, channels, head, seed=30), torch.rand(4, 1, 28, 28, generator=rng(30)))
    expect(facts["head_is_mlp"], f"CNN({channels}, {head}).mlp is a {facts['head_type']}, not your MLP: build the "
                                 "head as MLP([conv_channels[-1]] + mlp_layers, activation, dropout), so that the "
                                 "classifier is written once", f"head:type:{facts['head_type']}", kind="structure")
    expect(bool(facts["head"]), "the CNN's .mlp never ran", "head:not-run", kind="structure")
    expect_shape(facts["head"]["input"], (4, channels[-1]), what="what the CNN's .mlp receives for 4 images")
    expect_close(facts["output"], facts["head"]["output"], what="the CNN's output, compared with its .mlp's output "
                 "(the head must be the last step)")


def _place(objects: torch.Tensor, row: int, col: int, size: int = 48) -> torch.Tensor:
    images = torch.zeros(objects.shape[0], 1, size, size)
    images[:, :, row:row + objects.shape[-2], col:col + objects.shape[-1]] = objects
    return images


def check_cnn_convolves(learner):
    """The CNN runs one nn.Conv2d per pair of neighbouring conv_channels, in order; every parameter gets a
    gradient; and it sees patterns wherever they are: an object moved by 8 pixels on a blank 48×48 image
    changes the output far less than a different object does (a Flatten + Linear "CNN" cannot do that)."""
    channels, head = [1, 8, 16, 16], [16, 10]
    model = _cnn(learner, channels, head, seed=40)
    objects, others = torch.rand(4, 1, 8, 8, generator=rng(40)), torch.rand(4, 1, 8, 8, generator=rng(41))
    facts = _anatomy(model, _place(objects, 16, 16))
    convs = [layer["channels"] for layer in facts["layers"] if layer["conv"]]
    wanted = [[a, b] for a, b in zip(channels[:-1], channels[1:])]
    expect(convs == wanted, f"CNN({channels}, {head}) runs nn.Conv2d layers {convs} (in, out channels); expected "
                            f"{wanted}: one convolution block per pair of neighbouring conv_channels",
           f"conv:layers:{len(convs)}", kind="structure")
    expect(not facts["unreached"], f"no gradient reaches {', '.join(facts['unreached'][:4])} of CNN({channels}, "
                                   f"{head}): every layer must be part of the computation",
           f"conv:unreached:{len(facts['unreached'])}", kind="grad")
    moved_down = _anatomy(model, _place(objects, 24, 16))["output"]
    moved_right = _anatomy(model, _place(objects, 16, 24))["output"]
    different = _anatomy(model, _place(others, 16, 16))["output"]
    scale = float((different - facts["output"]).norm())
    for name, moved in (("down", moved_down), ("right", moved_right)):
        change = float((moved - facts["output"]).norm())
        expect(change <= 0.1 * scale + 1e-6, f"moving an object 8 pixels {name} on a blank image changes the CNN's "
                                             f"output by {change:.3g}, against {scale:.3g} for a different object: "
                                             "the same weights should find a pattern anywhere (convolutions, then a "
                                             "global pooling over positions)", f"conv:not-translation:{name}",
               kind="structure")


@observer
def _head_trace(learner, conv_channels: list, mlp_layers: list, dropout: float, images: torch.Tensor, seed: int) -> list:
    """Runs next to the learner's code: CNN(conv_channels, mlp_layers, nn.Tanh(), dropout) in train mode, one pass
    with a hook on every nn.Linear; their inputs and weights in run order."""
    torch.manual_seed(seed)
    model = learner.CNN(conv_channels, mlp_layers, nn.Tanh(), dropout)
    model.train()
    ran = []

    def seen(module, args, output) -> None:
        ran.append({"input": args[0].detach().clone(), "weight": module.weight.detach().clone(),
                    "bias": None if module.bias is None else module.bias.detach().clone()})

    handles = [m.register_forward_hook(seen) for m in model.modules() if isinstance(m, nn.Linear)]
    try:
        with torch.no_grad():
            model(images)
    finally:
        for handle in handles:
            handle.remove()
    return ran


def check_cnn_passes_dropout_to_its_head(learner):
    """CNN(…, dropout=p) hands p to its MLP head: in train mode, with p = 0.2 and p = 0.8, about that fraction of
    each of the head's hidden outputs is zeroed and the others are scaled by 1/(1 - p)."""
    channels, head = [1, 8, 16], [64, 64, 10]
    images = torch.rand(64, 1, 16, 16, generator=rng(50))
    for seed, p in enumerate(DROPOUT_RATES, start=50):
        what = f"CNN({channels}, {head}, nn.Tanh(), dropout={p})'s head"
        linears = _head_trace.labelled(what, learner, channels, head, p, images, seed)
        expect(len(linears) == len(head), f"{what} runs {len(linears)} nn.Linear layers; expected {len(head)}, the "
                                          "MLP([conv_channels[-1]] + mlp_layers)'s", f"head:linears:{len(linears)}",
               kind="structure")
        _expect_dropout(linears, p, what, "head")


@observer
def _feature_maps(model, images: torch.Tensor) -> dict:
    """Runs next to the learner's code: one eval-mode pass; the height and width of what each nn.Conv2d receives,
    and of every 4-D tensor any torch operation returns (modules and functions alike)."""
    from torch.overrides import TorchFunctionMode

    convs, maps = [], []

    class Sizes(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            if isinstance(result, torch.Tensor) and result.dim() == 4:
                maps.append(list(result.shape[-2:]))
            return result

    handles = [m.register_forward_pre_hook(lambda module, args: convs.append(list(args[0].shape[-2:])))
               for m in model.modules() if isinstance(m, nn.Conv2d)]
    model.eval()
    try:
        with torch.no_grad(), Sizes():
            model(images)
    finally:
        for handle in handles:
            handle.remove()
    return {"convs": convs, "maps": maps}


def _size(hw) -> str:
    return f"{hw[0]}×{hw[1]}"


def check_cnn_blocks_halve_the_image(learner):
    """Each convolution block (Conv2d → activation → MaxPool2d(2)) halves the image: on 64×32 images with three
    blocks the convolutions receive 64×32, 32×16 and 16×8 maps and 8×4 maps reach the global pooling (and 40×24,
    20×12, then 10×6 with two blocks)."""
    for seed, (channels, head, size) in enumerate([([1, 8, 16, 16], [16, 10], (64, 32)),
                                                   ([3, 8, 16], [12, 5], (40, 24))], start=60):
        what = f"CNN({channels}, {head}) on {_size(size)} images"
        facts = _feature_maps(_cnn(learner, channels, head, seed=seed), torch.rand(2, channels[0], *size,
                                                                                    generator=rng(seed)))
        blocks = len(channels) - 1
        wanted = [[size[0] >> k, size[1] >> k] for k in range(blocks)]
        expect(facts["convs"] == wanted, f"{what}: its nn.Conv2d layers receive maps of "
                                         f"{', '.join(_size(hw) for hw in facts['convs'])}; expected "
                                         f"{', '.join(_size(hw) for hw in wanted)}: each block (Conv2d(3, padding=1) → "
                                         "activation → nn.MaxPool2d(2)) halves the image",
               "conv:not-halving", kind="structure")
        last = [size[0] >> blocks, size[1] >> blocks]
        pooled = min((hw for hw in facts["maps"] if hw[0] * hw[1] > 1), key=lambda hw: hw[0] * hw[1], default=None)
        expect(pooled == last, f"{what}: the smallest feature map before the global pooling is "
                               f"{_size(pooled) if pooled else 'none'}; expected {_size(last)}: the last block halves "
                               "the image too", "conv:last-not-halving", kind="structure")


# --- learning Fashion-MNIST ------------------------------------------------------------------------


@observer
def _train_on_fashion_mnist(learner) -> dict:
    """Runs next to the learner's code: CNN([1, 16, 32, 64], [64, 10], nn.ReLU(), 0.25) trained by the grader's
    loop (Adam, lr 3e-3, batches of 32) for 3 epochs on 4,000 standardised training images; its logits on 2,000
    test images come back (the check computes the accuracy)."""
    from torchdojo.data.real import load_tensors
    from torchdojo.grading.observer import report_progress

    images, labels = load_tensors(DATASET, train=True, download=False)
    test_images, test_labels = load_tensors(DATASET, train=False, download=False)
    chosen = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:TRAIN_IMAGES]
    x, y = (images[chosen].float() / 255 - MEAN) / STD, labels[chosen]
    torch.manual_seed(0)
    model = learner.CNN([1, 16, 32, 64], [64, 10], nn.ReLU(), 0.25)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(TRAIN_IMAGES)
        for start in range(0, TRAIN_IMAGES, BATCH):
            batch = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        report_progress(epoch=epoch + 1, epochs=EPOCHS, loss=loss.item())
    model.eval()
    with torch.no_grad():
        logits = model((test_images[:TEST_IMAGES].float() / 255 - MEAN) / STD)
    return {"logits": logits}


def check_cnn_learns_fashion_mnist(learner):
    """CNN([1, 16, 32, 64], [64, 10]) trained by the grader (Adam, lr 3e-3, batches of 32, 3 epochs on 4,000 real
    Fashion-MNIST images, one CPU thread) classifies at least 60% of 2,000 test images right, computed here from
    its logits."""
    from torchdojo.data.real import load_tensors

    _, test_labels = load_tensors(DATASET, train=False, download=False)
    facts = _train_on_fashion_mnist(learner)
    logits = facts["logits"]
    expect_shape(logits, (TEST_IMAGES, 10), what="the trained CNN's logits for 2,000 test images")
    accuracy = float((logits.argmax(1) == test_labels[:TEST_IMAGES]).float().mean())
    expect(accuracy >= TARGET, f"the trained CNN classifies {accuracy:.1%} of the test images right, expected at "
                               f"least {TARGET:.0%}: are the logits raw (nothing after the last Linear), and do all "
                               "layers train?", "fmnist:accuracy-low", kind="training")
