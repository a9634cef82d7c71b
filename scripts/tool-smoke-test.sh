#!/usr/bin/env bash
# The command line as a user installs it: packs the mlnetgan .NET tool (MlnetGan.Cli) into artifacts/tool, installs it
# into a temporary tool path and runs --help and a tiny train -> export -> featurize -> fit -> predict with it.
# Run after a Release build (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf artifacts/tool
dotnet pack src/MlnetGan.Cli -c Release --no-build -o artifacts/tool
package=$(ls artifacts/tool/MlnetGan.Cli.*.nupkg | grep -v '\.symbols\.' | head -1)
version=$(basename "$package" | sed -E 's/^MlnetGan\.Cli\.(.*)\.nupkg$/\1/')
echo "tool package: $package ($(du -h "$package" | cut -f1))"

tools=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$tools" "$work"' EXIT
dotnet tool install MlnetGan.Cli --version "$version" --tool-path "$tools" --add-source artifacts/tool
mlnetgan="$tools/mlnetgan"

"$mlnetgan" --help | grep -q "train" || { echo "tool smoke test: mlnetgan --help does not list train" >&2; exit 1; }
"$mlnetgan" train --data builtin --out "$work/run" --epochs 1 --ngf 8 --ndf 8 --device cpu
"$mlnetgan" export --run "$work/run" --out "$work/d.onnx"
"$mlnetgan" featurize --model "$work/d.onnx" --data builtin --split test --out "$work/features.csv"
rows=$(($(wc -l < "$work/features.csv") - 1))
[ "$rows" -eq 1000 ] || { echo "tool smoke test: featurize wrote $rows rows, not 1000" >&2; exit 1; }
"$mlnetgan" fit --model "$work/d.onnx" --data builtin --labels-per-class 20 --out "$work/pipeline.zip"
mkdir "$work/images"
"$mlnetgan" sample --run "$work/run" --count 1 --out "$work/images/generated.png"
"$mlnetgan" predict --pipeline "$work/pipeline.zip" --images "$work/images" --out "$work/predictions.csv"
predictions=$(($(wc -l < "$work/predictions.csv") - 1))
[ "$predictions" -eq 1 ] || { echo "tool smoke test: predict wrote $predictions rows, not 1" >&2; exit 1; }
echo "tool smoke test: mlnetgan $version installed and ran train -> export -> featurize ($rows rows) -> fit -> predict"
