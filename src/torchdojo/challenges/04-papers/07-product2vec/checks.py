"""Checks for product2vec (P-Companion §4.1): the attention of Eq. 2 judged against the grader's own on
hand-made and random graphs (star graph by hand, masked softmax, no self-loop, direction, isolated nodes,
large θ), locality and permutation properties of the learner's model in eval mode, the encoder of Eq. 1
(BatchNorm on the input as a property; the whole FFN with the grader's weights loaded by shape), the
hinge loss of Eq. 3 against its table, the training objective against the grader's computation from the
learner's θ, gradients, and learning on a synthetic catalog with planted types: the grader's loop trains the
learner's model next to it and brings back the embeddings; purity, Hit@10 and cold-start purity are
computed here and compared with raw features."""
import torch

from torchdojo.grading.expect import (CheckFailed, describe, expect, expect_close, expect_finite, expect_shape,
                                      grad, observer, seeded)
from torchdojo.grading.observer import report_progress
from torchdojo.grading.remote import LearnerRaised, current_session

IN, HIDDEN, OUT = 7, 16, 5


def _model(learner, seed: int = 0, in_features: int = IN, hidden: int = HIDDEN, out: int = OUT):
    with seeded(seed):
        model = learner.Product2Vec(in_features, hidden, out)
    model.eval()  # BatchNorm in training mode couples the rows of a batch
    return model


def _x(seed: int, n: int, d: int = IN) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


def _edges(*pairs) -> torch.Tensor:
    return torch.tensor(pairs, dtype=torch.long).T.reshape(2, -1)


def _weights(theta: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """Eq. 2 here, in float64: z[i, j] = softmax over j ∈ N_i of θ_iᵀθ_j; 0 off the graph and for isolated i."""
    theta = theta.double()
    n = len(theta)
    adjacency = torch.zeros(n, n, dtype=torch.bool)
    adjacency[edge_index[0], edge_index[1]] = True
    scores = (theta @ theta.T).masked_fill(~adjacency, float("-inf"))
    z = torch.softmax(scores, dim=1)
    return torch.where(adjacency.any(1, keepdim=True), z, torch.zeros_like(z))


def _aggregate(theta: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    return (_weights(theta, edge_index) @ theta.double()).float()


def _random_graph(seed: int, n: int, per_node: int = 2) -> torch.Tensor:
    """Directed edges, no self-loops, no duplicates; the last node has none (isolated as a centre)."""
    g = torch.Generator().manual_seed(seed)
    pairs = []
    for i in range(n - 1):
        others = [j for j in torch.randperm(n, generator=g).tolist() if j != i][:per_node]
        pairs += [(i, j) for j in others]
    return _edges(*pairs)


def _close(got, expected, what: str, fingerprint: str, why: str, atol: float = 1e-5, kind: str = "value") -> None:
    expect_shape(got, tuple(expected.shape), what=what)
    expect_finite(got, what=what)
    worst = (got.double() - expected.double()).abs().max().item() if got.numel() else 0.0
    expect(torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=atol),
           f"{what} is wrong (largest difference {worst:.3g}): {why}", fingerprint, kind)


# --- the model's contract -----------------------------------------------------------------------


def check_forward_contract(learner):
    """forward(x, edge_index) returns (θ, θ_N), both (N, out_features): θ equals encode(x) and θ_N the
    attention-weighted sum of Eq. 2 over each node's neighbours, computed here from that θ."""
    model = _model(learner)
    x, edges = _x(1, 6), _random_graph(2, 6)
    result = model(x, edges)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"forward returned a {type(result).__name__}; expected the pair (θ, θ_N)", "forward:not-a-pair", "type")
    theta, theta_n = result
    expect_shape(theta, (6, OUT), what="θ from forward (6 items, out_features=5)")
    expect_shape(theta_n, (6, OUT), what="θ_N from forward (6 items, out_features=5)")
    _close(theta, model.encode(x), "θ from forward", "forward:theta-not-encode",
           "the first output must be the item's own embedding θ = encode(x) (the one a user keeps), not θ_N")
    _close(theta_n, _aggregate(theta, edges), "θ_N from forward", "forward:theta-n",
           "the second output is θ_N[i] = Σ_{j ∈ N_i} z_ij θ_j with z_ij = softmax over N_i of θ_iᵀθ_j")



