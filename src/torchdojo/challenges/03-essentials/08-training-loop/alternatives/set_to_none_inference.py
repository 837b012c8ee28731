"""Gradients cleared through the model after the step (set to None), torch.inference_mode for
evaluation, and sums kept as tensors that carry no graph (detach, then float() at the end)."""
import torch


def train_one_epoch(model, loader, loss_fn, optimizer) -> float:
    model.train(True)
    model.zero_grad(set_to_none=True)
    total = torch.zeros(())
    count = 0
    for batch in loader:
        inputs, targets = batch
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        model.zero_grad(set_to_none=True)  # ready for the next batch
        total += loss.detach() * targets.numel()
        count += targets.numel()
    return float(total / count)


@torch.inference_mode()
def evaluate(model, loader, loss_fn) -> tuple[float, float]:
    model.train(False)
    losses, hits, count = [], [], 0
    for inputs, targets in loader:
        scores = model(inputs)
        losses.append(loss_fn(scores, targets) * len(targets))
        hits.append((scores.max(dim=-1).indices == targets).sum())
        count += len(targets)
    return (torch.stack(losses).sum() / count).item(), (torch.stack(hits).sum() / count).item()
