"""Kernels for `make test`, forked from a warm process instead of started from nothing.

Every lesson's first cells import torch, and its first ``optimizer.step()`` imports
torch's compiler: about 3 s of CPU before the lesson does anything, in each of the
30 kernels nbval starts. Here a server process imports those once, and each kernel is
a fork of it: an ordinary ``ipykernel`` in a process that already holds the modules.

    python tests/pythonpath/forked_kernel.py -f CONNECTION_FILE  # a kernel (the test kernelspecs' argv)
    python tests/pythonpath/forked_kernel.py --serve SOCKET      # the server (the first kernel starts it)

How it fits together:
- ``tools/course.py`` writes the test kernelspecs (``python3`` and the baseline one)
  with this module as their ``argv``, on Linux only; elsewhere they start
  ``ipykernel_launcher`` as usual. `make lab` and the browser tests use real kernels.
- The process Jupyter starts (the *client*) connects to a server over a Unix socket,
  starting one if there is none, and hands over its arguments, working directory,
  environment and standard streams. The server forks; the fork takes all of these
  over, starts a session of its own and runs ``ipykernel``. The client forwards the
  signals Jupyter sends it (interrupt, terminate) to the kernel and exits with the
  kernel's exit status, so to Jupyter it is the kernel.
- One server per environment: variables that differ between kernels of one run
  (``JPY_*``, ``PYTEST_*``) do not count, any other difference (the baseline
  configuration's ``NPY_DISABLE_CPU_FEATURES``, say) gets a server of its own, so the
  preloaded modules always saw the kernel's own settings.
- A kernel whose client is killed is killed too, and so is a kernel whose owner (the
  process that asked for it: nbval's pytest worker) has exited, as the usual kernel
  exits when its parent does. The server exits once no kernel runs and every owner
  has exited.
- If the server cannot start, the client starts ``ipykernel_launcher`` itself: slower,
  never wrong.

Only modules that read no per-kernel setting are preloaded: not matplotlib (which
reads the inline backend ipykernel sets), not lrlessons, Keras or anything a lesson
imports in a particular order.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import selectors
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

#: Imported once by the server: torch, its compiler (which the first optimizer step
#: imports) and the kernel's own modules. ``LRLESSONS_FORK_PRELOAD`` (comma-separated)
#: replaces the list, for the tests of this module.
PRELOAD = ("torch", "torch._dynamo", "ipykernel.ipkernel", "ipykernel.zmqshell")
#: Variables that differ between the kernels of one test run and that no preloaded
#: module reads: they do not choose the server.
PER_KERNEL = ("JPY_", "PYTEST_")
#: Seconds the server waits without any kernel or request when nobody that asked it
#: for a kernel is still alive, or at most, when nobody ever did.
IDLE_EXIT = 2.0
IDLE_MAX = 900.0
#: Seconds a client waits for a server to start.
START_TIMEOUT = 120.0


def _key(env: dict[str, str]) -> str:
    kept = sorted((k, v) for k, v in env.items() if not k.startswith(PER_KERNEL))
    return hashlib.sha256(json.dumps([sys.executable, kept]).encode()).hexdigest()[:16]


def socket_path(env: dict[str, str] | None = None) -> str:
    """Where the server for this environment listens: in a folder only this user can open."""
    uid = os.getuid()
    folder = os.path.join(tempfile.gettempdir(), f"lrlessons-kernels-{uid}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise RuntimeError(f"{folder} is not a private folder of this user")
    return os.path.join(folder, _key(dict(os.environ if env is None else env)) + ".sock")


# ----------------------------------------------------------------- the client
def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        return sock
    except OSError:
        sock.close()
        return None


def _server(path: str) -> socket.socket:
    """A connection to the server at ``path``, started first if need be."""
    sock = _connect(path)
    if sock:
        return sock
    import fcntl

    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one client starts it; the others wait, then connect
        sock = _connect(path)
        if sock:
            return sock
        if os.path.exists(path):
            os.unlink(path)  # left by a server that was killed
        env = {k: v for k, v in os.environ.items() if not k.startswith(PER_KERNEL)}
        with open(path + ".log", "w") as log:
            server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", path], env=env,
                                      cwd="/", stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                      start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            sock = _connect(path)
            if sock:
                return sock
            if server.poll() is not None:
                raise RuntimeError(f"the kernel server exited with status {server.returncode}; see {path}.log")
            time.sleep(0.05)
        server.kill()
        raise RuntimeError(f"the kernel server did not start within {START_TIMEOUT:.0f} s")


def _lines(sock: socket.socket):
    buf = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.decode()


def client(argv: list[str]) -> int:
    """Be the kernel Jupyter started: have one forked, relay signals, return its status."""
    try:
        sock = _server(socket_path())
    except Exception as exc:  # noqa: BLE001  (any failure: start the kernel the usual way)
        print(f"forked_kernel: {exc}; starting the kernel afresh", file=sys.stderr, flush=True)
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    kernel: list[int] = []  # its pid, once the server has forked it
    pending: list[int] = []  # signals that came before that

    def relay(signum, frame):
        if not kernel:
            pending.append(signum)
            return
        try:
            os.kill(kernel[0], signum)
        except ProcessLookupError:
            pass

    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
        signal.signal(getattr(signal, name), relay)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "owner": os.getppid()}
    socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
    lines = _lines(sock)
    first = next(lines, None)
    if first is None:  # the server was closing: start the kernel the usual way
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    kernel.append(int(first))
    for signum in pending:
        relay(signum, None)
    for line in lines:
        if line.startswith("exit "):
            return int(line.split()[1])
    return 1  # the server went away without a word


# ----------------------------------------------------------------- the server
def _kernel(request: dict, fds: list[int], close: list) -> None:
    """In the fork: become the kernel the request describes. Never returns."""
    code = 1
    try:
        for thing in close:  # the server's sockets and selector
            thing.close()
        os.setsid()
        for fd, target in zip(fds, (0, 1, 2)):
            os.dup2(fd, target)
            os.close(fd)
        for name in ("SIGCHLD", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random

        random.seed()  # a fresh process draws its own seed
        import importlib.util

        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        import atexit

        atexit._run_exitfuncs()  # what the kernel registered, as at a normal exit
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _kill(pid: int) -> None:
    for kill in (os.kill, os.killpg):  # the kernel, and what it started in its session
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def serve(path: str) -> None:
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) in (os.getcwd(), os.path.dirname(os.path.abspath(__file__))):
        del sys.path[0]  # this file's folder: a kernel puts its own folder there instead
    names = os.environ.get("LRLESSONS_FORK_PRELOAD")
    for name in (names.split(",") if names is not None else PRELOAD):
        if name:
            importlib.import_module(name)
    import threading

    if threading.active_count() != 1:  # forking a process with threads is not safe
        raise RuntimeError(f"preloading started {threading.active_count() - 1} thread(s)")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = f"{path}.{os.getpid()}"
    listener.bind(staging)
    os.chmod(staging, 0o600)
    listener.listen(64)
    os.rename(staging, path)  # clients connect only once it listens
    inode = os.stat(path).st_ino
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}  # kernel pid -> its client's connection
    owner_of: dict[int, int] = {}  # kernel pid -> the process that asked for it
    owners: set[int] = set()
    idle_since = time.monotonic()
    try:
        while True:
            for key, _ in selector.select(timeout=0.5):
                if key.fileobj is listener:
                    conn, _ = listener.accept()
                    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                    while not msg.endswith(b"\n"):
                        more = conn.recv(1 << 20)
                        if not more:
                            break
                        msg += more
                    request = json.loads(msg)
                    owners.add(int(request["owner"]))
                    pid = os.fork()
                    if pid == 0:
                        _kernel(request, fds, [selector, listener, conn, *kernels.values()])
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(f"{pid}\n".encode())
                    kernels[pid] = conn
                    owner_of[pid] = int(request["owner"])
                    selector.register(conn, selectors.EVENT_READ, pid)
                else:  # a client closed its end: it was killed, so the kernel goes too
                    pid = key.data
                    try:
                        gone = key.fileobj.recv(4096) == b""
                    except OSError:
                        gone = True
                    if gone:
                        selector.unregister(key.fileobj)
                        _kill(pid)
            while kernels:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                conn = kernels.pop(pid, None)
                owner_of.pop(pid, None)
                if conn is not None:
                    try:
                        conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                    except OSError:
                        pass
                    try:
                        selector.unregister(conn)
                    except (KeyError, ValueError):
                        pass
                    conn.close()
            for pid, owner in list(owner_of.items()):
                if not _alive(owner):  # as a kernel Jupyter starts exits when that process dies
                    _kill(pid)
                    del owner_of[pid]
            now = time.monotonic()
            if kernels:
                idle_since = now
            elif now - idle_since > (IDLE_EXIT if owners else 60.0) and not any(map(_alive, owners)):
                return
            elif now - idle_since > IDLE_MAX:
                return
    finally:
        listener.close()
        try:
            if os.stat(path).st_ino == inode:  # still ours, not a newer server's: tidy up
                os.unlink(path)
                os.unlink(path + ".lock")
                if os.path.getsize(path + ".log") == 0:
                    os.unlink(path + ".log")
        except OSError:
            pass


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        sys.exit(client(sys.argv[1:]))
