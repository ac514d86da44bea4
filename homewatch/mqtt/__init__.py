"""MQTT: the link to the broker, the durable outbox, commands and Home Assistant discovery."""
