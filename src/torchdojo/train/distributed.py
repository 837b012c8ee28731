"""DistributedDataParallel plumbing: the same training code runs alone or under ``torchrun``.

torchrun sets WORLD_SIZE, RANK and LOCAL_RANK; when they say more than one process, the process
group starts with nccl on CUDA and gloo on the CPU. Every rank draws the same permutation of the
data each epoch and takes its own slice of every global batch, so a global batch of B examples on
W ranks is B / W examples per rank and DDP's gradient average equals the one-process gradient.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def init_from_env(device) -> DistContext:
    """Join the process group torchrun describes (if any); a no-op for a single process."""
    import torch.distributed as dist

    world_size = int(os.environ.get("WORLD_SIZE", 1))
    if world_size == 1:
        return DistContext()
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            import torch

            torch.cuda.set_device(device)  # else every rank's NCCL work lands on GPU 0
        dist.init_process_group(backend=backend)
        if backend == "gloo":
            _share_cpu_cores()
    return DistContext(rank=dist.get_rank(), world_size=dist.get_world_size())


def _share_cpu_cores() -> None:
    """Give each CPU rank its share of the cores: oversubscribed OpenMP threads spin-wait on
    each other and can make a step several times slower."""
    import torch

    local_ranks = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", 1)))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_ranks))


def shutdown(context: DistContext) -> None:
    import torch.distributed as dist

    if context.active and dist.is_initialized():
        dist.destroy_process_group()


def wrap_model(model, device, context: DistContext):
    """The model DDP should drive (the model itself when alone)."""
    if not context.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=device_ids)


def sync_buffers(model, context: DistContext) -> None:
    """Give every rank rank 0's buffers (e.g. batch-norm running statistics).

    DDP broadcasts them before each training forward, but each rank then updates its own copy
    from its own shard; syncing after an epoch makes evaluation on every rank use the buffers
    that rank 0 saves, so the accuracy reported equals what the saved model scores."""
    if not context.active:
        return
    import torch.distributed as dist

    for buffer in model.buffers():
        dist.broadcast(buffer, src=0)


def rank_batches(permutation, batch_size: int, context: DistContext, drop_last: bool):
    """This rank's index tensors, one per global batch of ``permutation``."""
    if batch_size % context.world_size:
        raise ValueError(f"batch size {batch_size} must be divisible by the number of processes "
                         f"({context.world_size})")
    total = len(permutation)
    usable = total - total % batch_size if drop_last else total
    # Every rank needs at least one example per step, or DDP's all-reduce would wait forever.
    usable -= usable % context.world_size
    return [permutation[start:min(start + batch_size, usable)][context.rank::context.world_size]
            for start in range(0, usable, batch_size)]


def sum_across_ranks(values: list[float], device, context: DistContext) -> list[float]:
    """Element-wise sum of ``values`` over all ranks (the values themselves when alone)."""
    if not context.active:
        return values
    import torch
    import torch.distributed as dist

    totals = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(totals)
    return totals.tolist()
