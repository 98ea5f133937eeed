#!/usr/bin/env bash
# The GPU device check of Cell Lens (docs/gpu.md): which links of the TensorFlow.js backend chain start on a GPU
# machine, how fast each scores the benchmark's RNN, LSTM and GRU cells at full size, and a 60-cell WikiText-2
# study on the fastest one. The GPU machine has no network and no Node, so everything it needs is prepared here.
#
#   bash scripts/device-check.sh --prepare    HERE: build dist/, fill .device/ (git-ignored) with what the device
#                                             needs: node, the bundles, the optional backends' packages, the Vulkan
#                                             loader, the cells and the logs zip; prints its size
#   bash scripts/device-check.sh              ON THE DEVICE, from the repo root, with .device carried: installs from
#                                             .device only and writes $OUT/gpu.json (+ device-check.log, nvidia-smi.txt,
#                                             study-report.md, study-results.json), rewriting gpu.json after each step
#   bash scripts/device-check.sh --local [--out DIR]
#                                             HERE: the same device step in a temp dir standing in for the device,
#                                             without network (unshare -rn), on the carried node, at the proxy size with
#                                             3 study cells; its gpu.json says "no GPU here"
#
# Every step runs under `timeout` sized from a whole-run budget (CELL_LENS_DEVICE_BUDGET seconds, default 420 on the
# device, 300 locally) that keeps CELL_LENS_STUDY_RESERVE seconds (default 200, locally 60) for the study, so one
# hung backend cannot eat the device time. CELL_LENS_PRESET (proxy | nas-bench-nlp) and CELL_LENS_STUDY_CELLS override
# the size and the study's cell count of either mode; CELL_LENS_STUDY_WORKERS the study's processes (default: nproc);
# CELL_LENS_STUDY_BACKEND its backend (default: the fastest that scored the three cells).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV="$ROOT/.device"
CELLS=(rnn lstm gru)
LABELS=(RNN LSTM GRU)
CHAIN=(tensorflow-gpu webgpu tensorflow wasm cpu)
# The Vulkan loader and its GL companions, as the device README lists them (Dawn needs libvulkan.so.1).
GL_DEBS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)

