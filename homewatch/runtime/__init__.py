"""The running daemon: supervisor, assembly of services, systemd, logging, the demo."""
