"""One AWS provider process that many Terraform commands attach to (TF_REATTACH_PROVIDERS).

Terraform starts the AWS provider anew for every walk of every command:
reading its schema, validating, planning, applying. Each start costs about a
second of CPU (the binary is 700 MB, and Terraform hashes it against the
lock file first), more than a small plan itself: a provider-only plan took
2.3 s and 3.1 s of Terraform's CPU, attached to a running provider 1.3 s and
1.2 s; the quick start's apply 23.8 s, attached 22.4 s; the end-to-end tests
against the emulator 153 s of CPU, attached 127 s. The test suite's commands
and the local main job attach; nothing else does, because a shared provider has
limits a user's own Terraform must not inherit:

- it reads its environment (AWS_ENDPOINT_URL, credentials, region) once,
  when it starts, so one process serves one environment: `for_env` keeps one
  per environment;
- it holds one configuration at a time, so commands take turns (`lock`);
- configured a second time while AWS_CA_BUNDLE is set, it fails ("unable to
  add custom RootCAs HTTPClient, has no WithTransportOptions", from
  aws-sdk-go-base), so it runs without it: the emulator speaks plain HTTP,
  and offline plans call nothing;
- Terraform checks no version constraint or lock-file hash of a reattached
  provider: the tests run the newest release in the machine's mirror, the
  one `terraform init` installs here; `up` runs the binary init installed
  in the quick start, as its lock file names it (`installed_binary`);
- `terraform init` never attaches: with a provider reattached, init would
  neither install it nor record it in the lock file.

It runs in its own session, so a Ctrl-C at the terminal reaches Terraform
(which then stops the provider's work through the plugin protocol) and not
the provider, and dies with the process that started it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from finfocus_ecs.provider_mirror import newest_binary, platform_name

# Off: the provider logs every request at TRACE in this mode, megabytes per plan.
_QUIET = dict.fromkeys(
    (
        "TF_LOG",
        "TF_LOG_PROVIDER",
        "TF_LOG_SDK",
        "TF_LOG_SDK_PROTO",
        "TF_LOG_SDK_HELPER_SCHEMA",
        "TF_LOG_SDK_FRAMEWORK",
        "TF_LOG_SDK_MUX",
    ),
    "off",
)
_HANDSHAKE = "TF_REATTACH_PROVIDERS="
_STARTUP_SECONDS = 60
_PR_SET_PDEATHSIG = 1

_enabled = False
_providers: dict[frozenset[tuple[str, str]], SharedProvider] = {}
_providers_lock = threading.Lock()
# PR_SET_PDEATHSIG fires when the *thread* that started the child ends, so every provider is
# started from this one thread, which lives as long as the process.
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="provider-spawner")


class SharedProviderError(RuntimeError):
    """The provider did not start or did not say where to attach."""


def enable() -> None:
    """Let Terraform commands of this process attach to shared providers (tests, the local main job)."""
    global _enabled
    _enabled = True


class SharedProvider:
    """A running provider in debug mode: `reattach` is the TF_REATTACH_PROVIDERS value.

    With `log`, the provider writes there every call it serves (terraform-plugin-go's
    sdk.proto log, one JSON line per step, naming the RPC and the resource type): the
    record, kept by the provider itself, of which plans it made.
    """

    def __init__(self, binary: Path, env: Mapping[str, str], log: Path | None = None) -> None:
        provider_env = {key: value for key, value in {**os.environ, **env}.items() if key != "AWS_CA_BUNDLE"}
        log_levels = {**_QUIET, "TF_LOG_SDK_PROTO": "trace"} if log else _QUIET
        self.lock = threading.Lock()
        self._process = _spawner.submit(_start, binary, {**provider_env, **log_levels}, log).result()
        self.pid = self._process.pid
        self.reattach = self._read_handshake()

    def _read_handshake(self) -> str:
        timer = threading.Timer(_STARTUP_SECONDS, self.stop)
        timer.start()
        try:
            for line in self._process.stdout:
                if _HANDSHAKE in line:
                    value = line.split(_HANDSHAKE, 1)[1].strip().strip("'")
                    json.loads(value)  # what Terraform will parse
                    return value
        finally:
            timer.cancel()
        code = self._process.wait()
        raise SharedProviderError(f"the AWS provider exited ({code}) before it said where to attach")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        with contextlib.suppress(OSError):
            self._process.stdout.close()


def _start(binary: Path, env: Mapping[str, str], log: Path | None) -> subprocess.Popen[str]:
    with open(log, "ab") if log else contextlib.nullcontext(subprocess.DEVNULL) as stderr:
        return subprocess.Popen(
            [str(binary), "-debug"],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def for_env(env: Mapping[str, str] | None) -> SharedProvider | None:
    """The provider for Terraform commands run with `env`: one `start`ed for it, else (when enabled) the mirror's.

    None when there is none and sharing is not enabled, or no mirror holds
    the provider: the command then starts its own, as Terraform always does.
    """
    env = env or {}
    return _get_or_start(env, newest_binary if _enabled else lambda: None)


def start(env: Mapping[str, str], binary: Path, log: Path | None = None) -> SharedProvider:
    """Start `binary` for Terraform commands run with `env` (the release `terraform init` installed in a root).

    `log` receives the calls it serves (SharedProvider), if this call starts it.
    """
    provider = _get_or_start(env, lambda: binary, log)
    assert provider is not None
    return provider


def _get_or_start(
    env: Mapping[str, str], binary: Callable[[], Path | None], log: Path | None = None
) -> SharedProvider | None:
    """The provider registered for `env`, or one started from `binary()` (None: no binary, none started)."""
    key = frozenset(env.items())
    with _providers_lock:
        if key not in _providers:
            found = binary()
            if found is None:
                return None
            _providers[key] = SharedProvider(found, env, log)
        return _providers[key]


def installed_binary(root: Path) -> Path | None:
    """The AWS provider `terraform init` installed in `root` for this platform, as its lock file names it."""
    lock_file = root / ".terraform.lock.hcl"
    if not lock_file.is_file():
        return None
    found = re.search(r'provider "[^"]*/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"', lock_file.read_text())
    if found is None:
        return None
    pattern = f"*/hashicorp/aws/{found[1]}/{platform_name()}/terraform-provider-aws*"
    return next(iter(sorted((root / ".terraform" / "providers").glob(pattern))), None)


def pids() -> set[int]:
    """The running shared providers' process ids (children of ours that are not Terraform)."""
    with _providers_lock:
        return {provider.pid for provider in _providers.values()}


def forget(env: Mapping[str, str] | None) -> None:
    """Stop every provider whose environment holds all of `env` (say, an emulator that is going away)."""
    wanted = set((env or {}).items())
    with _providers_lock:
        gone = [key for key in _providers if wanted <= key]
        stopping = [_providers.pop(key) for key in gone]
    for provider in stopping:
        provider.stop()


@atexit.register
def _stop_all() -> None:
    with _providers_lock:
        providers = list(_providers.values())
        _providers.clear()
    for provider in providers:
        provider.stop()
