"""The issue's test: a device firmware in Python (examples/firmware.py, pyserial) drives the modem through
its pty; the test drops the Wi-Fi under it and checks that the firmware came back by itself."""

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

from atmqtt_pytest import Modem

FIRMWARE = Path(__file__).resolve().parents[1] / "examples" / "firmware.py"


class Firmware:
    """The firmware as a process; its stdout lines (``firmware: ...``) in order."""

    def __init__(self, pty: str, broker_host: str, broker_port: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(FIRMWARE), pty, broker_host, str(broker_port), "--id", "dev-42"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.seen: List[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = 30.0) -> None:
        """Waits for a line that says ``text``, reading past the others."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.0))
            except queue.Empty:
                raise AssertionError(f"the firmware did not say {text!r} within {timeout:g} s; it said {self.seen}")
            self.seen.append(line)
            if line == f"firmware: {text}":
                return

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.reader.join(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def test_the_firmware_recovers_from_a_wifi_drop(atmqtt: Modem) -> None:
    seen = atmqtt.broker_messages("dev/42/#")
    fw = Firmware(atmqtt.pty, *atmqtt.broker)
    try:
        fw.expect("configured")
        seen.wait_for(lambda m: (m.topic, m.payload) == ("dev/42/status", b"online 1"))

        with atmqtt.fault("wifi-drop"):
            fw.expect("< WIFI DISCONNECT")
            fw.expect("< +MQTTDISCONNECTED:0")
            fw.expect("link down, waiting for the modem to reconnect")
            assert atmqtt.state()["link"]["phase"] == "reconnecting"

        # The fault is over: the modem rejoins and reconnects by itself, the firmware carries on.
        fw.expect("< WIFI CONNECTED")
        fw.expect("< WIFI GOT IP")
        fw.expect("link up again")
        fw.expect("published dev/42/status online 2")
        # Its next publish reached the broker.
        seen.wait_for(lambda m: (m.topic, m.payload) == ("dev/42/status", b"online 2"))

        # What the modem wrote to the firmware, in order, from the drop on. The fault's start event
        # comes after every line that passed before it (the modem publishes queued lines before any
        # other event); the last event this client had received may still lag behind those lines.
        before = next(
            e["sequence"]
            for e in atmqtt.history()
            if e["type"] == "fault" and e.get("name") == "wifi-drop" and e.get("value") == "started"
        )
        # The firmware has read +MQTTCONNECTED; its line event may reach this client a moment later.
        atmqtt.wait_for(
            lambda e: e["type"] == "line" and e["direction"] == "to-host" and e["text"].startswith("+MQTTCONNECTED"),
            timeout=10,
            after=before,
        )
        urcs = [
            e["text"]
            for e in atmqtt.history()
            if e["sequence"] > before and e["type"] == "line" and e["direction"] == "to-host"
            and not e["text"].startswith(("AT", "OK", "\\r\\n"))
        ]
        assert urcs[:5] == [
            "WIFI DISCONNECT\\r\\n",
            "+MQTTDISCONNECTED:0\\r\\n",
            "WIFI CONNECTED\\r\\n",
            "WIFI GOT IP\\r\\n",
            '+MQTTCONNECTED:0,1,"%s",%d,1\\r\\n' % atmqtt.broker,
        ]
        assert atmqtt.state()["counters"]["reconnects"] == 1
        assert atmqtt.faults() == []

        # Commands reach it again: the modem restores its subscription after +MQTTCONNECTED, so the ping
        # is retained, and arrives once whether the restoring SUBSCRIBE came before it or after.
        atmqtt.publish_to_device("dev/42/cmd", "ping", qos=1, retain=True)
        fw.expect("published dev/42/up pong 1")
        seen.wait_for(lambda m: (m.topic, m.payload) == ("dev/42/up", b"pong 1"))
    finally:
        fw.stop()
