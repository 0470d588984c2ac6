#!/usr/bin/env bash
# Makes .venv/ with datenmt and its locked dependencies (constraints.txt).
#
# TFX 1.21's native wheels (ml-metadata, tensorflow-data-validation) are tagged
# manylinux_2_39: they need glibc >= 2.39 and a libstdc++ with GLIBCXX_3.4.32.
# - On such a host a plain venv is enough.
# - On an older Debian host (Debian 12 has glibc 2.36) the venv's python is made
#   to run on a private copy of Debian 13's libc6, libstdc++6 and libgcc-s1,
#   downloaded with apt from the mirror the host's apt is already configured
#   with, unpacked under .runtime/ and wired in with patchelf. Nothing on the
#   host is changed.
# - Anything else fails with a message that says what to do.
#
# Idempotent: a second run with nothing changed only checks and returns.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${DATENMT_VENV:-$ROOT/.venv}
RUNTIME=${DATENMT_RUNTIME:-$ROOT/.runtime}
CONSTRAINTS=$ROOT/constraints.txt
PYTHON=${PYTHON:-$(command -v python3.11 || true)}
RUNTIME_SUITE=trixie
RUNTIME_PACKAGES=(libc6 libstdc++6 libgcc-s1)
MIN_GLIBC=2.39
NEED_GLIBCXX=GLIBCXX_3.4.32
STAMP=$VENV/.datenmt-installed

say() { printf '[setup] %s\n' "$*" >&2; }
fail() {
  printf '\n[setup] ERROR: %s\n' "$1" >&2
  shift
  for hint in "$@"; do printf '[setup]   - %s\n' "$hint" >&2; done
  exit 1
}

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

host_glibc() { getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}'; }

host_has_glibcxx() {
  local lib
  lib=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  [ -n "$lib" ] && grep -qa "$NEED_GLIBCXX" "$lib"
}

check_python() {
  [ -n "$PYTHON" ] && [ -x "$PYTHON" ] || fail "Python 3.11 was not found." \
    "install Python 3.11 (for example with pyenv or the distribution's python3.11 package)" \
    "or point PYTHON=/path/to/python3.11 at one and run the set-up again"
  local version
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
  [ "$version" = 3.11 ] ||
    fail "$PYTHON is not Python 3.11 (it reports '${version:-nothing}'); TFX 1.21's wheels are built for 3.11." \
      "set PYTHON=/path/to/python3.11"
  "$PYTHON" -c 'import venv' 2>/dev/null || fail "$PYTHON has no venv module." "install python3.11-venv"
}

stamp_value() {
  cat "$ROOT/pyproject.toml" "$CONSTRAINTS" | sha256sum | awk -v mode="$1" '{print mode ":" $1}'
}

# --- private runtime for hosts with an older glibc --------------------------------
runtime_libdir() {
  local d
  for d in "$RUNTIME/root/usr/lib/x86_64-linux-gnu" "$RUNTIME/root/lib/x86_64-linux-gnu"; do
    [ -e "$d/ld-linux-x86-64.so.2" ] && { echo "$d"; return 0; }
  done
  return 1
}

