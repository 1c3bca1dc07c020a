"""Builds Threadline's double-click release for the OS this runs on (``make package``).

    python packaging/build.py [--no-smoke] [--install-deb] [--nsis-check]

Linux: ``dist/Threadline/`` (one folder), ``Threadline-<v>-linux-<arch>.tar.gz`` and
``threadline_<v>_<arch>.deb``. Windows: the folder, a ``.zip`` and an NSIS installer (when
``makensis`` is on PATH). macOS: ``Threadline.app`` in a ``.dmg``, signed and notarised when
the secrets are in the environment (see README.md). Every build then runs smoke_test.py on
what it made, unless ``--no-smoke``.

Stdlib only, so any Python 3.11+ can run it: the build venv (``build/package-venv``) gets the
app's dependencies and PyInstaller, and nothing else: PyInstaller aborts when two Qt
bindings are importable. The app's own code is taken from ``desktop/``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DIST = ROOT / "dist"
VENV = BUILD / "package-venv"
PYINSTALLER = "pyinstaller>=6.10,<7"
SYSTEM = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# GLIBCXX_3.4.N -> the GCC release whose libstdc++ first has it (Debian's libstdc++6 version).
GLIBCXX_GCC = {28: 10, 29: 11, 30: 12, 31: 13, 32: 14, 33: 15}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-smoke", action="store_true", help="build only, start nothing")
    parser.add_argument(
        "--install-deb", action="store_true", help="smoke-test the .deb installed with dpkg -i"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="package the dist/ folder already built (no PyInstaller)",
    )
    parser.add_argument(
        "--nsis-check",
        action="store_true",
        help="only compile the NSIS script with a dummy payload (any OS with makensis)",
    )
    args = parser.parse_args(argv)
    version = project_version()
    BUILD.mkdir(exist_ok=True)
    if args.nsis_check:
        nsis_check(version)
        return 0
    icons = BUILD / "icons"
    if not args.reuse:
        python = build_venv()
        run([str(python), str(ROOT / "packaging" / "icons.py"), str(icons)])
        env = {**os.environ, "THREADLINE_VERSION": version, "THREADLINE_ICONS": str(icons)}
        if SYSTEM == "windows":
            env["THREADLINE_VERSION_FILE"] = str(windows_version_file(version))
        pyinstaller(python, env)
    arch = platform.machine().lower()
    smoke = [sys.executable, str(ROOT / "packaging" / "smoke_test.py")]
    made: list[Path] = []
    if SYSTEM == "linux":
        bundle = DIST / "Threadline"
        report_linux_bundle(bundle)
        made.append(archive(bundle, f"Threadline-{version}-linux-{arch}", "gztar"))
        deb = build_deb(bundle, version)
        made.append(deb)
        if shutil.which("makensis"):
            nsis_check(version)  # the Windows installer script still compiles
        smoke += ["--bundle", str(bundle / "Threadline"), "--deb", str(deb)]
        smoke += ["--install"] if args.install_deb else []
    elif SYSTEM == "windows":
        bundle = DIST / "Threadline"
        sign_windows([bundle / "Threadline.exe"])
        made.append(archive(bundle, f"Threadline-{version}-windows-{arch}", "zip"))
        setup = windows_installer(bundle, version, icons / "threadline.ico")
        if setup is not None:
            sign_windows([setup])
            made.append(setup)
        smoke += ["--bundle", str(bundle / "Threadline.exe")]
    elif SYSTEM == "macos":
        app = DIST / "Threadline.app"
        sign_macos(app)
        dmg = build_dmg(app, f"Threadline-{version}-macos-{arch}")
        notarize(dmg)
        made.append(dmg)
        smoke += ["--bundle", str(app / "Contents" / "MacOS" / "Threadline")]
    else:
        raise SystemExit(f"no packaging for {sys.platform}")
    for path in made:
        print(f"built {path.relative_to(ROOT)} ({megabytes(path.stat().st_size)})")
    if not args.no_smoke:
        run(smoke)
    return 0


def run(
    command: list[str], *, hide: tuple[str, ...] = (), **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Runs ``command`` (echoed, with the ``hide`` strings masked), failing the build on error."""
    shown = " ".join("***" if part in hide else part for part in command)
    print("+", shown, flush=True)
    return subprocess.run(command, check=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def build_venv() -> Path:
    """A venv with the app's dependencies and PyInstaller, rebuilt when pyproject.toml changes."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        dependencies = list(tomllib.load(file)["project"]["dependencies"])
    wanted = [*dependencies, PYINSTALLER]
    stamp = VENV / ("installed-" + hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:12])
    python = VENV / ("Scripts/python.exe" if SYSTEM == "windows" else "bin/python")
    if stamp.exists() and python.exists():
        return python
    if VENV.exists():
        shutil.rmtree(VENV)
    run([sys.executable, "-m", "venv", str(VENV)])
    run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([str(python), "-m", "pip", "install", "-q", *wanted])
    stamp.touch()
    return python


def pyinstaller(python: Path, env: dict[str, str]) -> None:
    """Runs the spec; fails on any library PyInstaller could not find (the bundle would then
    abort at launch on a machine without it)."""
    log_path = BUILD / "pyinstaller.log"
    command = [str(python), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "INFO"]
    command += ["--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller")]
    command += [str(ROOT / "packaging" / "threadline.spec")]
    print("+", " ".join(command), f"> {log_path.relative_to(ROOT)}", flush=True)
    with log_path.open("w", encoding="utf-8") as log:
        done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    if done.returncode != 0:
        print(text[-4000:])
        raise SystemExit(f"PyInstaller failed (exit {done.returncode}); log: {log_path}")
    missing = sorted({line.strip() for line in text.splitlines() if "Library not found" in line})
    if missing:
        print("\n".join(missing))
        raise SystemExit(
            f"{len(missing)} librar{'y' if len(missing) == 1 else 'ies'} not found: install "
            "them on the build machine (packaging/install_build_deps.sh) and build again."
        )
    print(f"PyInstaller ok, no missing library (log: {log_path.relative_to(ROOT)})")


def archive(folder: Path, name: str, kind: str) -> Path:
    made = shutil.make_archive(str(DIST / name), kind, root_dir=folder.parent, base_dir=folder.name)
    return Path(made)


# Linux ---------------------------------------------------------------------------------------


def elf_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def symbol_floor(files: list[Path], prefix: str) -> tuple[tuple[int, ...], Path | None]:
    """The highest ``prefix`` symbol version (GLIBC_ or GLIBCXX_) any of ``files`` needs."""
    best: tuple[int, ...] = ()
    needer = None
    pattern = re.compile(re.escape(prefix) + r"(\d+(?:\.\d+)+)")
    for path in files:
        out = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
        for match in pattern.finditer(out):
            found = tuple(int(part) for part in match.group(1).split("."))
            if found > best:
                best, needer = found, path
    return best, needer


def report_linux_bundle(bundle: Path) -> dict[str, str]:
    """Prints (and writes to dist/BUILD-INFO.txt) the bundle's size and glibc floor."""
    files = elf_files(bundle)
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    glibc, glibc_by = symbol_floor(files, "GLIBC_")
    glibcxx, glibcxx_by = symbol_floor(files, "GLIBCXX_")
    info = {
        "bundle": f"{megabytes(size)} in {len(files)} ELF files",
        "glibc": ".".join(map(str, glibc)),
        "glibc_needed_by": str(glibc_by.relative_to(bundle) if glibc_by else "-"),
        "glibcxx": ".".join(map(str, glibcxx)),
        "glibcxx_needed_by": str(glibcxx_by.relative_to(bundle) if glibcxx_by else "-"),
        "built_on_glibc": platform.libc_ver()[1],
    }
    text = "".join(f"{key}: {value}\n" for key, value in info.items())
    (DIST / "BUILD-INFO.txt").write_text(text, encoding="utf-8")
    print(text, end="")
    return info


def system_dependencies(bundle: Path) -> tuple[list[str], list[str]]:
    """Debian packages of the libraries the bundle loads from the system (as ldd resolves
    them with the bundle's own folders first, like the bootloader), and sonames found nowhere."""
    files = elf_files(bundle)
    inside = {p.name for p in files}
    folders = sorted({str(p.parent) for p in files})
    env = {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(folders)}
    system_paths: set[str] = set()
    unresolved: set[str] = set()
    for path in files:
        # Only what the file itself names (like dpkg-shlibdeps): ldd lists the whole closure.
        dump = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True).stdout
        direct = {ln.split()[1] for ln in dump.splitlines() if ln.strip().startswith("NEEDED")}
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            match = re.match(r"\s*(\S+) => (\S+)", line)
            if not match or match.group(1) in inside or match.group(1) not in direct:
                continue
            if match.group(2) == "not":
                unresolved.add(match.group(1))
            elif not match.group(2).startswith(str(bundle)):
                system_paths.add(match.group(2))
    packages: set[str] = set()
    for lib in sorted(system_paths):
        real = os.path.realpath(lib)
        candidates = [lib, real] + [
            c.replace("/usr/lib/", "/lib/", 1) for c in (lib, real) if c.startswith("/usr/lib/")
        ]
        for candidate in candidates:
            done = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if done.returncode == 0:
                packages.add(done.stdout.split(":")[0].split(",")[0].strip())
                break
        else:
            print(f"note: no Debian package owns {lib}")
    return sorted(packages), sorted(unresolved)


