"""Models: the catalogue, downloads, the one resolver every subsystem uses, the TFLite shim."""
