"""Running untrusted generated code: each sample in its own process, fenced in.

What fences a sample in, outermost first:
- Linux namespaces through util-linux `unshare` when it works here (checked once): a new network
  namespace (no interface but a down loopback, so no socket reaches anything) and a new PID
  namespace whose init is the sample, so killing it at the end takes every process it forked.
- When Hearth runs as root, the sample drops to `nobody` (65534), so it cannot write the user's
  files and the process-count limit applies (the kernel never applies RLIMIT_NPROC to root);
  the common standard-library modules are imported first (see PRELOADED).
- rlimits set before the sample's code runs: CPU seconds, address space, file size, processes,
  open files, no core dumps.
- A wall-clock timeout; an empty temporary working folder, deleted afterwards; an environment of
  only PATH/LANG/HOME=the folder; Python in isolated mode (-I: no user site, no PYTHON* variables).
- An audit hook (PEP 578) inside the sample refusing file writes outside its folder, sockets and
  ctypes. Audit hooks are not a security boundary on their own; they close what the namespaces
  cannot (a non-root user's own files) for code that is not written to escape them.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

NOBODY = 65534
# Imported before dropping to nobody, for a Python installed where nobody cannot read it (a root
# user's pyenv): what generated solutions and HumanEval's checks import. Others stay unreadable.
PRELOADED = ("math,re,string,collections,itertools,functools,operator,heapq,bisect,typing,copy,"
             "fractions,decimal,statistics,random,hashlib,datetime,json,array,numbers,cmath,"
             "collections.abc,dataclasses,enum,textwrap,unicodedata")

# Runs inside the sandboxed interpreter (python -I -c RUNNER limits...), before the sample.
RUNNER = r"""
import os, resource, sys
cpu, memory, fsize, nproc, nofile = (int(v) for v in sys.argv[1:6])
if os.geteuid() == 0 and sys.argv[6] == "drop":
    for name in sys.argv[7].split(","):  # nobody may be unable to read the standard library
        try:
            __import__(name)
        except ImportError:
            pass
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
for which, value in ((resource.RLIMIT_CPU, cpu), (resource.RLIMIT_AS, memory),
                     (resource.RLIMIT_FSIZE, fsize), (resource.RLIMIT_NPROC, nproc),
                     (resource.RLIMIT_NOFILE, nofile), (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(which, (value, value))
home = os.path.realpath(os.getcwd())
def inside(path):
    try:
        full = os.path.realpath(os.path.join(home, os.fsdecode(path)))
    except (TypeError, ValueError):
        return False
    return full == home or full.startswith(home + os.sep)
WRITING = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate",
           "os.chmod", "os.chown", "os.utime", "shutil.rmtree", "shutil.copyfile")
def guard(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1] or "r", args[2] or 0
        if (any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)) \
                and not inside(args[0]):
            raise PermissionError(f"sandbox: writing outside the sample's folder: {args[0]!r}")
    elif event in WRITING and args and not inside(args[0] if not isinstance(args[0], int) else "."):
        raise PermissionError(f"sandbox: {event} outside the sample's folder")
    elif event.startswith("socket.") or event.startswith("ctypes."):
        raise PermissionError(f"sandbox: {event} is not allowed")
sys.addaudithook(guard)
del guard
source = open("program.py", encoding="utf-8").read()
exec(compile(source, "program.py", "exec"), {"__name__": "__main__"})
"""


@dataclass(frozen=True)
class Limits:
    """How much one sample may use. HumanEval's checks need a fraction of each."""

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    processes: int = 32
    open_files: int = 64


@dataclass(frozen=True)
class Outcome:
    status: str  # passed | failed | timeout | killed
    detail: str  # the last line of what the sample printed on stderr, or why it was stopped
    seconds: float


@functools.cache
def isolation() -> tuple[str, ...]:
    """The `unshare` prefix that works on this machine, or () when none does (not Linux, no
    util-linux, user namespaces switched off): then samples run without network/PID namespaces."""
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return ()
    for prefix in (("unshare", "--net", "--pid", "--fork", "--kill-child"),
                   ("unshare", "--map-root-user", "--net", "--pid", "--fork", "--kill-child")):
        if os.geteuid() != 0 and "--map-root-user" not in prefix:
            continue
        try:
            done = subprocess.run([*prefix, "--", "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return prefix
    return ()


def describe() -> str:
    """One line for a run's record: how samples were fenced in on this machine."""
    parts = ["network+PID namespaces" if isolation() else "no namespaces (unshare unavailable)"]
    if os.geteuid() == 0:
        parts.append("runs as nobody")
    return ", ".join(parts + ["rlimits", "audit hook", "empty temp folder", "clean environment"])


def run_python(program: str, limits: Limits = Limits()) -> Outcome:
    """Run `program` (Python source) fenced in; status "passed" when it exits 0."""
    start = time.perf_counter()
    folder = tempfile.mkdtemp(prefix="hearth-sample-")
    try:
        with open(os.path.join(folder, "program.py"), "w", encoding="utf-8") as fh:
            fh.write(program)
        drop = os.geteuid() == 0
        if drop:
            os.chown(folder, NOBODY, NOBODY)
        command = [*isolation(), sys.executable, "-I", "-B", "-c", RUNNER, str(limits.cpu_s),
                   str(limits.memory_bytes), str(limits.file_bytes), str(limits.processes),
                   str(limits.open_files), "drop" if drop else "keep", PRELOADED]
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": folder, "TMPDIR": folder}
        proc = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return Outcome("timeout", f"stopped after {limits.wall_s:g} s", time.perf_counter() - start)
        finally:
            _kill_group(proc)  # anything it left behind in its process group
        detail = _last_line(err.decode("utf-8", "replace"))
        if proc.returncode == 0:
            return Outcome("passed", "", time.perf_counter() - start)
        if proc.returncode < 0:
            return Outcome("killed", f"killed by {signal.Signals(-proc.returncode).name}",
                           time.perf_counter() - start)
        return Outcome("failed", detail, time.perf_counter() - start)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError):
        pass


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