def build_deb(bundle: Path, version: str) -> Path:
    """A .deb: the app in /opt/threadline, its desktop entry, the icons in hicolor."""
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    root = BUILD / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / "opt" / "threadline", symlinks=True)
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    entry = share / "applications" / "threadline.desktop"
    shutil.copy(ROOT / "resources" / "threadline.desktop", entry)
    if shutil.which("desktop-file-validate"):
        run(["desktop-file-validate", str(entry)])
    else:
        print("note: desktop-file-validate not found (Debian desktop-file-utils): not checked")
    for size in ICON_SIZES:
        folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy(BUILD / "icons" / "png" / f"{size}.png", folder / "threadline.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "threadline.svg", scalable / "threadline.svg")
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "threadline").symlink_to("/opt/threadline/Threadline")

    packages, unresolved = system_dependencies(bundle)
    if unresolved:
        print(f"note: sonames no file provides (optional plugins): {', '.join(unresolved)}")
    glibc, _ = symbol_floor(elf_files(bundle), "GLIBC_")
    glibcxx, _ = symbol_floor(elf_files(bundle), "GLIBCXX_")
    depends = []
    for package in packages:
        if package == "libc6" and glibc:
            depends.append(f"libc6 (>= {'.'.join(map(str, glibc))})")
        elif package == "libstdc++6" and len(glibcxx) == 3 and glibcxx[2] in GLIBCXX_GCC:
            depends.append(f"libstdc++6 (>= {GLIBCXX_GCC[glibcxx[2]]})")
        else:
            depends.append(package)
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    installed_kib = sum(p.stat().st_size for p in files) // 1024
    control = root / "DEBIAN"
    control.mkdir()
    (control / "control").write_text(
        f"Package: threadline\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: Threadline developers <threadline@users.noreply.github.com>\n"
        f"Installed-Size: {installed_kib}\nDepends: {', '.join(depends)}\n"
        "Section: devel\nPriority: optional\n"
        "Description: desktop client for LLM agents\n"
        " Chat with LLM agents: branches, tool calls (MCP servers), live instructions.\n",
        encoding="utf-8",
    )
    sums = []
    for path in sorted(files):
        digest = hashlib.md5(path.read_bytes()).hexdigest()  # dpkg's md5sums format
        sums.append(f"{digest}  {path.relative_to(root).as_posix()}\n")
    (control / "md5sums").write_text("".join(sums), encoding="utf-8")
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    deb = DIST / f"threadline_{version}_{arch}.deb"
    # zstd -9: 58 MB in 11 s here (xz: 48 MB, 3.5 min); any dpkg meeting the glibc floor reads it.
    command = ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", str(root), str(deb)]
    run((["fakeroot"] if shutil.which("fakeroot") else []) + command)
    print(f"Depends: {', '.join(depends)}")
    return deb


