"""Home Assistant entities of the node itself (diagnostics); each subsystem adds its own."""

from __future__ import annotations

from homewatch.core.bus import Bus

DIAGNOSTIC_SENSORS = {
    "cpu": ("CPU", "%", "{{ value_json.cpu_percent }}"),
    "rss": ("Memory", "MiB", "{{ value_json.rss_mb }}"),
    "outbox": ("Outbox depth", None, "{{ value_json.mqtt.outbox_depth }}"),
    "uptime": ("Uptime", "s", "{{ value_json.uptime_s }}"),
}


def add_node_entities(bus: Bus) -> None:
    for key, (name, unit, template) in DIAGNOSTIC_SENSORS.items():
        component = {"p": "sensor", "name": name, "stat_t": "~/stats", "val_tpl": template,
                      "ent_cat": "diagnostic", "stat_cla": "measurement"}
        if unit:
            component["unit_of_meas"] = unit
        bus.add_entity(f"stats_{key}", component)
    # Disk full or read-only, a paused history: what degrades the node without stopping it.
    bus.add_entity("stats_problem", {
        "p": "sensor", "name": "Problem", "stat_t": "~/stats", "ent_cat": "diagnostic",
        "val_tpl": "{{ (value_json.problem or 'none')[:255] }}", "ic": "mdi:alert-circle"})
