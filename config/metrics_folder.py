"""Where each process writes its metrics when several processes record them (README "Metrics").

METRICS_DIR names a folder that every container shares (web, worker and beat in
docker-compose.yml). Each container writes in its own subfolder, named after its host name:
prometheus-client names its files by process id (counter_7.db), and process ids repeat from one
container to the next, so one folder for all would mix them up. /metrics adds up every
subfolder (config/metrics.py).

prometheus-client chooses its multiprocess mode when it is first imported (values.py reads
PROMETHEUS_MULTIPROC_DIR then) and opens its files in that folder as each metric is made, so
config/__init__.py calls `use_metrics_folder` before anything of ours imports the library: every
entry point (manage.py, gunicorn's config.wsgi, `celery -A config`) imports that package first.
This module imports neither the library nor Django's settings."""

import os
import socket
import sys
from pathlib import Path


def metrics_dir() -> Path | None:
    """The shared folder, or None: each process then keeps its values to itself."""
    value = os.environ.get("METRICS_DIR", "").strip()
    return Path(value) if value else None


def container_folder(shared: Path) -> Path:
    """This container's subfolder. HOSTNAME is the one Docker sets, which the compose commands
    use to empty the subfolder at the container's start; outside a container, the machine's."""
    return shared / (os.environ.get("HOSTNAME") or socket.gethostname())


def use_metrics_folder() -> None:
    """Points prometheus-client at this container's subfolder (made if missing, never emptied
    here: gunicorn's workers and Celery's pool children start while their siblings have already
    written there; docker-compose.yml empties it before the container's first process)."""
    shared = metrics_dir()
    if shared is None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            raise RuntimeError("Set METRICS_DIR, not PROMETHEUS_MULTIPROC_DIR: the platform "
                               "derives the latter from the former (README \"Metrics\").")
        return
    own = str(container_folder(shared))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == own:
        return
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before METRICS_DIR was applied: "
                           "its values would be this process's alone.")
    Path(own).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = own