def check_no_neighbours(learner):
    """A node without neighbours gets θ_N = 0 (never NaN): a single item with no edges, and isolated nodes
    in a graph; θ stays finite."""
    model = _model(learner, seed=1)
    theta, theta_n = model(_x(3, 1), torch.zeros(2, 0, dtype=torch.long))
    expect_shape(theta, (1, OUT), what="θ for one item and no edges")
    _close(theta_n, torch.zeros(1, OUT), "θ_N of one item with no edges", "isolated:single",
           "a node with no neighbours has nothing to average: θ_N must be 0, not NaN (a softmax over an empty "
           "set is 0/0)")
    theta, theta_n = model(_x(4, 5), _edges((0, 1), (0, 2), (3, 1)))
    expect_finite(theta, "θ for 5 items")
    _close(theta_n[[1, 2, 4]], torch.zeros(3, OUT), "θ_N of the nodes 1, 2, 4, which have no neighbours",
           "isolated:in-graph", "nodes that are no edge's centre must get θ_N = 0, not NaN")


def check_star_graph_by_hand(learner):
    """The star graph of the statement: θ_0 = θ_1 = [1, 0], θ_2 = [0, 1], N_0 = {1, 2} gives z = [0.7311,
    0.2689], θ_N0 = [0.7311, 0.2689] and ‖θ_0 − θ_N0‖² = 0.1447."""
    theta = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    edges = _edges((0, 1), (0, 2))
    z = learner.attention_weights(theta, edges)
    expect_shape(z, (3, 3), what="attention_weights for 3 nodes")
    with_self = torch.softmax(theta[0] @ theta.T, dim=0)  # what a self-loop gives: node 0 attends to itself too
    expect(not torch.allclose(z[0], with_self, atol=1e-4),
           f"attention_weights' row for node 0 is {[round(v, 4) for v in z[0].tolist()]}: node 0 attends to itself "
           "as well as to N_0 = {1, 2}; Eq. 2 has no self-loop, the expected row is [0, 0.7311, 0.2689]",
           "star:self-loop", "value")
    _close(z[0], torch.tensor([0.0, 0.7311, 0.2689]), "attention_weights' row for node 0", "star:weights",
           "z_0j = exp(θ_0ᵀθ_j) / Σ_{j' ∈ N_0} exp(θ_0ᵀθ_j') over N_0 = {1, 2} only: e/(e + 1) and 1/(e + 1)",
           atol=1e-4)
    theta_n = learner.aggregate(theta, edges)
    _close(theta_n[0], torch.tensor([0.7311, 0.2689]), "aggregate's θ_N for node 0", "star:theta-n",
           "θ_N0 = 0.7311·θ_1 + 0.2689·θ_2", atol=1e-4)
    distance = learner.hinge_loss(theta[:1], theta_n[:1], torch.ones(1), lam=1.0, eps=1.0, reduction="none")
    _close(distance, torch.tensor([0.1447]), "hinge_loss for the centre (y = +1, λ = ε = 1, the squared distance)",
           "star:distance", "with λ = ε = 1 the positive term is ‖θ_0 − θ_N0‖² = 0.2689² + 0.2689² = 0.1447",
           atol=1e-4)


def check_masked_softmax(learner):
    """attention_weights is the masked softmax: each row with neighbours sums to 1 over N_i, is exactly 0
    off the graph, and equals Eq. 2; aggregate equals attention_weights(θ) @ θ (dense and sparse agree)."""
    theta, edges = _x(5, 8, 4), _random_graph(6, 8, per_node=3)
    z = learner.attention_weights(theta, edges)
    expected = _weights(theta, edges)
    expect_shape(z, (8, 8), what="attention_weights for 8 nodes")
    expect_finite(z, "attention_weights")
    adjacency = expected > 0
    expect(bool((z[~adjacency] == 0).all()), "attention_weights gives non-zero weight to pairs that are not "
           "edges: the softmax must run over N_i only (fill the scores of non-neighbours with -inf before it); "
           "the graph is the attention mask", "softmax:leaks-off-graph", "mask")
    sums = z.double().sum(dim=1)
    expect(torch.allclose(sums[:7], torch.ones(7, dtype=torch.float64), atol=1e-5),
           f"the weights of a node's neighbours sum to {sums[:7].tolist()} instead of 1: the softmax normalises "
           "over the wrong axis (dim=1: over each centre's neighbours j)", "softmax:not-normalised", "value")
    _close(z, expected.float(), "attention_weights", "softmax:values",
           "z_ij = exp(θ_iᵀθ_j) / Σ_{j' ∈ N_i} exp(θ_iᵀθ_j'), plain dot products of θ (no learned vector, no "
           "LeakyReLU)")
    _close(learner.aggregate(theta, edges), (z.double() @ theta.double()).float(), "aggregate(θ, edge_index)",
           "softmax:aggregate-disagrees", "aggregate must equal attention_weights(θ, edge_index) @ θ")


