"""Stand-in root filesystems for the two images the task runs, with each image's facts in one place.

No image can be pulled or run here, so each image is rebuilt from Debian's
packages as a directory that a container chroots into. What matters is what
the task definition can trip over: which programs exist (BusyBox `/bin/sh`,
curl and tini in the plugin image, and no bash), where they are, which user
and stop signal the image declares, and which region binaries it ships.

Facts come from ../shared/reference/finfocus-image.md and fargate-runtime.md:
- plugin (`ghcr.io/rshade/finfocus-plugin-aws-public`): Alpine with BusyBox,
  curl and tini; `USER 65532:65532`; `ENTRYPOINT ["/sbin/tini", "--",
  "/entrypoint.sh"]`; ENV FINFOCUS_PLUGIN_WEB_ENABLED and
  FINFOCUS_PLUGIN_HEALTH_ENDPOINT true; `/entrypoint.sh` and
  `/healthcheck.sh` are bash scripts; one `/usr/local/bin/finfocus-plugin-aws-public-REGION` per region
  of the tag's layout, plus `/usr/local/bin/metrics-aggregator`; no STOPSIGNAL
  (SIGTERM); no VOLUME.
- HAProxy (docker-library Alpine): BusyBox and `/usr/local/sbin/haproxy`;
  `USER haproxy` (uid 99); `WORKDIR /var/lib/haproxy`; `STOPSIGNAL SIGUSR1`;
  its entrypoint adds `-W -db`; no VOLUME.

What the stand-ins do not reproduce:
- the binaries are Debian's (BusyBox 1.35, HAProxy 2.6, curl 7.88, tini
  0.19), not Alpine's (musl, BusyBox 1.36+, HAProxy 3.2); shared libraries
  come from this machine's /usr/lib, mounted read-only;
- the region binaries and the metrics aggregator are Python programs
  (region_server.py, aggregator.py): no 150 MB of pricing data each, other
  start-up times and memory; the Python interpreter they need is mounted
  read-only at its own path;
- the image's Docker HEALTHCHECK, which ECS ignores anyway (it runs only the
  task definition's healthCheck);
- image layers, pulls, digests and platform checks.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from finfocus_ecs.module import image_layout_for, image_layouts, image_repository, image_tag, is_plugin_image

ALPINE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
REGION_BINARY = "/usr/local/bin/finfocus-plugin-aws-public-{region}"
# Applets the Alpine images do not link (Debian's BusyBox has none named bash,
# but make the absence explicit: it is the fact the plugin image trips over).
NOT_IN_ALPINE = {"bash"}


class ImageError(ValueError):
    """An image the rehearsal cannot stand in for."""


@dataclass(frozen=True)
class Image:
    """What `docker inspect` would say of an image, and what its filesystem holds."""

    kind: str
    user: str
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    workdir: str
    stop_signal: signal.Signals
    env: dict[str, str] = field(default_factory=lambda: {"PATH": ALPINE_PATH})
    # uid:gid by user name, for /etc/passwd.
    users: dict[str, tuple[int, int]] = field(default_factory=dict)


PLUGIN = Image(
    kind="plugin",
    user="65532:65532",
    entrypoint=("/sbin/tini", "--", "/entrypoint.sh"),
    cmd=(),
    workdir="/",
    stop_signal=signal.SIGTERM,
    # The Dockerfile's ENV: the binaries serve web mode and /healthz only when these say true.
    env={"PATH": ALPINE_PATH, "FINFOCUS_PLUGIN_WEB_ENABLED": "true", "FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "true"},
    users={"root": (0, 0), "plugin": (65532, 65532)},
)

HAPROXY = Image(
    kind="haproxy",
    user="haproxy",
    entrypoint=("docker-entrypoint.sh",),
    cmd=("haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"),
    workdir="/var/lib/haproxy",
    stop_signal=signal.SIGUSR1,
    users={"root": (0, 0), "haproxy": (99, 99)},
)


def image_facts(reference: str) -> Image:
    """The stand-in for an image reference: the plugin's repository or an HAProxy image."""
    if is_plugin_image(reference):
        return PLUGIN
    if image_repository(reference).rsplit("/", 1)[-1] == "haproxy":
        return HAPROXY
    raise ImageError(f"no stand-in for image {reference!r}: the rehearsal knows the plugin image and HAProxy images")


def plugin_regions(reference: str) -> list[str]:
    """The region binaries an image tag ships: exactly its layout's regions.

    `latest` (or no tag) is the newest release, the last tag in image_layouts.json;
    a digest alone names no release.
    """
    tag = image_tag(reference) or ("" if "@" in reference else "latest")
    if tag == "latest":
        tag = image_layouts()[-1]["tags"][-1]
    layout = image_layout_for(tag)
    if layout is None:
        raise ImageError(
            f"image {reference!r} is not a release with a known layout: say which regions it ships (--image-regions)"
        )
    return list(layout)


def plugin_version(reference: str) -> str:
    """The version the image's binaries report in GetPluginInfo: the release tag without its `v`.

    GoReleaser injects it at build time; a build without it reports 0.0.3
    (main.go's default), which stands for any image that names no release.
    """
    from finfocus_ecs.plugin_api.releases import releases

    tag = image_tag(reference) or ("" if "@" in reference else "latest")
    if tag == "latest":
        tag = image_layouts()[-1]["tags"][-1]
    # A release whose layout the module has not read (v0.1.9, v0.1.10) still reports its own version.
    known = image_layout_for(tag) is not None or tag.removeprefix("v") in releases()
    return tag.removeprefix("v") if tag.startswith("v") and known else "0.0.3"


