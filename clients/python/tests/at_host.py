"""A bare AT host for the plugin's tests: pyserial over the modem's pty, or a socket on its TCP port."""

from __future__ import annotations

import socket
import time
from typing import Optional, Tuple

import serial  # pyserial


class Uart:
    """The host end of the modem's channel, exact bytes; every read waits ``timeout`` seconds at most."""

    def __init__(self, pty: Optional[str] = None, tcp: Optional[Tuple[str, int]] = None, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self.serial: Optional[serial.Serial] = None
        self.sock: Optional[socket.socket] = None
        self.buffer = b""
        if pty is not None:
            self.serial = serial.Serial(pty, 115200, timeout=timeout)
        elif tcp is not None:
            # A plain socket: pyserial's socket:// discards what came before open() returned (the ready).
            self.sock = socket.create_connection(tcp, timeout=timeout)
        else:
            raise ValueError("a pty or a TCP address")

    def read_until(self, marker: bytes) -> bytes:
        if self.serial is not None:
            data = self.serial.read_until(marker)
        else:
            assert self.sock is not None
            deadline = time.monotonic() + self.timeout
            while marker not in self.buffer and time.monotonic() < deadline:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    chunk = self.sock.recv(4096)
                except socket.timeout:
                    break
                if not chunk:
                    break
                self.buffer += chunk
            end = self.buffer.find(marker)
            end = len(self.buffer) if end < 0 else end + len(marker)
            data, self.buffer = self.buffer[:end], self.buffer[end:]
        assert data.endswith(marker), f"waited {self.timeout:g} s for {marker!r}; got {data!r}"
        return data

    def write(self, data: bytes) -> None:
        if self.serial is not None:
            self.serial.write(data)
        else:
            assert self.sock is not None
            self.sock.sendall(data)

    def command(self, line: str, final: bytes = b"OK\r\n") -> bytes:
        """Writes ``line`` CR LF; returns what came up to and including ``final``."""
        self.write(line.encode() + b"\r\n")
        return self.read_until(final)

    def close(self) -> None:
        if self.serial is not None:
            self.serial.close()
        if self.sock is not None:
            self.sock.close()
