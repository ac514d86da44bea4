"""Cameras in, object events, snapshots and scene state out."""