def _install(source: str, root: Path, target: str, mode: int = 0o755) -> None:
    path = root / target.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    path.chmod(mode)


def _write(root: Path, target: str, text: str, mode: int = 0o644, owner: tuple[int, int] = (0, 0)) -> None:
    path = root / target.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    os.chown(path, *owner)


def _host_binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        raise ImageError(f"{name} is not installed on this machine (apt-get install {name})")
    return found


def _alpine_base(root: Path, image: Image) -> None:
    """BusyBox as Alpine lays it out, a world-writable /tmp, users, no bash."""
    busybox = _host_binary("busybox")
    _install(busybox, root, "/bin/busybox")
    listing = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, check=True).stdout
    for applet_path in listing.split():
        if Path(applet_path).name in NOT_IN_ALPINE:
            continue
        link = root / applet_path
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to("/bin/busybox")
    # Debian keeps its libraries under /usr (merged /usr): the mounted ones.
    for name in ("lib", "lib64"):
        (root / name).symlink_to(f"usr/{name}")
    for directory in ("proc", "dev", "etc", "usr/lib", "usr/lib64", "var/lib"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir()
    (root / "tmp").chmod(0o1777)
    passwd = "".join(f"{name}:x:{uid}:{gid}:{name}:/:/sbin/nologin\n" for name, (uid, gid) in image.users.items())
    groups = "".join(f"{name}:x:{gid}:\n" for name, (_, gid) in image.users.items())
    _write(root, "/etc/passwd", passwd)
    _write(root, "/etc/group", groups)
    _write(root, "/etc/hosts", "127.0.0.1\tlocalhost\n")


# Where the stand-in programs find their packages inside a container: a path
# no task definition mounts over (a volume at /tmp would hide a checkout or a
# virtual environment under /tmp if they kept their host paths).
STANDIN_PACKAGES = "/opt/finfocus-rehearsal"


def _python_program(root: Path, target: str, call: str) -> None:
    """An executable file that runs one of the stand-in programs with this machine's base Python.

    The interpreter keeps its host path (its shared library is linked there);
    the project's package and its virtual environment's site-packages are
    mounted under STANDIN_PACKAGES.
    """
    interpreter = Path(sys.executable).resolve()
    paths = [f"{STANDIN_PACKAGES}/tools", f"{STANDIN_PACKAGES}/site-packages"]
    _write(root, target, f"#!{interpreter}\nimport sys\nsys.path[:0] = {paths!r}\n{call}\n", mode=0o755)


def build_plugin_root(root: Path, regions: Iterable[str], version: str) -> None:
    """The plugin image at one tag: its region binaries, the aggregator, and bash scripts without bash."""
    _alpine_base(root, PLUGIN)
    _install(_host_binary("curl"), root, "/usr/bin/curl")
    _install(_host_binary("tini-static"), root, "/sbin/tini")
    for region in regions:
        _python_program(
            root,
            REGION_BINARY.format(region=region),
            "from finfocus_ecs.rehearsal.region_server import main\n"
            f"sys.exit(main({region!r}, sys.argv[1:], version={version!r}))",
        )
    aggregator = "from finfocus_ecs.rehearsal.aggregator import main\nsys.exit(main())"
    _python_program(root, "/usr/local/bin/metrics-aggregator", aggregator)
    # Upstream's scripts start with #!/bin/bash and use bash arrays; their
    # bodies never run here, as in the real image.
    for script in ("/entrypoint.sh", "/healthcheck.sh"):
        _write(root, script, "#!/bin/bash\nset -euo pipefail\nports=(8001 8002)\n[[ ${#ports[@]} -gt 0 ]]\n", 0o755)


def build_haproxy_root(root: Path) -> None:
    """The docker-library HAProxy Alpine image: BusyBox, haproxy, a home owned by haproxy."""
    _alpine_base(root, HAPROXY)
    _install(_host_binary("haproxy"), root, "/usr/local/sbin/haproxy")
    home = root / "var/lib/haproxy"
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, *HAPROXY.users["haproxy"])
    _write(root, "/usr/local/bin/docker-entrypoint.sh", '#!/bin/sh\nset -e\nexec "$@" -W -db\n', 0o755)
    _write(root, "/usr/local/etc/haproxy/haproxy.cfg", "defaults\n  mode tcp\n")


def build_root(reference: str, root: Path, regions: Iterable[str] | None = None) -> Image:
    """Lay out the stand-in of `reference` at `root`; the plugin gets `regions` or its tag's."""
    image = image_facts(reference)
    root.mkdir(parents=True)
    if image is PLUGIN:
        build_plugin_root(root, plugin_regions(reference) if regions is None else regions, plugin_version(reference))
    else:
        build_haproxy_root(root)
    return image


def read_only_mounts(image: Image) -> list[tuple[str, str]]:
    """(host directory, path in the container) that every container of this image sees read-only.

    Libraries for the Debian binaries, at their own paths; for the plugin, the
    base Python at its own path, and the project's package and its
    site-packages under STANDIN_PACKAGES.
    """
    mounts = [(path, path) for path in ("/usr/lib", "/usr/lib64") if Path(path).is_dir()]
    if image is PLUGIN:
        from finfocus_ecs.project import PACKAGE_DIR

        mounts += [
            (sys.base_prefix, sys.base_prefix),
            (str(PACKAGE_DIR.parent), f"{STANDIN_PACKAGES}/tools"),
            (sysconfig.get_paths()["purelib"], f"{STANDIN_PACKAGES}/site-packages"),
        ]
    return mounts
