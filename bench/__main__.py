"""`python -m bench` (or `make bench`): every benchmark figure in one table, also saved as JSON.

Figures are medians of several runs with min and max; comparisons alternate
their two sides in the same run and report the ratio, because this machine is
shared and absolute seconds move with its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import bridge, connect, rehearsal, timing
from bench.stats import Summary
from finfocus_ecs import docsgen

RESULTS = Path(__file__).with_name("results") / "latest.json"
QUICK_RESULTS = RESULTS.with_name("quick.json")
SECTIONS = (
    "cost",
    "bridge",
    "connect",
    "rehearsal",
    "plan",
    "critical_path",
    "main_job",
    "first_make_up",
    "test_suite",
)


def cost() -> dict[str, Any]:
    cli = str(Path(sys.executable).with_name("finfocus-ecs"))
    figures = {}
    for name, args in (("on_demand", []), ("spot", ["--spot-weight", "1", "--on-demand-weight", "0"])):
        report = json.loads(
            subprocess.run([cli, "cost", "--json", *args], capture_output=True, text=True, check=True).stdout
        )[0]
        figures[name] = report["total"]
        figures["nlb_alternative"] = (
            report["nlb_alternative_total"] if name == "on_demand" else figures["nlb_alternative"]
        )
    return figures


def machine() -> dict[str, Any]:
    terraform = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True).stdout
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "terraform": json.loads(terraform or "{}").get("terraform_version"),
        "date": time.strftime("%Y-%m-%d"),
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    table: list[tuple[str, str, str]] = []
    if "cost" in results:
        c = results["cost"]
        table += [
            ("cost: default deployment, on demand x86", f"${c['on_demand']:.2f}/month", ""),
            ("cost: default deployment, all Fargate Spot", f"${c['spot']:.2f}/month", ""),
            ("cost: NLB alternative, on demand", f"${c['nlb_alternative']:.2f}/month", ""),
        ]
    if "bridge" in results and "skipped" not in results["bridge"]:
        b = results["bridge"]
        table += [
            (
                "bridge: added latency, median",
                f"{b['added_median_ms']:.3f} ms",
                "met" if b["added_median_ms"] <= 0.2 else "missed (target 0.2 ms)",
            ),
            ("bridge: added latency, p99", f"{b['added_p99_ms']:.3f} ms", ""),
            (
                "bridge: direct loopback median / p99",
                f"{b['direct_loopback_ms']['median']:.3f} / {b['direct_loopback_ms']['p99']:.3f} ms",
                "",
            ),
            (
                "bridge: through bridge median / p99",
                f"{b['through_bridge_ms']['median']:.3f} / {b['through_bridge_ms']['p99']:.3f} ms",
                "",
            ),
            # The key keeps its name from the 12-region days, so that older results still read.
            ("bridge: connections/s, every region in parallel", f"{b['connections_per_second_12_regions']:.0f}", ""),
            (
                "bridge: resident memory (after load)",
                f"{b['bridge_rss_mib_after_load']:.1f} MiB",
                "met: reservation is 128 MiB",
            ),
        ]
        if "grpc_calls" in b:  # results of a run before the gRPC figures have none
            table += [
                (
                    "bridge: gRPC GetPluginInfo direct / bridged, median",
                    f"{b['grpc_direct_loopback_ms']['median']:.3f} / {b['grpc_through_bridge_ms']['median']:.3f} ms",
                    f"added {b['grpc_added_median_ms']:.3f} ms",
                ),
                (
                    "bridge: gRPC GetPluginInfo direct / bridged, p99",
                    f"{b['grpc_direct_loopback_ms']['p99']:.3f} / {b['grpc_through_bridge_ms']['p99']:.3f} ms",
                    f"added {b['grpc_added_p99_ms']:.3f} ms",
                ),
                (
                    f"bridge: gRPC calls/s over one connection, {b['grpc_in_flight']} in flight",
                    f"{b['grpc_calls_per_second_one_connection']['through_bridge']:.0f}",
                    f"direct: {b['grpc_calls_per_second_one_connection']['direct']:.0f}",
                ),
            ]
        if "price_calls" in b:  # results of a run before the pricing figures have none
            for protocol, name in (("connect", "Connect JSON, HTTP/1.1"), ("grpc", "gRPC, h2c")):
                latency, rate = b["price_latency"][protocol], b["price_calls_per_second"][protocol]
                table += [
                    (
                        f"pricing ({name}): direct / bridged p50",
                        f"{latency['direct_ms']['median']:.3f} / {latency['bridged_ms']['median']:.3f} ms",
                        f"p99 {latency['direct_ms']['p99']:.3f} / {latency['bridged_ms']['p99']:.3f} ms",
                    ),
                    (
                        f"pricing ({name}): calls/s, {b['grpc_in_flight']} in flight",
                        f"{rate['through_bridge']:.0f} bridged",
                        f"direct: {rate['direct']:.0f}",
                    ),
                ]
            calls_only = b["price_calls_only_s"]
            table += [
                (
                    f"`finfocus-ecs price` across {b['price_command_regions']} regions, the calls (in process)",
                    Summary(**calls_only).text(digits=3),
                    "met" if calls_only["median"] < 1 else "missed (target 1 s)",
                ),
                (
                    f"`finfocus-ecs price` across {b['price_command_regions']} regions, whole command",
                    Summary(**b["price_command_s"]).text(),
                    "Python start-up and imports included, as a user waits",
                ),
            ]
        if "local_plugin_start_s" in b:
            table += [
                (
                    "connect: local plugin, launch to port bound",
                    Summary(**b["local_plugin_start_s"]).text(),
                    "met" if b["local_plugin_start_s"]["median"] < 1 else "missed (target 1 s)",
                ),
                (
                    "connect: GetProjectedCost through local plugin + bridge / bridge alone, p50",
                    f"{b['local_plugin_ms']['median']:.3f} / {b['local_plugin_bridge_ms']['median']:.3f} ms",
                    f"added {b['local_plugin_added_median_ms']:.3f} ms; p99 {b['local_plugin_ms']['p99']:.3f} / "
                    f"{b['local_plugin_bridge_ms']['p99']:.3f} ms",
                ),
            ]
        if "dead_region_grpc_s" in b:
            for kind in ("grpc", "http"):
                table.append(
                    (
                        f"bridge: a call to a stopped region fails ({kind})",
                        Summary(**b[f"dead_region_{kind}_s"]).text(digits=3),
                        ("met" if b[f"dead_region_{kind}_s"]["median"] < 0.5 else "missed (target 0.5 s)")
                        + f"; ended: {', '.join(b[f'dead_region_{kind}_ended'])}",
                    )
                )
    elif "bridge" in results:
        table.append(("bridge", "skipped", results["bridge"]["skipped"]))
    if "rehearsal" in results and "skipped" not in results["rehearsal"]:
        r = results["rehearsal"]
        table += [
            (
                "rehearsal: default task, start to HEALTHY (Fargate timing)",
                f"{r['real']['healthy_s']['median']:.1f} s",
                "bounded below by the first checks, one interval after each container's start: "
                + ", ".join(f"{name} {interval} s" for name, interval in r["health_intervals_s"].items()),
            ),
            (
                f"rehearsal: default task, start to HEALTHY (time scale {r['test_time_scale']}, as the tests run)",
                Summary(**r["scaled"]["healthy_s"]).text(),
                "",
            ),
            ("rehearsal: stop, SIGTERM/SIGUSR1 to every container exited", Summary(**r["real"]["stop_s"]).text(), ""),
        ]
        if "health_timing" in r:
            timing_figures = r["health_timing"]
            table += [
                (
                    "rehearsal: every region answering to task HEALTHY (Fargate timing)",
                    f"{timing_figures['answering_to_healthy_s']:.1f} s",
                    "met" if timing_figures["answering_to_healthy_s"] <= 15 else "missed (target 15 s)",
                ),
                (
                    "rehearsal: a region's process dies to task UNHEALTHY (Fargate timing)",
                    f"{timing_figures['dead_region_to_unhealthy_s']:.1f} s",
                    "met" if timing_figures["dead_region_to_unhealthy_s"] <= 30 else "missed (target 30 s)",
                ),
            ]
    elif "rehearsal" in results:
        table.append(("rehearsal", "skipped", results["rehearsal"]["skipped"]))
    if "connect" in results:
        c = results["connect"]
        for mode in ("v0.2.6", "v0.4"):
            for case, meaning in c.get("cases", {}).items():
                name = f"connect: a cost command (core {mode}), {meaning}"
                if case not in c[mode]:
                    table.append((name, "skipped", c.get("skipped", {}).get(case, "")))
                    continue
                figure = c[mode][case]
                verdict = "met" if figure["median"] < c["target_s"] else f"missed (target {c['target_s']} s)"
                priced = c[mode]["priced_of"][case]
                note = f"; priced {priced[0]} of {priced[1]} regions" if priced[0] else "; refused at once"
                table.append((name, Summary(**figure).text(), verdict + note))
    if "plan" in results:
        p = results["plan"]
        ratio = p["ratio"]["median"]
        peer = p.get("peer_ratio")
        verdict = "met" if ratio <= p["target_ratio"] else f"missed (target {p['target_ratio']}x)"
        verdict += f"; the peer: {peer['median']:.2f}x" if peer else "; peer not measured (FINFOCUS_BENCH_PEER_SOURCE)"
        table += [
            ("plan: quickstart / provider-only floor", f"{ratio:.2f}x ({_range(p['ratio'])})", verdict),
            ("plan: quickstart", f"{p['quickstart_s']['median']:.2f} s", ""),
            ("plan: floor", f"{p['floor_s']['median']:.2f} s", ""),
        ]
        if peer:
            table += [
                (f"plan: peer ({p['peer']}) / floor", f"{peer['median']:.2f}x ({_range(peer)})", "side by side"),
                ("plan: peer", f"{p['peer_s']['median']:.2f} s", ""),
            ]
    fixed = results.get("critical_path", {}).get("fixed_waits_s")
    if "critical_path" in results:
        k = results["critical_path"]
        chain = ", then ".join(
            f"{address.split('.')[-2]} {span['seconds']:.1f} s" for address, span in k["chain"].items()
        )
        table += [
            ("critical path: quick start apply", f"{k['apply_s']:.1f} s", chain),
            ("critical path: provider's fixed waits", f"{fixed:.1f} s", "cluster and capacity providers, in a row"),
            (
                "critical path: the rest",
                f"{k['other_s']:.1f} s",
                f"first resource after {k['before_first_resource_s']:.1f} s",
            ),
        ]
    if "main_job" in results:
        m = results["main_job"]
        targets = m["targets_s"]
        for kind in ("cold", "warm"):
            total = m[kind]["total_s"]
            phases = ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in m[kind]["phases_median_s"].items())
            verdict = ""
            if kind == "warm":
                bound = max(targets["warm"], (fixed or 0) + targets["warm_over_fixed_waits"])
                verdict = "met" if total["median"] <= bound else f"missed (target {bound:.1f} s)"
                verdict += f" (<= {targets['warm']} s or fixed waits + {targets['warm_over_fixed_waits']} s); "
            table.append((f"main job ({kind}): make up", Summary(**total).text(), f"{verdict}phases: {phases}"))
        if "down" in m:
            down = m["down"]["total_s"]
            table.append(
                (
                    "main job: make down",
                    Summary(**down).text(),
                    "met" if down["median"] <= targets["down"] else f"missed (target {targets['down']} s)",
                )
            )
    if "first_make_up" in results:
        f = results["first_make_up"]
        load = f" (load {f['load_before']:.1f} before, {f['load_after']:.1f} after)" if "load_before" in f else ""
        cpu = f"; {f['make_up_cpu_s']:.1f} s of CPU" if "make_up_cpu_s" in f else ""
        table += [
            (
                "first make up on a fresh clone (installs included)",
                f"{f['make_up_s']:.1f} s",
                ("met" if f["make_up_s"] <= f["target_s"] else f"missed (target {f['target_s']} s)") + cpu + load,
            ),
            ("then make down", f"{f['make_down_s']:.1f} s", ""),
        ]
    if "test_suite" in results:
        t = results["test_suite"]
        table.append(
            (
                "test suite: make test",
                f"{t['wall_s']:.0f} s",
                ("met" if t["wall_s"] <= t["target_s"] else f"missed (target {t['target_s']} s)") + f"; {t['result']}",
            )
        )
        for slow in t["slowest"][:10]:
            table.append(("  slow test", f"{slow['seconds']:.1f} s", f"{slow['phase']} {slow['test']}"))
    return table


def _range(summary: dict[str, Any]) -> str:
    return f"min {summary['minimum']:.2f}, max {summary['maximum']:.2f}"


def write_performance_doc(results: dict[str, Any], command: str) -> None:
    """The full run's table into docs/performance.md, with the command and the machine."""
    m = results["machine"]
    lines = [
        f"Made by `{command}` (`make bench`) on {m['date']}: {m['cpus']} CPUs, {m['memory_gib']} GiB,"
        f" {m['platform']}, Python {m['python']}, Terraform {m['terraform']}.",
        "",
        "| figure | value | target / note |",
        "|---|---|---|",
        *(f"| {figure.strip()} | {value} | {note.replace('|', '/')} |" for figure, value, note in rows(results)),
    ]
    docsgen.generate([docsgen.Part(docsgen.DOCS_DIR / "performance.md", "bench", "\n".join(lines))])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test of the benchmark itself)")
    args = parser.parse_args()
    # A killed bench must still stop the emulators and namespaces it started:
    # SIGTERM's default action would skip every finally block.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sections = args.only or list(SECTIONS)
    console = Console(stderr=True)
    runners = {
        "cost": cost,
        "bridge": lambda: bridge.measure(200 if args.quick else bridge.REQUESTS_PER_REGION),
        "rehearsal": lambda: rehearsal.measure(1 if args.quick else 3, 1),
        "plan": lambda: timing.plan_overhead(2 if args.quick else 5),
        "critical_path": timing.critical_path,
        "main_job": lambda: timing.main_job(1 if args.quick else 3),
        "first_make_up": timing.first_make_up,
        "connect": lambda: connect.measure(1 if args.quick else 3),
        "test_suite": timing.test_suite,
    }
    # A partial run updates its sections in the last full results, so one
    # figure can be re-measured without the rest.
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() and not args.quick else {}
    results: dict[str, Any] = {**previous, "machine": machine()}
    for section in sections:
        with console.status(f"bench: {section}"):
            started = time.perf_counter()
            results[section] = runners[section]()
        console.print(f"{section}: {time.perf_counter() - started:.0f} s")
    # A quick run is a smoke test of the benchmark: it never replaces real figures.
    destination = QUICK_RESULTS if args.quick else RESULTS
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(results, indent=2))
    if set(SECTIONS) <= set(results) and not args.quick:
        write_performance_doc(results, " ".join(["python -m bench", *sys.argv[1:]]))
    table = Table(
        title=f"finfocus-ecs benchmarks ({results['machine']['cpus']} CPUs, {results['machine']['date']})",
        title_justify="left",
    )
    for column in ("figure", "value", "target / note"):
        table.add_column(column)
    for row in rows(results):
        table.add_row(*row)
    Console().print(table)
    console.print(f"written to {destination}")


if __name__ == "__main__":
    main()
