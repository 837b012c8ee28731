"""The course's style (Udacity's intro-to-pytorch): running_loss with .item(), the mean of the batch
means, top-k predictions compared after a view, torch.no_grad as in the notebook."""
import torch


def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    running_loss = 0
    for images, labels in loader:
        optimizer.zero_grad()
        log_ps = model(images)
        loss = loss_fn(log_ps, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    return running_loss / len(loader)


def evaluate(model, loader, loss_fn):
    test_loss = 0
    accuracy = 0
    with torch.no_grad():
        model.eval()
        for images, labels in loader:
            log_ps = model(images)
            test_loss += loss_fn(log_ps, labels)
            top_p, top_class = log_ps.topk(1, dim=1)
            equals = top_class == labels.view(*top_class.shape)
            accuracy += torch.mean(equals.type(torch.FloatTensor))
    return test_loss / len(loader), accuracy / len(loader)
