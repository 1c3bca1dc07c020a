"""Starts a built Threadline the way a user would and checks that it really works.

    python packaging/smoke_test.py --bundle dist/Threadline/Threadline [--deb X.deb [--install]]
    python packaging/smoke_test.py --startup dist/Threadline/Threadline   # first paint vs source

Each launch gets a throwaway data folder and ``--smoke-test``: the app opens its window,
paints, checks its keyring backend (store/read/delete a throwaway secret) and starts an MCP
stdio server (``mcp-server-time`` beside this Python), then exits 0 and writes
``smoke-test.txt`` (read here: a windowed Windows build has no stdout).

On Linux it runs on a real X server (Xvfb, ``QT_QPA_PLATFORM=xcb``) in a private D-Bus session
with an unlocked gnome-keyring, and checks with xdotool/xprop/xwininfo that the window maps
and that its WM_CLASS matches the desktop entry's StartupWMClass. ``--deb`` checks the
package: installed with ``dpkg -i`` (``--install``, needs root) or unpacked into a temporary
root; its desktop entry must validate, its icon must be in hicolor, and its ``Exec`` is what
gets started. Needs: packaging/install_build_deps.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINUX = sys.platform.startswith("linux")
APP_TIMEOUT_S = 120
WINDOW_TIMEOUT_S = 60
failures: list[str] = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, help="the built executable")
    parser.add_argument("--deb", type=Path, help="the .deb to check and start")
    parser.add_argument("--install", action="store_true", help="dpkg -i the .deb (root)")
    parser.add_argument("--startup", type=Path, help="time first paint: this vs the source")
    parser.add_argument("--runs", type=int, default=5, help="launches per --startup timing")
    parser.add_argument(
        "--cold", action="store_true", help="drop the page cache before each timed launch (root)"
    )
    parser.add_argument("--offscreen", action="store_true", help="no X server (Linux)")
    parser.add_argument("--no-keyring", action="store_true", help="skip the keyring check")
    args = parser.parse_args(argv)
    if LINUX and not args.offscreen and not os.environ.get("_THREADLINE_SMOKE_SESSION"):
        return in_session(sys.argv if argv is None else [sys.argv[0], *argv])
    with tempfile.TemporaryDirectory(prefix="threadline-smoke-") as scratch:
        env = base_env(Path(scratch), args)
        if args.startup:
            startup_timing(args.startup, env, Path(scratch), args.runs, cold=args.cold)
        if args.bundle:
            launch("bundle", [str(args.bundle)], env, Path(scratch))
        if args.deb:
            check_deb(args.deb, args.install, env, Path(scratch))
    if failures:
        print("SMOKE TEST FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("smoke test passed")
    return 0


def in_session(argv: list[str]) -> int:
    """Runs this script again inside Xvfb and a private D-Bus session (with gnome-keyring)."""
    missing = [c for c in ("Xvfb", "xdotool", "xprop", "xwininfo") if not shutil.which(c)]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: run packaging/install_build_deps.sh")
    home = tempfile.mkdtemp(prefix="threadline-smoke-home-")
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    if not display:
        raise SystemExit("Xvfb did not start")
    env = {**os.environ, "DISPLAY": f":{display}", "HOME": home, "_THREADLINE_SMOKE_SESSION": "1"}
    env["XDG_DATA_HOME"] = f"{home}/.local/share"
    command = [sys.executable, *argv]
    if shutil.which("dbus-run-session"):
        command = ["dbus-run-session", "--", *command]
    else:
        print("note: no dbus-run-session: the keyring check will fail (install dbus)")
    print(f"Xvfb on :{display}, HOME={home}", flush=True)
    try:
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        xvfb.terminate()
        xvfb.wait(10)
        shutil.rmtree(home, ignore_errors=True)


def base_env(scratch: Path, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    if LINUX:
        env["QT_QPA_PLATFORM"] = "offscreen" if args.offscreen else "xcb"
        if not args.offscreen:  # the app reads its API keys at start: never leave it locked
            unlock_gnome_keyring()
    if not args.no_keyring:
        env["THREADLINE_SMOKE_KEYRING"] = "1"
    scripts = Path(sys.executable).parent
    server = shutil.which("mcp-server-time", path=str(scripts))
    if server is None:
        failures.append(f"no mcp-server-time beside {sys.executable} (pip install mcp-server-time)")
    else:
        env["THREADLINE_SMOKE_MCP"] = json.dumps([server])
    return env


def unlock_gnome_keyring() -> None:
    if not shutil.which("gnome-keyring-daemon"):
        print("note: no gnome-keyring-daemon: the keyring check will fail (install gnome-keyring)")
        return
    subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"threadline-smoke",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def launch(label: str, command: list[str], env: dict[str, str], scratch: Path) -> str | None:
    """Starts the app once with --smoke-test; returns the window's WM_CLASS class (X11)."""
    data = scratch / f"data-{label}"
    run_env = {**env, "THREADLINE_DATA_DIR": str(data)}
    out_path = scratch / f"{label}.out"
    started = time.monotonic()
    with out_path.open("w") as out:
        app = subprocess.Popen(
            [*command, "--smoke-test"], env=run_env, stdout=out, stderr=subprocess.STDOUT
        )
        wm_class = (
            check_window(label, run_env) if LINUX and env["QT_QPA_PLATFORM"] == "xcb" else None
        )
        try:
            code = app.wait(APP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            app.kill()
            code = -1
    elapsed = time.monotonic() - started
    output = out_path.read_text(errors="replace")
    report_file = data / "smoke-test.txt"
    report = report_file.read_text(errors="replace") if report_file.exists() else ""
    problems = []
    if code != 0:
        problems.append(f"exit code {code}")
    if not (data / "threadline.db").exists():
        problems.append("no threadline.db in the data folder")
    if not report:
        problems.append("no smoke-test.txt report")
    problems += [
        line for line in report.splitlines() if not line.startswith(("check ok", "smoke test ok"))
    ]
    if "smoke test ok" not in report:
        problems.append("the report has no 'smoke test ok' line")
    print(f"[{label}] {' '.join(command)}: exit {code} after {elapsed:.1f}s")
    for line in report.splitlines():
        print(f"[{label}]   {line}")
    if problems:
        failures.extend(f"{label}: {p}" for p in problems)
        print(f"[{label}] output:\n{output[-3000:]}")
    return wm_class


def check_window(label: str, env: dict[str, str]) -> str | None:
    """Waits for the app's window to map on the X server; returns its WM_CLASS class."""
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--class", "Threadline"],
            env=env, capture_output=True, text=True, timeout=WINDOW_TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        failures.append(f"{label}: no Threadline window mapped within {WINDOW_TIMEOUT_S}s")
        return None
    window = found.stdout.split()[0] if found.stdout.split() else None
    if window is None:
        failures.append(f"{label}: xdotool found no window ({found.stderr.strip()})")
        return None
    info = subprocess.run(["xwininfo", "-id", window], env=env, capture_output=True, text=True)
    prop = subprocess.run(
        ["xprop", "-id", window, "WM_CLASS"], env=env, capture_output=True, text=True
    )
    names = re.findall(r'"([^"]*)"', prop.stdout)
    mapped = "IsViewable" in info.stdout
    size = re.search(r"Width: (\d+).*?Height: (\d+)", info.stdout, re.S)
    geometry = f"{size.group(1)}x{size.group(2)}" if size else "?"
    print(f"[{label}] window {window} mapped={mapped} {geometry} WM_CLASS={names}")
    if not mapped:
        failures.append(f"{label}: window {window} is not viewable")
    if shutil.which("import"):  # ImageMagick: a picture of the built window, in dist/
        time.sleep(1.0)  # the first frame is a skeleton; the real widgets follow at once
        shot = ROOT / "dist" / f"smoke-{label}.png"
        subprocess.run(["import", "-window", "root", str(shot)], env=env, check=False)
    return names[1] if len(names) == 2 else None


def check_deb(deb: Path, install: bool, env: dict[str, str], scratch: Path) -> None:
    if install:
        subprocess.run(["dpkg", "-i", str(deb)], check=True)
        root = Path("/")
    else:
        root = scratch / "deb-root"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    entry = root / "usr/share/applications/threadline.desktop"
    if not entry.exists():
        failures.append(f"deb: no {entry}")
        return
    validated = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
    )
    if validated.returncode != 0 or validated.stdout.strip():
        failures.append(f"deb: desktop-file-validate: {validated.stdout.strip()}")
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    icons = sorted((root / "usr/share/icons/hicolor").glob(f"*/apps/{fields.get('Icon')}.png"))
    print(f"[deb] Exec={fields.get('Exec')} Icon={fields.get('Icon')} ({len(icons)} sizes)")
    if not icons:
        failures.append(f"deb: icon {fields.get('Icon')!r} is not in hicolor")
    exec_line = [
        a for a in shlex.split(fields.get("Exec", "")) if not re.fullmatch(r"%[a-zA-Z]", a)
    ]
    if not exec_line or not exec_line[0].startswith("/"):
        failures.append(f"deb: Exec is not an absolute path: {fields.get('Exec')}")
        return
    exec_line[0] = str(root / exec_line[0].lstrip("/"))  # the same file when installed
    label = "deb-installed" if install else "deb-extracted"
    wm_class = launch(label, exec_line, env, scratch)
    wanted = fields.get("StartupWMClass")
    if wm_class is not None and wm_class != wanted:
        failures.append(f"deb: StartupWMClass={wanted} but the window's class is {wm_class}")
    elif wm_class is not None:
        print(f"[deb] StartupWMClass={wanted} matches the window")


