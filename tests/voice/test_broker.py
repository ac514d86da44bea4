"""WAV file → VoiceService → `voice/transcript` on a real Mosquitto, through the MQTT link."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from homewatch.config.slices import mqtt_link, voice_setup
from homewatch.core.messages import Utterance
from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
from homewatch.voice.service import VoiceService
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Recorder
from tests.voice.audio_files import clip, join, silence, write_wav

BASE = "homewatch/testnode"
DISCOVERY = "homeassistant/device/homewatch_testnode/config"


def test_push_to_talk_and_transcript_over_mqtt(
        mosquitto: Mosquitto, tmp_path: Path, sphinx_grammar: PocketsphinxRecognizer) -> None:
    wav = write_wav(tmp_path / "mic.wav", join(silence(0.5), clip("c14_piper"), silence(1.0)))
    config = make_config(tmp_path, mosquitto.port, voice={
        "enabled": True, "activation": {"mode": "push_to_talk"},
        "source": {"type": "wav", "path": str(wav), "loop": True, "realtime": True}})
    link = mqtt_link(config)
    heard: list[Utterance] = []

    async def on_utterance(utt: Utterance) -> None:
        heard.append(utt)

    service = VoiceService(voice_setup(config), link, on_utterance, recognizer=sphinx_grammar)
    recorder = Recorder(mosquitto.port, [f"{BASE}/voice/#", f"{BASE}/error", DISCOVERY])

    async def main() -> None:
        tasks = [asyncio.create_task(link.run()), asyncio.create_task(service.run())]
        try:
            await asyncio.to_thread(recorder.wait_for, lambda m: any(
                x.topic == DISCOVERY for x in m))
            recorder.publish(f"{BASE}/voice/listen", "soon")
            await asyncio.to_thread(recorder.wait_for, lambda m: any(
                x.topic == f"{BASE}/error" for x in m))
            recorder.publish(f"{BASE}/voice/listen", "ON")
            await asyncio.to_thread(recorder.wait_for, lambda m: any(
                x.topic == f"{BASE}/voice/transcript" for x in m), 30)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    recorder.close()
    message = json.loads(recorder.on(f"{BASE}/voice/transcript")[0].payload)
    assert message["text"] == "turn on the porch light"
    assert message["recognizer"] == "pocketsphinx"
    assert [u.text for u in heard][:1] == ["turn on the porch light"]
    last = recorder.on(f"{BASE}/voice/last")
    assert last and last[-1].payload == b"turn on the porch light"
    error = json.loads(recorder.on(f"{BASE}/error")[0].payload)
    assert error["code"] == "bad_payload"
    sensor = json.loads(recorder.on(DISCOVERY)[-1].payload)["cmps"]["voice_last_transcript"]
    assert sensor["p"] == "sensor" and sensor["stat_t"] == "~/voice/last"
