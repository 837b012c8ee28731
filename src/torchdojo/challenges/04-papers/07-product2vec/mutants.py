"""Known mistakes for product2vec (PRODUCT2VEC.md's list, and a few more)."""
from torchdojo.grading.mutants import Mutant

MASK = '    scores = scores.masked_fill(~adjacency, float("-inf"))  # non-neighbours get weight exp(-inf) = 0\n'
SOFTMAX = "    weights = torch.softmax(scores, dim=1)\n"
ISOLATED = "    return torch.where(adjacency.any(dim=1, keepdim=True), weights, torch.zeros_like(weights))\n"
FIRST = "            nn.BatchNorm1d(in_features),\n            nn.Linear(in_features, hidden), nn.Tanh(),\n"
ADJ = "    adjacency[centre, neighbour] = True  # the \"attention mask\" is the graph; no self-loops are added\n"

MUTANTS = [
    Mutant("attention-over-all-nodes",
           "the softmax runs over every node, not over N_i: the neighbour mask is ignored, so θ_N mixes in items "
           "that are not similar at all; fill the scores of non-neighbours with -inf before the softmax",
           replace={MASK: "", ISOLATED: "    return weights\n"}),
    Mutant("self-loop-added",
           "each node attends to itself as well as to its neighbours (a self-loop, as GAT adds): θ_N is pulled "
           "towards θ_i; Eq. 2 sums over j ∈ N_i only",
           replace={ADJ: ADJ + "    adjacency |= torch.eye(n, dtype=torch.bool, device=theta.device)\n"}),
    Mutant("graph-symmetrised",
           "every edge i→j also makes j→i: edge_index is directed (row 0 the centre, row 1 its neighbour) and must "
           "not be symmetrised silently",
           replace={ADJ: ADJ + "    adjacency[neighbour, centre] = True\n"}),
    Mutant("naive-exp",
           "the softmax is computed as exp(s) / Σ exp(s) without subtracting the row's max: large embeddings "
           "overflow to inf/inf = NaN; use torch.softmax (or subtract the max first)",
           replace={SOFTMAX: "    exps = torch.exp(scores)\n    weights = exps / exps.sum(dim=1, keepdim=True)\n"}),
    Mutant("softmax-over-centres",
           "the softmax normalises over dim 0 (the centres i) instead of dim 1 (the neighbours j of each centre): "
           "a node's weights no longer sum to 1",
           replace={SOFTMAX: "    weights = torch.nan_to_num(torch.softmax(scores, dim=0))\n"}),
    Mutant("isolated-node-nan",
           "a node without neighbours gets NaN (a softmax over an empty set is 0/0) instead of θ_N = 0, and the NaN "
           "spreads through the loss; set those rows to 0",
           replace={ISOLATED: "    return weights\n"}),
    Mutant("negatives-are-neighbours",
           "the negative term reuses the true neighbours N_i relabelled y = −1 instead of aggregating over the "
           "separate negative set N̂_i: the loss pulls and pushes the same pairs",
           replace={"theta_neg = aggregate(theta, negative_index)": "theta_neg = aggregate(theta, edge_index)"}),
    Mutant("hinge-sign-flipped",
           "the hinge's sign is flipped (ε + y·(λ − d)): similar items are pushed apart and negatives pulled "
           "together; the loss is max{0, ε − y·(λ − d)}",
           replace={"torch.clamp(eps - y * (lam - distance), min=0)": "torch.clamp(eps + y * (lam - distance), min=0)"}),
    Mutant("unsquared-distance",
           "the distance is the plain L2 norm ‖θ_i − θ_N‖, not its square as in Eq. 3",
           replace={"distance = ((theta - theta_n) ** 2).sum(dim=-1)":
                    "distance = (theta - theta_n).norm(dim=-1)"}),
    Mutant("reduction-ignored",
           "hinge_loss always sums, whatever `reduction` says; 'none' returns one loss per row and 'mean' averages",
           replace={'    if reduction == "none":\n        return losses\n': "",
                    'return losses.sum() if reduction == "sum" else losses.mean()': "return losses.sum()"}),
    Mutant("returns-theta-n-as-embedding",
           "forward returns θ_N where the item's own embedding θ = encode(x) belongs: the embedding a user keeps "
           "is the FFN's output, which needs no graph (that is what serves cold-start items)",
           replace={"return theta, aggregate(theta, edge_index)": "return aggregate(theta, edge_index), theta"}),
    Mutant("gat-layer",
           "this is a GAT layer (GATConv), a different operator: a learned-style attention vector, LeakyReLU and "
           "self-loops; Eq. 2 scores a neighbour by the plain dot product θ_iᵀθ_j, over N_i only",
           replace={"    scores = theta @ theta.T  # (N, N)":
                    "    adjacency |= torch.eye(n, dtype=torch.bool, device=theta.device)\n"
                    "    a = torch.linspace(-1, 1, 2 * theta.shape[1], device=theta.device)\n"
                    "    p = theta.shape[1]\n"
                    "    scores = nn.functional.leaky_relu((theta @ a[:p])[:, None] + (theta @ a[p:])[None, :], 0.2)"
                    "  # (N, N)"}),
    Mutant("batchnorm-after-first-linear",
           "the BatchNorm sits after the first Linear (BatchNorm1d(hidden)) instead of on the raw catalog features: "
           "the statement fixes it as the FIRST layer: BatchNorm1d(in_features) → Linear → tanh → Linear → tanh → "
           "Linear",
           replace={FIRST: "            nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden), nn.Tanh(),\n"}),
    Mutant("no-batchnorm",
           "the encoder has no BatchNorm: the raw features, on very different scales, go straight into the first "
           "Linear; Eq. 1 as fixed here starts with BatchNorm1d(in_features)",
           replace={FIRST: "            nn.Linear(in_features, hidden), nn.Tanh(),\n"}),
    Mutant("relu-instead-of-tanh",
           "the hidden layers use ReLU where Eq. 1 has σ = tanh: θ = tanh(tanh(C W1 + b1) W2 + b2) W3 + b3",
           replace={"nn.Linear(in_features, hidden), nn.Tanh(),\n            nn.Linear(hidden, hidden), nn.Tanh(),":
                    "nn.Linear(in_features, hidden), nn.ReLU(),\n            nn.Linear(hidden, hidden), nn.ReLU(),"}),
    Mutant("tanh-on-output",
           "a tanh follows the last Linear too: Eq. 1's last layer is linear (… W3 + b3), the embedding is not "
           "squashed",
           replace={"            nn.Linear(hidden, out_features),\n":
                    "            nn.Linear(hidden, out_features), nn.Tanh(),\n"}),
]