def check_no_self_loop(learner):
    """No self-loop is added: with N_i = {j}, θ_N_i equals θ_j exactly."""
    theta = _x(7, 4, 3)
    theta_n = learner.aggregate(theta, _edges((0, 2), (1, 3), (3, 0)))
    _close(theta_n[[0, 1, 3]], theta[[2, 3, 0]], "θ_N of nodes whose only neighbour is one other node",
           "self-loop", "with a single neighbour j the weight is 1 and θ_N_i = θ_j; a node must not attend to "
           "itself (the paper adds no self-loop)", atol=1e-6)


def check_direction(learner):
    """Edges are directed: with only 0→1, node 0 gets θ_1 and node 1 gets θ_N = 0 (no silent symmetrisation)."""
    theta = _x(8, 3, 4)
    theta_n = learner.aggregate(theta, _edges((0, 1)))
    _close(theta_n[1], torch.zeros(4), "θ_N of node 1 with the only edge 0→1", "direction:reverse-edge",
           "edge_index row 0 is the centre i, row 1 the neighbour j ∈ N_i; 0→1 does not make 1 a centre")
    _close(theta_n[0], theta[1], "θ_N of node 0 with the only edge 0→1", "direction:forward-edge",
           "node 0's only neighbour is node 1, so θ_N0 = θ_1", atol=1e-6)


def check_large_embeddings(learner):
    """The softmax is stable: θ scaled ×100 (dot products ~10⁴) still gives finite weights equal to Eq. 2."""
    theta, edges = _x(9, 6, 4) * 100, _random_graph(10, 6)
    theta_n = learner.aggregate(theta, edges)
    expect_finite(theta_n, "θ_N for θ scaled ×100", kind="nonfinite")
    _close(theta_n, _aggregate(theta, edges), "θ_N for θ scaled ×100", "stability:values",
           "subtract each row's max score before exp (torch.softmax does)", atol=1e-2)


# --- properties of the model -------------------------------------------------------------------


def check_locality(learner):
    """In eval mode, changing a non-neighbour's features leaves θ_N_i bit-identical; changing a
    neighbour's changes it."""
    model = _model(learner, seed=2)
    x, edges = _x(11, 7), _edges((0, 1), (0, 2), (3, 4), (5, 6), (6, 0))
    _, base = model(x, edges)
    for k in (3, 4, 5):  # not in N_0 ∪ {0}
        changed = x.clone()
        changed[k] += 3.0
        _, got = model(changed, edges)
        expect(torch.equal(got[0], base[0]), f"changing the features of node {k}, which is not a neighbour of "
               "node 0, changed θ_N0: attention reaches beyond N_i; mask the scores of non-neighbours before the "
               "softmax", "locality:non-neighbour", "mask")
    changed = x.clone()
    changed[2] += 3.0
    _, got = model(changed, edges)
    expect(not torch.allclose(got[0], base[0]), "changing the features of node 2, a neighbour of node 0, left θ_N0 "
           "unchanged: θ_N0 must be built from the neighbours' embeddings", "locality:neighbour-ignored", "value")


def check_permutations(learner):
    """Relabelling the nodes permutes θ and θ_N the same way, and the order of the edges does not matter."""
    model = _model(learner, seed=3)
    x, edges = _x(12, 8), _random_graph(13, 8, per_node=3)
    theta, theta_n = model(x, edges)
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(14))
    inverse = torch.argsort(perm)  # new label of old node i is inverse[i]
    p_theta, p_theta_n = model(x[perm], inverse[edges])
    _close(p_theta_n, theta_n[perm], "θ_N after relabelling the nodes", "permutation:nodes",
           "the model must treat every node alike: θ_N of a relabelled graph is θ_N relabelled")
    shuffle = torch.randperm(edges.shape[1], generator=torch.Generator().manual_seed(15))
    _, s_theta_n = model(x, edges[:, shuffle])
    _close(s_theta_n, theta_n, "θ_N with the edges in another order", "permutation:edges",
           "edge_index is a set of edges; their order must not change θ_N")


# --- the encoder of Eq. 1 -------------------------------------------------------------------------

BN_EPS = 1e-5  # BatchNorm1d's default


def _encoder_weights() -> dict[str, torch.Tensor]:
    """The grader's weights for an encoder (IN → HIDDEN → HIDDEN → OUT). Where two parameters share a shape
    and their roles cannot be told apart by it, they get the same value (BatchNorm's weight and bias; b1 and
    b2), and W2 is symmetric (x @ W2 and F.linear(x, W2) agree): so any layout and naming gives one function."""
    g = torch.Generator().manual_seed(23)
    w2 = 0.5 * torch.randn(HIDDEN, HIDDEN, generator=g)
    return {"bn": 0.6 + 0.8 * torch.rand(IN, generator=g), "w1": 0.5 * torch.randn(HIDDEN, IN, generator=g),
            "w2": (w2 + w2.T) / 2, "b": 0.4 * torch.randn(HIDDEN, generator=g),
            "w3": 0.5 * torch.randn(OUT, HIDDEN, generator=g), "b3": 0.4 * torch.randn(OUT, generator=g)}


