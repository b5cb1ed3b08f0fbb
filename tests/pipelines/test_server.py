"""pipelines.server: a free port, and waiting for a started dashboard to answer healthy."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pipelines.server import HEALTH_PATH, ServerNotStarted, free_port, wait_until_healthy


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
        assert wait_until_healthy(f"http://127.0.0.1:{server.server_address[1]}", idle_process, timeout=10) is None
    finally:
        server.shutdown()
        server.server_close()


def test_a_process_that_exits_is_reported_with_its_status():
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    with pytest.raises(ServerNotStarted, match=r"^exited early \(3\)$"):
        wait_until_healthy(f"http://127.0.0.1:{free_port()}", proc, timeout=10)


def test_no_answer_in_time_says_how_long_it_waited(idle_process):
    with pytest.raises(ServerNotStarted, match=r"^did not become healthy in 0.3 s$"):
        wait_until_healthy(f"http://127.0.0.1:{free_port()}", idle_process, timeout=0.3, interval=0.05)
