"""DistributedDataParallel on the CPU: two gloo processes train one model as if it were one process
with the global batch."""
import json
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def _worker(rank, world_size, port, model, inputs, targets, epochs, global_batch_size, lr, seed, out_dir):
    # Every process joins the same group: the rendezvous (here a TCP address on this machine) tells
    # each one who the others are. gloo is the CPU backend; nccl only works between GPUs.
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    torch.set_num_threads(1)  # two processes on a small machine: one thread each, no oversubscription
    try:
        # DDP broadcasts rank 0's weights at construction and, in every backward, averages the
        # gradients over the processes (an all-reduce, overlapped with the backward itself).
        ddp_model = DistributedDataParallel(model)
        optimizer = torch.optim.SGD(ddp_model.parameters(), lr=lr, momentum=0.9)
        # The sampler hands each rank a disjoint 1/world_size of the data: permutation[rank::world_size].
        # With batches of global_batch_size // world_size per rank, step k's batches on all ranks
        # together are exactly the k-th global batch of that permutation.
        sampler = DistributedSampler(TensorDataset(inputs, targets), num_replicas=world_size, rank=rank,
                                     shuffle=True, seed=seed)
        loader = DataLoader(TensorDataset(inputs, targets), batch_size=global_batch_size // world_size,
                            sampler=sampler)
        for epoch in range(epochs):
            # The permutation is drawn from seed + epoch: without set_epoch every epoch repeats epoch 0's order.
            sampler.set_epoch(epoch)
            total = torch.zeros(2, dtype=torch.float64)  # (sum of batch losses, number of batches) on this rank
            for x, y in loader:
                loss = F.cross_entropy(ddp_model(x), y)
                optimizer.zero_grad()
                loss.backward()  # DDP's hooks all-reduce the gradients here: every rank gets the average
                optimizer.step()  # same gradients, same optimizer, same weights on every rank
                total += torch.tensor([loss.item(), 1.0], dtype=torch.float64)
            # Each rank only saw its own shard: sum the totals over the ranks before reporting, so the
            # number is the loss of the whole global batch, not of one half of it.
            dist.all_reduce(total)
            if rank == 0:  # one process reports and saves; the others hold identical weights
                with open(os.path.join(out_dir, "metrics.jsonl"), "a") as stream:
                    stream.write(json.dumps({"epoch": epoch, "loss": float(total[0] / total[1])}) + "\n")
        if rank == 0:
            # ddp_model.module is the model itself: its state_dict has the plain keys (no "module." prefix),
            # so it loads into the model without DDP.
            torch.save(ddp_model.module.state_dict(), os.path.join(out_dir, "model.pt"))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def train_ddp(model, inputs, targets, *, world_size, epochs, global_batch_size, lr, seed, out_dir):
    """Train `model` with DDP on `world_size` CPU processes; rank 0 writes out_dir/model.pt and
    out_dir/metrics.jsonl (one line per epoch). Returns when every process has finished."""
    # "fork": the workers start as copies of this process, so _worker needs no pickling and no
    # importable module (mp.spawn's default start method starts fresh interpreters that re-import
    # the file: fine for a script guarded by `if __name__ == "__main__"`, not for a notebook or a
    # function called from inside a running program). join=True waits for every worker and raises
    # if one of them failed.
    mp.start_processes(_worker, nprocs=world_size, join=True, start_method="fork",
                       args=(world_size, _free_port(), model, inputs, targets, epochs, global_batch_size, lr,
                             seed, out_dir))
