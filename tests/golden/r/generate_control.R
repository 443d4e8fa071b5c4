#!/usr/bin/env Rscript
# Golden average run lengths of the EWMA and CUSUM charts, from R's spc package
# (Knoth; integral equations solved by Nystroem quadrature), for the simulation tests
# of sostac.control (tests/python/test_control.py).
#
# Run from the repo root:   Rscript tests/golden/r/generate_control.R
# Writes control_arl.csv next to this script (same CSV conventions as generate.R).

suppressPackageStartupMessages(library(spc))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(file_arg)) dirname(normalizePath(file_arg[1])) else getwd()
fmt <- function(v) sprintf("%.17g", as.double(v))

rows <- list()
add <- function(chart, a, b, shift, arl) {
  rows[[length(rows) + 1]] <<- data.frame(chart = chart, p1 = fmt(a), p2 = fmt(b),
                                          shift = fmt(shift), arl = fmt(arl))
}
# two-sided tabular CUSUM, zero state: p1 = k, p2 = h (in standard deviations)
for (kh in list(c(0.5, 4), c(0.5, 5), c(0.25, 8))) {
  for (mu in c(0, 1)) {
    add("cusum", kh[1], kh[2], mu, xcusum.arl(k = kh[1], h = kh[2], mu = mu, sided = "two"))
  }
}
# two-sided EWMA with the exact (time-varying) limits of sostac: p1 = lambda, p2 = L
for (lc in list(c(0.1, 2.814), c(0.2, 2.962), c(0.2, 3))) {
  for (mu in c(0, 1)) {
    add("ewma", lc[1], lc[2], mu,
        xewma.arl(l = lc[1], c = lc[2], mu = mu, sided = "two", limits = "vacl"))
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(out_dir, "control_arl.csv"), row.names = FALSE, quote = FALSE)
cat("control_arl.csv:", nrow(out), "rows; spc", as.character(packageVersion("spc")), "\n")
