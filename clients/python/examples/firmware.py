#!/usr/bin/env python3
"""A small device firmware in Python: drives an MQTT AT modem over a serial port with pyserial, the way
a microcontroller's firmware drives an ESP-AT module. The host under test of the plugin's own tests.

    firmware.py PORT BROKER_HOST BROKER_PORT [--id dev-42]

It configures the link (USERCFG, CONNCFG with a will, CONN with reconnect=1), subscribes to
dev/ID/cmd and publishes ``online N`` to dev/ID/status each time the link is up (N counts the times).
It answers ``ping`` on dev/ID/cmd with ``pong N`` on dev/ID/up. On +MQTTDISCONNECTED it waits for
the modem's +MQTTCONNECTED (reconnect=1 brings the link back) and carries on; on ``ready`` (the modem
restarted) it configures everything again. Each thing it does is a line on stdout, ``firmware: ...``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import deque
from typing import Deque, List, Optional, Tuple, Union

import serial  # pyserial

SUBRECV = re.compile(rb'\+MQTTSUBRECV:0,"([^"]*)",(\d+),')
# Lines the modem writes on its own, between responses.
URC_PREFIXES = (b"+MQTTDISCONNECTED", b"+MQTTCONNECTED", b"WIFI ", b"ready")

Message = Tuple[str, bytes]  # an +MQTTSUBRECV: topic and payload
Item = Union[bytes, Message]  # a line (without CR LF) or a message


def say(text: str) -> None:
    print(f"firmware: {text}", flush=True)


class AtModem:
    """The AT side: commands with their final result, unsolicited lines and messages kept aside."""

    def __init__(self, port: str) -> None:
        self.uart = serial.Serial(port, 115200, timeout=0.2)
        self.buffer = bytearray()
        self.unsolicited: Deque[Item] = deque()

    def _read_item(self) -> Optional[Item]:
        """One line or +MQTTSUBRECV message from the buffer, reading more as needed; None after a quiet read."""
        while True:
            m = SUBRECV.match(self.buffer)
            if m:
                # The payload is raw (it may hold CR LF): its length says where it ends.
                end = m.end() + int(m.group(2))
                if len(self.buffer) >= end + 2:
                    item: Item = (m.group(1).decode(), bytes(self.buffer[m.end() : end]))
                    del self.buffer[: end + 2]
                    return item
            elif b"\r\n" in self.buffer:
                line, _, rest = bytes(self.buffer).partition(b"\r\n")
                self.buffer[:] = rest
                if line:
                    return line
                continue
            data = self.uart.read(self.uart.in_waiting or 1)
            if not data:
                return None
            self.buffer += data

    def next_unsolicited(self) -> Optional[Item]:
        if self.unsolicited:
            return self.unsolicited.popleft()
        item = self._read_item()
        if item is not None and not isinstance(item, bytes):
            say(f"< message on {item[0]}")
        elif item is not None:
            say(f"< {item.decode(errors='replace')}")
        return item

    def command(self, line: str, timeout: float = 30.0) -> Tuple[bool, List[bytes]]:
        """Sends one command; returns (OK?, its information lines). Unsolicited items are kept for later."""
        for _ in range(20):
            self.uart.write(line.encode() + b"\r\n")
            lines: List[bytes] = []
            deadline = time.monotonic() + timeout
            busy = False
            while time.monotonic() < deadline:
                item = self._read_item()
                if item is None:
                    continue
                if not isinstance(item, bytes):
                    self.unsolicited.append(item)
                elif item in (b"OK", b"ERROR"):
                    return item == b"OK", lines
                elif item.startswith(b"busy p"):
                    busy = True  # the line was dropped: send it again shortly
                    break
                elif item.startswith(URC_PREFIXES) and not (
                    item.startswith(b"+MQTTCONNECTED") and line.startswith("AT+MQTTCONN=")
                ):
                    self.unsolicited.append(item)
                else:
                    lines.append(item)
            if not busy:
                raise TimeoutError(f"no final result for {line!r} within {timeout:g} s")
            time.sleep(0.1)  # a firmware's retry period for busy p...
        raise TimeoutError(f"{line!r}: still busy after 20 tries")


class Firmware:
    def __init__(self, modem: AtModem, host: str, port: int, device: str) -> None:
        self.modem, self.host, self.port, self.device = modem, host, port, device
        self.ups = 0
        self.pongs = 0

    def configure(self) -> None:
        m = self.modem
        for line in (
            "ATE0",
            f'AT+MQTTUSERCFG=0,1,"{self.device}","","",0,0,""',
            f'AT+MQTTCONNCFG=0,60,0,"{self.status_topic}","offline",1,0',
        ):
            ok, _ = m.command(line)
            if not ok:
                raise RuntimeError(f"{line} failed")
        ok, _ = m.command(f'AT+MQTTCONN=0,"{self.host}",{self.port},1')
        if not ok:
            raise RuntimeError("AT+MQTTCONN failed")
        ok, _ = m.command(f'AT+MQTTSUB=0,"dev/{self.suffix}/cmd",1')
        if not ok:
            raise RuntimeError("AT+MQTTSUB failed")
        say("configured")
        self.link_up()

    @property
    def suffix(self) -> str:
        return self.device[4:] if self.device.startswith("dev-") else self.device

    @property
    def status_topic(self) -> str:
        return f"dev/{self.suffix}/status"

    def publish(self, topic: str, text: str) -> None:
        ok, _ = self.modem.command(f'AT+MQTTPUB=0,"{topic}","{text}",1,0')
        say(f"published {topic} {text}" if ok else f"publish to {topic} failed")

    def link_up(self) -> None:
        self.ups += 1
        self.publish(self.status_topic, f"online {self.ups}")

    def run(self) -> None:
        # The modem says ready when the port opens, before it reads a byte, but pyserial's open() may
        # have discarded it already: so AT until OK, and a ready that came before that OK was the greeting.
        ok, _ = self.modem.command("AT")
        self.modem.unsolicited = deque(i for i in self.modem.unsolicited if i != b"ready")
        say("the modem answers")
        self.configure()
        while True:
            item = self.modem.next_unsolicited()
            if item is None:
                continue
            if not isinstance(item, bytes):
                topic, payload = item
                if payload == b"ping":
                    self.pongs += 1
                    self.publish(f"dev/{self.suffix}/up", f"pong {self.pongs}")
            elif item == b"+MQTTDISCONNECTED:0":
                say("link down, waiting for the modem to reconnect")
            elif item.startswith(b"+MQTTCONNECTED:0"):
                say("link up again")
                self.link_up()
            elif item == b"ready":
                say("the modem restarted")
                self.configure()


def main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("port")
    p.add_argument("broker_host")
    p.add_argument("broker_port", type=int)
    p.add_argument("--id", default="dev-42", help="the client id, dev-ID (topics dev/ID/...)")
    a = p.parse_args(argv)
    Firmware(AtModem(a.port), a.broker_host, a.broker_port, a.id).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
