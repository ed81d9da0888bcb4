"""A bounded load on loopback for `manage.py bench_pages`: gunicorn with the production
settings (3 workers) on this database, and a few client threads asking one page again and
again for a fixed time. Gives requests per second, so that two pages of the same server can be
set side by side."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3
THREADS = 6


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(*, database_url: str, redis_url: str, secret_key: str,
           workers: int = WORKERS) -> Iterator[int]:
    """gunicorn on a free loopback port with config.settings.production, as a deployment
    runs it (behind a TLS proxy: the client says so with X-Forwarded-Proto); yields the port.
    The secret key is the caller's, so that the session it signed in is valid there."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": secret_key,
           "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env)
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit code {process.returncode})")
        try:
            if get(port, "/accounts/login/") == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


def get(port: int, path: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def hammer(port: int, path: str, *, seconds: float, cookie: str = "",
           threads: int = THREADS) -> Load:
    """`threads` clients asking `path` one request after another for `seconds`; a request that
    does not answer 200 counts as an error, not as served."""
    stop = time.perf_counter() + seconds
    counts = [[0, 0] for _ in range(threads)]

    def client(mine: list[int]) -> None:
        while time.perf_counter() < stop:
            mine[0 if get(port, path, cookie) == 200 else 1] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(mine,)) for mine in counts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Load(requests=sum(c[0] for c in counts), errors=sum(c[1] for c in counts),
                seconds=time.perf_counter() - started)
