#!/usr/bin/env python3
"""Statistical agreement between firedrill and the SimPy reference model.

    python3 bench/agreement.py [--firedrill target/release/firedrill]
        [--simpy /work/shared/bench/ref_model.py] [--simpy-seeds 8]
        [--firedrill-seeds 40] [--horizon 900] [--raw FILE]

Runs SimPy's ref_model.py with seeds 1..S and firedrill on
models/bench-reference.yaml with seeds 1..F, both at the same horizon
(default 900 s). firedrill gets a temporary copy of
scenarios/bench-reference.yaml with that horizon and the zone outage moved to
0.5 x horizon for 0.1 x horizon, which is where ref_model.py puts it.

The two use different random number generators, so seed N of one has nothing
to do with seed N of the other: the script compares distributions over
seeds. For availability (successes / finished requests) and the p50 and p99
latency of successful requests it prints, per simulator, mean ± 95 %
confidence half-width (Student t over seeds), whether the two intervals
overlap, and the 95 % Welch interval of the difference of the means: if that
contains 0, the difference is within noise.

Markdown goes to stdout (bench/compare.sh records it in
bench/results/<date>/agreement.md); per-seed values go to --raw as JSON.
Standard library only (no numpy/scipy). It prints no wall-clock figures.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- Student t quantile (stdlib only) -------------------------------------
def _betacf(a, b, x):
    """Continued fraction for the regularized incomplete beta (Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log(1.0 - x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    x = df / (df + t * t)
    tail = 0.5 * _betainc(df / 2.0, 0.5, x)
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


# --- statistics -------------------------------------------------------------
def mean_ci(xs):
    n = len(xs)
    m = statistics.fmean(xs)
    sd = statistics.stdev(xs) if n > 1 else float("nan")
    half = t_quantile(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
    return m, sd, half


def welch(xs, ys):
    """95 % Welch interval for mean(xs) - mean(ys)."""
    nx, ny = len(xs), len(ys)
    vx, vy = statistics.variance(xs) / nx, statistics.variance(ys) / ny
    diff = statistics.fmean(xs) - statistics.fmean(ys)
    se = math.sqrt(vx + vy)
    if se == 0:
        return diff, 0.0, float("inf")
    df = (vx + vy) ** 2 / (vx * vx / (nx - 1) + vy * vy / (ny - 1))
    return diff, t_quantile(0.975, df) * se, df


# --- runs -------------------------------------------------------------------
def run_simpy(python, ref_model, seed, horizon):
    out = subprocess.run([python, ref_model, "--seed", str(seed), "--horizon", str(horizon)],
                         check=True, capture_output=True, text=True).stdout
    d = json.loads(out)
    return {
        "seed": seed,
        "requests": d["total_requests"],
        "availability": d["availability"],
        "p50": d["latency_ms"]["p50"],
        "p99": d["latency_ms"]["p99"],
        "p99.9": d["latency_ms"]["p99.9"],
        "failed_in_flight": d["failed_in_flight"],
    }, d.get("analytic_no_fault_latency_ms")


def run_firedrill(binary, scenario, seed, workdir):
    outdir = os.path.join(workdir, f"seed{seed}")
    p = subprocess.run([binary, "run", "models/bench-reference.yaml", "--scenario", scenario,
                        "--seed", str(seed), "--out", outdir],
                       cwd=ROOT, capture_output=True, text=True)
    if p.returncode not in (0, 1):  # 1 = an SLO missed (there are none here)
        sys.exit(f"firedrill seed {seed} exited {p.returncode}:\n{p.stderr}")
    rep = json.load(open(os.path.join(outdir, "report.json")))
    lat = rep["latency_ms"]
    return {
        "seed": seed,
        "requests": rep["requests"]["total"],
        "availability": rep["availability"]["request"],
        "p50": lat["p50"],
        "p99": lat["p99"],
        "p99.9": lat["p999"],
        "failed_in_flight": rep["errors_by_cause"].get("in_flight_lost"),
    }


def progress(msg):
    """One self-overwriting progress line on stderr, only on a terminal."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + msg if msg else "\r\033[K")
        sys.stderr.flush()


def scenario_copy(horizon_s, workdir):
    src = open(os.path.join(ROOT, "scenarios", "bench-reference.yaml")).read()
    at, dur = horizon_s * 0.5, horizon_s * 0.1

    def secs(x):
        return f"{x:g}s" if float(x).is_integer() else f"{int(round(x * 1000))}ms"

    text, n1 = re.subn(r"(?m)^horizon: .*$", f"horizon: {secs(horizon_s)}", src)
    text, n2 = re.subn(r"at: 30m, duration: 6m", f"at: {secs(at)}, duration: {secs(dur)}", text)
    if n1 != 1 or n2 != 1:
        sys.exit("could not rewrite horizon / zone outage in scenarios/bench-reference.yaml")
    path = os.path.join(workdir, "bench-reference-agreement.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    ap.add_argument("--firedrill", default=os.path.join(target, "release", "firedrill"))
    ap.add_argument("--simpy", default="/work/shared/bench/ref_model.py")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--simpy-seeds", type=int, default=8)
    ap.add_argument("--firedrill-seeds", type=int, default=40)
    ap.add_argument("--horizon", type=float, default=900.0, help="simulated seconds")
    ap.add_argument("--raw", help="write per-seed values here (JSON)")
    args = ap.parse_args()
    if args.simpy_seeds < 2 or args.firedrill_seeds < 2:
        sys.exit("need at least 2 seeds each")

    with tempfile.TemporaryDirectory() as work:
        scen = scenario_copy(args.horizon, work)
        scen_text = open(scen).read()
        fd = []
        for s in range(1, args.firedrill_seeds + 1):
            fd.append(run_firedrill(args.firedrill, scen, s, work))
            progress(f"firedrill seed {s}/{args.firedrill_seeds}")
        sp, analytic = [], None
        for s in range(1, args.simpy_seeds + 1):
            r, analytic = run_simpy(args.python, args.simpy, s, args.horizon)
            sp.append(r)
            progress(f"SimPy seed {s}/{args.simpy_seeds}")
        progress(None)

    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({"horizon_s": args.horizon, "firedrill": fd, "simpy": sp,
                       "firedrill_scenario": scen_text}, f, indent=1)
            f.write("\n")

    # Expected availability: each instance is up MTBF/(MTBF+MTTR) of the time
    # (its failure clock keeps running during the zone outage), and zone a's
    # 4 of 12 instances are also down 0.1 of the time. Round robin spreads
    # requests evenly, so availability ~ mean fraction of instances up (minus
    # the few requests lost in flight).
    up = 900.0 / 930.0
    exp_avail = up * (1.0 - 0.1 / 3.0)

    h = args.horizon
    print(f"# firedrill vs SimPy: agreement over seeds (horizon {h:g} s)\n")
    print(f"SimPy `ref_model.py --horizon {h:g}` seeds 1-{len(sp)}; firedrill "
          f"`models/bench-reference.yaml` seeds 1-{len(fd)} on a scenario copy with "
          f"horizon {h:g} s and the zone outage at {h*0.5:g} s for {h*0.1:g} s. "
          "Different RNGs: distributions are compared, not same-seed values.\n")
    print(f"Mean requests per run: firedrill {statistics.fmean(r['requests'] for r in fd):,.0f}, "
          f"SimPy {statistics.fmean(r['requests'] for r in sp):,.0f}.\n")
    print("| metric | firedrill mean ± 95 % CI (sd) | SimPy mean ± 95 % CI (sd) | CIs overlap | difference ± 95 % (Welch) | within noise | reference |")
    print("|---|---:|---:|:-:|---:|:-:|---:|")
    verdicts = []
    for key, label, scale, unit, ref in [
        ("availability", "availability", 100.0, " %", f"{exp_avail*100:.2f} % (expected)"),
        ("p50", "latency p50", 1.0, " ms", f"{analytic['p50']:.2f} ms (fault-free closed form)" if analytic else ""),
        ("p99", "latency p99", 1.0, " ms", f"{analytic['p99']:.2f} ms (fault-free closed form)" if analytic else ""),
        ("p99.9", "latency p99.9", 1.0, " ms", f"{analytic['p99.9']:.2f} ms (fault-free closed form)" if analytic else ""),
        ("failed_in_flight", "failed in flight, per run", 1.0, "", "queued or in service when the instance went down"),
    ]:
        xs = [r[key] * scale for r in fd]
        ys = [r[key] * scale for r in sp]
        mx, sx, hx = mean_ci(xs)
        my, sy, hy = mean_ci(ys)
        overlap = (mx - hx) <= (my + hy) and (my - hy) <= (mx + hx)
        diff, dh, _ = welch(xs, ys)
        noise = abs(diff) <= dh
        verdicts.append((label, overlap, noise))
        dp = {"availability": 3, "failed_in_flight": 1}.get(key, 2)
        print(f"| {label} | {mx:.{dp}f} ± {hx:.{dp}f}{unit} ({sx:.{dp}f}) | {my:.{dp}f} ± {hy:.{dp}f}{unit} ({sy:.{dp}f}) | "
              f"{'yes' if overlap else 'NO'} | {diff:+.{dp}f} ± {dh:.{dp}f}{unit} | {'yes' if noise else 'NO'} | {ref} |")
    print()
    bad = [label for label, overlap, noise in verdicts if not noise]
    if bad:
        print("Verdict: the difference is larger than the noise for: " + ", ".join(bad) + ".")
    else:
        print("Verdict: every difference is within noise (each Welch 95 % interval contains 0).")


if __name__ == "__main__":
    main()
