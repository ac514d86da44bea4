"""Reproducible training of the fusion model (needs the `train` extra)."""
