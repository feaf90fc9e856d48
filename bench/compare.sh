#!/usr/bin/env bash
# bench/compare.sh: firedrill beside the SimPy reference model, same machine,
# same minute.
#
# Usage (from anywhere in the repository):
#
#     bash bench/compare.sh            # speed + memory, then bench/agreement.py
#     SKIP_AGREEMENT=1 bash bench/compare.sh   # speed + memory only
#
# What it does:
#   1. `cargo build --release --locked` (honours CARGO_TARGET_DIR).
#   2. Speed, horizon 1 h, interleaved so machine load hits both alike:
#      firedrill 5 times (`firedrill run models/bench-reference.yaml
#      --scenario scenarios/bench-reference.yaml --out <tmp>`) and SimPy 3
#      times (`python3 ref_model.py --seed 1 --horizon 3600`).
#      Every run is wrapped in `/usr/bin/time -v` (peak RSS) and timed by
#      python's time.perf_counter() around the subprocess.
#        - firedrill's rate = simulated requests / WHOLE-PROCESS wall time
#          (process start, YAML parsing, world building, simulation, report
#          writing, exit). Its own footer figure (simulation only) is shown
#          beside it for information.
#        - SimPy's rate = simulated requests / its `sim_wall_s` (the
#          env.run() loop only: no interpreter start-up, no import, no
#          percentile sort). This favours SimPy, so the ratio is conservative.
#          SimPy's whole-process rate is shown too.
#      Medians are printed, and the ratio of the medians.
#   3. Peak memory (Maximum resident set size): firedrill at 1 h (from the
#      runs above) and at 10 h (a temporary copy of the scenario with
#      `horizon: 10h` and the zone outage moved to 5 h for 1 h, where
#      ref_model.py puts it for --horizon 36000); SimPy at 1 h (runs above).
#      SimPy at 10 h takes ~5 min and 1.2 GB, so it is only run with
#      SIMPY_10H=1; otherwise bench/simpy-results/ has its recorded figure.
#   4. Unless SKIP_AGREEMENT=1: `python3 bench/agreement.py` (statistical
#      agreement of availability and latency percentiles over many seeds).
#
# Everything is recorded under bench/results/<UTC date-time>/: raw outputs
# (*.stdout, *.json, *.time.txt), summary.md and agreement.md. Wall-clock
# figures belong there and nowhere else (never in reports/).
#
# Environment:
#   SIMPY_REF_MODEL  path of ref_model.py (default /work/shared/bench/ref_model.py)
#   PYTHON           python interpreter with simpy 4.1.2 (default python3)
#   FIREDRILL_RUNS   firedrill runs at 1 h (default 5)
#   SIMPY_RUNS       SimPy runs at 1 h (default 3)
#   SIMPY_10H=1      also run SimPy at --horizon 36000 (slow, ~1.2 GB)
#   SKIP_AGREEMENT=1 skip bench/agreement.py
#
# Requires: cargo, python3 with simpy 4.1.2, GNU time at /usr/bin/time
# (`apt-get install -y time`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
REF_MODEL="${SIMPY_REF_MODEL:-/work/shared/bench/ref_model.py}"
FIREDRILL_RUNS="${FIREDRILL_RUNS:-5}"
SIMPY_RUNS="${SIMPY_RUNS:-3}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
FIREDRILL="$TARGET_DIR/release/firedrill"
MODEL="models/bench-reference.yaml"
SCENARIO="scenarios/bench-reference.yaml"

die() { echo "compare.sh: $*" >&2; exit 2; }

[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install -y time)"
/usr/bin/time -v true 2>/dev/null || die "/usr/bin/time is not GNU time (no -v)"
[[ -f "$REF_MODEL" ]] || die "SimPy reference model not found: $REF_MODEL (set SIMPY_REF_MODEL)"
"$PYTHON" -c 'import simpy' 2>/dev/null || die "$PYTHON cannot import simpy (pip install simpy==4.1.2)"
[[ "$FIREDRILL_RUNS" =~ ^[1-9][0-9]*$ ]] || die "FIREDRILL_RUNS must be a positive integer"
[[ "$SIMPY_RUNS" =~ ^[1-9][0-9]*$ ]] || die "SIMPY_RUNS must be a positive integer"

