"""The node's own MQTT API: availability, statistics, command errors, diagnostic entities.

Each subsystem declares its own in its `api` module; `DECLARATIONS` lists them all, in the
order of the README's MQTT table.
"""

from __future__ import annotations

from homewatch.core.api import Api, Declaration, Json, published
from homewatch.understanding.api import DIALOG
from homewatch.vision.api import VISION
from homewatch.voice.api import VOICE

STATUS = published("status", "`online` / `offline`", retained=True, note="last will")
STATS = published("stats", "JSON: uptime, CPU %, RSS, MQTT link (outbox depth…), per camera fps "
                  "in/analysed/dropped, inference ms, motion %, recognizer real-time factor",
                  retained=True)
ERROR = published("error", "JSON `{code, text, topic}` for every rejected command")
NODE = Declaration("node", (STATUS, STATS, ERROR))
DECLARATIONS = (NODE, VISION, VOICE, DIALOG)

DIAGNOSTIC_SENSORS = {
    "cpu": ("CPU", "%", "{{ value_json.cpu_percent }}"),
    "rss": ("Memory", "MiB", "{{ value_json.rss_mb }}"),
    "outbox": ("Outbox depth", None, "{{ value_json.mqtt.outbox_depth }}"),
    "uptime": ("Uptime", "s", "{{ value_json.uptime_s }}"),
}


def node_api() -> Api:
    components: dict[str, Json] = {}
    for key, (name, unit, template) in DIAGNOSTIC_SENSORS.items():
        component: Json = {"p": "sensor", "name": name, "stat_t": "~/stats", "val_tpl": template,
                           "ent_cat": "diagnostic", "stat_cla": "measurement"}
        if unit:
            component["unit_of_meas"] = unit
        components[f"stats_{key}"] = component
    # Disk full or read-only, a paused history: what degrades the node without stopping it.
    components["stats_problem"] = {
        "p": "sensor", "name": "Problem", "stat_t": "~/stats", "ent_cat": "diagnostic",
        "val_tpl": "{{ (value_json.problem or 'none')[:255] }}", "ic": "mdi:alert-circle"}
    return Api(NODE, components=components)