# Windows -------------------------------------------------------------------------------------


def numeric_version(version: str) -> tuple[int, int, int, int]:
    parts = [int(p) for p in re.findall(r"\d+", version)[:4]]
    padded = [*parts, 0, 0, 0, 0][:4]
    return padded[0], padded[1], padded[2], padded[3]


def windows_version_file(version: str) -> Path:
    """The version resource PyInstaller puts into Threadline.exe (Explorer's Details tab)."""
    numbers = numeric_version(version)
    strings = {
        "CompanyName": "Threadline",
        "FileDescription": "Threadline",
        "FileVersion": version,
        "InternalName": "Threadline",
        "LegalCopyright": "MIT License",
        "OriginalFilename": "Threadline.exe",
        "ProductName": "Threadline",
        "ProductVersion": version,
    }
    table = ", ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    text = (
        "VSVersionInfo(\n"
        f"  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,\n"
        "    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        f"  kids=[StringFileInfo([StringTable('040904B0', [{table}])]),\n"
        "        VarFileInfo([VarStruct('Translation', [1033, 1200])])]\n"
        ")\n"
    )
    path = BUILD / "version-info.txt"
    path.write_text(text, encoding="utf-8")
    return path


def makensis(payload: Path, version: str, icon: Path, out: Path) -> Path:
    script = ROOT / "packaging" / "windows" / "threadline.nsi"
    quad = ".".join(map(str, numeric_version(version)))
    command = ["makensis", "-V2", f"-DVERSION={version}", f"-DVERSION4={quad}"]
    command += [f"-DSOURCE={payload}"]
    command += [f"-DICON={icon}", f"-DOUTFILE={out}", str(script)]
    run(command)
    return out