def startup_timing(
    bundle: Path, env: dict[str, str], scratch: Path, runs: int, *, cold: bool = False
) -> None:
    """Seconds from process start to the first painted frame, bundle vs ``python -m``.

    ``cold``: the kernel's page cache is dropped before each launch (Linux, root), so every
    file is read from disk as after a reboot."""
    variants = {"bundle": [str(bundle)], "source": [sys.executable, "-m", "threadline"]}
    for label, command in variants.items():
        times = []
        for index in range(runs):
            data = scratch / f"startup-{label}-{index}"
            if cold:
                os.sync()
                Path("/proc/sys/vm/drop_caches").write_text("3\n")
            started = time.time()
            done = subprocess.run(
                [*command, "--smoke-test", "--report-startup"],
                env={**env, "THREADLINE_DATA_DIR": str(data), "THREADLINE_SMOKE_MCP": ""},
                capture_output=True, text=True, timeout=APP_TIMEOUT_S, check=False,
            )  # fmt: skip
            match = re.search(r"first paint (\d+\.\d+)", done.stdout)
            if match:
                times.append(float(match.group(1)) - started)
        if times:
            print(
                f"[startup] {label}{' (cold)' if cold else ''}: first paint {times[0]:.2f}s "
                f"(first run), median {statistics.median(times):.2f}s over {len(times)} runs"
            )
        else:
            failures.append(f"startup: {label} reported no first paint")


if __name__ == "__main__":
    sys.exit(main())