fetch_private_runtime() {
  runtime_libdir >/dev/null && return 0
  command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
    fail "glibc $(host_glibc) is older than $MIN_GLIBC and this host has no apt-get/dpkg to fetch a newer private runtime." \
      "use a host with glibc >= $MIN_GLIBC (Debian 13, Ubuntu 24.04 or newer), or the project's container image (kubeflow/Dockerfile)"
  local mirror
  mirror=$("$PYTHON" "$ROOT/scripts/debian_mirror.py") ||
    fail "glibc $(host_glibc) is older than $MIN_GLIBC and apt has no Debian archive configured to fetch Debian 13's C runtime from." \
      "add a Debian mirror to /etc/apt/sources.list(.d), or use a host with glibc >= $MIN_GLIBC"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] || fail "the Debian archive keyring ($keyring) is missing." "apt-get install debian-archive-keyring"
  say "glibc $(host_glibc) < $MIN_GLIBC: fetching Debian $RUNTIME_SUITE's ${RUNTIME_PACKAGES[*]} into $RUNTIME"
  local apt_dir=$RUNTIME/apt
  rm -rf "$apt_dir" "$RUNTIME/root"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$apt_dir/debs"
  echo "deb [signed-by=$keyring] $mirror $RUNTIME_SUITE main" >"$apt_dir/sources.list"
  local apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -q
  )
  apt-get "${apt_opts[@]}" update >&2 || fail "apt-get could not read $RUNTIME_SUITE from $mirror." "check the network/mirror and run the set-up again"
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${RUNTIME_PACKAGES[@]}" >&2) ||
    fail "apt-get could not download ${RUNTIME_PACKAGES[*]} from $RUNTIME_SUITE."
  local deb
  for deb in "$apt_dir"/debs/*.deb; do dpkg -x "$deb" "$RUNTIME/root"; done
  runtime_libdir >/dev/null || fail "the unpacked runtime has no ld-linux-x86-64.so.2 under $RUNTIME/root."
}

ensure_patchelf() {
  command -v patchelf >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing patchelf with apt-get"
    { apt-get install -y -q patchelf >&2 || { apt-get update -q >&2 && apt-get install -y -q patchelf >&2; }; } ||
      fail "apt-get could not install patchelf."
  else
    fail "patchelf is needed to wire the private runtime into the venv's python." "sudo apt-get install patchelf"
  fi
}

patch_venv_python() {
  local libdir pylibdir exe
  libdir=$(runtime_libdir)
  pylibdir=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
  for exe in "$VENV"/bin/python*; do
    [ -f "$exe" ] && [ ! -L "$exe" ] || continue
    [ "$(patchelf --print-interpreter "$exe")" = "$libdir/ld-linux-x86-64.so.2" ] && continue
    patchelf --set-interpreter "$libdir/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libdir:$pylibdir" "$exe"
    patchelf --print-needed "$exe" | grep -qx 'libstdc++.so.6' || patchelf --add-needed libstdc++.so.6 "$exe"
    patchelf --print-needed "$exe" | grep -qx 'libgcc_s.so.1' || patchelf --add-needed libgcc_s.so.1 "$exe"
  done
}

# --- main --------------------------------------------------------------------------
check_python
[ -f "$CONSTRAINTS" ] || fail "constraints.txt is missing; it pins every package CI installs."

if version_ge "$(host_glibc)" "$MIN_GLIBC" && host_has_glibcxx; then
  mode=native
else
  mode=private-runtime
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_value $mode)" ] &&
  TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" -c 'import tfx, ml_metadata, tensorflow_data_validation' 2>/dev/null; then
  say "up to date ($VENV, $mode)"
  exit 0
fi

if [ $mode = private-runtime ]; then
  ensure_patchelf
  fetch_private_runtime
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV ($mode)"
  if [ $mode = private-runtime ]; then "$PYTHON" -m venv --copies "$VENV"; else "$PYTHON" -m venv "$VENV"; fi
fi
[ $mode = private-runtime ] && patch_venv_python

venv_glibc=$("$VENV/bin/python" -c 'import os; print(os.confstr("CS_GNU_LIBC_VERSION").split()[1])') ||
  fail "the venv's python does not start." "remove $VENV and $RUNTIME and run the set-up again"
version_ge "$venv_glibc" "$MIN_GLIBC" ||
  fail "the venv's python runs on glibc $venv_glibc, older than the $MIN_GLIBC TFX's wheels need." \
    "remove $VENV and run the set-up again; on a host without apt use glibc >= $MIN_GLIBC"

say "installing datenmt and its locked dependencies (first run: several minutes, ~3.5 GB)"
"$VENV/bin/python" -m pip install -q --upgrade "pip>=24" >&2
"$VENV/bin/python" -m pip install --progress-bar off -c "$CONSTRAINTS" --config-settings editable_mode=compat -e "$ROOT[dev]" 2>&1 |
  { grep -v '^Requirement already satisfied' || true; } >&2
import_log=$(TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" -c 'import tfx, ml_metadata, tensorflow_data_validation' 2>&1) ||
  fail "TFX does not import in $VENV: $(echo "$import_log" | tail -n 3)" "remove $VENV and run the set-up again"
stamp_value $mode >"$STAMP"
say "ready: $VENV (glibc $venv_glibc, $mode)"