def windows_installer(bundle: Path, version: str, icon: Path) -> Path | None:
    if not shutil.which("makensis"):
        print("note: makensis not found (choco install nsis): no installer built")
        return None
    out = DIST / f"Threadline-{version}-windows-setup.exe"
    return makensis(bundle, version, icon, out)


def nsis_check(version: str) -> None:
    """Compiles the installer script around a dummy payload: catches script errors anywhere."""
    check = BUILD / "nsis-check"
    if check.exists():
        shutil.rmtree(check)
    payload = check / "Threadline"
    (payload / "_internal").mkdir(parents=True)
    (payload / "Threadline.exe").write_bytes(b"MZ dummy payload")
    (payload / "_internal" / "base_library.zip").write_bytes(b"dummy")
    icon = BUILD / "icons" / "threadline.ico"
    if not icon.exists():
        run([sys.executable, str(ROOT / "packaging" / "icons.py"), str(BUILD / "icons")])
    out = makensis(payload, version, icon, check / "Threadline-check-setup.exe")
    print(f"NSIS script ok: {out.relative_to(ROOT)} ({out.stat().st_size} bytes)")


def sign_windows(files: list[Path]) -> None:
    """Authenticode, when WINDOWS_CERT_PFX (a .pfx file) and WINDOWS_CERT_PASSWORD are set."""
    pfx, password = os.environ.get("WINDOWS_CERT_PFX"), os.environ.get("WINDOWS_CERT_PASSWORD")
    if not (pfx and password):
        print("note: WINDOWS_CERT_PFX not set: not Authenticode-signed (SmartScreen will warn)")
        return
    signtool = os.environ.get("SIGNTOOL", "signtool")
    for path in files:
        run(
            [
                signtool,
                "sign",
                "/f",
                pfx,
                "/p",
                password,
                "/fd",
                "sha256",
                "/td",
                "sha256",
                "/tr",
                "http://timestamp.digicert.com",
                str(path),
            ],
            hide=(password,),
        )


# macOS ---------------------------------------------------------------------------------------


def sign_macos(app: Path) -> None:
    """Developer ID + hardened runtime, when MACOS_SIGN_IDENTITY names a keychain identity."""
    identity = os.environ.get("MACOS_SIGN_IDENTITY")
    if not identity:
        print("note: MACOS_SIGN_IDENTITY not set: the app is ad-hoc signed only (Gatekeeper")
        print("      blocks a double-click on a downloaded copy; right-click > Open works)")
        return
    entitlements = ROOT / "packaging" / "macos" / "entitlements.plist"
    run(
        [
            "codesign",
            "--force",
            "--deep",
            "--timestamp",
            "--options",
            "runtime",
            "--entitlements",
            str(entitlements),
            "--sign",
            identity,
            str(app),
        ]
    )
    run(["codesign", "--verify", "--deep", "--strict", "--verbose=2", str(app)])


def build_dmg(app: Path, name: str) -> Path:
    staging = BUILD / "dmg"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    shutil.copytree(app, staging / app.name, symlinks=True)
    (staging / "Applications").symlink_to("/Applications")
    dmg = DIST / f"{name}.dmg"
    run(["hdiutil", "create", "-volname", "Threadline", "-srcfolder", str(staging),
         "-ov", "-format", "UDZO", str(dmg)])  # fmt: skip
    identity = os.environ.get("MACOS_SIGN_IDENTITY")
    if identity:
        run(["codesign", "--force", "--timestamp", "--sign", identity, str(dmg)])
    return dmg


def notarize(dmg: Path) -> None:
    """notarytool + stapler, when APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD are set."""
    names = ("APPLE_ID", "APPLE_TEAM_ID", "APPLE_APP_PASSWORD", "MACOS_SIGN_IDENTITY")
    values = [os.environ.get(name) for name in names]
    if not all(values):
        print(f"note: {', '.join(n for n, v in zip(names, values, strict=True) if not v)} not set:")
        print("      not notarised (Gatekeeper warns on first open of a download)")
        return
    apple_id, team, password, _ = values
    run(
        [
            "xcrun",
            "notarytool",
            "submit",
            str(dmg),
            "--wait",
            "--apple-id",
            str(apple_id),
            "--team-id",
            str(team),
            "--password",
            str(password),
        ],
        hide=(str(password),),
    )
    run(["xcrun", "stapler", "staple", str(dmg)])


if __name__ == "__main__":
    sys.exit(main())
