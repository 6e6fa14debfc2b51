"""Plots find-by-token time against session-table size from auth-bench's scale.csv files.

usage: python3 benches/plot/plot.py <scale.csv> [<scale.csv> ...] docs/performance-scale.svg
(each CSV is one run: `cargo xtask bench` or `cargo xtask bench --scale-only` writes
/tmp/auth-bench/scale.csv; needs matplotlib)
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

*sources, dst = sys.argv[1:]
fig, ax = plt.subplots(figsize=(7.5, 5.5))
colors = {
    "rusqlite/sqlite": "tab:blue",
    "diesel-noping/postgres": "tab:green",
    "diesel-noping/mysql": "tab:orange",
    "mongo/mongodb": "tab:red",
}
for run, src in enumerate(sources, 1):
    rows = {}
    with open(src) as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["row"], []).append(
                (int(r["sessions"]), float(r["adapter_ns"]) / 1e3, float(r["raw_ns"]) / 1e3)
            )
    style = ["-", ":"][(run - 1) % 2]
    for name, pts in rows.items():
        pts.sort()
        xs = [p[0] for p in pts]
        c = colors.get(name)
        suffix = f", run {run}" if len(sources) > 1 else ""
        ax.plot(xs, [p[1] for p in pts], marker="o", linestyle=style, color=c, label=f"{name} adapter{suffix}")
        ax.plot(xs, [p[2] for p in pts], marker="x", linestyle=style, color=c, alpha=0.5,
                label=f"{name.split('/')[-1]} raw driver{suffix}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("sessions in the table")
ax.set_ylabel("median time per find-session-by-token (µs)")
ax.set_title("Session lookup by token against table size (2-vCPU VM)")
ax.grid(True, which="both", alpha=0.3)
ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.13))
fig.tight_layout()
fig.savefig(dst)
print(f"wrote {dst}")