SPEC = (f"BatchNorm1d({IN}) → Linear({IN}, {HIDDEN}) → tanh → Linear({HIDDEN}, {HIDDEN}) → tanh → "
        f"Linear({HIDDEN}, {OUT})")


def _load_encoder_weights(model, weights: dict[str, torch.Tensor]) -> bool:
    """Load the grader's weights into the learner's model, each parameter matched to its role by its shape
    (whatever its name or nesting; a weight stored (in, out) gets the transpose). Returns whether the
    BatchNorm has an affine weight and bias. Fails, naming what differs from Eq. 1, when the shapes do not
    fit it."""
    parameters = [(name, tuple(shape)) for name, shape, *_ in describe(model)["parameters"]]
    roles = {(IN,): [], (HIDDEN, IN): [], (IN, HIDDEN): [], (HIDDEN, HIDDEN): [], (HIDDEN,): [],
             (OUT, HIDDEN): [], (HIDDEN, OUT): [], (OUT,): []}
    for name, shape in parameters:
        roles.setdefault(shape, []).append(name)
    counts = {shape: len(names) for shape, names in roles.items()}
    fits = (counts[(IN,)] in (0, 2) and counts[(HIDDEN, IN)] + counts[(IN, HIDDEN)] == 1
            and counts[(HIDDEN, HIDDEN)] == 1 and counts[(HIDDEN,)] == 2
            and counts[(OUT, HIDDEN)] + counts[(HIDDEN, OUT)] == 1 and counts[(OUT,)] == 1
            and len(parameters) == counts[(IN,)] + 6)
    if not fits:
        shown = ", ".join(f"{name} {shape}" for name, shape in parameters) or "none"
        if counts[(IN,)] == 0 and counts[(HIDDEN,)] == 4:
            why = (f"two parameters of shape ({HIDDEN},) too many and none of shape ({IN},): a BatchNorm1d({HIDDEN}) "
                   f"after the first Linear? The BatchNorm of Eq. 1 is BatchNorm1d(in_features), the FIRST layer, "
                   "on the raw catalog features")
        elif counts[(IN,)] == 0 and counts[(HIDDEN,)] == 2 and counts[(OUT,)] == 3:
            why = (f"two parameters of shape ({OUT},) too many and none of shape ({IN},): a BatchNorm1d on the "
                   "output? The BatchNorm of Eq. 1 is BatchNorm1d(in_features), the first layer, on the raw features")
        else:
            why = "the encoder is not the FFN of Eq. 1 (three Linear layers, the first one after a BatchNorm1d)"
        raise CheckFailed(f"Product2Vec({IN}, {HIDDEN}, {OUT})'s parameters are {shown}; Eq. 1 ({SPEC}) has "
                          f"BatchNorm's weight and bias ({IN},), W1 ({HIDDEN}, {IN}) and b1 ({HIDDEN},), W2 "
                          f"({HIDDEN}, {HIDDEN}) and b2 ({HIDDEN},), W3 ({OUT}, {HIDDEN}) and b3 ({OUT},): {why}",
                          "encoder:parameters:" + ",".join(sorted(str(s) for _, s in parameters)), "shape")
    value = {(IN,): weights["bn"], (HIDDEN, IN): weights["w1"], (IN, HIDDEN): weights["w1"].T,
             (HIDDEN, HIDDEN): weights["w2"], (HIDDEN,): weights["b"], (OUT, HIDDEN): weights["w3"],
             (HIDDEN, OUT): weights["w3"].T, (OUT,): weights["b3"]}
    state = model.state_dict()
    expect(isinstance(state, dict), "Product2Vec.state_dict() is not a dict", "encoder:state-dict", "state")
    names = {name: shape for name, shape in parameters}
    expect(set(names) <= set(state), f"Product2Vec.state_dict() lacks parameters {sorted(set(names) - set(state))}",
           "encoder:state-dict", "state")
    state = {key: value[names[key]].clone() if key in names else tensor for key, tensor in state.items()}
    try:
        model.load_state_dict(state)
    except LearnerRaised as exc:
        raise CheckFailed(f"Product2Vec.load_state_dict() with the grader's weights failed: "
                          f"{exc.info.get('message', '')}", "encoder:load", "state") from None
    return counts[(IN,)] == 2


