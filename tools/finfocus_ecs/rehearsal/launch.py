"""Become one container: mounts, chroot, user, then exec its process as PID 1.

Run by task.py as `ip netns exec TASK python -m finfocus_ecs.rehearsal.launch
SPEC.json`, as root, in the task's network namespace. It enters new mount and
PID namespaces and forks: the child is PID 1 of the new PID namespace, does
what a container runtime does before the container's process runs, and execs
that process in its own place, so the process is PID 1 as in ECS (signals it
has no handler for are dropped, tini reaps, and when it exits the namespace
dies with it). The parent waits and exits as the container did: its exit
code, or 128 + the signal that killed it, as Docker and ECS report it.

The spec holds: root, read_only_mounts ([host dir, path in the container]),
volumes ([host dir, container path, read only]), read_only_root, user, workdir,
argv, env.

Not reproduced: capabilities (the process keeps root's when it runs as root;
Fargate drops most), seccomp and AppArmor profiles, cgroup CPU and memory
limits, the UTS namespace (hostname), /dev beyond null, zero, random and
urandom, and /etc/resolv.conf.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

DEVICES = ("null", "zero", "random", "urandom")


def mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True)


def inside(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def prepare(spec: dict) -> None:
    root = Path(spec["root"])
    # The root becomes its own mount, so that it can turn read-only last,
    # after the mounts under it exist.
    mount("--bind", str(root), str(root))
    for host_path, container_path in spec["read_only_mounts"]:
        target = inside(root, container_path)
        target.mkdir(parents=True, exist_ok=True)
        mount("--bind", host_path, str(target))
        mount("-o", "remount,bind,ro", str(target))
    mount("-t", "tmpfs", "-o", "mode=755,nosuid", "tmpfs", str(root / "dev"))
    for device in DEVICES:
        (root / "dev" / device).touch()
        mount("--bind", f"/dev/{device}", str(root / "dev" / device))
    mount("-t", "proc", "proc", str(root / "proc"))
    # Task volumes: the same host directory in every container that mounts it.
    for host_dir, container_path, read_only in spec["volumes"]:
        target = inside(root, container_path)
        target.mkdir(parents=True, exist_ok=True)
        mount("--bind", host_dir, str(target))
        if read_only:
            mount("-o", "remount,bind,ro", str(target))
    if spec["read_only_root"]:
        mount("-o", "remount,bind,ro", str(root))


def user_ids(root: Path, user: str) -> tuple[int, int]:
    """`uid[:gid]` or `name[:gid]`, resolved against the image's /etc/passwd as Docker does."""
    name, _, group = user.partition(":")
    entries = {}
    for line in (root / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        entries[fields[0]] = (int(fields[2]), int(fields[3]))
    if name.isdigit():
        uid = int(name)
        gid = next((entry_gid for entry_uid, entry_gid in entries.values() if entry_uid == uid), 0)
    elif name in entries:
        uid, gid = entries[name]
    else:
        raise SystemExit(f"unable to find user {name}: no matching entries in passwd file")
    return uid, int(group) if group else gid


# From <sched.h>: Python 3.11 has no os.unshare.
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000


def enter_namespaces() -> None:
    """New mount and PID namespaces for the next child (it becomes PID 1 of the new one).

    Nothing may be forked before that child: a first child that exits would be
    the namespace's init, and every later fork would fail.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWPID) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS | CLONE_NEWPID) failed")


def become_container(spec: dict) -> None:
    """In the child, PID 1 of the new namespace: prepare the root, then exec the container's process."""
    # Mounts made from here on never reach the host's mount namespace.
    mount("--make-rprivate", "/")
    prepare(spec)
    root = Path(spec["root"])
    uid, gid = user_ids(root, spec["user"])
    os.chroot(root)
    os.chdir(spec["workdir"])
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    argv = spec["argv"]
    try:
        os.execvpe(argv[0], argv, spec["env"])
    except OSError as error:
        # What runc reports when the entrypoint cannot be executed.
        print(f"exec {argv[0]!r} failed: {error.strerror}", file=sys.stderr, flush=True)
        os._exit(127)


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    enter_namespaces()
    child = os.fork()
    if child == 0:
        try:
            become_container(spec)
        except BaseException as error:  # never return into the parent's code
            print(f"container set-up failed: {error}", file=sys.stderr, flush=True)
            os._exit(126)
    _, status = os.waitpid(child, 0)
    sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))


if __name__ == "__main__":
    main(sys.argv[1])
