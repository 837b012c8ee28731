"""A file:// rendezvous, the DistributedSampler's indices batched by hand, and the epoch's totals
reduced onto rank 0 only (dist.reduce), the one rank that reports."""
import json
import os
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler


def _train(rank, world_size, rendezvous, model, inputs, targets, epochs, global_batch_size, lr, seed, out_dir):
    dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    net = DistributedDataParallel(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    sampler = DistributedSampler(range(len(inputs)), num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
    step = global_batch_size // world_size
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        indices = torch.tensor(list(sampler))
        loss_sum, batches = 0.0, 0
        for batch in indices.split(step):
            optimizer.zero_grad()
            loss = criterion(net(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
            loss_sum, batches = loss_sum + loss.item(), batches + 1
        totals = torch.tensor([loss_sum, batches], dtype=torch.float64)
        dist.reduce(totals, dst=0)  # only rank 0 needs the sum
        if rank == 0:
            with open(os.path.join(out_dir, "metrics.jsonl"), "a") as log:
                log.write(json.dumps({"epoch": epoch, "loss": totals[0].item() / totals[1].item()}) + "\n")
    dist.barrier()
    if rank == 0:
        torch.save(net.module.state_dict(), os.path.join(out_dir, "model.pt"))
    dist.destroy_process_group()


def train_ddp(model, inputs, targets, *, world_size, epochs, global_batch_size, lr, seed, out_dir):
    with tempfile.TemporaryDirectory() as folder:
        rendezvous = os.path.join(folder, "rendezvous")  # must not exist yet: the ranks create it
        context = mp.start_processes(_train, nprocs=world_size, join=False, start_method="fork",
                                     args=(world_size, rendezvous, model, inputs, targets, epochs, global_batch_size,
                                           lr, seed, out_dir))
        while not context.join():
            pass
