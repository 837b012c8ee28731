"""Checks for ddp-training: the learner's train_ddp is run once per grading next to their code (an
observer, so the worker processes die with the grading), with a probe that the forked workers inherit:
every DistributedDataParallel forward writes down its rank, world size, backend and batch. The grader
then judges, against a single-process run on the global batch that it computes itself: two gloo
processes with DDP, each step's two shards forming exactly the global batch of that epoch's
permutation, rank 0's saved weights equal to the single-process weights, one metrics line per epoch
with the loss of the whole global batch, and nothing left running or joined in the calling process."""
import itertools
import json
import os
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import CheckFailed, expect, observer, rng, scratch_dir
from torchdojo.grading.remote import current_session

WORLD_SIZE, EPOCHS, GLOBAL_BATCH, LR, SEED = 2, 3, 64, 0.2, 7
N = 512  # examples: 8 global batches per epoch
STEPS = N // GLOBAL_BATCH
MODEL_SEED = 3
WAIT_S = 60  # how long the grader waits for workers still running after train_ddp returned


def _model() -> nn.Module:
    """The network that is trained (the same one on both sides)."""
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))


def _problem():
    """The initial weights and the data: a two-class XOR pattern in the plane (every row distinct, so a
    batch's rows name the examples in it)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(MODEL_SEED)
        initial = _model().state_dict()
    inputs = torch.randn(N, 2, generator=rng(11))
    targets = (inputs[:, 0] * inputs[:, 1] > 0).long()
    return initial, inputs, targets


def _permutation(epoch: int, seed: int = SEED) -> torch.Tensor:
    """The order of epoch `epoch`: what DistributedSampler(shuffle=True, seed=seed) draws after set_epoch(epoch)."""
    return torch.randperm(N, generator=torch.Generator().manual_seed(seed + epoch))


def _reference(initial, inputs, targets) -> dict:
    """One process, the global batch: SGD(lr, momentum=0.9) on chunks of GLOBAL_BATCH of each epoch's
    permutation; per epoch the mean global-batch loss and the mean loss of rank 0's halves alone."""
    model = _model()
    model.load_state_dict(initial)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    losses, rank0_losses = [], []
    for epoch in range(EPOCHS):
        order = _permutation(epoch)
        total = rank0 = 0.0
        for start in range(0, N, GLOBAL_BATCH):
            batch = order[start:start + GLOBAL_BATCH]
            with torch.no_grad():
                rank0 += float(F.cross_entropy(model(inputs[batch[0::WORLD_SIZE]]), targets[batch[0::WORLD_SIZE]]))
            loss = F.cross_entropy(model(inputs[batch]), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        losses.append(total / STEPS)
        rank0_losses.append(rank0 / STEPS)
    return {"state": model.state_dict(), "losses": losses, "rank0_losses": rank0_losses}


# --- next to the learner's code ------------------------------------------------------------------


def _children() -> set[int]:
    """The live (not zombie) child processes of this process."""
    found = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            pids = [int(p) for p in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":
                found.add(pid)
    return found


@observer
def _train(learner, initial: dict, inputs: torch.Tensor, targets: torch.Tensor, out_dir: str,
           probe_dir: str) -> dict:
    """Runs next to the learner's code: train_ddp on the grader's model and data, with every
    DistributedDataParallel forward (in whatever process it runs: forked workers inherit the probe)
    saving its rank, world size, backend and input batch to probe_dir. Afterwards: which workers were
    still running when train_ddp returned (waited for, so that the files are complete), and whether
    the calling process itself joined a process group."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from torchdojo.grading.observer import report_progress

    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(probe_dir, exist_ok=True)
    original, counter = DistributedDataParallel.forward, itertools.count()

    def probed(self, *args, **kwargs):
        initialised = dist.is_available() and dist.is_initialized()
        record = {"pid": os.getpid(), "rank": dist.get_rank() if initialised else -1,
                  "world": dist.get_world_size() if initialised else -1,
                  "backend": str(dist.get_backend()) if initialised else "",
                  "x": args[0].detach().clone() if args and isinstance(args[0], torch.Tensor) else torch.zeros(0)}
        torch.save(record, os.path.join(probe_dir, f"{os.getpid()}-{next(counter):05d}.pt"))
        return original(self, *args, **kwargs)

    model = _model()
    model.load_state_dict(initial)
    before = _children()
    report_progress(training=f"train_ddp on {WORLD_SIZE} processes, {EPOCHS} epochs")
    DistributedDataParallel.forward = probed
    try:
        learner.train_ddp(model, inputs, targets, world_size=WORLD_SIZE, epochs=EPOCHS,
                          global_batch_size=GLOBAL_BATCH, lr=LR, seed=SEED, out_dir=out_dir)
        left = sorted(_children() - before)
        deadline = time.monotonic() + WAIT_S
        while _children() - before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        DistributedDataParallel.forward = original
    joined = bool(dist.is_available() and dist.is_initialized())
    workers: dict[int, dict] = {}
    for path in sorted(Path(probe_dir).glob("*.pt")):
        record = torch.load(path, weights_only=True)
        worker = workers.setdefault(record["pid"], {"pid": record["pid"], "rank": record["rank"],
                                                    "world": record["world"], "backend": record["backend"],
                                                    "batches": []})
        worker["batches"].append(record["x"])
    weights = os.path.join(out_dir, "model.pt")
    state = None
    if os.path.isfile(weights):
        loaded = torch.load(weights, weights_only=True)
        if isinstance(loaded, dict):
            state = {str(k): v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
    return {"workers": sorted(workers.values(), key=lambda w: (w["rank"], w["pid"])), "left_running": len(left),
            "joined": joined, "parent": os.getpid(), "state": state, "weights_saved": os.path.isfile(weights)}


# --- one run per grading, shared by the checks ---------------------------------------------------

_RUN: list = []  # [(session, facts, reference, inputs)]


def _run(learner):
    session = current_session()
    if _RUN and _RUN[0][0] is session:
        return _RUN[0][1:]
    _RUN.clear()
    initial, inputs, targets = _problem()
    out = scratch_dir() / "run"
    facts = _train(learner, initial, inputs, targets, str(out), str(scratch_dir() / "probe"))
    expect(isinstance(facts, dict), "the training run brought back no report", "run:noreport")
    _RUN.append((session, facts, _reference(initial, inputs, targets), inputs))
    return _RUN[0][1:]


def _row_ids(inputs: torch.Tensor):
    """Which example each row of a batch is (rows are distinct), or None for a row not in the data."""
    index = {tuple(row.tolist()): i for i, row in enumerate(inputs)}
    return lambda batch: [index.get(tuple(row.tolist())) for row in batch]


# --- the checks ----------------------------------------------------------------------------------


def check_two_gloo_processes_with_ddp(learner):
    """Two worker processes, ranks 0 and 1 of a world of 2 with the gloo backend, run the forward passes
    through DistributedDataParallel; the calling process itself trains nothing."""
    facts, _, _ = _run(learner)
    workers = facts["workers"]
    expect(workers, "no forward pass went through DistributedDataParallel: wrap the model with "
                    "DistributedDataParallel(model) in every worker and call the wrapper, not the bare model "
                    "(without DDP the ranks never average their gradients and train two different models)",
           "ddp:no-forward")
    expect(all(w["pid"] != facts["parent"] for w in workers),
           "the calling process itself ran DDP forward passes: start world_size worker processes and train in them",
           "ddp:in-parent")
    ranks = sorted(w["rank"] for w in workers)
    expect(ranks == list(range(WORLD_SIZE)), f"DDP forward passes ran in processes of ranks {ranks}, expected one "
                                             f"process for each of the ranks {list(range(WORLD_SIZE))}",
           f"ddp:ranks:{ranks}")
    worlds = sorted({w["world"] for w in workers})
    expect(worlds == [WORLD_SIZE], f"the workers' process group has world size {worlds}, expected {WORLD_SIZE}",
           f"ddp:world:{worlds}")
    backends = sorted({w["backend"] for w in workers})
    expect(backends == ["gloo"], f"the workers' process group uses the backend {backends}, expected gloo (the CPU "
                                 "backend; nccl needs GPUs)", f"ddp:backend:{backends}")


def check_each_step_splits_the_global_batch(learner):
    """At every step each rank takes global_batch_size / 2 examples, the two halves are disjoint, and together
    they are that step's global batch of the epoch's own permutation (DistributedSampler, seed + epoch)."""
    facts, _, inputs = _run(learner)
    by_rank = {w["rank"]: w["batches"] for w in facts["workers"] if w["rank"] in range(WORLD_SIZE)}
    expect(len(by_rank) == WORLD_SIZE, "there are no forward passes of both ranks to look at (see the first check)",
           "shards:no-ranks")
    per_rank = GLOBAL_BATCH // WORLD_SIZE
    sizes = sorted({len(b) for batches in by_rank.values() for b in batches})
    expect(sizes == [per_rank], f"each rank's batches hold {sizes} examples, expected {per_rank}: the global batch "
                                f"of {GLOBAL_BATCH} is split over the {WORLD_SIZE} processes, so each DataLoader "
                                "takes global_batch_size // world_size", f"shards:per-rank-batch:{sizes}")
    counts = sorted({len(b) for b in by_rank.values()})
    expect(counts == [EPOCHS * STEPS], f"the ranks made {counts} forward passes, expected {EPOCHS * STEPS} "
                                       f"({EPOCHS} epochs of {STEPS} steps)", f"shards:steps:{counts}")
    ids = _row_ids(inputs)
    mistakes = {}
    for step in range(EPOCHS * STEPS):
        epoch, k = divmod(step, STEPS)
        halves = [ids(by_rank[rank][step]) for rank in range(WORLD_SIZE)]
        union = [i for half in halves for i in half]
        if None in union or len(set(union)) != len(union):
            mistakes.setdefault("overlap", (epoch, k))
            continue
        chunk = lambda order: set(order[k * GLOBAL_BATCH:(k + 1) * GLOBAL_BATCH].tolist())  # noqa: E731
        if set(union) == chunk(_permutation(epoch)):
            continue
        if epoch > 0 and set(union) == chunk(_permutation(0)):
            mistakes.setdefault("same-order-every-epoch", (epoch, k))
        elif set(union) == chunk(_permutation(epoch, seed=0)):
            mistakes.setdefault("seed-ignored", (epoch, k))
        else:
            mistakes.setdefault("not-the-global-batch", (epoch, k))
    why = {"overlap": "the two ranks' batches share examples: each rank must take its own disjoint part of the data "
                      "(DistributedSampler(dataset, num_replicas=world_size, rank=rank))",
           "same-order-every-epoch": "every epoch repeats epoch 0's order: DistributedSampler draws its permutation "
                                     "from seed + epoch, so call sampler.set_epoch(epoch) at the start of every epoch",
           "seed-ignored": "the order is DistributedSampler's default seed 0, not the `seed` argument: pass "
                           "DistributedSampler(..., seed=seed)",
           "not-the-global-batch": "the two halves are not the global batch of that epoch's permutation: shuffle with "
                                   "DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, "
                                   "seed=seed), not with the DataLoader's own shuffle"}
    for kind in ("overlap", "same-order-every-epoch", "seed-ignored", "not-the-global-batch"):
        if kind in mistakes:
            epoch, k = mistakes[kind]
            raise CheckFailed(f"at epoch {epoch}, step {k}: {why[kind]}", f"shards:{kind}")


def check_weights_equal_single_process_training(learner):
    """Rank 0 saves out_dir/model.pt, a state_dict that loads into the plain model (no "module." prefix), equal
    to what one process gets by training on the global batch (same permutations, SGD with momentum 0.9)."""
    facts, reference, _ = _run(learner)
    expect(facts["weights_saved"], "train_ddp returned without out_dir/model.pt: rank 0 saves "
                                   "torch.save(ddp_model.module.state_dict(), os.path.join(out_dir, 'model.pt'))",
           "weights:missing", kind="artifact")
    state, wanted = facts["state"], reference["state"]
    expect(isinstance(state, dict) and state, "out_dir/model.pt does not hold a state_dict of tensors",
           "weights:not-a-state-dict", kind="state")
    if sorted(state) != sorted(wanted):
        prefixed = sorted(k.removeprefix("module.") for k in state) == sorted(wanted)
        raise CheckFailed(f"model.pt has the keys {sorted(state)[:4]}…, expected {sorted(wanted)}"
                          + (": that is the DDP wrapper's state_dict; save ddp_model.module.state_dict() so that "
                             "the weights load into the model without DDP" if prefixed else ""),
                          "weights:module-prefix" if prefixed else "weights:keys", kind="state")
    worst = max(float((state[k] - v).abs().max()) for k, v in wanted.items())
    expect(all(state[k].shape == v.shape for k, v in wanted.items()) and all(
        torch.allclose(state[k], v, rtol=1e-4, atol=1e-5) for k, v in wanted.items()),
        f"rank 0's trained weights differ from single-process training on the global batch by up to {worst:.3g}: "
        "two processes with batches of global_batch_size // 2 and DDP's averaged gradients must take the very "
        "steps one process takes on the global batch (same order, same lr, SGD with momentum 0.9)",
        "weights:differ")


def check_metrics_once_per_epoch_for_the_global_batch(learner):
    """out_dir/metrics.jsonl holds one line per epoch, written by rank 0 only, whose loss is the mean over the
    epoch's steps of the whole global batch's loss (summed over the ranks with all_reduce), not one rank's."""
    facts, reference, _ = _run(learner)
    path = scratch_dir() / "run" / "metrics.jsonl"
    expect(path.is_file() and path.stat().st_size < 100_000, "no out_dir/metrics.jsonl was written (or it is huge)",
           "metrics:missing", kind="artifact")
    records = []
    for line in path.read_text(errors="replace").splitlines():
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError:
                raise CheckFailed(f"metrics.jsonl holds a line that is not JSON: {line[:80]!r}", "metrics:not-json",
                                  kind="artifact") from None
            records.append(record)
    if len(records) == WORLD_SIZE * EPOCHS:
        raise CheckFailed(f"metrics.jsonl holds {len(records)} lines for {EPOCHS} epochs: every rank wrote its "
                          "own; report from rank 0 only (if rank == 0:), after summing over the ranks",
                          "metrics:one-line-per-rank")
    expect(len(records) == EPOCHS, f"metrics.jsonl holds {len(records)} lines, expected one per epoch ({EPOCHS})",
           "metrics:lines")
    expect(all(isinstance(r, dict) and r.get("epoch") == e and isinstance(r.get("loss"), (int, float))
               for e, r in enumerate(records)),
           'each line of metrics.jsonl is {"epoch": e, "loss": x}, with epochs 0, 1, 2 in order', "metrics:format")
    got = [float(r["loss"]) for r in records]
    close = lambda a, b: all(abs(x - y) <= 1e-4 * max(1.0, abs(y)) for x, y in zip(a, b))  # noqa: E731
    if close(got, reference["losses"]):
        return
    one_rank = close(got, reference["rank0_losses"])
    raise CheckFailed(f"the losses reported, {[round(x, 4) for x in got]}, are not the global batch's "
                      f"{[round(x, 4) for x in reference['losses']]}"
                      + (": they are rank 0's own half of each batch; all_reduce the sum of the losses (and the "
                         "number of batches) over the ranks before rank 0 writes them" if one_rank else ""),
                      "metrics:loss:one-rank" if one_rank else "metrics:loss")


def check_calling_process_left_clean(learner):
    """train_ddp returns only when every worker has finished (join), and the calling process joins no process
    group itself."""
    facts, _, _ = _run(learner)
    expect(facts["left_running"] == 0, f"{facts['left_running']} worker processes were still running when train_ddp "
                                        "returned: wait for them (mp.start_processes(..., join=True), or .join() "
                                        "every Process) so that the files are complete when it returns",
           "parent:workers-left-running")
    expect(not facts["joined"], "the calling process is itself in a process group after train_ddp: only the workers "
                                "call init_process_group (and destroy_process_group at their end)",
           "parent:joined")
