"""The `torchdojo` command line: a typer app, one module per command group; render.py prints."""
