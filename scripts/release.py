#!/usr/bin/env python3
"""Release archives of the provider and the gate, and provider mirrors Terraform installs from.

  release.py archives --out DIR [--provider BIN] [--gate BIN] [--platform OS_ARCH]
                      [--gpg-key ID] [--allow-dirty] [--repo DIR]
  release.py mirror --from DIR --out MIRROR [--hostname registry.terraform.io]

`archives` writes, for the workspace's version V (Cargo.toml), the layout the Terraform
Registry and the terraform-provider-scaffolding goreleaser configuration produce:
  terraform-provider-edulibra_V_OS_ARCH.zip   the binary as terraform-provider-edulibra_vV
  terraform-provider-edulibra_V_manifest.json {"version": 1, "metadata": {"protocol_versions": ["5.0"]}}
  terraform-provider-edulibra_V_SHA256SUMS    sha256 of the zips and the manifest
  terraform-provider-edulibra_V_SHA256SUMS.sig  detached GPG signature (with --gpg-key)
and the gate as edulibra-validate_V_OS_ARCH.tar.gz with edulibra-validate_V_SHA256SUMS.
It refuses a tree with uncommitted changes and a version without a CHANGELOG.md entry.

`mirror` lays the provider zips out as a filesystem mirror (packed layout:
HOSTNAME/edulibra/edulibra/terraform-provider-edulibra_V_OS_ARCH.zip) and writes beside them the
files of the provider network mirror protocol (index.json, V.json with h1: and zh: hashes), so one
directory serves both ways ("Provider Network Mirror Protocol", Terraform internals docs).

Archives are reproducible: fixed timestamps and modes, sorted entries.
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import platform
import re
import subprocess
import sys
import tarfile
import zipfile

PROVIDER = "terraform-provider-edulibra"
GATE = "edulibra-validate"
NAMESPACE, TYPE = "edulibra", "edulibra"
# The zip epoch: the earliest time a zip entry can carry.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class ReleaseError(Exception):
    pass


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def workspace_version(repo):
    text = open(os.path.join(repo, "Cargo.toml"), encoding="utf-8").read()
    section = re.search(r"^\[workspace\.package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    m = section and re.search(r'^version\s*=\s*"([^"]+)"', section.group(1), re.M)
    if not m:
        raise ReleaseError("Cargo.toml has no [workspace.package] version")
    return m.group(1)


def check_changelog(repo, version):
    path = os.path.join(repo, "CHANGELOG.md")
    if not os.path.exists(path):
        raise ReleaseError(f"no CHANGELOG.md: write an entry `## {version}` first")
    heading = re.compile(rf"^##\s+v?{re.escape(version)}(\s|$)", re.M)
    if not heading.search(open(path, encoding="utf-8").read()):
        raise ReleaseError(f"CHANGELOG.md has no entry for {version}: add `## {version}` with what changed")


def check_clean(repo):
    r = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True)
    if r.returncode != 0:
        raise ReleaseError(f"{repo} is not a git checkout: {r.stderr.strip()}")
    dirty = [line[3:] for line in r.stdout.splitlines() if line.strip()]
    if dirty:
        listed = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise ReleaseError(
            f"the tree has uncommitted changes ({listed}): a release is built from a commit; "
            "commit or stash them (or pass --allow-dirty for a trial build)")


def host_platform():
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(sys.platform, sys.platform)
    return f"{system}_{arch}"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_zip(path, name, binary):
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as z, open(binary, "rb") as src:
        with z.open(info, "w") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(block)


def write_tar_gz(path, members):
    """members: (name in the archive, file on disk, mode)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, source, mode in sorted(members):
            info = t.gettarinfo(source, arcname=name)
            info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "", "", mode
            with open(source, "rb") as f:
                t.addfile(info, f)
    with open(path, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())


def write_sums(path, files):
    with open(path, "w", encoding="utf-8") as f:
        for name in sorted(files):
            f.write(f"{sha256_file(os.path.join(os.path.dirname(path), name))}  {name}\n")


