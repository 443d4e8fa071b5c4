#!/usr/bin/env Rscript
# Golden one-sample tests of a rate against a stated value (a plan's target), from base
# R: prop.test(x, n, p0, correct), binom.test(x, n, p0) and poisson.test(k, T, r0),
# for every alternative. Read by tests/python/test_one_sample.py.
#
# Run from the repo root:   Rscript tests/golden/r/generate_one_sample.R
# Writes one_sample.csv next to this script (same CSV conventions as generate.R);
# log_pvalue is R's own log-scale tail where the test is one-sided, else log(p).

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(file_arg)) dirname(normalizePath(file_arg[1])) else getwd()
fmt <- function(v) {
  v <- as.double(v)
  v[!is.na(v) & abs(v) < .Machine$double.xmin] <- 0  # no subnormals (they do not parse)
  out <- sprintf("%.17g", v)
  out[is.na(v)] <- "nan"
  out[!is.na(v) & v == Inf] <- "inf"
  out[!is.na(v) & v == -Inf] <- "-inf"
  out
}
alts <- c("two.sided", "greater", "less")
tok <- c(two.sided = "two-sided", greater = "greater", less = "less")
rows <- list()
add <- function(test, a, b, c, alt, stat, p, logp) {
  rows[[length(rows) + 1]] <<- data.frame(test = test, a = fmt(a), b = fmt(b), c = fmt(c),
                                          alternative = tok[[alt]], statistic = fmt(stat),
                                          pvalue = fmt(p), log_pvalue = fmt(logp))
}
props <- list(c(0, 20, 0.1), c(3, 20, 0.1), c(20, 20, 0.9), c(7, 20, 0.35), c(13, 40, 0.5),
              c(20, 40, 0.5), c(180, 10000, 0.02), c(260, 10000, 0.02), c(199, 10000, 0.02),
              c(12345, 500000, 0.025), c(5, 1e6, 1e-4), c(480, 1e5, 0.001),
              c(51, 100, 0.5), c(1, 3, 0.3))
for (t in props) for (alt in alts) {
  x <- t[1]; n <- t[2]; p0 <- t[3]
  for (correct in c(FALSE, TRUE)) {
    r <- suppressWarnings(prop.test(x, n, p0, alternative = alt, correct = correct))
    z <- sign(x / n - p0) * sqrt(unname(r$statistic))
    logp <- if (alt == "two.sided") pchisq(unname(r$statistic), 1, lower.tail = FALSE, log.p = TRUE)
            else pnorm(z, lower.tail = (alt == "less"), log.p = TRUE)
    add(if (correct) "score-yates" else "score", x, n, p0, alt, z, r$p.value, logp)
  }
  r <- binom.test(x, n, p0, alternative = alt)
  logp <- switch(alt, two.sided = log(r$p.value),
                 greater = pbinom(x - 1, n, p0, lower.tail = FALSE, log.p = TRUE),
                 less = pbinom(x, n, p0, log.p = TRUE))
  add("exact", x, n, p0, alt, x, r$p.value, logp)
}
pois <- list(c(0, 10, 0.3), c(2, 10, 0.3), c(9, 10, 0.3), c(3, 1, 3), c(40, 2, 25),
             c(130, 100, 1), c(75, 100, 1), c(1000, 50, 18), c(5, 1000, 0.0001),
             c(7, 2.5, 1.7))
for (t in pois) for (alt in alts) {
  k <- t[1]; T <- t[2]; r0 <- t[3]
  r <- poisson.test(k, T, r0, alternative = alt)
  logp <- switch(alt, two.sided = log(r$p.value),
                 greater = ppois(k - 1, r0 * T, lower.tail = FALSE, log.p = TRUE),
                 less = ppois(k, r0 * T, log.p = TRUE))
  add("poisson", k, T, r0, alt, k, r$p.value, logp)
}
out <- do.call(rbind, rows)
write.csv(out, file.path(out_dir, "one_sample.csv"), row.names = FALSE, quote = FALSE)
cat("one_sample.csv:", nrow(out), "rows\n")
