"""pipelines.server: a free port, waiting for a started dashboard to answer healthy, and serving() around both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pipelines.errors import ConfigError
from pipelines.server import (HEALTH_PATH, ServerNotStarted, check_port, free_port, port_in_use, serve_warmed,
                              serving, wait_until_healthy)


class _Health(BaseHTTPRequestHandler):
    def do_GET(self):                                    # noqa: N802 (http.server's name)
        body = b"ok" if self.path == HEALTH_PATH else b"no"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def idle_process():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield proc
    proc.kill()
    proc.wait()


def test_free_port_can_be_bound():
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), _Health)
    assert server.server_address[1] == port
    server.server_close()


def test_returns_once_the_health_endpoint_says_ok(idle_process):
    server = HTTPServer(("127.0.0.1", free_port()), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{server.server_address[1]}", idle_process, timeout=10,
                                  owned=False) is None
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def foreign_server():
    """A server that answers healthy on a port, started by this test process (not by the process waited for)."""
    server = HTTPServer(("127.0.0.1", free_port()), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_another_server_answering_on_the_port_is_not_taken_for_ours(foreign_server):
    # as Streamlit does when its port is taken: it prints "Port N is not available" and exits 1
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5); raise SystemExit(1)"])
    with pytest.raises(ServerNotStarted, match=r"^exited early \(1\)$"):
        wait_until_healthy(f"http://127.0.0.1:{foreign_server.server_address[1]}", proc, timeout=30, interval=0.05)


def test_serve_warmed_never_says_ready_for_another_server_on_its_port(foreign_server):
    said = []
    command = [sys.executable, "-c", "import time; time.sleep(1.5); raise SystemExit(1)"]
    with pytest.raises(ServerNotStarted, match=r"^exited early \(1\)$"):
        serve_warmed(command, f"http://127.0.0.1:{foreign_server.server_address[1]}", said.append, timeout=30)
    assert said == []


def test_check_port_names_who_listens_a_free_port_and_what_to_stop(foreign_server):
    port = foreign_server.server_address[1]
    assert port_in_use("127.0.0.1", port) is not None
    with pytest.raises(ConfigError) as caught:
        check_port("127.0.0.1", port)
    err = caught.value
    assert (err.where, err.what, err.expected) == (f"127.0.0.1:{port}", f"port {port} is already in use",
                                                   "a free port to serve the dashboard on")
    assert err.found.startswith(f"pid {os.getpid()} (") and err.found.endswith(" listening on it")
    free = int(err.fix.split("--port ")[1].split()[0])
    assert free > port and port_in_use("127.0.0.1", free) is None
    assert err.fix == (f"serve on another port, e.g. --port {free} (free now), "
                       f"or stop the other server (kill {os.getpid()})")


def test_check_port_of_an_address_this_machine_does_not_have_says_so():
    with pytest.raises(ConfigError, match=r"^192\.0\.2\.1:\d+: cannot serve on this address; expected an address of "
                                          r"this machine and a port this user may bind; found .+\. Fix: check --host"):
        check_port("192.0.2.1", free_port())            # TEST-NET-1 (RFC 5737): never a local address


def test_check_port_passes_a_free_port():
    port = free_port()
    assert port_in_use("127.0.0.1", port) is None
    assert check_port("127.0.0.1", port) is None


def test_a_process_that_exits_is_reported_with_its_status():
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    with pytest.raises(ServerNotStarted, match=r"^exited early \(3\)$"):
        wait_until_healthy(f"http://127.0.0.1:{free_port()}", proc, timeout=10)


def test_no_answer_in_time_says_how_long_it_waited(idle_process):
    with pytest.raises(ServerNotStarted, match=r"^did not become healthy in 0.3 s$"):
        wait_until_healthy(f"http://127.0.0.1:{free_port()}", idle_process, timeout=0.3, interval=0.05)


# A server like `framewatch dashboard`: a leader that starts a child (Streamlit) and answers health.
HEALTH_SERVER = """
import signal, subprocess, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, pid_file, ignore_term = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
if ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(pid_file, "w").write(str(child.pid))
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
print("serving on", port, flush=True)
HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as f:                # a zombie waiting for its parent counts as gone
        return f.read().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.parametrize("ignore_term", [False, True], ids=["stops on SIGTERM", "killed after stop_timeout"])
def test_serving_yields_once_healthy_and_stops_the_whole_group(tmp_path, ignore_term):
    pid_file, log = tmp_path / "child.pid", tmp_path / "server.log"
    command = [sys.executable, "-c", HEALTH_SERVER]
    with serving(lambda port: [*command, str(port), str(pid_file), "1" if ignore_term else "0"],
                 log=log, timeout=30, interval=0.05, stop_timeout=1) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url + HEALTH_PATH, timeout=5) as r:
            assert r.read() == b"ok"
        child = int(pid_file.read_text())
        assert server.process.poll() is None and not _gone(child)
    assert server.process.poll() is not None
    assert _gone(child)
    assert log.read_text() == f"serving on {server.url.rsplit(':', 1)[1]}\n"


def test_serving_a_command_that_exits_raises_with_its_status_and_keeps_its_output(tmp_path):
    log = tmp_path / "server.log"
    with pytest.raises(ServerNotStarted, match=r"^exited early \(3\)$"):
        with serving(lambda port: [sys.executable, "-c", f"print('no store on {port}'); raise SystemExit(3)"],
                     log=log, timeout=30):
            pytest.fail("the block must not run")
    assert log.read_text().startswith("no store on ")


def test_serving_stops_a_server_that_never_gets_healthy(tmp_path):
    pid_file = tmp_path / "child.pid"
    # the leader starts its child but listens on another port than the one serving() polls
    with pytest.raises(ServerNotStarted, match=r"^did not become healthy in 3 s$"):
        with serving(lambda port: [sys.executable, "-c", HEALTH_SERVER, str(free_port()), str(pid_file), "0"],
                     timeout=3, interval=0.05, stop_timeout=5):
            pytest.fail("the block must not run")
    assert _gone(int(pid_file.read_text()))