def _encoder_reference(x: torch.Tensor, weights: dict, train: bool, affine: bool = True, batchnorm: bool = True,
                       sigma=torch.tanh, last=None) -> torch.Tensor:
    """Eq. 1 here, in float64 (and, for the diagnosis, its usual variants)."""
    w = {k: v.double() for k, v in weights.items()}
    h = x.double()
    if batchnorm:
        mean, var = (h.mean(0), h.var(0, unbiased=False)) if train else (0.0, 1.0)  # a fresh model's running stats
        h = (h - mean) / torch.sqrt(torch.as_tensor(var, dtype=torch.float64) + BN_EPS)
        h = h * w["bn"] + w["bn"] if affine else h
    h = sigma(h @ w["w1"].T + w["b"])
    h = sigma(h @ w["w2"].T + w["b"])
    h = h @ w["w3"].T + w["b3"]
    return h if last is None else last(h)


VARIANTS = [("σ = ReLU instead of tanh", "relu", dict(sigma=torch.relu)),
            ("σ = sigmoid instead of tanh", "sigmoid", dict(sigma=torch.sigmoid)),
            ("no σ at all: the hidden layers are linear", "identity", dict(sigma=lambda h: h)),
            ("σ = ReLU instead of tanh, and no BatchNorm on the input", "relu-no-batchnorm",
             dict(sigma=torch.relu, batchnorm=False)),
            ("no BatchNorm on the input: the raw features go straight into the first Linear", "no-batchnorm",
             dict(batchnorm=False)),
            ("a tanh after the last Linear too: Eq. 1's last layer is linear", "tanh-on-output",
             dict(last=torch.tanh))]


def _encoder_matches(got, x: torch.Tensor, weights: dict, affine: bool, train: bool) -> None:
    mode = "train" if train else "eval"
    what = f"encode(x) in {mode}() mode with the grader's weights"
    expect_shape(got, (len(x), OUT), what=what)
    expected = _encoder_reference(x, weights, train, affine)
    if torch.allclose(got.double(), expected, rtol=1e-3, atol=1e-3):
        return
    worst = (got.double() - expected).abs().max().item() if torch.isfinite(got).all() else float("nan")
    for words, key, options in VARIANTS:
        variant = _encoder_reference(x, weights, train, affine, **options)
        if torch.allclose(got.double(), variant, rtol=1e-3, atol=1e-3):
            raise CheckFailed(f"{what} differs from Eq. 1 ({SPEC}; largest difference {worst:.3g}) and equals it "
                              f"with {words}", f"encoder:{mode}:{key}", "value")
    if not train and torch.allclose(got.double(), _encoder_reference(x, weights, True, affine), rtol=1e-3, atol=1e-3):
        raise CheckFailed(f"{what} normalises with the batch's statistics: in eval() mode BatchNorm uses its running "
                          "mean and variance (use nn.BatchNorm1d, whose forward switches on self.training)",
                          "encoder:eval:batch-statistics", "value")
    raise CheckFailed(f"{what} differs from Eq. 1, {SPEC}, computed here with the same weights (largest "
                      f"difference {worst:.3g}); the grader loads its weights into your parameters by their shapes",
                      f"encoder:{mode}:values", "value")


def check_encoder_normalises_input(learner):
    """The encoder starts with BatchNorm1d on the raw features: in train mode, rescaling and shifting each
    input feature (a_k·x_k + b_k with a_k > 0) leaves encode(x) unchanged."""
    model = _model(learner, seed=9)
    model.train()
    g = torch.Generator().manual_seed(24)
    x = torch.randn(16, IN, generator=g)
    scale, shift = 0.5 + 3.5 * torch.rand(IN, generator=g), 4 * torch.randn(IN, generator=g)
    base, moved = model.encode(x), model.encode(x * scale + shift)
    expect_shape(base, (16, OUT), what=f"encode(x) for 16 items (out_features={OUT})")
    expect_finite(base, "encode(x) in train mode")
    worst = (moved.double() - base.double()).abs().max().item()
    expect(torch.allclose(moved.double(), base.double(), rtol=1e-3, atol=1e-3),
           f"in train() mode, encode(a·x + b), each input feature k rescaled by its own a_k > 0 and shifted by b_k, "
           f"differs from encode(x) (largest difference {worst:.3g}): the encoder of Eq. 1 starts with "
           f"BatchNorm1d(in_features) on the raw features, which removes each feature's batch mean and scale. A "
           "BatchNorm after the first Linear, or none, does not", "encoder:not-normalising-input", "value")


