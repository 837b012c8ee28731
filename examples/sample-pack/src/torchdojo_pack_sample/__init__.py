"""A sample torchdojo challenge pack: this package's folder is the pack (see pack.toml)."""