die() { echo "device-check: $*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------------------------
# --prepare (here)

prepare() {
  set -e
  cd "$ROOT"
  local shared="${CELL_LENS_DATA:-$ROOT/../shared/nas-bench-nlp}"
  [[ -f "$shared/recepies_example.json" && -f "$shared/wikitext-2-logs.zip" ]] || die "no NAS-Bench-NLP data in $shared (set CELL_LENS_DATA)"
  grep -qx '/.device/' .gitignore || die ".device/ is not in .gitignore: it would travel twice"

  echo "== build dist/"
  DIST_NOTE="built by npm run build at $(date -u +%FT%TZ)"
  if ! flock /tmp/cell-lens-heavy.lock npm run build; then
    [[ -n "${CELL_LENS_ALLOW_STALE_DIST:-}" && -f dist/cli.js && -f dist/worker.js ]] || die "npm run build failed (CELL_LENS_ALLOW_STALE_DIST=1 takes the dist/ there is)"
    DIST_NOTE="npm run build FAILED; the existing dist/ of $(date -u -r dist/worker.js +%FT%TZ) was used"
    echo "   $DIST_NOTE"
  fi
  mkdir -p "$DEV"/{dist,data,cells,gl}
  rm -f "$DEV"/dist/* "$DEV"/data/* "$DEV"/cells/*
  cp dist/cli.js dist/worker.js dist/*.wasm "$DEV/dist/"
  # The native matrix kernel when npm install built it (x86-64 Linux like the device; the wasm link uses it).
  if compgen -G "dist/*.node" >/dev/null; then cp dist/*.node "$DEV/dist/"; fi
  # The driver beside worker.js, bundled the same way (optional backends external: they come from node_modules).
  node_modules/.bin/esbuild bench/device-check.ts --bundle --platform=node --format=cjs --target=node20 --log-level=warning \
    --main-fields=module,main --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --external:webgpu --external:@tensorflow/tfjs-backend-webgpu --outfile="$DEV/dist/device-check.js"
  # The committed data (prebuilt index, reference population of the hybrid score, predictors) beside dist/ as in
  # the repo, and the logs zip the study reads.
  cp data/*.json "$DEV/data/"
  cp "$shared/wikitext-2-logs.zip" "$DEV/data/"
  # The first three example cells: RNN, LSTM, GRU, one file each.
  node -e '
    const [src, dir] = process.argv.slice(1); const cells = JSON.parse(require("fs").readFileSync(src, "utf8"));
    ["rnn", "lstm", "gru"].forEach((n, i) => require("fs").writeFileSync(`${dir}/${n}.json`, JSON.stringify(cells[i], null, 1) + "\n"));
  ' "$shared/recepies_example.json" "$DEV/cells"

  echo "== node (the device has none): $(node --version), xz of $(node -p process.execPath)"
  local nodebin sum
  nodebin=$(node -p process.execPath)
  sum=$(sha256sum "$nodebin" | cut -d' ' -f1)
  if [[ -f "$DEV/node.xz" && "$(cat "$DEV/node.sha256" 2>/dev/null)" == "$sum" ]]; then
    echo "   unchanged, kept"
  else
    xz -T2 -6 -c "$nodebin" >"$DEV/node.xz.tmp" && mv "$DEV/node.xz.tmp" "$DEV/node.xz"
    echo "$sum" >"$DEV/node.sha256"
  fi

  echo "== optional backends: npm install of the registry's packages into a staging folder, packed as runtime.tar.xz"
  local ver key stage
  ver() { node -p "require('./node_modules/$1/package.json').version" 2>/dev/null || node -p "require('./package.json').optionalDependencies['$1'].replace(/^\\^/, '')"; }
  key="@tensorflow/tfjs-core@$(ver @tensorflow/tfjs-core) @tensorflow/tfjs-backend-webgpu@$(ver @tensorflow/tfjs-backend-webgpu) webgpu@$(ver webgpu)"
  if [[ -f "$DEV/runtime.tar.xz" && "$(cat "$DEV/runtime.key" 2>/dev/null)" == "$key" ]]; then
    echo "   unchanged ($key), kept"
  else
    stage=$(mktemp -d /tmp/cell-lens-stage.XXXXXX)
    echo '{"private":true}' >"$stage/package.json"
    # shellcheck disable=SC2086
    (cd "$stage" && npm install --no-save --no-audit --no-fund --omit=dev --ignore-scripts --no-package-lock $key)
    # Dawn for linux-x64 only (the package carries five platforms, 132 MB); no source maps or typings.
    find "$stage/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 -type d ! -name linux-x64 -exec rm -rf {} +
    find "$stage/node_modules" \( -name '*.map' -o -name '*.d.ts' \) -delete
    tar -C "$stage" -cf - node_modules | xz -T2 -6 >"$DEV/runtime.tar.xz.tmp" && mv "$DEV/runtime.tar.xz.tmp" "$DEV/runtime.tar.xz"
    echo "$key" >"$DEV/runtime.key"
    rm -rf "$stage"
  fi

  echo "== tfjs-node-gpu: try the install (its install script downloads libtensorflow, which needs the network)"
  local tdir rc=0 tfng
  tfng="@tensorflow/tfjs-node-gpu@$(ver @tensorflow/tfjs-node-gpu)"
  tdir=$(mktemp -d /tmp/cell-lens-tfng.XXXXXX)
  echo '{"private":true}' >"$tdir/package.json"
  (cd "$tdir" && timeout 300 npm install --no-save --no-audit --no-fund --foreground-scripts --no-package-lock "$tfng") >"$tdir/log" 2>&1 || rc=$?
  { echo "npm install $tfng: exit $rc"; grep -E '^\* Downloading|^https://|^Error|^npm error code' "$tdir/log" | head -8 || true; } >"$DEV/tfjs-node-gpu-install.log"
  cat "$DEV/tfjs-node-gpu-install.log"
  rm -rf "$tdir"

  echo "== Vulkan loader .debs (amd64): ${GL_DEBS[*]}"
  if ls "$DEV"/gl/libvulkan1_*.deb >/dev/null 2>&1; then
    echo "   present, kept"
  else
    local lists o
    lists=$(mktemp -d /tmp/cell-lens-apt.XXXXXX); mkdir -p "$lists/partial"
    o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
    # shellcheck disable=SC2086
    { apt-get $o update >/dev/null && (cd "$DEV/gl" && apt-get $o download "${GL_DEBS[@]}"); } 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
    ls "$DEV"/gl/libvulkan1_*.deb >/dev/null 2>&1 || echo "   apt-get could not download them: the device step will report a missing libvulkan if it has none"
    rm -rf "$lists"
  fi

  # What was prepared, for gpu.json (the device step copies it in).
  node -e '
    const fs = require("fs"), path = require("path"), crypto = require("crypto");
    const [dev, key, tfng, dist] = process.argv.slice(1);
    const files = {};
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.name !== "manifest.json") files[path.relative(dev, p)] = { bytes: fs.statSync(p).size,
        sha256: crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex").slice(0, 16) }; } };
    walk(dev);
    const total = Object.values(files).reduce((s, f) => s + f.bytes, 0);
    fs.writeFileSync(path.join(dev, "manifest.json"), JSON.stringify({ preparedAt: new Date().toISOString(), node: process.version, dist,
      packages: key.split(" "), tfjsNodeGpuInstall: fs.readFileSync(tfng, "utf8").trim().split("\n"), totalBytes: total, files }, null, 1) + "\n");
  ' "$DEV" "$key" "$DEV/tfjs-node-gpu-install.log" "$DIST_NOTE"

  local devb treeb
  devb=$(du -sb "$DEV" | cut -f1)
  treeb=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 du -cb 2>/dev/null | awk 'END { print $1 }')
  echo "== .device/: $((devb / 1048576)) MiB ($devb bytes); with the working tree $(((devb + treeb) / 1048576)) MiB of the 64 MiB a run may carry"
  du -sh "$DEV"/* | sed 's/^/   /'
  ((devb + treeb < 64 * 1048576)) || die "too large to carry"
}

# ---------------------------------------------------------------------------------------------------------------
# the device step (on the device, or --local in a temp dir)

device_step() {
  local local_mode=$1
  T0=$(date +%s)
  local budget reserve preset_args limit
  if [[ $local_mode == 1 ]]; then
    budget=${CELL_LENS_DEVICE_BUDGET:-300}; reserve=${CELL_LENS_STUDY_RESERVE:-60}
    PRESET=${CELL_LENS_PRESET:-proxy}; limit=${CELL_LENS_STUDY_CELLS:-3}
  else
    budget=${CELL_LENS_DEVICE_BUDGET:-420}; reserve=${CELL_LENS_STUDY_RESERVE:-200}
    PRESET=${CELL_LENS_PRESET:-nas-bench-nlp}; limit=${CELL_LENS_STUDY_CELLS:-60}
  fi
  preset_args=(--preset "$PRESET")
  [[ -f "$DEV/manifest.json" ]] || die "$DEV/manifest.json missing: run --prepare here and carry .device"
  mkdir -p "$OUT" "$WORK"
  rm -f "$OUT"/{gpu.json,device-check.log,nvidia-smi.txt,study-report.md,study-results.json}
  LOG="$OUT/device-check.log"
  exec > >(tee -a "$LOG") 2>&1
  GPU="$OUT/gpu.json"

  left() { echo $((T0 + budget - $(date +%s))); }
  # A step's timeout: its cap, but never into the time kept back (`keep`) for what comes after it.
  # At least 1: `timeout 0` would mean no timeout at all.
  tmo() { local cap=$1 keep=${2:-0} l; l=$(($(left) - keep)); ((l < cap)) && cap=$l; ((cap < 1)) && cap=1; echo "$cap"; }
  say() { echo "[$(date +%T) +$(($(date +%s) - T0))s] $*"; }
  now() { date +%s.%N; }
  secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

  say "cell-lens device check ($([[ $local_mode == 1 ]] && echo 'local dry run' || echo device)), work dir $WORK, output $OUT, budget ${budget}s"

  # -- node: always the carried one (the very binary the dry run and this project's numbers used), even where the
  #    machine has its own, which is only noted; xz, else Python's lzma (the device image has python3)
  local node_src system_node
  system_node=$(command -v node >/dev/null && echo "$(command -v node) $(node --version 2>&1)" || echo none)
  mkdir -p "$WORK/bin"
  if command -v xz >/dev/null; then xz -dc "$DEV/node.xz" >"$WORK/bin/node"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$DEV/node.xz" "$WORK/bin/node"; fi
  chmod +x "$WORK/bin/node"; NODE="$WORK/bin/node"; node_src=carried
  "$NODE" --version >/dev/null || die "the carried node does not run here"
  say "node $("$NODE" --version) ($node_src, $NODE); the machine's own: $system_node"

  # -- install: the prepared files only (no npm, no network)
  local t
  t=$(now)
  if command -v xz >/dev/null; then tar -xJf "$DEV/runtime.tar.xz" -C "$WORK"
  else python3 -c 'import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$DEV/runtime.tar.xz" "$WORK"; fi
  cp -r "$DEV/dist" "$DEV/data" "$DEV/cells" "$WORK/"
  local D="$WORK/dist/device-check.js" CLI="$WORK/dist/cli.js"
  rec() { "$NODE" "$D" record "$GPU" "$@" || say "(could not record $1)"; }
  rec mode value "\"$([[ $local_mode == 1 ]] && echo local-dry-run || echo device)\""
  [[ $local_mode == 1 ]] && rec note value "\"Local dry run on a machine without a GPU ($PRESET preset, $limit study cells): the GPU parts say no GPU here. Not a device result.\""
  rec startedAt value "\"$(date -u +%FT%TZ)\""
  rec budgetSeconds value "$budget"
  if [[ $local_mode == 1 ]]; then
    rec network value "\"$([[ -n ${CELL_LENS_IN_NETNS:-} ]] && echo 'none: run under unshare -rn (a network namespace with only a down loopback)' || echo 'PRESENT: unshare -rn was unavailable')\""
  else
    rec network value '"none (the device machine reaches nothing)"'
  fi
  rec machine machine
  rec node value "{\"source\": \"$node_src\", \"version\": \"$("$NODE" --version)\", \"machineNode\": \"$system_node\"}"
  rec prepared json "$DEV/manifest.json"
  rec install.seconds value "$(secs "$t")"
  rec install.packages value "$(cd "$WORK/node_modules" && ls -d @*/* [!@]* | "$NODE" -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0, "utf8").trim().split("\n").map((p) => p + "@" + require("./" + p + "/package.json").version)))')"

  # -- Vulkan loader for Dawn (webgpu): the system's, else the carried .debs (on the device into / as its README says;
  #    in a dry run into the work dir, never into this machine's /)
  local vk
  if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    vk="system libvulkan.so.1"
  elif ls "$DEV"/gl/*.deb >/dev/null 2>&1; then
    if [[ $local_mode == 1 ]]; then
      for f in "$DEV"/gl/*.deb; do dpkg -x "$f" "$WORK/sysroot"; done
      export LD_LIBRARY_PATH="$WORK/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      vk="carried .debs unpacked into $WORK/sysroot (LD_LIBRARY_PATH)"
    else
      for f in "$DEV"/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
      vk="carried .debs unpacked into / ($(ls "$DEV"/gl/*.deb | xargs -n1 basename | tr '\n' ' '))"
    fi
  else
    vk="none: no libvulkan.so.1 and no carried .debs"
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [[ -z "${VK_DRIVER_FILES:-}" && -f $icd ]]; then
    export VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    vk="$vk; VK_DRIVER_FILES=$icd"
  fi
  rec install.vulkan value "$("$NODE" -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$vk")"
  say "installed in $(secs "$t") s; vulkan: $vk"

  # -- the GPU
  if command -v nvidia-smi >/dev/null; then
    timeout 30 nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
    timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader >"$WORK/gpu.csv" 2>&1
    rec gpu.present value true
    rec gpu.query text "$WORK/gpu.csv"
    rec gpu.nvidiaSmi text "$OUT/nvidia-smi.txt"
    say "GPU: $(cat "$WORK/gpu.csv")"
  else
    rec gpu.present value false
    rec gpu.nvidiaSmi value '"no GPU here (no nvidia-smi)"'
    say "no GPU here (no nvidia-smi)"
  fi

  # -- the backend chain, one link per process (tfjs-node cannot unload; a hung link is killed alone)
  local b rc ok_backends=()
  for b in "${CHAIN[@]}"; do
    t=$(now)
    timeout -k 5 "$(tmo 60 "$reserve")" "$NODE" "$D" probe "$b" >"$WORK/probe-$b" 2>"$WORK/probe-$b.log"; rc=$?
    rec "backends.$b" probe "$WORK/probe-$b" "$rc" "$(secs "$t")" "$b"
    if [[ $rc == 0 ]]; then ok_backends+=("$b"); say "backend $b: $(cut -c1-240 "$WORK/probe-$b")"
    else say "backend $b failed (exit $rc): $(cut -c1-300 "$WORK/probe-$b") $(tail -n 2 "$WORK/probe-$b.log" | cut -c1-300)"; fi
  done

  # -- the three example cells with every working backend, one cell per process (a timeout loses one cell, not all);
  #    at full size plain-JS cpu scores the RNN only, for at most a minute (minutes per cell otherwise)
  rec scoring.preset value "\"$PRESET\""
  rec scoring.cells value '["RNN","LSTM","GRU"]'
  rec scoring.note value '"One `cell-lens score CELL --backend B --no-cache --json` per cell; totalMs is the time inside the scoring process, wallS the whole command (node start, backend init, scoring)."'
  local i n
  for b in "${ok_backends[@]}"; do
    n=${#CELLS[@]}
    [[ $b == cpu && $PRESET != proxy ]] && n=1
    for ((i = 0; i < n; i++)); do
      local tt
      tt=$(tmo "$([[ $b == cpu && $PRESET != proxy ]] && echo 60 || echo 120)" "$reserve")
      if ((tt < 10)); then say "no time left to score ${LABELS[i]} with $b (study reserve ${reserve}s)"; rec "scoring.skipped[]" value "\"$b ${LABELS[i]}: no time left\""; continue; fi
      t=$(now)
      timeout -k 5 "$tt" "$NODE" "$CLI" score "$WORK/cells/${CELLS[i]}.json" --backend "$b" --no-cache --json "${preset_args[@]}" --timeout 110 \
        >"$WORK/score-$b-${CELLS[i]}" 2>"$WORK/score-$b-${CELLS[i]}.log"; rc=$?
      rec "scoring.runs.$b[]" score "$WORK/score-$b-${CELLS[i]}" "$rc" "$(secs "$t")" "${LABELS[i]}"
      say "score ${LABELS[i]} with $b: exit $rc in $(secs "$t") s"
      if [[ $rc == 124 || $rc == 137 ]]; then say "  timed out: the other cells of $b are skipped"; break; fi
    done
  done

  # -- the study on the fastest backend that scored all three cells, one scoring process per core
  local sb workers_n
  sb=${CELL_LENS_STUDY_BACKEND:-$("$NODE" "$D" pick "$GPU" || echo wasm)}
  workers_n=${CELL_LENS_STUDY_WORKERS:-$(nproc)}
  rec study.backend value "\"$sb\""
  rec study.workers value "$workers_n"
  rec study.cellLimit value "$limit"
  t=$(now)
  local st
  st=$(tmo 330 5)
  say "study: $limit cells of WikiText-2, preset $PRESET, backend $sb, $workers_n workers, timeout ${st}s"
  timeout -k 10 "$st" "$NODE" "$CLI" study --logs "$WORK/data/wikitext-2-logs.zip" --limit "$limit" "${preset_args[@]}" \
    --backend "$sb" --workers "$workers_n" --no-cache --timeout 120 --out "$WORK/study" >"$WORK/study.stdout" 2>"$WORK/study.log"; rc=$?
  rec study.run study "$WORK/study" "$rc" "$(secs "$t")"
  tail -n 20 "$WORK/study.stdout"
  [[ -f "$WORK/study/report.md" ]] && cp "$WORK/study/report.md" "$OUT/study-report.md"
  [[ -f "$WORK/study/results.json" ]] && cp "$WORK/study/results.json" "$OUT/study-results.json"
  say "study: exit $rc in $(secs "$t") s"
  # A GPU link that scored three cells alone may still fail with many processes at once (every cell failed, or no
  # report): then the study once more on wasm, if it failed quickly enough to leave the time.
  if [[ $sb != wasm && $rc != 124 && $rc != 137 ]] && ! "$NODE" "$D" ok "$GPU" study.run && (($(left) > 60)); then
    st=$(tmo 330 5); t=$(now)
    say "study failed on $sb: once more on wasm, timeout ${st}s"
    timeout -k 10 "$st" "$NODE" "$CLI" study --logs "$WORK/data/wikitext-2-logs.zip" --limit "$limit" "${preset_args[@]}" \
      --backend wasm --workers "$workers_n" --no-cache --timeout 120 --out "$WORK/study-wasm" >"$WORK/study-wasm.stdout" 2>"$WORK/study-wasm.log"; rc=$?
    rec study.fallback study "$WORK/study-wasm" "$rc" "$(secs "$t")"
    [[ -f "$WORK/study-wasm/report.md" ]] && cp "$WORK/study-wasm/report.md" "$OUT/study-report.md"
    [[ -f "$WORK/study-wasm/results.json" ]] && cp "$WORK/study-wasm/results.json" "$OUT/study-results.json"
    say "study on wasm: exit $rc in $(secs "$t") s"
  fi

  rec elapsedSeconds value "$(($(date +%s) - T0))"
  "$NODE" "$D" finish "$GPU"
  say "done: $GPU ($(grep -o '"verdict": "[^"]*"' "$GPU"))"
}

# ---------------------------------------------------------------------------------------------------------------

case "${1:-}" in
  --prepare) prepare ;;
  --local)
    shift
    OUT="$ROOT/.scratch/device-local"
    [[ "${1:-}" == --out ]] && { OUT=$(realpath -m "$2"); shift 2; }
    # Stand in for the device: no network (a new network namespace has only a down loopback), a fresh work dir.
    if [[ -z "${CELL_LENS_IN_NETNS:-}" ]] && command -v unshare >/dev/null && unshare -rn true 2>/dev/null; then
      exec env CELL_LENS_IN_NETNS=1 unshare -rn bash "${BASH_SOURCE[0]}" --local --out "$OUT"
    fi
    [[ -n "${CELL_LENS_IN_NETNS:-}" ]] || echo "device-check: unshare -rn unavailable: the dry run has network" >&2
    WORK=$(mktemp -d /tmp/cell-lens-device.XXXXXX)
    device_step 1
    ;;
  "")
    OUT="${OUT:-/tmp/cell-lens-device-out}"
    WORK="${CELL_LENS_WORK:-/tmp/cell-lens-device}"
    [[ $WORK == /tmp/* ]] && rm -rf "$WORK"
    device_step 0
    ;;
  -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" ;;
  *) die "unknown option $1 (--prepare, --local [--out DIR], or none on the device)" ;;
esac
