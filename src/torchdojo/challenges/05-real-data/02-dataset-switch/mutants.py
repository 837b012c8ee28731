"""Known mistakes for dataset-switch."""
from torchdojo.grading.mutants import Mutant

STATS = """STATS = {
    "mnist": ((0.1307,), (0.3081,)),
    "fashionmnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}"""
TRANSFORM = "transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])"

MUTANTS = [
    Mutant("mnist-statistics-everywhere",
           "every dataset is normalised with MNIST's mean and std: Fashion-MNIST and CIFAR-10 have their own "
           "(CIFAR-10 one per colour channel); keep one (mean, std) per dataset",
           replace={"    mean, std = STATS[name]\n": "    mean, std = STATS['mnist']\n"}),
    Mutant("no-normalisation",
           "the images are left in [0, 1] (ToTensor only): normalise each channel with the dataset's mean and std",
           replace={TRANSFORM: "transforms.Compose([transforms.ToTensor()])"}),
    Mutant("cifar-rows-read-as-hwc",
           "CIFAR-10's rows are read as (32, 32, 3) pixels, but they are stored channel-major: 1024 red values, "
           "then 1024 green, then 1024 blue; reshape to (N, 3, 32, 32) first",
           replace={"np.concatenate(rows).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)":
                    "np.concatenate(rows).reshape(-1, 32, 32, 3)"}),
    Mutant("train-flag-ignored",
           "`train` is ignored: the test split is the training split, so a test score measures memory; pass train "
           "to the dataset (t10k files, test_batch)",
           replace={"    if name not in STATS:\n": "    train = True\n    if name not in STATS:\n"}),
    Mutant("cifar-test-is-first-batch",
           "CIFAR-10's test split reads data_batch_1 instead of test_batch: the model is tested on images it "
           "trained on",
           replace={'names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]\n        rows':
                    'names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["data_batch_1"]\n        rows'}),
    Mutant("torchvision-error-leaks",
           "a missing dataset surfaces as whatever the library raises (torchvision's RuntimeError, an open() "
           "error): check the files first and raise FileNotFoundError naming the dataset and the folder",
           replace={"    if missing:\n        raise FileNotFoundError":
                    "    if False:\n        raise FileNotFoundError"}),
    Mutant("unknown-name-keyerror",
           "an unknown name ends in a KeyError from the statistics table: raise ValueError listing the names that "
           "exist",
           replace={"    if name not in STATS:\n        raise ValueError": "    if False:\n        raise ValueError"}),
    Mutant("head-sized-for-28",
           "the head's input size is computed for 28×28 images: any other size (CIFAR's 32×32) breaks the matrix "
           "product; compute it from image_size",
           replace={"side = image_size // 4": "side = 28 // 4"}),
    Mutant("one-input-channel",
           "the first convolution takes one channel whatever in_channels says: colour images (CIFAR-10) fail; use "
           "nn.Conv2d(in_channels, ...)",
           replace={"nn.Conv2d(in_channels, 16,": "nn.Conv2d(1, 16,"}),
]
