"""Prints the Debian archive URI this host's apt is configured with.

Reads the one-line (`sources.list`, `*.list`) and deb822 (`*.sources`) formats
and returns the first `deb` source serving the main archive (not the security
archive). The set-up uses it to fetch a newer C runtime from the same mirror,
so no registry host is ever named in this repository.
"""

from __future__ import annotations

import glob
import os
import re
import sys

APT_ETC = os.environ.get("APT_ETC", "/etc/apt")


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _one_line_sources(text: str) -> list[tuple[str, list[str]]]:
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        line = re.sub(r"\[[^\]]*\]", "", line)
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "deb":
            entries.append((parts[1], [parts[2]]))
    return entries


def _deb822_sources(text: str) -> list[tuple[str, list[str]]]:
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            entries.append((uri, fields.get("suites", "").split()))
    return entries


def configured_sources(apt_etc: str = APT_ETC) -> list[tuple[str, list[str]]]:
    """Returns (uri, suites) for every enabled `deb` source apt is configured with."""
    entries = []
    main_list = os.path.join(apt_etc, "sources.list")
    if os.path.exists(main_list):
        entries += _one_line_sources(_read(main_list))
    for path in sorted(glob.glob(os.path.join(apt_etc, "sources.list.d", "*.list"))):
        entries += _one_line_sources(_read(path))
    for path in sorted(glob.glob(os.path.join(apt_etc, "sources.list.d", "*.sources"))):
        entries += _deb822_sources(_read(path))
    return entries


def debian_archive_uri(apt_etc: str = APT_ETC) -> str | None:
    """Returns the URI of the main Debian archive, or None if apt has none."""
    for uri, suites in configured_sources(apt_etc):
        if "security" in uri or any("security" in s for s in suites):
            continue
        if "debian" in uri:
            return uri.rstrip("/")
    return None


if __name__ == "__main__":
    found = debian_archive_uri()
    if not found:
        sys.exit(f"no Debian archive is configured in {APT_ETC}/sources.list*")
    print(found)
