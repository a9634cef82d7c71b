#!/usr/bin/env bash
# Makes TorchSharp 0.107 (libtorch 2.10) loadable on Linux distributions whose libstdc++ predates GCC 13.
# TorchSharp's native library needs the symbol version GLIBCXX_3.4.32. When the system libstdc++ lacks it
# (Debian 12 ships GCC 12), this adds a Debian 13 (trixie) apt source pinned at priority 100, so nothing
# else is upgraded by accident, and installs libstdc++6 (and the libc6 it needs) from it.
# Does nothing where the symbol is already present. Needs root (or sudo) for the install step.
set -euo pipefail

find_libstdcxx() {
  local candidate
  for candidate in $(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*AArch64/ {print $NF}') \
                   /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6; do
    [ -e "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

has_required_symbol() {
  local lib
  lib=$(find_libstdcxx) || return 1
  grep -q 'GLIBCXX_3\.4\.32' "$lib"
}

if [ "$(uname -s)" != "Linux" ]; then
  echo "prerequisites: not Linux, nothing to do"
  exit 0
fi

if has_required_symbol; then
  echo "prerequisites: libstdc++ already provides GLIBCXX_3.4.32, nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "prerequisites: libstdc++ lacks GLIBCXX_3.4.32 and this is not a Debian-based system." >&2
  echo "  Install libstdc++ from GCC 13 or newer with your package manager, then retry." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "prerequisites: need root (or sudo) to install libstdc++6 from Debian 13" >&2; exit 1
  fi
fi

echo "prerequisites: libstdc++ lacks GLIBCXX_3.4.32; installing libstdc++6 from Debian 13 (trixie, pinned at 100)"
echo "deb http://deb.debian.org/debian trixie main" | $SUDO tee /etc/apt/sources.list.d/mlnetgan-trixie.list >/dev/null
printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/mlnetgan-trixie-pin >/dev/null
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 >/dev/null

if has_required_symbol; then
  echo "prerequisites: done, GLIBCXX_3.4.32 is now available"
else
  echo "prerequisites: libstdc++6 from trixie was installed but GLIBCXX_3.4.32 is still missing" >&2
  exit 1
fi
