"""torchdojo.seeding: private generators repeat themselves and leave the global RNG alone."""
import torch

from torchdojo.seeding import generator, seed_torch


def test_a_private_generator_repeats_for_a_seed_and_leaves_the_global_rng_alone():
    torch.manual_seed(7)
    before = torch.get_rng_state()
    first = torch.randn(5, generator=generator(3))
    assert torch.equal(first, torch.randn(5, generator=generator(3)))
    assert not torch.equal(first, torch.randn(5, generator=generator(4)))
    assert torch.equal(torch.get_rng_state(), before)


def test_seed_torch_makes_global_draws_repeat():
    seed_torch(11)
    first = torch.rand(4)
    seed_torch(11)
    assert torch.equal(torch.rand(4), first)