def sign(path, key):
    sig = path + ".sig"
    r = subprocess.run(["gpg", "--batch", "--yes", "--local-user", key, "--output", sig, "--detach-sign", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ReleaseError(f"gpg could not sign {os.path.basename(path)} with {key}: {r.stderr.strip()}")
    return sig


def archives(a):
    repo = os.path.abspath(a.repo)
    version = workspace_version(repo)
    check_changelog(repo, version)
    if not a.allow_dirty:
        check_clean(repo)
    if a.check_only:
        print(f"release {version}: the tree is clean and CHANGELOG.md has its entry")
        return
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.expanduser("~"), ".cache/edulibra/target"))
    provider = a.provider or os.path.join(target, "release", PROVIDER)
    gate = a.gate or os.path.join(target, "release", GATE)
    for what, path in (("provider", provider), ("gate", gate)):
        if not os.access(path, os.X_OK):
            raise ReleaseError(f"no {what} binary at {path}: build it first (`make release` does)")
    plat = a.platform or host_platform()
    if not re.fullmatch(r"[a-z0-9]+_[a-z0-9]+", plat):
        raise ReleaseError(f"--platform {plat!r} is not OS_ARCH (linux_amd64, darwin_arm64, ...)")
    os.makedirs(a.out, exist_ok=True)

    zip_name = f"{PROVIDER}_{version}_{plat}.zip"
    write_zip(os.path.join(a.out, zip_name), f"{PROVIDER}_v{version}", provider)
    manifest = f"{PROVIDER}_{version}_manifest.json"
    with open(os.path.join(a.out, manifest), "w", encoding="utf-8") as f:
        json.dump({"version": 1, "metadata": {"protocol_versions": ["5.0"]}}, f, indent=2)
        f.write("\n")
    # The checksums cover every provider zip of this version in the folder (other platforms
    # built before, on their machines) and the manifest.
    zips = [n for n in os.listdir(a.out) if n.startswith(f"{PROVIDER}_{version}_") and n.endswith(".zip")]
    sums = os.path.join(a.out, f"{PROVIDER}_{version}_SHA256SUMS")
    write_sums(sums, zips + [manifest])
    written = [zip_name, manifest, os.path.basename(sums)]
    if a.gpg_key:
        written.append(os.path.basename(sign(sums, a.gpg_key)))

    gate_name = f"{GATE}_{version}_{plat}.tar.gz"
    licence = os.path.join(repo, "LICENSE")
    members = [(GATE, gate, 0o755)] + ([("LICENSE", licence, 0o644)] if os.path.exists(licence) else [])
    write_tar_gz(os.path.join(a.out, gate_name), members)
    gates = [n for n in os.listdir(a.out) if n.startswith(f"{GATE}_{version}_") and n.endswith(".tar.gz")]
    gate_sums = os.path.join(a.out, f"{GATE}_{version}_SHA256SUMS")
    write_sums(gate_sums, gates)
    written += [gate_name, os.path.basename(gate_sums)]
    for name in written:
        print(os.path.join(a.out, name))


def h1_of_zip(path):
    """Terraform's h1: hash of a provider package: SHA-256 over the sorted lines
    "<sha256 of file>  <name>\\n" of the files the zip holds (Go's dirhash.Hash1)."""
    lines = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            h = hashlib.sha256()
            with z.open(info) as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            lines.append(f"{h.hexdigest()}  {info.filename}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(sorted(lines)).encode()).digest()).decode()


def mirror(a):
    pattern = re.compile(rf"^{re.escape(PROVIDER)}_(.+)_([a-z0-9]+_[a-z0-9]+)\.zip$")
    found = {}
    for name in sorted(os.listdir(a.source)):
        m = pattern.match(name)
        if m:
            found.setdefault(m.group(1), []).append((m.group(2), name))
    if not found:
        raise ReleaseError(f"no {PROVIDER}_VERSION_OS_ARCH.zip in {a.source}: run `release.py archives` first")
    base = os.path.join(a.out, a.hostname, NAMESPACE, TYPE)
    os.makedirs(base, exist_ok=True)
    index_path = os.path.join(base, "index.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {"versions": {}}
    for version, platforms in found.items():
        archives = {}
        for plat, name in platforms:
            dest = os.path.join(base, name)
            with open(os.path.join(a.source, name), "rb") as src, open(dest, "wb") as dst:
                dst.write(src.read())
            # URLs are relative to the version document, which sits beside the zips.
            archives[plat] = {"url": name, "hashes": [h1_of_zip(dest), "zh:" + sha256_file(dest)]}
        with open(os.path.join(base, f"{version}.json"), "w", encoding="utf-8") as f:
            json.dump({"archives": archives}, f, indent=2, sort_keys=True)
            f.write("\n")
        index["versions"][version] = {}
        print(os.path.join(base, f"{version}.json"))
    with open(index_path, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")


def main(argv):
    p = argparse.ArgumentParser(prog="release.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("archives", help="the release archives, checksums and signature")
    r.add_argument("--out", required=True)
    r.add_argument("--provider", help="the provider binary (default: the release build)")
    r.add_argument("--gate", help="the edulibra-validate binary (default: the release build)")
    r.add_argument("--platform", help="OS_ARCH the binaries are for (default: this machine's)")
    r.add_argument("--gpg-key", help="sign the provider's checksums with this key")
    r.add_argument("--allow-dirty", action="store_true", help="a trial build from uncommitted changes")
    r.add_argument("--check-only", action="store_true", help="only check the tree and the changelog")
    r.add_argument("--repo", default=repo_root(), help=argparse.SUPPRESS)
    m = sub.add_parser("mirror", help="a filesystem and network mirror from release archives")
    m.add_argument("--from", dest="source", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--hostname", default="registry.terraform.io")
    a = p.parse_args(argv)
    try:
        (archives if a.command == "archives" else mirror)(a)
    except ReleaseError as e:
        print(f"release.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
