#!/usr/bin/env bash
# Runs the notebooks top to bottom in the .NET Interactive kernel (papermill), in order, with the parameters they ship
# with, and writes their outputs back into notebooks/*.ipynb (or into the folder given as the first argument; further
# arguments name the notebooks to run, e.g. 03-paper-evaluation.ipynb, after the ones before them have run).
# The MlnetGan packages are packed from this checkout into artifacts/packages and restored from there.
# Needs scripts/install-notebook-kernel.sh once. On 2 CPU cores the four take about 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-notebooks}"
mkdir -p "$out"
shift || true
notebooks=("$@")
if [ ${#notebooks[@]} -eq 0 ]; then notebooks=(notebooks/0*.ipynb); else notebooks=("${notebooks[@]/#/notebooks/}"); fi

for library in Data Gan Onnx ML Workflows; do dotnet pack "src/MlnetGan.$library" -c Release -o artifacts/packages; done
version=$(ls artifacts/packages/MlnetGan.ML.*.nupkg | sed -E 's/.*MlnetGan\.ML\.(.*)\.nupkg/\1/' | sort -V | tail -1)
packages_folder="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
for library in mlnetgan.data mlnetgan.gan mlnetgan.onnx mlnetgan.ml mlnetgan.workflows; do rm -rf "$packages_folder/$library/$version"; done

export RestoreAdditionalProjectSources="$PWD/artifacts/packages"
for notebook in "${notebooks[@]}"; do
  name=$(basename "$notebook")
  echo "== $name (MlnetGan $version)"
  papermill "$notebook" "$out/$name.tmp" --cwd notebooks -k .net-csharp --execution-timeout 3600
  # The kernel's own log lines name this machine's NuGet folder; committed outputs keep no machine paths.
  sed -i "s#$packages_folder#~/.nuget/packages#g; s#$PWD/#<repository>/#g; s#\.ipynb\.tmp\"#.ipynb\"#g" "$out/$name.tmp"
  mv "$out/$name.tmp" "$out/$name"
done
