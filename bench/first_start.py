"""First start: how long a new user waits after ``make demo`` (issue #18).

From an empty temporary data folder (embedded PostgreSQL and Redis, as on a fresh clone), with
the dependencies already installed:

1. ``manage.py demo`` (what ``make demo`` runs once ``.venv`` is installed) is started and timed
   until ``/login/`` answers 200 — the target is 2 minutes;
2. then until the background history load records ``done`` (``demo-history.json`` in the data
   folder), sampling its percentage along the way;
3. the demo is stopped (Ctrl-C) and started again on the same folder, timed until ``/login/``
   answers 200 — the target is 15 seconds.

``--install`` also times a fresh ``python -m venv`` + ``pip install -r requirements.lock`` in a
temporary folder (the part of a first ``make demo`` that depends on the network), reported
separately. ``--keep`` keeps the data folder. ``--timeout`` (seconds, default 3600) bounds each
wait. The demo's output goes to ``demo-1.log`` / ``demo-2.log`` in the data folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOGIN_TARGET_S = 120
SECOND_TARGET_S = 15


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login_status(port: int, host: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/login/", headers={"Host": host})
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def _read_progress(data_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((data_dir / "demo-history.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # a fresh clone: no servers configured, everything embedded under the data folder
    for name in ("DATABASE_URL", "REDIS_URL", "JIXIAO_DEMO_PROGRESS", "JIXIAO_DEMO_ADDR"):
        env.pop(name, None)
    env["JIXIAO_DATA_DIR"] = str(data_dir)
    env["JIXIAO_CELERY_QUEUE"] = "first-start-bench"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "demo", "--addr", f"127.0.0.1:{port}"],
        env=_environment(data_dir),
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # Ctrl-C works as in a terminal even when the bench itself runs in the background
        # (where the shell leaves SIGINT ignored, and children inherit that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _stop(process: subprocess.Popen[bytes], data_dir: Path) -> None:
    """Ctrl-C, as a user would; then harder. Whatever is left of the embedded PostgreSQL (it
    runs in a session of its own) is stopped by its postmaster pid."""
    for sig, wait in ((signal.SIGINT, 60), (signal.SIGTERM, 15), (signal.SIGKILL, 15)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:
        postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(postmaster, signal.SIGINT)  # fast shutdown
        for _ in range(30):
            os.kill(postmaster, 0)
            time.sleep(0.5)
    except ProcessLookupError:
        pass


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_login(
    process: subprocess.Popen[bytes],
    port: int,
    host: str,
    started: float,
    timeout: float,
    log: Path,
) -> float:
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the demo exited ({process.returncode}):\n{_tail(log)}")
        if _login_status(port, host) == 200:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"/login/ did not answer 200 within {timeout:.0f} s:\n{_tail(log)}")


def _time_install(work: Path) -> float:
    venv = work / "venv"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run(
        [str(pip), "install", "--quiet", "-r", str(ROOT / "requirements.lock")], check=True
    )
    return time.monotonic() - started


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench first_start")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    parser.add_argument("--install", action="store_true", help="also time a fresh pip install")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        help="time only a later start on a folder kept by --keep (DIR/data), e.g. to time a "
        "restart while the history is still loading",
    )
    parser.add_argument(
        "--login-only", action="store_true", help="stop once the first start's /login/ answers"
    )
    options = parser.parse_args(argv)
    if options.reuse:
        return _second_only(Path(options.reuse), options.timeout)

    from django.conf import settings

    host = settings.JIXIAO_BASE_DOMAIN
    work = Path(tempfile.mkdtemp(prefix="jixiao-first-start-"))
    data_dir = work / "data"
    result: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "data_dir": str(data_dir),
    }
    try:
        if options.install:
            result["install_s"] = round(_time_install(work), 1)

        # 1. first start, until /login/ answers
        port = _free_port()
        log = work / "demo-1.log"
        started = time.monotonic()
        process = _start(data_dir, port, log)
        try:
            result["first_login_s"] = round(
                _wait_login(process, port, host, started, options.timeout, log), 1
            )
            print(f"first start: /login/ 200 after {result['first_login_s']} s", flush=True)
            if options.login_only:
                result["first_login_target_met"] = result["first_login_s"] <= LOGIN_TARGET_S
                result["load_average_at_end"] = round(os.getloadavg()[0], 2)
                return result
            # 2. until the background history is loaded
            samples: list[tuple[float, int]] = []
            last_percent = -1
            while time.monotonic() - started < options.timeout:
                if process.poll() is not None:
                    raise RuntimeError(f"the demo exited ({process.returncode}):\n{_tail(log)}")
                record = _read_progress(data_dir) or {}
                state = record.get("state")
                total = record.get("total") or 0
                percent = int(100 * record.get("done", 0) / total) if total else 0
                if state == "done":
                    percent = 100
                if percent != last_percent:
                    last_percent = percent
                    samples.append((round(time.monotonic() - started, 1), percent))
                    # the pages still answer while the history loads
                    if percent % 10 == 0:
                        print(f"  history {percent}% at {samples[-1][0]} s", flush=True)
                if state == "done":
                    break
                if state == "failed":
                    raise RuntimeError(f"history load failed: {record.get('error')}\n{_tail(log)}")
                time.sleep(2)
            else:
                raise RuntimeError(f"the history did not finish within {options.timeout:.0f} s")
            result["history_done_s"] = round(time.monotonic() - started, 1)
            result["history_after_login_s"] = round(
                result["history_done_s"] - result["first_login_s"], 1
            )
            result["history_samples"] = samples
            result["login_during_history"] = _login_status(port, host)
        finally:
            _stop(process, data_dir)

        # 3. second start on the same folder
        port = _free_port()
        log = work / "demo-2.log"
        started = time.monotonic()
        process = _start(data_dir, port, log)
        try:
            result["second_login_s"] = round(
                _wait_login(process, port, host, started, options.timeout, log), 1
            )
        finally:
            _stop(process, data_dir)
        result["first_login_target_met"] = result["first_login_s"] <= LOGIN_TARGET_S
        result["second_login_target_met"] = result["second_login_s"] <= SECOND_TARGET_S
        result["load_average_at_end"] = round(os.getloadavg()[0], 2)
        return result
    finally:
        if options.keep:
            result["kept"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _second_only(work: Path, timeout: float) -> dict[str, Any]:
    from django.conf import settings

    data_dir = work / "data"
    result: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "data_dir": str(data_dir),
        "history_before": _read_progress(data_dir),
    }
    port = _free_port()
    log = work / "demo-reuse.log"
    started = time.monotonic()
    process = _start(data_dir, port, log)
    try:
        result["second_login_s"] = round(
            _wait_login(process, port, settings.JIXIAO_BASE_DOMAIN, started, timeout, log), 1
        )
    finally:
        _stop(process, data_dir)
    result["second_login_target_met"] = result["second_login_s"] <= SECOND_TARGET_S
    result["load_average_at_end"] = round(os.getloadavg()[0], 2)
    return result


def table(result: dict[str, Any]) -> str:
    if "first_login_s" in result and "history_done_s" not in result:
        met = "met" if result["first_login_target_met"] else "MISSED"
        return (
            f"machine: {result['cpus']} CPUs, load average {result['load_average_at_start']}\n"
            f"first make demo -> /login/ 200            {result['first_login_s']:>8} s"
            f"  (target {LOGIN_TARGET_S} s: {met})"
        )
    if "first_login_s" not in result:
        met = "met" if result["second_login_target_met"] else "MISSED"
        return (
            f"machine: {result['cpus']} CPUs, load average {result['load_average_at_start']}\n"
            f"later make demo -> /login/ 200            {result['second_login_s']:>8} s"
            f"  (target {SECOND_TARGET_S} s: {met})"
        )
    lines = [
        f"machine: {result['cpus']} CPUs, load average {result['load_average_at_start']} at start,"
        f" {result.get('load_average_at_end')} at end (shared machines inflate every figure)",
    ]
    if "install_s" in result:
        lines.append(f"dependencies installed (fresh venv)       {result['install_s']:>8} s")
    second = "met" if result["second_login_target_met"] else "MISSED"
    lines += [
        f"first make demo -> /login/ 200            {result['first_login_s']:>8} s"
        f"  (target {LOGIN_TARGET_S} s: {'met' if result['first_login_target_met'] else 'MISSED'})",
        f"first make demo -> history loaded         {result['history_done_s']:>8} s"
        f"  ({result['history_after_login_s']} s after login)",
        f"second make demo -> /login/ 200           {result['second_login_s']:>8} s"
        f"  (target {SECOND_TARGET_S} s: {second})",
    ]
    return "\n".join(lines)
