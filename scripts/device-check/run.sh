#!/usr/bin/env bash
# The GPU-machine check, run from the folder pack.sh made (it needs nothing else: no Node.js, no
# network). Unpacks node and the app, lists the WebGPU adapter, runs the NAR fixture checks on tfjs
# WebGPU and on onnxruntime's WebGPU provider, runs the NAR-B bench (NAR corner vs raster AR,
# batch 1 and 64), and writes device-report.json and device-check.log to $OUT (or ./out beside this
# script when OUT is unset). Stays inside TOTAL_S seconds (default 540).
#   bash .cache/device-check/run.sh
# Knobs (environment): TOTAL_S, BENCH_SIZE (B), BENCH_BATCHES (1,64), BENCH_ENGINES
# (tfjs,ort:webgpu,ort:cpu), BENCH_BUDGET_S (15, per cell), DEVICE (webgpu).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$here/out}"
work="${TMPDIR:-/tmp}/narflow-device-check"
total_s="${TOTAL_S:-540}"
mkdir -p "$out"
rm -rf "$work" && mkdir -p "$work/steps"
log="$out/device-check.log"
: >"$log"
say() { echo "[run $(date -u +%H:%M:%S) +${SECONDS}s] $*" | tee -a "$log" >&2; }

unxz_to() { # <file.xz> : decompress to stdout with xz, or Python's lzma where xz is missing
  if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}

say "unpacking into $work"
unxz_to "$here/node.xz" >"$work/node" && chmod +x "$work/node"
unxz_to "$here/app.tar.xz" | tar -C "$work" -xf - || { say "unpack failed"; exit 1; }
node="$work/node"
say "node $("$node" --version)"

# The Vulkan loader: the system's if present, else Debian's libvulkan1 unpacked here.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  for f in "$here"/libvulkan1_*.deb; do dpkg -x "$f" "$work/vulkan"; done
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "Vulkan loader: carried libvulkan1 ($(ls "$work"/vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1* | head -1))"
else
  say "Vulkan loader: system ($(ldconfig -p | grep -m1 'libvulkan.so.1 ' | sed 's/.*=> //'))"
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export NARFLOW_SHARED="$work/shared"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$work/steps/gpu.txt" 2>&1

# step <name> <seconds> <check args…>: runs check.js under a time limit; result in steps/<name>.json
step() {
  local name="$1" limit="$2"
  shift 2
  local left=$((total_s - SECONDS - 15))
  ((limit > left)) && limit=$left
  if ((limit < 10)); then
    say "$name: skipped (time budget spent)"
    echo "skipped: time budget spent" >"$work/steps/$name.rc"
    return
  fi
  say "$name: check $* (limit ${limit}s)"
  timeout -k 5 "$limit" "$node" "$work/app/check.js" "$@" --out "$work/steps/$name.json" 2>&1 | grep -v 'artificially reduced' | tee -a "$log" >&2
  local rc=${PIPESTATUS[0]}
  echo "$rc" >"$work/steps/$name.rc"
  say "$name: exit $rc"
}

step list 60 list
adapter_found() { "$node" -e 'const r=require(process.argv[1]).result; process.exit(r.webgpu.adapter ? 0 : 1)' "$work/steps/list.json" 2>/dev/null; }
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if ! adapter_found && [[ -f "$nvidia_icd" && -z "${VK_DRIVER_FILES:-}" ]]; then
  export VK_DRIVER_FILES="$nvidia_icd" __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  say "no adapter with the default ICDs; retrying with VK_DRIVER_FILES=$nvidia_icd"
  step list 60 list
fi
# headless NVIDIA: the driver's ICD (libGLX_nvidia.so.0) finds no device without a display; its EGL
# library does (measured on an H200, docs/gpu.md)
if ! adapter_found && ldconfig -p 2>/dev/null | grep -q 'libEGL_nvidia.so.0 '; then
  printf '{"file_format_version":"1.0.1","ICD":{"library_path":"libEGL_nvidia.so.0","api_version":"1.4.312"}}' >"$work/nv_egl_icd.json"
  export VK_DRIVER_FILES="$work/nv_egl_icd.json"
  say "no adapter yet; retrying with VK_DRIVER_FILES at an ICD naming libEGL_nvidia.so.0"
  step list 60 list
fi

device="${DEVICE:-webgpu}"
step fixtures-tfjs 150 fixtures --tfjs "$device"
step fixtures-ort 120 fixtures --ort "${ORT_PROVIDER:-webgpu}"
bench_left=$((total_s - SECONDS - 40))
step bench "$((bench_left + 30))" bench --device "$device" --size "${BENCH_SIZE:-B}" --batches "${BENCH_BATCHES:-1,64}" \
  --engines "${BENCH_ENGINES:-tfjs,ort:webgpu,ort:cpu}" --orderings corner,raster --budget-s "${BENCH_BUDGET_S:-15}" --deadline-s "$bench_left"

# one report from the steps (results, exit codes, GPU), next to the log
"$node" -e '
const fs = require("fs"), path = require("path");
const [dir, file, seconds] = process.argv.slice(1);
const report = { date: new Date().toISOString(), seconds: Number(seconds), gpu: null, steps: {} };
if (fs.existsSync(path.join(dir, "gpu.txt"))) report.gpu = fs.readFileSync(path.join(dir, "gpu.txt"), "utf8").trim();
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".rc"))) {
  const name = f.slice(0, -3);
  const json = path.join(dir, name + ".json");
  report.steps[name] = { exit: fs.readFileSync(path.join(dir, f), "utf8").trim(), ...(fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) : {}) };
}
fs.writeFileSync(file, JSON.stringify(report, null, 1) + "\n");
' "$work/steps" "$out/device-report.json" "$SECONDS"
say "wrote $out/device-report.json and $log"
