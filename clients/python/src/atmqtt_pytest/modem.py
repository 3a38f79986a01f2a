"""The `atmqtt` program as a child process, and its control API (docs/control.md)."""

from __future__ import annotations

import atexit
import bisect
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .errors import AtMqttError, ControlApiError

Event = Dict[str, Any]
Predicate = Union[str, Callable[[Event], bool]]

#: Seconds the program gets to print its control address (a loaded CI machine: the .NET harness gives 30).
START_TIMEOUT = 30.0
#: Seconds between SIGTERM and SIGKILL.
STOP_TIMEOUT = 10.0
#: Seconds a control API request may take.
REQUEST_TIMEOUT = 30.0

_CONTROL_LINE = re.compile(r"Control API on (http://\S+)")

# The control API is on loopback: never through an http_proxy from the environment.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Every modem still running, so that an interpreter that exits (a KeyboardInterrupt that skipped the
# fixture's teardown, a script that forgot stop()) leaves no process behind.
_running: "set[Modem]" = set()
_running_lock = threading.Lock()


@atexit.register
def _stop_leftovers() -> None:
    with _running_lock:
        left = list(_running)
    for modem in left:
        modem.stop()


def find_program(option: Optional[str] = None, ini: Optional[str] = None) -> str:
    """Which `atmqtt` to run: the pytest option, then $ATMQTT, then the ini option, then `atmqtt` on PATH.

    A program that is named but missing is an error, never a quiet fall-back to the next one.
    """
    for source, value in (
        ("--atmqtt-program", option),
        ("ATMQTT", os.environ.get("ATMQTT")),
        ("the atmqtt_program ini option", ini),
    ):
        if value:
            path = shutil.which(value) if os.sep not in value else value
            if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
                raise AtMqttError(f"{source} names {value!r}, which is not an executable file")
            return os.path.abspath(path)
    found = shutil.which("atmqtt")
    if not found:
        raise AtMqttError(
            "atmqtt not found: put it on PATH, or name it with --atmqtt-program PATH or ATMQTT=PATH "
            "(installing it: the README's Install section)"
        )
    return found


def _find_prctl() -> Optional[Callable[..., int]]:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


# Looked up here, in the parent: a child forked from a process with threads must not load libraries.
_prctl = _find_prctl() if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    # Linux: the modem gets SIGKILL if the thread that started it dies (pytest killed with -9), so not
    # even that leaves it behind. Only set from the main thread, whose death is the process's.
    if _prctl is not None:
        PR_SET_PDEATHSIG = 1
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


class Fault(dict):
    """An active fault as `POST /api/faults` returned it (`id`, `spec`, `started`, `ends`).

    Also a context manager: leaving the `with` block ends the fault (DELETE /api/faults/{id}); a fault
    that already ended by itself (its `seconds` passed, its `count` used up) is fine.
    """

    def __init__(self, modem: "Modem", body: Dict[str, Any]) -> None:
        super().__init__(body)
        self._modem = modem

    @property
    def id(self) -> str:
        return self["id"]

    def end(self) -> bool:
        """Ends the fault; False when it had already ended."""
        status, _ = self._modem._request("DELETE", f"/api/faults/{urllib.parse.quote(self.id)}", ok=(204, 404))
        return status == 204

    def __enter__(self) -> "Fault":
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


