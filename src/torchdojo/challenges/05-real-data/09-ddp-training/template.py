"""DistributedDataParallel on the CPU: two gloo processes train one model as if it were one process
with the global batch.

Run `torchdojo check ddp-training` to grade this file.
"""
import json
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def _worker(rank, world_size, port, model, inputs, targets, epochs, global_batch_size, lr, seed, out_dir):
    """One process of the group: rank `rank` of `world_size`."""
    # TODO 1: join the process group: backend "gloo", init_method f"tcp://127.0.0.1:{port}", this rank and world size
    # TODO 2: wrap the model in DistributedDataParallel; SGD(lr=lr, momentum=0.9) over the wrapper's parameters
    # TODO 3: a DistributedSampler (this rank's share, shuffle=True, seed=seed) and a DataLoader over it with
    #         batches of global_batch_size // world_size
    # TODO 4: for each epoch: sampler.set_epoch(epoch); train on every batch (cross-entropy, zero_grad, backward, step)
    # TODO 5: sum (loss sum, batch count) over the ranks with dist.all_reduce; rank 0 alone appends
    #         {"epoch": epoch, "loss": mean} as one JSON line to out_dir/metrics.jsonl
    # TODO 6: rank 0 saves the plain model's state_dict (ddp_model.module) to out_dir/model.pt;
    #         every rank ends with dist.destroy_process_group()
    raise NotImplementedError("TODO: train one rank with DistributedDataParallel")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def train_ddp(model, inputs, targets, *, world_size, epochs, global_batch_size, lr, seed, out_dir):
    """Train `model` with DDP on `world_size` CPU processes; rank 0 writes out_dir/model.pt and
    out_dir/metrics.jsonl (one line per epoch). Returns when every process has finished."""
    # TODO 7: start world_size processes running _worker (rank first, then the arguments), with the "fork"
    #         start method, and wait for all of them
    raise NotImplementedError("TODO: start the worker processes and wait for them")
