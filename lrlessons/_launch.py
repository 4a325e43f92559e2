"""Start ``python -m torch.distributed.run`` on this machine's CPU, and always get it back.

Shared by ``ddp_demo.run`` (lesson 08) and ``frameworks.accelerate_launch`` (lesson 09).
What makes a launch safe to run in a lesson or a test on any machine:

- the processes talk over the loopback interface only: the rendezvous on 127.0.0.1 and
  a free port, and gloo's own connections on the loopback device
  (``GLOO_SOCKET_IFNAME``), not on whatever address the machine's host name resolves to;
- one thread per process, warnings off, the course's package importable;
- the output goes to a file, not a pipe, and on a timeout the launcher and every
  worker are stopped and the error says so, with the end of the output, instead of
  waiting forever on a worker that still holds a pipe open.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

#: The course's package root, put on the workers' PYTHONPATH.
PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loopback_interface() -> str | None:
    """The loopback interface's name ("lo" on Linux, "lo0" on macOS), or None if unknown."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except (AttributeError, OSError):  # Windows has no if_nameindex on older Pythons
        return None
    return next((n for n in ("lo", "lo0") if n in names), None)


def environment(**extra: str) -> dict[str, str]:
    """The workers' environment: this one, plus the settings above."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore",
               LRLESSONS_PROGRESS="0", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p)
    lo = loopback_interface()
    if lo and "GLOO_SOCKET_IFNAME" not in os.environ:
        env["GLOO_SOCKET_IFNAME"] = lo
    env.update(extra)
    return env


def launch(module_args: list[str], processes: int, cwd: str, timeout: float,
           what: str = "run") -> None:
    """Run ``python -m torch.distributed.run ... -m <module_args>`` in ``cwd``.

    Returns when every process exited with status 0. Otherwise raises RuntimeError
    naming the exit status (or the timeout, after killing every process) with the end
    of the output, which is kept in ``cwd/launch.log``. A launch that failed because
    its port was taken (another program bound it between choosing and binding) is
    retried once on a new port; any other failure is reported at once.
    """
    log_path = Path(cwd, "launch.log")
    for _ in range(2):
        cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}",
               "--nnodes=1", "--master_addr=127.0.0.1", f"--master_port={free_port()}", "-m", *module_args]
        with open(log_path, "w") as log:
            popen = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=environment(), cwd=cwd, start_new_session=os.name == "posix")
            try:
                status = popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_all(popen)
                raise RuntimeError(f"the {processes}-process {what} did not finish within {timeout:g} s "
                                   f"and was stopped:\n{_tail(log_path)}") from None
        if status == 0 or not _port_taken(log_path):
            break
    if status == 0:
        return
    raise RuntimeError(f"the {processes}-process {what} failed (exit code {status}):\n{_tail(log_path)}")


def _port_taken(log_path: Path) -> bool:
    """Whether the launch failed because its rendezvous port was in use."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return "EADDRINUSE" in text or "address already in use" in text.lower()


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux, from /proc; elsewhere none are found)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_all(popen: subprocess.Popen) -> None:
    """Stop the launcher and its workers (each worker leads a session of its own).

    The launcher is asked first (SIGTERM: it stops its workers itself); whatever is
    left after a few seconds, the launcher's group and every process found below it,
    is killed.
    """
    below = _descendants(popen.pid)
    popen.terminate()
    try:
        popen.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for pid in below + [popen.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    if os.name == "posix":
        try:
            os.killpg(popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    popen.wait()


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.strip().splitlines()[-lines:])