class Modem:
    """One `atmqtt` program with its control API, started by :meth:`start`; stop it with :meth:`stop`
    (or use it as a context manager). The `atmqtt` fixture yields one of these.

    Attributes: ``pty`` (the pty link's path, with channel "pty"), ``tcp`` (``(host, port)`` where the
    host under test connects, with channel "tcp"), ``broker`` (``(host, port)`` of the broker the modem
    is meant to use: its embedded one, or the one given), ``control_url``, ``info`` (GET /api/info),
    ``pid``, ``args`` (the command line).
    """

    def __init__(self) -> None:
        self.pty: Optional[str] = None
        self.tcp: Optional[Tuple[str, int]] = None
        self.broker: Optional[Tuple[str, int]] = None
        self.control_url: str = ""
        self.info: Dict[str, Any] = {}
        self.pid: int = 0
        self.args: List[str] = []
        self.returncode: Optional[int] = None
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._dir: Optional[str] = None
        self._log: List[str] = []
        self._log_lock = threading.Lock()
        self._control_found = threading.Event()
        self._stderr_thread: Optional[threading.Thread] = None
        self._events: List[Event] = []
        self._sequences: List[int] = []
        self._events_cond = threading.Condition()
        self._events_ended = False
        self._events_error: Optional[BaseException] = None
        self._sse: Optional[http.client.HTTPConnection] = None
        self._sse_sock: Optional[socket.socket] = None
        self._sse_thread: Optional[threading.Thread] = None
        self._stopped = False
        self._mqtt: Any = None
        self._subscribers: List[Any] = []

    # ------------------------------------------------------------------ start and stop

    @classmethod
    def start(
        cls,
        program: Optional[str] = None,
        channel: str = "pty",
        broker: Optional[Union[str, Tuple[str, int]]] = None,
        args: Sequence[str] = (),
        start_timeout: float = START_TIMEOUT,
        quirks: Sequence[str] = (),
    ) -> "Modem":
        """Starts `atmqtt` with the host channel ``channel`` ("pty" or "tcp"), its embedded broker on a
        free port unless ``broker`` ("host:port") is given, the control API on a free loopback port,
        ``args`` added and a ``--quirk`` for each of ``quirks`` (docs/quirks.md); returns once the event
        stream is being watched (nothing the host does is missed).
        """
        if channel not in ("pty", "tcp"):
            raise AtMqttError(f"channel must be 'pty' or 'tcp', not {channel!r}")
        if isinstance(quirks, str):
            raise AtMqttError(f"quirks is a list of names, not the string {quirks!r}")
        args = [*args, *(arg for quirk in quirks for arg in ("--quirk", quirk))]
        for i, arg in enumerate(args):
            level = args[i + 1] if arg == "--log-level" and i + 1 < len(args) else None
            if arg.startswith(("--log-level=", "--log-level:")):
                level = arg[len("--log-level=") :]
            if level is not None and level.lower() not in ("trace", "debug", "information"):
                raise AtMqttError(
                    f"--log-level {level} hides the line the plugin reads the control address from: "
                    "Information (the default), Debug or Trace"
                )
        modem = cls()
        try:
            modem._start(program or find_program(), channel, _parse_broker(broker), args, start_timeout)
        except BaseException:
            modem.stop()
            raise
        return modem

    def _start(
        self, program: str, channel: str, broker: Optional[Tuple[str, int]], extra: List[str], timeout: float
    ) -> None:
        argv = [program]
        if channel == "pty":
            self._dir = tempfile.mkdtemp(prefix="atmqtt-")
            argv += ["--pty", os.path.join(self._dir, "tty")]
        else:
            argv += ["--tcp", "127.0.0.1:0"]
        if broker is None:
            argv += ["--embedded-broker", "0"]
        argv += ["--control", "127.0.0.1:0", *extra]
        self.args = argv

        main = threading.current_thread() is threading.main_thread()
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent if main and _prctl is not None else None,
        )
        self.pid = self._proc.pid
        with _running_lock:
            _running.add(self)
        self._stderr_thread = threading.Thread(target=self._read_stderr, name=f"atmqtt-{self.pid}-stderr", daemon=True)
        self._stderr_thread.start()

        deadline = time.monotonic() + timeout
        while not self._control_found.wait(0.05):
            if self._proc.poll() is not None:
                self._stderr_thread.join(5)
                raise AtMqttError(
                    f"atmqtt exited with code {self._proc.returncode} before its control API was up:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                raise AtMqttError(f"atmqtt did not log its control address within {timeout:g} s:\n{self.log()}")

        self.info = self._json("GET", "/api/info")
        ch = self.info["channel"]
        if ch["kind"] == "pty":
            self.pty = ch["path"]
        elif ch["kind"] == "tcp":
            host, _, port = ch["address"].rpartition(":")
            self.tcp = (host.strip("[]"), int(port))
        if broker is not None:
            self.broker = broker
        elif self.info.get("embeddedBroker"):
            self.broker = (self.info["embeddedBroker"]["host"], int(self.info["embeddedBroker"]["port"]))
        self._start_events()

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for raw in self._proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._log_lock:
                self._log.append(line)
            if not self._control_found.is_set():
                m = _CONTROL_LINE.search(line)
                if m:
                    self.control_url = m.group(1).rstrip("/")
                    self._control_found.set()

    def stop(self, timeout: float = STOP_TIMEOUT) -> Optional[int]:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; waits for the process and its readers. Returns
        the exit code (0 for a clean stop). Safe to call more than once."""
        try:
            # The plugin's MQTT clients first, while their broker (perhaps the embedded one) is still up:
            # afterwards paho would keep trying to reconnect to it.
            clients, self._subscribers = self._subscribers, []
            if self._mqtt is not None:
                clients.append(self._mqtt)
                self._mqtt = None
            for client in clients:
                try:
                    client.close()
                except Exception:  # a broker already gone: nothing left to close
                    pass
            # The event stream next: the program's web server would wait up to 5 s for it to end on its own.
            self._stopped = True
            self._close_events()
        finally:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                except BaseException:
                    # Interrupted while waiting (Ctrl-C): still no process left behind.
                    proc.kill()
                    proc.wait()
                    raise
        if proc is not None:
            self.returncode = proc.returncode
        for thread in (self._sse_thread, self._stderr_thread):
            if thread is not None and thread is not threading.current_thread():
                thread.join(5)
        if proc is not None and proc.stderr is not None:
            proc.stderr.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        with _running_lock:
            _running.discard(self)
        return self.returncode

    def running(self) -> bool:
        """The process has not exited."""
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "Modem":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        """The program's stderr so far (its log; it never holds a password)."""
        with self._log_lock:
            return "\n".join(self._log)

    # ------------------------------------------------------------------ the control API

    def _request(self, method: str, path: str, body: Any = None, ok: Sequence[int] = (200,)) -> Tuple[int, bytes]:
        if not self.control_url:
            raise AtMqttError("the modem is not started")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.control_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with _direct.open(req, timeout=REQUEST_TIMEOUT) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            raise AtMqttError(f"{method} {path}: the control API did not answer ({e}); {self._exit_note()}") from e
        if status not in ok:
            message = payload.decode("utf-8", "replace")
            try:
                message = json.loads(payload)["error"]
            except (ValueError, KeyError, TypeError):
                pass
            raise ControlApiError(method, path, status, message)
        return status, payload

    def _json(self, method: str, path: str, body: Any = None, ok: Sequence[int] = (200,)) -> Any:
        _, payload = self._request(method, path, body, ok)
        return json.loads(payload)

    def _exit_note(self) -> str:
        code = self._proc.poll() if self._proc else None
        return "the program is running" if code is None else f"the program exited with code {code}"

    def state(self) -> Dict[str, Any]:
        """GET /api/state: link, subscriptions, queues, Wi-Fi, counters, faults, findings."""
        return self._json("GET", "/api/state")

    def fault(self, kind: str, **params: Any) -> Fault:
        """Starts a fault (POST /api/faults), e.g. ``fault("wifi-drop")``, ``fault("busy", ms=500)``,
        ``fault("uart-noise", drop_rate=0.01, flip_rate=0, direction="both")``. Returns it; as a context
        manager it ends with the block. Bad parameters raise :class:`ControlApiError` with the API's
        message, and nothing starts."""
        return Fault(self, self._json("POST", "/api/faults", {"kind": kind, **params}, ok=(201,)))

    def faults(self) -> List[Dict[str, Any]]:
        """GET /api/faults: the active faults."""
        return self._json("GET", "/api/faults")

    def clear_faults(self) -> int:
        """Ends every active fault; returns how many there were."""
        return int(self._json("DELETE", "/api/faults")["ended"])

    def reset(self) -> None:
        """Pulls the reset pin (POST /api/reset): the link is cut without DISCONNECT (the broker publishes
        the will), state is forgotten, and the host is sent ``ready`` before this returns."""
        self._request("POST", "/api/reset", ok=(204,))

    # ------------------------------------------------------------------ events

    def _start_events(self) -> None:
        url = urllib.parse.urlsplit(self.control_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=REQUEST_TIMEOUT)
        conn.request("GET", "/api/events", headers={"Accept": "text/event-stream"})
        # The socket itself, kept: getresponse() may hand it over to the response and forget it.
        self._sse_sock = conn.sock
        self._sse = conn
        resp = conn.getresponse()
        if resp.status != 200:
            raise AtMqttError(f"GET /api/events answered {resp.status}")
        # The server watches before it sends the headers: from here on nothing is missed. The reader
        # blocks without a timeout (a heartbeat comes every 15 s anyway); stop() shuts the socket down.
        if self._sse_sock is not None:
            self._sse_sock.settimeout(None)
        self._sse_thread = threading.Thread(
            target=self._read_events, args=(resp,), name=f"atmqtt-{self.pid}-events", daemon=True
        )
        self._sse_thread.start()

    def _read_events(self, resp: http.client.HTTPResponse) -> None:
        data: List[str] = []
        try:
            while True:
                raw = resp.readline()
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line == "":
                    if data:
                        event = json.loads("\n".join(data))
                        data = []
                        with self._events_cond:
                            self._events.append(event)
                            self._sequences.append(int(event["sequence"]))
                            self._events_cond.notify_all()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
                # id:, event: and comments (": heartbeat"): the JSON says it all.
        except BaseException as e:  # the socket shut down by stop(), or a broken stream
            if not self._stopped:
                self._events_error = e
        finally:
            resp.close()
            with self._events_cond:
                self._events_ended = True
                self._events_cond.notify_all()

    def _close_events(self) -> None:
        sock, self._sse_sock = self._sse_sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        conn, self._sse = self._sse, None
        if conn is not None:
            conn.close()

    def history(self) -> List[Event]:
        """Every event since start (a copy)."""
        with self._events_cond:
            return list(self._events)

    def last_sequence(self) -> int:
        """The sequence number of the latest event seen (0 before any): pass it as ``after`` to wait for
        something that happens from now on."""
        with self._events_cond:
            return self._events[-1]["sequence"] if self._events else 0

    def events(self, timeout: Optional[float] = 10.0, after: Union[int, Event, None] = None) -> Iterator[Event]:
        """Iterates over the events (dicts as in docs/control.md: ``sequence``, ``time``, ``type``,
        ``direction``, ``text``, ``name``, ``value``, ``id``): every one since start (or after the sequence
        number or event ``after``), then each new one as it comes. Raises ``TimeoutError`` when no new
        event comes within ``timeout`` seconds (None: wait for ever), and :class:`AtMqttError` when the
        stream ended (the program stopped)."""
        seq = _sequence(after)
        while True:
            event = self._next_event(seq, None if timeout is None else time.monotonic() + timeout)
            if event is None:
                raise TimeoutError(f"no event from atmqtt within {timeout:g} s (last sequence {seq})")
            seq = event["sequence"]
            yield event

    def _next_event(self, seq: int, deadline: Optional[float]) -> Optional[Event]:
        """The first event after sequence ``seq``, waiting until ``deadline`` (monotonic) for it; None then."""
        with self._events_cond:
            while True:
                # Sequence numbers only grow (with gaps if the reader ever fell 10,000 events behind).
                index = bisect.bisect_right(self._sequences, seq)
                if index < len(self._events):
                    return self._events[index]
                if self._events_ended:
                    if self._events_error is not None:
                        raise AtMqttError(f"the event stream broke: {self._events_error!r}")
                    raise AtMqttError(f"the event stream ended ({self._exit_note()})")
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._events_cond.wait(left)

    def wait_for(
        self,
        predicate: Predicate,
        timeout: float = 10.0,
        after: Union[int, Event, None] = None,
    ) -> Event:
        """Returns the first event since start (or after ``after``) for which ``predicate(event)`` is true,
        waiting up to ``timeout`` seconds for it; raises ``TimeoutError`` (with the last events) if none
        comes. A string predicate matches a line event that contains it, either direction."""
        test = _line_containing(predicate) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        seq = _sequence(after)
        seen: List[Event] = []
        while True:
            event = self._next_event(seq, deadline)
            if event is None:
                tail = "\n".join(_format(e) for e in seen[-20:]) or "(no event)"
                raise TimeoutError(f"no matching event within {timeout:g} s; the last ones:\n{tail}")
            seq = event["sequence"]
            if test(event):
                return event
            seen.append(event)

    def transcript(self) -> str:
        """The run so far, one line per event: ``h>m`` the host's lines, ``m>h`` the modem's (escaped and
        redacted as the program's --transcript), ``--`` state changes, faults and findings."""
        return "\n".join(_format(e) for e in self.history())

    # ------------------------------------------------------------------ MQTT, through paho-mqtt

    def _broker_client(self) -> Any:
        from .mqtt import MqttClient  # paho is optional: imported when first needed

        if self.broker is None:
            raise AtMqttError("no broker: start the modem with its embedded broker or give one")
        if self._mqtt is None:
            self._mqtt = MqttClient(self.broker)
        return self._mqtt

    def publish_to_device(self, topic: str, payload: Union[bytes, str], qos: int = 0, retain: bool = False) -> None:
        """Publishes on the modem's broker, so the message reaches the device's subscriptions; returns once
        the broker has it (PUBACK for QoS 1, PUBCOMP for QoS 2). Needs paho-mqtt."""
        self._broker_client().publish(topic, payload, qos, retain)

    def broker_messages(self, topic_filter: str, qos: int = 1) -> Any:
        """An MQTT client subscribed to ``topic_filter`` from now on (its SUBACK received before this
        returns): what the device publishes, as the broker saw it. Returns an
        :class:`atmqtt_pytest.BrokerMessages` (``wait(count)``, ``wait_for(predicate)``, ``messages``);
        closed when the modem stops, if not before. Needs paho-mqtt."""
        from .mqtt import BrokerMessages  # paho is optional: imported when first needed

        if self.broker is None:
            raise AtMqttError("no broker: start the modem with its embedded broker or give one")
        subscriber = BrokerMessages(self.broker, topic_filter, qos)
        self._subscribers.append(subscriber)
        return subscriber


def _sequence(after: Union[int, Event, None]) -> int:
    if after is None:
        return 0
    if isinstance(after, dict):
        return int(after["sequence"])
    return int(after)


def _line_containing(text: str) -> Callable[[Event], bool]:
    return lambda e: e.get("type") == "line" and text in (e.get("text") or "")


def _format(e: Event) -> str:
    stamp = str(e.get("time", ""))
    m = re.search(r"T(\d\d:\d\d:\d\d(?:\.\d{1,6})?)", stamp)
    when = m.group(1) if m else stamp
    if e.get("type") == "line":
        arrow = "h>m" if e.get("direction") == "to-modem" else "m>h"
        return f"{when} {arrow} {e.get('text', '')}"
    return f"{when} -- {e.get('type')}: {e.get('text') or ''}".rstrip()


def _parse_broker(broker: Optional[Union[str, Tuple[str, int]]]) -> Optional[Tuple[str, int]]:
    if broker is None or broker == "":
        return None
    if isinstance(broker, tuple):
        return (str(broker[0]), int(broker[1]))
    host, sep, port = str(broker).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AtMqttError(f"a broker is HOST:PORT, such as 127.0.0.1:1883, not {broker!r}")
    return (host.strip("[]"), int(port))
