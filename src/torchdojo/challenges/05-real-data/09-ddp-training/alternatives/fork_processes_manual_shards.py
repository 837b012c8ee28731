"""Processes started by hand (multiprocessing's fork context), the env:// rendezvous torchrun uses, and
the sharding written out without a sampler: each rank takes permutation[rank::world_size] of the same
seeded permutation, which is exactly what DistributedSampler does."""
import json
import multiprocessing
import os
import socket

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP


def run_rank(rank, world_size, model, inputs, targets, epochs, global_batch_size, lr, seed, out_dir):
    os.environ["RANK"], os.environ["WORLD_SIZE"] = str(rank), str(world_size)
    dist.init_process_group(backend="gloo")  # MASTER_ADDR / MASTER_PORT come from the environment
    torch.set_num_threads(1)
    ddp = DDP(model)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr, momentum=0.9)
    per_rank = global_batch_size // world_size
    for epoch in range(epochs):
        order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(seed + epoch))
        mine = order[rank::world_size]
        losses = []
        for start in range(0, len(mine), per_rank):
            index = mine[start:start + per_rank]
            loss = F.cross_entropy(ddp(inputs[index]), targets[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        summary = torch.stack([torch.stack(losses).sum(), torch.tensor(float(len(losses)))]).double()
        dist.all_reduce(summary, op=dist.ReduceOp.SUM)
        if dist.get_rank() == 0:
            with open(os.path.join(out_dir, "metrics.jsonl"), "a") as log:
                print(json.dumps({"epoch": epoch, "loss": (summary[0] / summary[1]).item()}), file=log)
    if dist.get_rank() == 0:
        torch.save(ddp.module.state_dict(), os.path.join(out_dir, "model.pt"))
    dist.destroy_process_group()


def train_ddp(model, inputs, targets, *, world_size, epochs, global_batch_size, lr, seed, out_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=run_rank, args=(rank, world_size, model, inputs, targets, epochs,
                                                      global_batch_size, lr, seed, out_dir))
               for rank in range(world_size)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    failed = [w.exitcode for w in workers if w.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} worker(s) failed with exit codes {failed}")