echo "== building (cargo build --release --locked)"
cargo build --release --locked --quiet
[[ -x "$FIREDRILL" ]] || die "no binary at $FIREDRILL"

STAMP="$(date -u +%Y-%m-%dT%H%MZ)"
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Host facts, for reading the numbers later.
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ modified)')"
  echo "rustc: $(rustc --version)"
  echo "python: $("$PYTHON" --version 2>&1)"
  echo "simpy: $("$PYTHON" -c 'import simpy; print(simpy.__version__)')"
  echo "cpus: $(nproc)"
  echo "cpu_model: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //' || echo unknown)"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/host.txt"

# measure NAME CMD...: runs CMD under `/usr/bin/time -v`, stdout to
# NAME.stdout, time's report to NAME.time.txt, perf_counter wall seconds to
# NAME.wall. Never fails on the command's exit code (firedrill exits 1 when
# an SLO is violated); records it in NAME.rc.
measure() {
  local name="$1"; shift
  "$PYTHON" - "$OUT/$name" "$@" <<'PY'
import subprocess, sys, time
prefix, cmd = sys.argv[1], sys.argv[2:]
with open(prefix + ".stdout", "wb") as out:
    t0 = time.perf_counter()
    rc = subprocess.call(["/usr/bin/time", "-v", "-o", prefix + ".time.txt"] + cmd, stdout=out)
    wall = time.perf_counter() - t0
with open(prefix + ".wall", "w") as f:
    f.write(f"{wall:.6f}\n")
with open(prefix + ".rc", "w") as f:
    f.write(f"{rc}\n")
PY
}

# A firedrill run: the report directory is kept as NAME.report.json.
run_firedrill() {
  local name="$1" scenario="$2"
  local dir="$TMP/$name"
  mkdir -p "$dir"
  measure "$name" "$FIREDRILL" run "$MODEL" --scenario "$scenario" --out "$dir"
  local rc; rc="$(cat "$OUT/$name.rc")"
  # 0 = SLOs met, 1 = an SLO missed; anything else is a failed run.
  [[ "$rc" == 0 || "$rc" == 1 ]] || die "$name: firedrill exited $rc (see $OUT/$name.stdout)"
  cp "$dir/report.json" "$OUT/$name.report.json"
  echo "   $name: $(tail -n 1 "$OUT/$name.stdout")"
}

run_simpy() {
  local name="$1" horizon="$2"
  measure "$name" "$PYTHON" "$REF_MODEL" --seed 1 --horizon "$horizon"
  local rc; rc="$(cat "$OUT/$name.rc")"
  [[ "$rc" == 0 ]] || die "$name: ref_model.py exited $rc"
  mv "$OUT/$name.stdout" "$OUT/$name.json"
  echo "   $name: $("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("{:,} requests, sim loop {:.1f} s".format(d["total_requests"], d["sim_wall_s"]))' "$OUT/$name.json")"
}

echo "== speed at horizon 1 h: firedrill x$FIREDRILL_RUNS, SimPy x$SIMPY_RUNS (interleaved); results in $OUT"
f=0; s=0
while (( f < FIREDRILL_RUNS || s < SIMPY_RUNS )); do
  if (( f < FIREDRILL_RUNS )); then f=$((f + 1)); run_firedrill "firedrill-1h-run$f" "$SCENARIO"; fi
  if (( s < SIMPY_RUNS )); then s=$((s + 1)); run_simpy "simpy-1h-run$s" 3600; fi
done

echo "== memory at horizon 10 h"
SCEN10="$TMP/bench-reference-10h.yaml"
# Same scenario, horizon 10 h, zone outage at 0.5 x horizon for 0.1 x horizon
# (what ref_model.py does for --horizon 36000).
sed -e 's/^horizon: 1h$/horizon: 10h/' \
    -e 's/at: 30m, duration: 6m/at: 5h, duration: 1h/' "$SCENARIO" > "$SCEN10"