def check_encoder_equation(learner):
    """Eq. 1 exactly: with the grader's weights loaded into your parameters (matched by shape, whatever their
    names), encode(x) equals BatchNorm1d(in) → Linear → tanh → Linear → tanh → Linear computed here, in eval
    mode (running statistics) and in train mode (batch statistics)."""
    model = _model(learner, seed=10)
    weights = _encoder_weights()
    affine = _load_encoder_weights(model, weights)
    g = torch.Generator().manual_seed(25)
    x = torch.randn(12, IN, generator=g)
    model.eval()
    _encoder_matches(model.encode(x), x, weights, affine, train=False)
    x = x * (0.5 + 2 * torch.rand(IN, generator=g)) + torch.randn(IN, generator=g)
    model.train()
    _encoder_matches(model.encode(x), x, weights, affine, train=True)


# --- the loss -------------------------------------------------------------------------------------


def check_hinge_table(learner):
    """hinge_loss = max{0, ε − y·(λ − ‖θ − θ_N‖²)} on the statement's table (θ = 0, d = 0.25, 1.0, 2.88;
    y = ±1; ε = 1 and 0.5), never negative; reduction 'none', 'sum' and 'mean' are respected."""
    theta = torch.zeros(3, 2)
    theta_n = torch.tensor([[0.5, 0.0], [0.6, 0.8], [1.2, 1.2]])  # squared distances 0.25, 1.0, 2.88
    table = {(1, 1.0): [0.25, 1.0, 2.88], (-1, 1.0): [1.75, 1.0, 0.0],
             (1, 0.5): [0.0, 0.5, 2.38], (-1, 0.5): [1.25, 0.5, 0.0]}
    for (y, eps), expected in table.items():
        got = learner.hinge_loss(theta, theta_n, torch.full((3,), float(y)), lam=1.0, eps=eps, reduction="none")
        _close(got, torch.tensor(expected), f"hinge_loss(y={y:+d}, λ=1, ε={eps}, reduction='none') for d = 0.25, "
               "1.0, 2.88", f"hinge:y{y:+d}:eps{eps}", "max{0, ε − y·(λ − d)} with d the SQUARED distance; "
               "similar pairs (y = +1) are pulled below λ − ε, negatives pushed beyond λ + ε", atol=1e-4)
    y = torch.tensor([1.0, -1.0, 1.0])
    expected = torch.tensor([0.25, 1.0, 2.88])
    for reduction, value in (("sum", expected.sum()), ("mean", expected.mean())):
        got = learner.hinge_loss(theta, theta_n, y, lam=1.0, eps=1.0, reduction=reduction)
        _close(got, value, f"hinge_loss(reduction={reduction!r})", f"hinge:reduction-{reduction}",
               f"reduction={reduction!r} must {reduction} the per-row losses", atol=1e-4)


def check_training_loss(learner):
    """training_loss equals Eq. 3 computed here from your θ: the positive term over N_i (y = +1) plus the
    negative term over the SEPARATE negative set N̂_i (y = −1), summed; changing N̂_i changes it."""
    model = _model(learner, seed=5)
    x, edges = _x(19, 9), _random_graph(20, 9)
    negatives, other = _random_graph(21, 9), _random_graph(22, 9)
    theta = model.encode(x)

    def expected(neg: torch.Tensor, lam: float, eps: float) -> float:
        total = 0.0
        for index, y in ((edges, 1.0), (neg, -1.0)):
            has = torch.zeros(9, dtype=torch.bool)
            has[index[0]] = True
            d = ((theta.double() - _aggregate(theta, index).double()) ** 2).sum(1)[has]
            total += torch.clamp(eps - y * (lam - d), min=0).sum().item()
        return total

    for neg, lam, eps, name in ((negatives, 1.0, 1.0, "N̂"), (other, 1.0, 1.0, "another N̂"),
                                (negatives, 2.0, 0.5, "N̂ with λ=2, ε=0.5")):
        got = learner.training_loss(model, x, edges, neg, lam=lam, eps=eps)
        want = expected(neg, lam, eps)
        expect(isinstance(got, torch.Tensor) and got.numel() == 1 and abs(got.item() - want) <= 1e-4 * max(1, want),
               f"training_loss with {name} is {got.item() if isinstance(got, torch.Tensor) and got.numel() == 1 else got}"
               f", expected {want:.5g} (Eq. 3 from your θ: the positive term over N_i, the negative term over N̂_i "
               "aggregated with the same attention, summed over the items that have such edges)",
               f"objective:{name}", "value")


