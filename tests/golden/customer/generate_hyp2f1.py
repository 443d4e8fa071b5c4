#!/usr/bin/env python3
"""Golden values of the Gauss hypergeometric function 2F1(a, b; c; z) (hyp2f1.csv).

Run from the repository root (a few seconds; needs mpmath):

    python3 tests/golden/customer/generate_hyp2f1.py

Each row is evaluated by mpmath at 40 significant digits and rounded once to double:
log_abs = log|2F1|, sign, and the partial derivatives of log|2F1| in a, b, c and z
(mpmath.diff at 40 digits). The cases cover what sostac's BTYD models need:

* pareto: 2F1(r+s+x, s+1; r+s+x+1; z) and 2F1(r+s+x, r+x; r+s+x+1; z), z in [0, 1)
  up to 0.9999 (Fader, Hardie & Lee 2005 note on the Pareto/NBD likelihood);
* bgnbd: 2F1(r, b; a+b-1; t/(alpha+t)) for E[X(t)] under BG/NBD, t up to 10^4;
* negative: z < 0 (Pfaff), down to -50;
* near_integer: c - a - b within 1e-4 of an integer for z up to 0.99 (the 1 - z
  transformation's cancelling case);
* general: a few mixed-sign parameter sets.

No random numbers: the file is the same on every run with the same mpmath.
"""

import os

import mpmath as mp

mp.mp.dps = 40
HERE = os.path.dirname(os.path.abspath(__file__))


def cases():
    out = []
    # Pareto/NBD at and around the CDNOW estimates and away from them
    for (r, s, alpha, beta) in [(0.553, 0.606, 10.58, 11.67), (0.243, 0.8, 4.4, 0.5),
                                (2.0, 1.7, 50.0, 0.2), (0.05, 3.3, 1.0, 0.01)]:
        for x in (0, 1, 5, 40):
            for t in (0.0, 2.5, 38.86, 300.0):
                if alpha >= beta:
                    z = (alpha - beta) / (alpha + t)
                    out.append(("pareto", r + s + x, s + 1, r + s + x + 1, z))
                else:
                    z = (beta - alpha) / (beta + t)
                    out.append(("pareto", r + s + x, r + x, r + s + x + 1, z))
    for z in (0.5, 0.79, 0.81, 0.9, 0.99, 0.999, 0.9999):
        out.append(("pareto", 3.159, 1.606, 4.159, z))
        out.append(("pareto", 1.159, 0.553, 2.159, z))
    # BG/NBD E[X(t)]: 2F1(r, b; a + b - 1; t / (alpha + t))
    for (r, alpha, a, b) in [(0.243, 4.414, 0.793, 2.426), (1.5, 2.0, 3.0, 0.7),
                             (0.1, 20.0, 1.2, 5.5)]:
        for t in (0.5, 10.0, 39.0, 78.0, 500.0, 10000.0):
            out.append(("bgnbd", r, b, a + b - 1, t / (alpha + t)))
    # negative z (Pfaff)
    for z in (-0.1, -0.4, -0.6, -0.9, -3.0, -50.0):
        out.append(("negative", 1.3, 0.7, 2.2, z))
        out.append(("negative", 2.5, 3.1, 4.7, z))
    # c - a - b within 1e-4 of an integer
    for d in (1.0, -1.0, 2.0, 0.0):
        for z in (0.85, 0.95, 0.99):
            a, b = 0.8, 1.3
            out.append(("near_integer", a, b, a + b + d + 5e-5, z))
    # general parameters (negative a, b, c not a pole)
    for z in (0.3, 0.7, 0.85, 0.97):
        out.append(("general", -1.5, 2.25, 3.5, z))
        out.append(("general", 0.5, -0.75, -1.5, z))
        out.append(("general", 5.0, 7.0, 2.5, z))
        out.append(("general", -3.0, 1.5, 2.5, z))  # a polynomial
    return out


def main():
    rows = []
    for i, (kind, a, b, c, z) in enumerate(cases()):
        a, b, c, z = float(a), float(b), float(c), float(z)
        A, B, C, Z = (mp.mpf(v) for v in (a, b, c, z))
        f = mp.hyp2f1(A, B, C, Z)

        def lf(aa, bb, cc, zz):
            return mp.log(abs(mp.hyp2f1(aa, bb, cc, zz)))

        d_a = mp.diff(lambda u: lf(u, B, C, Z), A)
        d_b = mp.diff(lambda u: lf(A, u, C, Z), B)
        d_c = mp.diff(lambda u: lf(A, B, u, Z), C)
        d_z = mp.diff(lambda u: lf(A, B, C, u), Z)
        rows.append([str(i), kind, repr(a), repr(b), repr(c), repr(z),
                     repr(float(mp.log(abs(f)))), "1" if f > 0 else "-1",
                     repr(float(d_a)), repr(float(d_b)), repr(float(d_c)), repr(float(d_z))])
    path = os.path.join(HERE, "hyp2f1.csv")
    with open(path, "w") as fh:
        fh.write("case,kind,a,b,c,z,log_abs,sign,d_a,d_b,d_c,d_z\n")
        for r in rows:
            fh.write(",".join(r) + "\n")
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()
