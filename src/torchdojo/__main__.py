"""`python -m torchdojo` (and `torchrun -m torchdojo ...`) run the command line."""
from torchdojo.cli.app import main

if __name__ == "__main__":
    main()