def check_gradients(learner):
    """Every FFN parameter gets a finite, non-zero gradient from the training loss; the gradient of θ_N_i
    with respect to the input features is exactly zero for nodes outside N_i ∪ {i}."""
    with seeded(4):
        model = learner.Product2Vec(IN, HIDDEN, OUT)
    x, edges, negatives = _x(16, 10), _random_graph(17, 10), _random_graph(18, 10)
    model.train()
    loss = learner.training_loss(model, x, edges, negatives)
    named = list(model.named_parameters())
    parameters = [p for _, p in named]
    grads = grad(loss, parameters, what="training_loss(model, x, edge_index, negative_index)")
    expect(any(g is not None and bool(g.abs().sum() > 0) for g in grads),
           f"no parameter of Product2Vec gets a non-zero gradient from training_loss (its value "
           f"{loss.item():.4g}): the loss does not depend on the FFN at all. A common cause: with λ = ε = 1 the two terms of Eq. 3 cancel, "
           "d + max{0, 2 − d} = 2, when the negative term reuses θ_N of the true neighbours instead of aggregating "
           "over negative_index",
           "grad:all-zero", "grad")
    for index, g in enumerate(grads):
        expect(g is not None and bool(torch.isfinite(g).all()) and bool(g.abs().sum() > 0),
               f"parameter {named[index][0]!r} of Product2Vec (#{index}, shape {tuple(parameters[index].shape)}) "
               f"gets {'no' if g is None else 'a zero or non-finite'} gradient from the training loss: only the FFN is "
               "trained, and every one of its parameters must learn", f"grad:parameter-{index}", "grad")
    model.eval()
    xg = x.clone().requires_grad_()
    _, theta_n = model(xg, _edges((0, 1), (0, 2), (3, 4), (5, 0)))
    upstream = torch.zeros(10, OUT)
    upstream[0] = 1.0
    (g,) = grad(theta_n, [xg], upstream, what="θ_N[0]")
    outside = [k for k in range(10) if k not in (0, 1, 2) and bool(g[k].abs().sum() > 0)]
    expect(not outside, f"θ_N0 has a non-zero gradient with respect to the features of node {outside[:1]}, which is "
           "not in N_0 = {1, 2} nor node 0 itself: information flows from outside the neighbourhood",
           "grad:outside-neighbourhood", "mask")


# --- learning on a synthetic catalog ----------------------------------------------------------------

TYPES, PER_TYPE, COLD_TYPES, BRANDS, TYPE_DIMS = 30, 12, 6, 5, 8
EPOCHS, LR, K = 60, 1e-2, 10


def _catalog(seed: int = 0) -> dict:
    """30 product types × 12 items. Features: a weak type signal (8 dims), a strong brand one-hot (5 brands,
    shared across types) and Gaussian nuisance, so raw-feature neighbours share a brand, not a type. Each
    item has 4 same-type "similar" edges; the last 6 types have none (cold start) and 20% of the others'
    edges are held out; negatives are random warm items."""
    g = torch.Generator().manual_seed(seed)
    n = TYPES * PER_TYPE
    types = torch.arange(n) // PER_TYPE
    brands = torch.randint(0, BRANDS, (n,), generator=g)
    prototypes = torch.randn(TYPES, TYPE_DIMS, generator=g)
    x = torch.cat([prototypes[types] + 0.5 * torch.randn(n, TYPE_DIMS, generator=g),
                   6.0 * torch.nn.functional.one_hot(brands, BRANDS).float(),
                   torch.randn(n, 8, generator=g)], dim=1)
    cold = types >= TYPES - COLD_TYPES
    pairs = []
    for i in range(n):
        same = [j for j in range(types[i] * PER_TYPE, (types[i] + 1) * PER_TYPE) if j != i]
        pairs += [(i, same[int(k)]) for k in torch.randperm(len(same), generator=g)[:4]]
    edges = torch.tensor(pairs).T
    edges = edges[:, ~cold[edges[0]]]
    held = torch.rand(edges.shape[1], generator=g) < 0.2
    warm = (~cold).nonzero().flatten()
    negatives = torch.stack([warm.repeat_interleave(4), warm[torch.randint(0, len(warm), (4 * len(warm),),
                                                                           generator=g)]])
    return {"x": x, "types": types, "cold": cold, "train": edges[:, ~held], "test": edges[:, held],
            "negatives": negatives}


