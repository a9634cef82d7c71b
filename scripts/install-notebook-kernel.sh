#!/usr/bin/env bash
# Installs what runs the notebooks outside an editor: Jupyter's runners from Debian (papermill, nbconvert,
# jupyter-client, ipykernel), the .NET Interactive tool from the repository's tool manifest (.config/dotnet-tools.json),
# and its Jupyter kernels (.NET C#, F#, PowerShell) for the current user. apt needs root (or sudo); it is skipped where
# papermill and jupyter are already on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v papermill >/dev/null 2>&1 || ! command -v jupyter >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "notebook kernel: papermill and jupyter are missing and this is not a Debian-based system;" >&2
    echo "  install papermill, nbconvert, jupyter_client and ipykernel with pip, then rerun." >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "notebook kernel: installing papermill, nbconvert, jupyter-client and ipykernel from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-papermill python3-nbconvert jupyter-client python3-ipykernel >/dev/null
fi

dotnet tool restore
dotnet tool run dotnet-interactive -- jupyter install >/dev/null
jupyter kernelspec list | grep -q '\.net-csharp' || { echo "notebook kernel: the .NET (C#) kernel did not register" >&2; exit 1; }
echo "notebook kernel: .NET Interactive $(dotnet tool run dotnet-interactive -- --version) registered with Jupyter"
