"""The ground floor: messages, the bus interface, errors, backoff, the service protocol, the
config base. Imports nothing else of homewatch."""