@observer
def _train(learner, x: torch.Tensor, edges: torch.Tensor, negatives: torch.Tensor, seed: int) -> dict:
    """Next to the learner's code: full-batch Adam on the learner's training_loss, then the embeddings θ =
    encode(x) of every item in eval mode (no graph: cold-start items too)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = learner.Product2Vec(x.shape[1], 64, 32)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    losses = []
    for epoch in range(EPOCHS):
        model.train()
        loss = learner.training_loss(model, x, edges, negatives)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
        if epoch % 10 == 9:
            report_progress(epoch=epoch + 1, epochs=EPOCHS, loss=round(losses[-1], 3))
    model.eval()
    with torch.no_grad():
        theta = model.encode(x)
    return {"losses": losses, "theta": theta}


_trained: dict = {}


def _trained_embeddings(learner) -> tuple[dict, dict]:
    """One training per grading, shared by the two learning checks (kept here, per session)."""
    session = current_session()
    if _trained.get("session") is not session:
        data = _catalog()
        result = _train(learner, data["x"], data["train"], data["negatives"], seed=6)
        _trained.clear()
        _trained.update(session=session, data=data, result=result)
    return _trained["data"], _trained["result"]


def _neighbours(embedding: torch.Tensor, nodes: torch.Tensor) -> torch.Tensor:
    """Each node's K nearest others among `nodes`, by Euclidean distance."""
    e = embedding[nodes].double()
    d = torch.cdist(e, e)
    d.fill_diagonal_(float("inf"))
    return nodes[d.topk(K, largest=False).indices]


def _purity(embedding: torch.Tensor, types: torch.Tensor, nodes: torch.Tensor) -> float:
    return (types[_neighbours(embedding, nodes)] == types[nodes][:, None]).double().mean().item()


def _hits(embedding: torch.Tensor, nodes: torch.Tensor, test: torch.Tensor) -> float:
    neighbours = _neighbours(embedding, nodes)
    row = {int(v): i for i, v in enumerate(nodes)}
    return sum(bool((neighbours[row[int(a)]] == b).any()) for a, b in test.T) / test.shape[1]


def _theta(result: dict, n: int) -> torch.Tensor:
    theta = result["theta"]
    expect_shape(theta, (n, 32), what="encode(x) of the trained model for the 360 items")
    expect_finite(theta, "the trained embeddings", kind="training")
    return theta


def check_learns_similarity(learner):
    """Trained by the grader (60 full-batch Adam steps on your training_loss, one thread) on a synthetic
    catalog with planted types: the loss falls below a third of its start; held-out similar pairs are closer
    than λ = 1 and random pairs farther; among each item's 10 nearest neighbours ≥ 60% share its type
    and Hit@10 on held-out similar edges is ≥ 0.4, both far above raw features."""
    data, result = _trained_embeddings(learner)
    theta = _theta(result, len(data["x"]))
    losses = result["losses"]
    warm = (~data["cold"]).nonzero().flatten()
    test, negatives = data["test"], data["negatives"]
    positive = ((theta[test[0]] - theta[test[1]]) ** 2).sum(1).mean().item()
    negative = ((theta[negatives[0]] - theta[negatives[1]]) ** 2).sum(1).mean().item()
    purity, raw_purity = _purity(theta, data["types"], warm), _purity(data["x"], data["types"], warm)
    hits, raw_hits = _hits(theta, warm, test), _hits(data["x"], warm, test)
    summary = (f"loss {losses[0]:.1f} → {losses[-1]:.1f}; held-out similar pairs at squared distance {positive:.2f}, "
               f"random pairs at {negative:.2f}; same-type share of the 10 nearest {purity:.2f} (raw features "
               f"{raw_purity:.2f}); Hit@10 {hits:.2f} (raw features {raw_hits:.2f})")
    expect(losses[-1] < losses[0] / 3, f"the training loss did not fall below a third of its start ({summary}): "
           "does training_loss pull neighbours together (y = +1) and push negatives apart (y = −1)?",
           "learning:loss", "training")
    expect(positive < 1.0 < negative, f"after training, held-out similar pairs should be closer than λ = 1 and "
           f"random pairs farther ({summary})", "learning:distances", "training")
    expect(purity >= 0.6 and purity >= raw_purity + 0.3 and hits >= 0.4 and hits >= raw_hits + 0.2,
           f"the learned embeddings do not find similar items well enough ({summary}); needed: same-type share "
           "≥ 0.6 and Hit@10 ≥ 0.4, far above raw features", "learning:retrieval", "training")


def check_cold_start(learner):
    """Items of 6 types that had no edges in training, embedded by the encoder alone, find items of their
    own type: the same-type share of their 10 nearest (among the cold items) beats raw features by ≥ 0.15
    and is at least twice chance."""
    data, result = _trained_embeddings(learner)
    theta = _theta(result, len(data["x"]))
    cold = data["cold"].nonzero().flatten()
    purity, raw = _purity(theta, data["types"], cold), _purity(data["x"], data["types"], cold)
    chance = (PER_TYPE - 1) / (len(cold) - 1)
    expect(purity >= raw + 0.15 and purity >= 2 * chance,
           f"cold-start items (types never seen in training edges) embedded by the encoder alone: same-type share "
           f"of the 10 nearest {purity:.2f}, raw features {raw:.2f}, chance {chance:.2f}; the encoder must carry "
           "the type signal of the features, not memorise the training graph", "cold-start:purity", "training")
