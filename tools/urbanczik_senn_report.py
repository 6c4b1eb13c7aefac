#!/usr/bin/env python3
"""The match between the dendritic prediction's rate and the teacher's, in a run of
configs/urbanczik_senn.cfg (traces.csv): per 200 ms repetition of the pattern while the teacher
is on, the RMS of phi(V*) - phi(U_M) in Hz, with V* = (g_L E_L + g_c V_d) / (g_L + g_c) from the
dendrite's potential and U_M = (g_E E_E + g_I E_I) / (g_E + g_I) from the soma's traced
conductances (NEST's example computes both the same way), and the RMS of V* - U_M in mV.
Prints the first and last repetitions and writes FOLDER/urbanczik_senn.svg: phi(U_M) and
phi(V*) over the first and the last repetition with the teacher, and the RMS per repetition.
Plain Python, no packages.

    python3 tools/urbanczik_senn_report.py out/us
"""
import csv
import math
import sys

PHI_MAX, K, BETA, THETA = 0.15, 0.5, 1.0 / 3.0, -55.0  # the config's (NEST's) escape noise
G_L, E_L, G_C, E_EX, E_IN = 30.0, -70.0, 600.0, 0.0, -75.0
PERIOD, T_START, T_END = 200.0, 400.0, 20400.0


def phi(u):
    return PHI_MAX / (1.0 + K * math.exp(BETA * (THETA - u)))


def load(folder):
    rows = []
    with open(folder + "/traces.csv") as f:
        r = csv.reader(f)
        head = next(r)
        col = {h: i for i, h in enumerate(head)}
        for row in r:
            t = float(row[0])
            ge, gi = float(row[col["pyr[0].i_ex"]]), float(row[col["pyr[0].i_in"]])
            vd = float(row[col["pyr[0].dendrite.v"]])
            vs = (G_L * E_L + G_C * vd) / (G_L + G_C)
            um = (ge * E_EX + gi * E_IN) / (ge + gi) if ge + gi > 0 else float("nan")
            rows.append((t, vs, um, float(row[col["pyr[0].v"]])))
    return rows


def per_rep(rows):
    reps = []
    n = int(round((T_END - T_START) / PERIOD))
    for p in range(n):
        a, b = T_START + p * PERIOD + 10.0, T_START + (p + 1) * PERIOD  # 10 ms: g_I settles
        sel = [r for r in rows if a <= r[0] < b]
        dr = [1000.0 * (phi(r[1]) - phi(r[2])) for r in sel]
        dv = [r[1] - r[2] for r in sel]
        reps.append((math.sqrt(sum(x * x for x in dr) / len(dr)),
                     math.sqrt(sum(x * x for x in dv) / len(dv))))
    return reps


def poly(xs, ys, x0, y0, w, h, xr, yr, colour, dash=""):
    pts = " ".join("%.1f,%.1f" % (x0 + (x - xr[0]) / (xr[1] - xr[0]) * w,
                                  y0 + h - (y - yr[0]) / (yr[1] - yr[0]) * h)
                   for x, y in zip(xs, ys) if not math.isnan(y))
    d = ' stroke-dasharray="%s"' % dash if dash else ""
    return '<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="%s"/>' % (colour, d, pts)


def svg(rows, reps, path):
    W, H = 900, 640
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    yr = (0.0, 150.0)
    for k, (p, title) in enumerate(((0, "first repetition with the teacher"),
                                    (len(reps) - 1, "last repetition with the teacher"))):
        a = T_START + p * PERIOD
        sel = [r for r in rows if a <= r[0] < a + PERIOD]
        x0, y0, w, h = 60 + k * 430, 40, 390, 240
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>'
                   % (x0, y0, w, h))
        out.append('<text x="%d" y="%d">%s (t = %g to %g ms)</text>' % (x0, y0 - 8, title, a, a + PERIOD))
        ts = [r[0] - a for r in sel]
        out.append(poly(ts, [1000 * phi(r[2]) for r in sel], x0, y0, w, h, (0, PERIOD), yr, "#c03030"))
        out.append(poly(ts, [1000 * phi(r[1]) for r in sel], x0, y0, w, h, (0, PERIOD), yr, "#2050c0", "5,3"))
        for v in (0, 50, 100, 150):
            y = y0 + h - v / yr[1] * h
            out.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (x0 - 4, y + 4, v))
        out.append('<text x="%d" y="%d" text-anchor="middle">ms into the repetition</text>'
                   % (x0 + w / 2, y0 + h + 18))
    out.append('<text x="60" y="318"><tspan fill="#c03030">phi(U_M): teacher</tspan>  '
               '<tspan fill="#2050c0">phi(V*): dendritic prediction</tspan>  (Hz)</text>')
    x0, y0, w, h = 60, 360, 820, 230
    top = max(r[0] for r in reps) * 1.1
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (x0, y0, w, h))
    out.append('<text x="%d" y="%d">RMS of phi(V*) - phi(U_M) per repetition (Hz)</text>' % (x0, y0 - 8))
    for v in (0.0, top / 2, top):
        out.append('<text x="%d" y="%.1f" text-anchor="end">%.0f</text>' % (x0 - 4, y0 + h - v / top * h + 4, v))
    out.append(poly(list(range(len(reps))), [r[0] for r in reps], x0, y0, w, h,
                    (0, len(reps) - 1), (0, top), "#202020"))
    out.append('<text x="%d" y="%d" text-anchor="middle">repetition of the pattern (200 ms each)</text>'
               % (x0 + w / 2, y0 + h + 18))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "out/us"
    rows = load(folder)
    reps = per_rep(rows)
    for name, p in (("first", 0), ("last", len(reps) - 1)):
        print("%s repetition with the teacher: RMS phi(V*) - phi(U_M) = %.2f Hz, "
              "RMS V* - U_M = %.2f mV" % (name, reps[p][0], reps[p][1]))
    print("first 5 / last 5 repetitions: %.2f / %.2f Hz" %
          (sum(r[0] for r in reps[:5]) / 5, sum(r[0] for r in reps[-5:]) / 5))
    svg(rows, reps, folder + "/urbanczik_senn.svg")
    print("figure: %s/urbanczik_senn.svg" % folder)


if __name__ == "__main__":
    main()