grep -q '^horizon: 10h$' "$SCEN10" || die "could not set horizon: 10h in the scenario copy"
grep -q 'at: 5h, duration: 1h' "$SCEN10" || die "could not move the zone outage in the scenario copy"
cp "$SCEN10" "$OUT/bench-reference-10h.yaml"
run_firedrill "firedrill-10h-run1" "$SCEN10"
if [[ "${SIMPY_10H:-0}" == 1 ]]; then
  run_simpy "simpy-10h-run1" 36000
fi

echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/host.txt"

echo "== summary"
"$PYTHON" - "$OUT" "$ROOT/bench/simpy-results" > "$OUT/summary.md" <<'PY'
import glob, json, os, re, statistics, sys

out, recorded = sys.argv[1], sys.argv[2]

def wall(prefix):
    return float(open(prefix + ".wall").read())

def rss_mib(prefix):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(prefix + ".time.txt").read())
    return int(m.group(1)) / 1024.0

SUFFIX = {"k": 1e3, "M": 1e6, "G": 1e9, "": 1.0}

def footer(prefix):
    # "simulated 2.6M requests (5.0M events) in 0.47 s of wall time"
    text = open(prefix + ".stdout").read()
    m = re.search(r"simulated ([\d.]+)([kMG]?) requests \(([\d.]+)([kMG]?) events\) in ([\d.]+) s", text)
    if not m:
        return None, None
    events = float(m.group(3)) * SUFFIX[m.group(4)]
    return events, float(m.group(5))

def runs(pattern):
    return sorted(glob.glob(os.path.join(out, pattern)), key=lambda p: int(re.search(r"run(\d+)", p).group(1)))

fd = []
for path in runs("firedrill-1h-run*.wall"):
    p = path[:-5]
    rep = json.load(open(p + ".report.json"))
    events, sim_s = footer(p)
    fd.append(dict(requests=rep["requests"]["total"], wall=wall(p), rss=rss_mib(p),
                   events=events, sim_s=sim_s, avail=rep["availability"]["request"]))
sp = []
for path in runs("simpy-1h-run*.wall"):
    p = path[:-5]
    d = json.load(open(p + ".json"))
    sp.append(dict(requests=d["total_requests"], wall=wall(p), rss=rss_mib(p), events=d["events"],
                   sim_s=d["sim_wall_s"], avail=d["availability"]))

def med(xs):
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")
fd_proc = med(r["requests"] / r["wall"] for r in fd)
fd_sim = med(r["requests"] / r["sim_s"] for r in fd if r["sim_s"])
fd_ev = med(r["events"] / r["wall"] for r in fd if r["events"])
sp_loop = med(r["requests"] / r["sim_s"] for r in sp)
sp_proc = med(r["requests"] / r["wall"] for r in sp)
sp_ev = med(r["events"] / r["sim_s"] for r in sp)
ratio = fd_proc / sp_loop

p10 = os.path.join(out, "firedrill-10h-run1")
fd10 = dict(requests=json.load(open(p10 + ".report.json"))["requests"]["total"], wall=wall(p10), rss=rss_mib(p10))
sp10 = None
if os.path.exists(os.path.join(out, "simpy-10h-run1.wall")):
    p = os.path.join(out, "simpy-10h-run1")
    sp10 = dict(rss=rss_mib(p), source="this run")
else:
    t = os.path.join(recorded, "horizon36000-run1.time.txt")
    if os.path.exists(t):
        sp10 = dict(rss=rss_mib(t[:-len(".time.txt")]), source="bench/simpy-results/horizon36000-run1")

host = open(os.path.join(out, "host.txt")).read().strip()

def n(x):
    return "n/a" if x != x else f"{x:,.0f}"

