"""Kernels for `make test`, forked from a warm process instead of started from nothing.

Every lesson's first cells import torch, and its first ``optimizer.step()`` imports
torch's compiler: about 3 s of CPU before the lesson does anything, in each of the
30 kernels nbval starts. Here a server process imports those once, and each kernel is
a fork of it: an ordinary ``ipykernel`` in a process that already holds the modules.

    python tests/pythonpath/forked_kernel.py -f CONNECTION_FILE  # a kernel (the test kernelspecs' argv)
    python tests/pythonpath/forked_kernel.py --serve SOCKET      # the server (the first kernel starts it)

How it fits together:
- ``tools/course.py`` writes the test kernelspecs (``python3`` and the baseline one)
  with this file as their ``argv``, on Linux only; elsewhere they start
  ``ipykernel_launcher`` as usual. `make lab` and the browser tests use the usual kernels.
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
- If the server cannot start (or preloading started a thread, which would make forking
  unsafe), the client starts ``ipykernel_launcher`` itself: slower, never wrong.
- A kernel dies with the server (``PR_SET_PDEATHSIG``); a broken request is logged to
  the server's ``.log`` and turned away without harm to the other kernels.

Only modules that read no per-kernel setting are preloaded: not matplotlib (which
reads the inline backend ipykernel sets), not lrlessons, Keras or anything a lesson
imports in a particular order. Each fork reseeds Python's and NumPy's global random
state, as a fresh process would; the kernels of one server do share its string-hash
seed, which no stored output may depend on anyway.
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


def _usual_start(argv: list[str], why: object) -> None:
    print(f"forked_kernel: {why}; starting the kernel afresh", file=sys.stderr, flush=True)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def _signal_group(pid: int, signum: int) -> None:
    """Signal the kernel's process group (itself and what its cells started), as Jupyter
    does for a kernel it started; the kernel itself if it has no group of its own yet."""
    for send in (os.killpg, os.kill):
        try:
            send(pid, signum)
            return
        except (ProcessLookupError, PermissionError):
            pass


def client(argv: list[str]) -> int:
    """Be the kernel Jupyter started: have one forked, relay signals, return its status."""
    kernel: list[int] = []  # its pid, once the server has forked it
    pending: list[int] = []  # signals that came before that

    def relay(signum, frame):
        if kernel:
            _signal_group(kernel[0], signum)
        else:
            pending.append(signum)

    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
        signal.signal(getattr(signal, name), relay)
    try:
        sock = _server(socket_path())
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "owner": os.getppid()}
        socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        lines = _lines(sock)
        first = next(lines, None)
        if first is None:
            raise RuntimeError("the kernel server closed the connection")
        kernel.append(int(first))
    except Exception as exc:  # noqa: BLE001  (no kernel forked: start one the usual way)
        _usual_start(argv, exc)
    for signum in pending:
        relay(signum, None)
    try:
        for line in lines:
            if line.startswith("exit "):
                return int(line.split()[1])
    except OSError:
        pass
    _signal_group(kernel[0], signal.SIGKILL)  # the server went away without a word
    return 1


# ----------------------------------------------------------------- the server
def _kernel(request: dict, fds: list[int], close: list) -> None:
    """In the fork: become the kernel the request describes. Never returns."""
    code = 1
    try:
        for thing in close:  # the server's sockets and selector
            thing.close()
        os.setsid()
        _die_with_parent()
        for fd, target in zip(fds, (0, 1, 2)):
            os.dup2(fd, target)
            os.close(fd)
        for name in ("SIGCHLD", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _fresh_random_state()
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
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # nothing may interrupt the way out
        try:
            import atexit

            atexit._run_exitfuncs()  # what the kernel registered, as at a normal exit
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _die_with_parent() -> None:
    """Linux: the kernel gets SIGKILL if the server dies, so no kernel outlives it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _fresh_random_state() -> None:
    """A fresh process draws its own seeds: so does each fork (the lessons seed their own)."""
    import random

    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()


def _kill(pid: int) -> None:
    for kill in (os.kill, os.killpg):  # the kernel, and what it started in its session
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _alive(pid: int) -> bool:
    """Is ``pid`` running (a zombie nobody reaps counts as gone)?"""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _threads() -> int:
    """Threads of this process, native ones (OpenBLAS, OpenMP) included."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    conn.settimeout(10)  # a client that stalls does not stall the server
    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    try:
        while not msg.endswith(b"\n"):
            more = conn.recv(1 << 20)
            if not more:
                break
            msg += more
        request = json.loads(msg)
        if len(fds) != 3:
            raise ValueError(f"expected 3 standard streams, got {len(fds)}")
        return request, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def serve(path: str) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    if not sys.flags.safe_path and sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]  # this file's folder: a kernel puts its own folder there instead
    signal.alarm(int(START_TIMEOUT))  # a preload that hangs ends the server
    names = os.environ.get("LRLESSONS_FORK_PRELOAD")
    for name in (names.split(",") if names is not None else PRELOAD):
        if name:
            importlib.import_module(name)
    if _threads() != 1:  # forking a process with threads is not safe
        raise RuntimeError(f"preloading started {_threads() - 1} thread(s)")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = f"{path}.{os.getpid()}"
    listener.bind(staging)
    os.chmod(staging, 0o600)
    listener.listen(64)
    os.rename(staging, path)  # clients connect only once it listens
    signal.alarm(0)
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
                    try:
                        request, fds = _read_request(conn)
                    except Exception as exc:  # noqa: BLE001  (a client that died or spoke nonsense)
                        print(f"forked_kernel: a request failed: {exc!r}", file=sys.stderr, flush=True)
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        try:
                            _kernel(request, fds, [selector, listener, conn, *kernels.values()])
                        finally:
                            os._exit(1)
                    for fd in fds:
                        os.close(fd)
                    kernels[pid] = conn
                    owners.add(int(request["owner"]))
                    owner_of[pid] = int(request["owner"])
                    try:
                        conn.settimeout(None)
                        conn.sendall(f"{pid}\n".encode())
                        selector.register(conn, selectors.EVENT_READ, pid)
                    except OSError:  # its client is gone already
                        _kill(pid)
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
        try:  # first the name, so new clients start a new server; queued ones fall back
            if os.stat(path).st_ino == inode:  # still ours, not a newer server's: tidy up
                os.unlink(path)
                os.unlink(path + ".lock")
                if os.path.getsize(path + ".log") == 0:
                    os.unlink(path + ".log")
        except OSError:
            pass
        listener.close()
        for pid in list(kernels):
            _kill(pid)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        sys.exit(client(sys.argv[1:]))
