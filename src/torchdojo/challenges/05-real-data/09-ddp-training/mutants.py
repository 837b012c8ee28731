"""Known mistakes for ddp-training."""
from torchdojo.grading.mutants import Mutant

MUTANTS = [
    Mutant("forgot-set-epoch",
           "the sampler is never told the epoch: DistributedSampler draws its permutation from seed + epoch, so "
           "without sampler.set_epoch(epoch) every epoch repeats the first one's order",
           replace={"            sampler.set_epoch(epoch)\n": ""}),
    Mutant("metrics-from-every-rank",
           "every rank writes its own metrics line: the log holds world_size copies of each epoch; write from "
           "rank 0 only",
           replace={"            if rank == 0:  # one process reports": "            if True:  # one process reports"}),
    Mutant("metrics-of-one-rank",
           "the loss reported is rank 0's own half of each batch: all_reduce the totals over the ranks first, "
           "so the number is the global batch's loss",
           replace={"            dist.all_reduce(total)\n": ""}),
    Mutant("no-ddp-wrapper",
           "the model is not wrapped in DistributedDataParallel: each process trains its own copy on its own "
           "half of the data and the gradients are never averaged",
           replace={"ddp_model = DistributedDataParallel(model)": "ddp_model = model",
                    "ddp_model.module.state_dict()": "ddp_model.state_dict()"}),
    Mutant("global-batch-on-every-rank",
           "each rank takes a whole global batch, so a step averages 2 × global_batch_size examples: the "
           "DataLoader's batch_size is global_batch_size // world_size",
           replace={"batch_size=global_batch_size // world_size": "batch_size=global_batch_size"}),
    Mutant("saves-the-ddp-wrapper",
           "the saved state_dict is the DDP wrapper's, every key prefixed with 'module.': save "
           "ddp_model.module.state_dict() so that the weights load into the plain model",
           replace={"ddp_model.module.state_dict()": "ddp_model.state_dict()"}),
    Mutant("sampler-seed-ignored",
           "the sampler shuffles with its default seed 0, not the `seed` given: pass DistributedSampler(..., "
           "seed=seed)",
           replace={"shuffle=True, seed=seed)": "shuffle=True)"}),
    Mutant("dataloader-shuffle-instead-of-sampler",
           "each rank shuffles the whole data set itself (DataLoader(shuffle=True)) instead of taking its share "
           "through a DistributedSampler: the ranks' batches overlap and are not the global batch",
           replace={"                            sampler=sampler)": "                            shuffle=True)",
                    "            sampler.set_epoch(epoch)\n": ""}),
    Mutant("lr-scaled-by-world-size",
           "the learning rate is multiplied by the number of processes (the 'linear scaling rule'): DDP averages "
           "the gradients, so the same global batch needs the same lr as one process",
           replace={"lr=lr, momentum=0.9)": "lr=lr * world_size, momentum=0.9)"}),
    Mutant("nccl-on-the-cpu",
           "the process group asks for nccl, the GPU backend: on the CPU use gloo",
           replace={'dist.init_process_group("gloo"': 'dist.init_process_group("nccl"'}),
    Mutant("does-not-wait",
           "train_ddp returns while the workers are still training (join=False): its caller finds the files "
           "incomplete; wait for every process",
           replace={"nprocs=world_size, join=True,": "nprocs=world_size, join=False,"}),
]