print(f"# firedrill vs SimPy: {os.path.basename(out)}\n")
print("```text\n" + host + "\n```\n")
print("Model: models/bench-reference.yaml x scenarios/bench-reference.yaml (seed 1, 1 h) vs")
print("`ref_model.py --seed 1 --horizon 3600`.\n")
print("## Runs\n")
print("| run | simulated requests | process wall s | requests/s (process) | sim-only s | requests/s (sim-only) | peak RSS MiB | availability |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for i, r in enumerate(fd, 1):
    print(f"| firedrill {i} | {n(r['requests'])} | {r['wall']:.3f} | {n(r['requests']/r['wall'])} | "
          f"{r['sim_s'] or float('nan'):.2f} (footer) | {n(r['requests']/r['sim_s']) if r['sim_s'] else 'n/a'} | {r['rss']:.1f} | {r['avail']*100:.3f} % |")
for i, r in enumerate(sp, 1):
    print(f"| SimPy {i} | {n(r['requests'])} | {r['wall']:.2f} | {n(r['requests']/r['wall'])} | "
          f"{r['sim_s']:.2f} (sim loop) | {n(r['requests']/r['sim_s'])} | {r['rss']:.1f} | {r['avail']*100:.3f} % |")
print()
print("## Medians\n")
print("| | firedrill | SimPy | ratio |")
print("|---|---:|---:|---:|")
print(f"| **requests/s: firedrill whole process vs SimPy sim loop (headline)** | **{n(fd_proc)}** | **{n(sp_loop)}** | **{ratio:.1f}x** |")
print(f"| requests/s, both whole process | {n(fd_proc)} | {n(sp_proc)} | {fd_proc/sp_proc:.1f}x |")
print(f"| requests/s, both simulation only (firedrill footer, SimPy sim loop) | {n(fd_sim)} | {n(sp_loop)} | {fd_sim/sp_loop:.1f}x |")
print(f"| events/s (firedrill: footer events, 2 significant digits, / process wall; SimPy: sim loop) | {n(fd_ev)} | {n(sp_ev)} | |")
print(f"| events per request | {med(r['events']/r['requests'] for r in fd if r['events']):.2f} | {med(r['events']/r['requests'] for r in sp):.2f} | |")
print()
print("Events are not comparable one to one: a SimPy process step and a firedrill engine event")
print("are different units of work. Requests are the comparable unit.\n")
print("## Peak memory (Maximum resident set size)\n")
print("| | horizon 1 h | horizon 10 h | growth |")
print("|---|---:|---:|---:|")
fd1 = max(r["rss"] for r in fd)
print(f"| firedrill | {fd1:.1f} MiB (max of {len(fd)}) | {fd10['rss']:.1f} MiB ({n(fd10['requests'])} requests, {fd10['wall']:.2f} s) | {fd10['rss']/fd1:.2f}x |")
sp1 = max(r["rss"] for r in sp)
if sp10:
    print(f"| SimPy | {sp1:.1f} MiB (max of {len(sp)}) | {sp10['rss']:.1f} MiB ({sp10['source']}) | {sp10['rss']/sp1:.2f}x |")
else:
    print(f"| SimPy | {sp1:.1f} MiB (max of {len(sp)}) | not measured | |")
print()
print("## Target (≥ 40x SimPy's requests/s, flat memory from 1 h to 10 h)\n")
print(f"- speed: {ratio:.1f}x -> {'MET' if ratio >= 40 else 'NOT MET'}")
flat = fd10["rss"] <= fd1 * 1.25
print(f"- memory: {fd1:.1f} MiB -> {fd10['rss']:.1f} MiB -> {'FLAT (MET)' if flat else 'GROWS (NOT MET)'}")
PY
cat "$OUT/summary.md"

if [[ "${SKIP_AGREEMENT:-0}" != 1 ]]; then
  echo
  echo "== statistical agreement (bench/agreement.py)"
  "$PYTHON" "$ROOT/bench/agreement.py" --firedrill "$FIREDRILL" --simpy "$REF_MODEL" \
    --python "$PYTHON" --raw "$OUT/agreement-raw.json" > "$OUT/agreement.md"
  cat "$OUT/agreement.md"
fi

echo
echo "recorded in ${OUT#"$ROOT"/}/"
