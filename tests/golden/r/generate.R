#!/usr/bin/env Rscript
# Golden reference data for sostac, generated with base R (stats), pwr.
#
# Run from the repo root:   Rscript tests/golden/r/generate.R
# The CSVs are written next to this script (folder found from --file=).
#
# CSV conventions (parsed by C++ and pytest tests):
#   * header row, comma separated, no quoting, no row names
#   * every number printed with sprintf("%.17g") so doubles round-trip exactly
#   * Inf -> inf, -Inf -> -inf, NaN/NA -> nan
#   * list-valued cells: numbers joined by ';'
#   * `case` (and set_id / index / sample_id) are 0-based integers
#   * arm A is the control, arm B the treatment; diff = p_b - p_a;
#     alternative `greater` means B > A, `less` means B < A.
#
# Everything is deterministic (set.seed before every random draw).

suppressPackageStartupMessages(library(pwr))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(file_arg)) dirname(normalizePath(file_arg[1])) else getwd()

t_start <- proc.time()[["elapsed"]]

# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
fmt_num <- function(v) {
  v <- as.double(v)
  v[!is.na(v) & v == 0] <- 0             # print -0 as 0
  out <- sprintf("%.17g", v)
  out[is.na(v)] <- "nan"                 # NA and NaN
  out[!is.na(v) & v == Inf] <- "inf"
  out[!is.na(v) & v == -Inf] <- "-inf"
  out
}
fmt_list <- function(v) paste(fmt_num(v), collapse = ";")

# rows: list of named lists (all with the same names, in the same order)
rows_to_df <- function(rows) {
  nm <- names(rows[[1]])
  cols <- lapply(nm, function(k) {
    vals <- lapply(rows, `[[`, k)
    if (is.character(vals[[1]])) vapply(vals, as.character, "") else
      vapply(vals, as.double, 0)
  })
  names(cols) <- nm
  as.data.frame(cols, stringsAsFactors = FALSE, optional = TRUE)
}

n_denormal <- 0L
write_golden <- function(df, name, add_case = TRUE) {
  if (add_case) df <- cbind(case = seq_len(nrow(df)) - 1, df)
  cols <- lapply(df, function(col) {
    if (is.character(col)) col else {
      d <- col[is.finite(col) & col != 0 & abs(col) < .Machine$double.xmin]
      n_denormal <<- n_denormal + length(d)
      fmt_num(col)
    }
  })
  cells <- unlist(cols)
  stopifnot(!any(grepl(",", cells)), !any(grepl("\"", cells)),
            !any(cells %in% c("NA", "NaN", "Inf", "-Inf", "")))
  lines <- do.call(paste, c(unname(cols), sep = ","))
  writeLines(c(paste(names(df), collapse = ","), lines), file.path(out_dir, name))
  cat(sprintf("%-22s %6d rows\n", name, nrow(df)))
  invisible(df)
}

rel_close <- function(a, b, tol) abs(a - b) <= tol * max(abs(a), abs(b))

alt_r <- c("two-sided" = "two.sided", "greater" = "greater", "less" = "less")
ALTS <- names(alt_r)

# ============================================================================
# (1) prop_test_2.csv : two-sample prop.test (chi-squared / z test)
# ============================================================================
prop_tuples <- list(
  # --- small n (5, 10, 20): exact-ish region, Yates matters a lot
  c(1, 5, 3, 5), c(2, 10, 7, 10), c(5, 20, 12, 20), c(7, 13, 2, 9),
  # --- x = 0 in one arm
  c(0, 10, 3, 10), c(4, 10, 0, 10), c(0, 20, 1, 20),
  # --- x = n in one arm (never both arms 0 or both full: R gives NaN)
  c(5, 5, 2, 5), c(3, 10, 10, 10), c(0, 5, 5, 5), c(20, 20, 15, 20),
  # --- Yates correction clamped: |diff| < 0.5 * (1/n_a + 1/n_b)
  #     (identical proportions -> correction 0; near-identical, unequal n)
  c(10, 20, 10, 20), c(3, 10, 6, 20), c(2000, 20000, 2000, 20000),
  c(3, 10, 7, 21), c(50, 1000, 101, 2001), c(10, 30, 7, 20),
  # --- unequal n
  c(50, 2000, 70, 2500), c(30, 100, 400, 1000), c(1, 7, 40, 100),
  # --- moderate n ~ 1e3 .. 1e5
  c(100, 1000, 120, 1000), c(500, 1000, 510, 1000), c(1000, 10000, 1100, 10000),
  c(5000, 50000, 5250, 50000), c(10000, 100000, 10300, 100000),
  c(25, 100000, 40, 100000), c(99000, 100000, 99100, 100000),
  # --- n = 1e9 (large-sample numerics, tiny differences)
  c(1e7, 1e9, 1.0002e7, 1e9), c(1e7, 1e9, 1.001e7, 1e9),
  c(5e8, 1e9, 5.00001e8, 1e9), c(1e6, 1e9, 500100, 5e8),
  # --- tiny p: two-sided p in (1e-300, 1e-200)
  c(1000, 10000, 2750, 10000), c(1000, 10000, 3000, 10000),
  c(10000, 100000, 15000, 100000), c(2750, 10000, 1000, 10000),
  # --- p below 1e-300: r$p.value underflows to 0, log_pvalue finite (z ~ 40-60)
  c(1000, 10000, 3500, 10000), c(1000, 10000, 4500, 10000),
  c(10000, 100000, 16500, 100000), c(1e7, 1e9, 1.1e7, 1e9)
)
rows <- list()
n_p200 <- 0; n_p300 <- 0
for (tp in prop_tuples) {
  xa <- tp[1]; na <- tp[2]; xb <- tp[3]; nb <- tp[4]
  for (alt in ALTS) for (correct in 0:1) for (level in c(0.9, 0.95, 0.99)) {
    r <- suppressWarnings(prop.test(x = c(xb, xa), n = c(nb, na),
                                    alternative = alt_r[[alt]], conf.level = level,
                                    correct = as.logical(correct)))
    stat <- unname(r$statistic)
    logp <- if (alt == "two-sided") {
      pchisq(stat, 1, lower.tail = FALSE, log.p = TRUE)
    } else {
      z <- sign(xb / nb - xa / na) * sqrt(stat)
      pnorm(z, lower.tail = (alt == "less"), log.p = TRUE)
    }
    if (r$p.value > 1e-300) stopifnot(rel_close(exp(logp), r$p.value, 1e-12))
    if (alt == "two-sided" && correct == 0 && level == 0.95) {
      n_p200 <- n_p200 + (logp < log(1e-200) && logp > log(1e-300))
      n_p300 <- n_p300 + (logp < log(1e-300))
    }
    rows[[length(rows) + 1]] <- list(
      x_a = xa, n_a = na, x_b = xb, n_b = nb, correct = correct,
      alternative = alt, level = level, statistic = stat, pvalue = r$p.value,
      log_pvalue = logp, diff_low = r$conf.int[1], diff_high = r$conf.int[2])
  }
}
stopifnot(n_p200 >= 3, n_p300 >= 3)
write_golden(rows_to_df(rows), "prop_test_2.csv")

# ============================================================================
# (2) fisher.csv : Fisher exact test on the 2x2 table
#     rows (B, A), columns (success, failure); greater = OR > 1 = B better
# ============================================================================
fisher_support <- function(xa, na, xb, nb) {
  M <- xa + xb; N <- (na - xa) + (nb - xb); K <- nb
  c(lo = max(0, K - N), hi = min(K, M))
}
fisher_logp <- function(xa, na, xb, nb, alt) {
  M <- xa + xb; N <- (na - xa) + (nb - xb); K <- nb
  if (alt == "greater") return(phyper(xb - 1, M, N, K, lower.tail = FALSE, log.p = TRUE))
  if (alt == "less") return(phyper(xb, M, N, K, log.p = TRUE))
  s <- fisher_support(xa, na, xb, nb)
  ld <- dhyper(s[["lo"]]:s[["hi"]], M, N, K, log = TRUE)
  ld_obs <- ld[xb - s[["lo"]] + 1]
  keep <- ld[ld <= ld_obs + log(1 + 1e-7)]      # fisher.test's relErr rule
  mx <- max(keep)
  # the sum over the whole support is 1 mathematically; the log-sum-exp can
  # come out at +1e-16 when every term is kept, where R reports p = 1: cap at 0
  min(0, mx + log(sum(exp(keep - mx))))
}
fisher_tuples <- list(
  # --- tiny tables (n 1..10), zeros and x = n, degenerate margins (p = 1)
  c(0, 1, 1, 1), c(1, 1, 0, 1), c(0, 1, 0, 1), c(1, 2, 2, 2), c(0, 3, 3, 3),
  c(2, 5, 4, 5), c(1, 10, 6, 10), c(3, 7, 5, 9), c(0, 10, 0, 10),
  c(10, 10, 10, 10), c(5, 10, 5, 10), c(0, 5, 5, 5), c(4, 4, 1, 6),
  c(2, 3, 0, 8),
  # --- moderate n (100 .. 1e5)
  c(10, 100, 20, 100), c(50, 1000, 70, 1000), c(100, 10000, 130, 10000),
  c(1000, 100000, 1080, 100000), c(5, 100000, 15, 100000), c(400, 500, 420, 600),
  c(40000, 100000, 40500, 100000), c(30, 200, 10, 150),
  # --- tiny p: two-sided p in (1e-300, 1e-200), n = 5000 per arm
  c(500, 5000, 1800, 5000), c(500, 5000, 2000, 5000), c(1800, 5000, 500, 5000),
  # --- p below 1e-300 (fisher.test's p.value underflows to 0)
  c(500, 5000, 2400, 5000), c(500, 5000, 3000, 5000), c(100, 5000, 1500, 5000),
  # --- big n (1e7 .. 1e9) but small support: full fisher.test still cheap
  c(10, 1e9, 30, 1e9), c(100, 1e8, 150, 1e8), c(3, 1e7, 0, 1e7), c(0, 1e9, 5, 1e9),
  # --- big n with support > 1e6: one-sided only (fisher.test would allocate
  #     the whole support), pvalue = phyper()
  c(1e6, 1e7, 1.001e6, 1e7), c(2e6, 1e8, 2.01e6, 1e8), c(1e7, 1e9, 1.0002e7, 1e9),
  c(5e6, 1e9, 5.1e6, 1e9), c(2e6, 1e8, 1.99e6, 1e8)
)
rows <- list()
n_big <- 0; n_p200 <- 0; n_p300 <- 0
for (tp in fisher_tuples) {
  xa <- tp[1]; na <- tp[2]; xb <- tp[3]; nb <- tp[4]
  s <- fisher_support(xa, na, xb, nb)
  big <- (s[["hi"]] - s[["lo"]] + 1) > 1e6
  M <- xa + xb; N <- (na - xa) + (nb - xb); K <- nb
  for (alt in ALTS) {
    if (big && alt == "two-sided") next
    logp <- fisher_logp(xa, na, xb, nb, alt)
    if (big) {
      n_big <- n_big + 1
      p <- if (alt == "greater") phyper(xb - 1, M, N, K, lower.tail = FALSE) else phyper(xb, M, N, K)
    } else {
      m <- matrix(c(xb, xa, nb - xb, na - xa), nrow = 2)
      p <- fisher.test(m, alternative = alt_r[[alt]])$p.value
      if (alt == "two-sided") {
        n_p200 <- n_p200 + (logp < log(1e-200) && logp > log(1e-300))
        n_p300 <- n_p300 + (logp < log(1e-300))
      }
    }
    if (p > 1e-300 && !rel_close(exp(logp), p, 1e-9))
      stop(sprintf("fisher log p mismatch: %s %s exp(logp)=%g p=%g",
                   paste(tp, collapse = " "), alt, exp(logp), p))
    rows[[length(rows) + 1]] <- list(x_a = xa, n_a = na, x_b = xb, n_b = nb,
                                     alternative = alt, pvalue = p, log_pvalue = logp)
  }
}
stopifnot(n_big >= 8, n_p200 >= 3, n_p300 >= 3)
write_golden(rows_to_df(rows), "fisher.csv")

# ============================================================================
# (3) prop_ci_1.csv : one-sample intervals (Wilson, Wilson-cc, Clopper-Pearson)
# ============================================================================
# Clopper-Pearson exactly as binom.test computes it (stats:::binom.test source);
# used only where binom.test itself is infeasible (its two-sided p-value search
# allocates seq(n*p, n), i.e. ~5e8 doubles for n = 1e9).  Checked identical to
# binom.test on every row where binom.test is run.
cp_ci <- function(x, n, level) {
  alpha <- (1 - level) / 2
  c(if (x == 0) 0 else qbeta(alpha, x, n - x + 1),
    if (x == n) 1 else qbeta(1 - alpha, x + 1, n - x))
}
ci_tuples <- list(
  # n = 1, n = 2 (all outcomes)
  c(0, 1), c(1, 1), c(0, 2), c(1, 2), c(2, 2),
  # small: x = 0, x = n, x = n/2 exactly (Wilson-cc correction becomes 0)
  c(0, 10), c(10, 10), c(5, 10), c(3, 10), c(1, 20), c(7, 50), c(50, 100),
  # moderate
  c(0, 1000), c(1000, 1000), c(500, 1000), c(13, 1000), c(999, 1000), c(12345, 100000),
  # n = 1e9
  c(1, 1e9), c(1e4, 1e9), c(5e8, 1e9), c(0, 1e9), c(1e9, 1e9)
)
rows <- list()
for (tp in ci_tuples) {
  x <- tp[1]; n <- tp[2]
  for (level in c(0.8, 0.9, 0.95, 0.99, 0.999)) {
    w <- suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = level))$conf.int
    wc <- suppressWarnings(prop.test(x, n, correct = TRUE, conf.level = level))$conf.int
    cp <- cp_ci(x, n, level)
    if (n <= 1e6) {
      cpb <- as.numeric(binom.test(x, n, conf.level = level)$conf.int)
      stopifnot(identical(cpb, cp))
    }
    for (meth in c("wilson", "wilson-cc", "clopper-pearson")) {
      ci <- switch(meth, "wilson" = w, "wilson-cc" = wc, "clopper-pearson" = cp)
      rows[[length(rows) + 1]] <- list(x = x, n = n, level = level, method = meth,
                                       low = ci[1], high = ci[2])
    }
  }
}
write_golden(rows_to_df(rows), "prop_ci_1.csv")

# ============================================================================
# (4) t_samples.csv + t_test.csv : Student / Welch t-test, t.test(b, a, ...)
# ============================================================================
set.seed(20240501)
t_samples <- list(
  rnorm(2, 0, 1),                          #  0  n = 2
  rnorm(3, 1, 2),                          #  1  n = 3
  rnorm(5, 0, 1),                          #  2  n = 5
  rnorm(5, 0.5, 1),                        #  3
  round(rnorm(10, 50, 10)),                #  4  integer valued
  round(rnorm(10, 55, 10)),                #  5  integer valued
  rnorm(30, 100, 15),                      #  6
  rnorm(30, 100, 15),                      #  7
  rnorm(100, 0, 1),                        #  8
  rnorm(100, 0.2, 1),                      #  9
  rnorm(1000, 10, 1),                      # 10
  rnorm(1000, 10.05, 1),                   # 11
  rnorm(10000, 0, 1),                      # 12
  rnorm(10000, 0.02, 1),                   # 13
  rnorm(10, 0, 10),                        # 14  small n, huge variance
  rnorm(1000, 1, 0.1),                     # 15  big n, tiny variance
  rnorm(3, 5, 0.01),                       # 16  n = 3, tiny variance
  rnorm(500, 0, 1),                        # 17
  rnorm(500, 10, 1),                       # 18  10 sd away from 17 -> p = 0
  rnorm(500, 3, 1),                        # 19  3 sd away from 17 -> p ~ 1e-250
  NULL,                                    # 20  (filled below: 8 + tiny noise)
  sample(1:5, 30, replace = TRUE),         # 21  Likert 1..5
  sample(1:5, 30, replace = TRUE, prob = c(1, 2, 3, 3, 2)), # 22
  rnorm(2, 10, 5),                         # 23  n = 2
  rnorm(30, 0, 5),                         # 24
  rpois(1000, 3),                          # 25  counts
  rpois(1000, 3.1),                        # 26
  rbinom(10000, 1, 0.1),                   # 27  conversions 0/1
  rbinom(10000, 1, 0.11),                  # 28
  round(rnorm(3, 7, 2), 1)                 # 29  n = 3, rounded to 0.1
)
t_samples[[21]] <- t_samples[[9]] + rnorm(100, 0, 1e-3)   # near-identical to 8
stopifnot(length(t_samples) == 30, all(vapply(t_samples, length, 0L) >= 2))
t_pairs <- list(
  # c(a_id, b_id)
  c(0, 23),   # n = 2 vs 2
  c(0, 1),    # 2 vs 3
  c(1, 2),    # 3 vs 5
  c(2, 3),    # 5 vs 5
  c(4, 5),    # integer data
  c(6, 7),    # same distribution, n = 30
  c(8, 9),    # n = 100, small effect
  c(10, 11),  # n = 1000, tiny effect
  c(11, 10),  # reversed direction
  c(12, 13),  # n = 10000
  c(14, 15),  # Welch df far from Student (var ratio 1e4, sizes 10 / 1000)
  c(15, 14),
  c(16, 6),   # n = 3 tiny variance vs n = 30 large variance
  c(16, 29),  # n = 3 vs n = 3, very different variances
  c(2, 12),   # 5 vs 10000
  c(24, 6),   # different variances, same size
  c(17, 18),  # huge separation: p underflows to 0, log p finite
  c(17, 19),  # p ~ 1e-250
  c(8, 20),   # near-identical samples: p near 1
  c(8, 8),    # identical samples: t = 0, p = 1
  c(21, 22),  # Likert
  c(25, 26),  # Poisson counts
  c(27, 28),  # Bernoulli conversions
  c(29, 1),   # 3 vs 3
  c(7, 24)
)
rows <- list()
levels_cycle <- c(0.8, 0.9, 0.95, 0.99)
k <- 0
for (pr in t_pairs) {
  a <- t_samples[[pr[1] + 1]]; b <- t_samples[[pr[2] + 1]]
  for (equal_var in 0:1) for (alt in ALTS) {
    level <- levels_cycle[k %% 4 + 1]; k <- k + 1
    r <- t.test(b, a, var.equal = as.logical(equal_var), alternative = alt_r[[alt]],
                conf.level = level)
    tt <- unname(r$statistic); df <- unname(r$parameter)
    logp <- switch(alt,
      "two-sided" = log(2) + pt(-abs(tt), df, log.p = TRUE),
      "greater" = pt(tt, df, lower.tail = FALSE, log.p = TRUE),
      "less" = pt(tt, df, log.p = TRUE))
    if (r$p.value > 1e-300) stopifnot(rel_close(exp(logp), r$p.value, 1e-12))
    rows[[length(rows) + 1]] <- list(
      a_id = pr[1], b_id = pr[2], equal_var = equal_var, alternative = alt,
      level = level, statistic = tt, df = df, pvalue = r$p.value, log_pvalue = logp,
      ci_low = r$conf.int[1], ci_high = r$conf.int[2],
      mean_a = mean(a), sd_a = sd(a), n_a = length(a),
      mean_b = mean(b), sd_b = sd(b), n_b = length(b))
  }
}
write_golden(data.frame(
  sample_id = rep(seq_along(t_samples) - 1, vapply(t_samples, length, 0L)),
  value = unlist(t_samples)), "t_samples.csv", add_case = FALSE)
write_golden(rows_to_df(rows), "t_test.csv")

# ============================================================================
# (5) wilcox_samples.csv + wilcox.csv : Wilcoxon rank-sum, normal approximation
# ============================================================================
set.seed(20240502)
w_samples <- list(
  rnorm(2),                                         #  0  n = 2
  rnorm(3, 0.5),                                    #  1  n = 3
  rnorm(5),                                         #  2
  rnorm(5, 1),                                      #  3
  rnorm(20),                                        #  4
  rnorm(25, 0.5),                                   #  5
  sample(1:5, 30, replace = TRUE),                  #  6  heavy ties
  sample(1:5, 40, replace = TRUE, prob = c(1, 1, 2, 3, 3)), #  7 heavy ties
  rexp(100),                                        #  8  skewed
  rexp(120, 0.8),                                   #  9
  pmin(pmax(round(rnorm(1000, 3, 1)), 1), 5),       # 10  values 1..5, n = 1000
  pmin(pmax(round(rnorm(1000, 3.1, 1)), 1), 5),     # 11
  rnorm(5000),                                      # 12  n = 5000
  rnorm(5000, 0.05),                                # 13
  runif(2000),                                      # 14  complete separation
  runif(2000) + 1,                                  # 15    from 14 (tiny p)
  c(1, 1, 2),                                       # 16  tiny, tied
  c(1, 2, 2, 3),                                    # 17  tiny, tied
  rnorm(50)                                         # 18  compared with itself
)
w_pairs <- list(
  c(0, 1), c(1, 0), c(2, 3), c(4, 5), c(6, 7), c(7, 6), c(8, 9), c(10, 11),
  c(12, 13), c(14, 15), c(15, 14), c(16, 17), c(18, 18), c(4, 12), c(0, 6),
  c(10, 6)
)
wilcox_logp <- function(b, a, alt, correct) {
  nx <- length(b); ny <- length(a)
  r <- rank(c(b, a))
  z <- sum(r[seq_len(nx)]) - nx * (nx + 1) / 2 - nx * ny / 2
  NTIES <- table(r)
  SIGMA <- sqrt((nx * ny / 12) * ((nx + ny + 1) -
                 sum(NTIES^3 - NTIES) / ((nx + ny) * (nx + ny - 1))))
  CORRECTION <- if (correct) switch(alt, "two-sided" = sign(z) * 0.5,
                                    "greater" = 0.5, "less" = -0.5) else 0
  z <- (z - CORRECTION) / SIGMA
  # R: two-sided = 2 * min(pnorm(z), pnorm(z, lower.tail = FALSE)) (never > 1)
  switch(alt,
         "two-sided" = log(2) + pnorm(-abs(z), log.p = TRUE),
         "greater" = pnorm(z, lower.tail = FALSE, log.p = TRUE),
         "less" = pnorm(z, log.p = TRUE))
}
rows <- list()
for (pr in w_pairs) {
  a <- w_samples[[pr[1] + 1]]; b <- w_samples[[pr[2] + 1]]
  for (alt in ALTS) for (correct in 0:1) {
    r <- suppressWarnings(wilcox.test(b, a, alternative = alt_r[[alt]], exact = FALSE,
                                      correct = as.logical(correct)))
    logp <- wilcox_logp(b, a, alt, correct)
    stopifnot(logp <= 0)
    if (r$p.value > 1e-300) stopifnot(rel_close(exp(logp), r$p.value, 1e-12))
    rows[[length(rows) + 1]] <- list(a_id = pr[1], b_id = pr[2], alternative = alt,
                                     correct = correct, statistic = unname(r$statistic),
                                     pvalue = r$p.value, log_pvalue = logp)
  }
}
write_golden(data.frame(
  sample_id = rep(seq_along(w_samples) - 1, vapply(w_samples, length, 0L)),
  value = unlist(w_samples)), "wilcox_samples.csv", add_case = FALSE)
write_golden(rows_to_df(rows), "wilcox.csv")

# ============================================================================
# (6) p_adjust.csv : multiple-comparison adjustments
# ============================================================================
set.seed(20240503)
p_sets <- list(
  c(0.03),                                             # 0 n = 1
  c(0.01, 0.04),                                       # 1 n = 2
  c(0.04, 0.01, 0.02, 0.04, 0.02),                     # 2 n = 5 with ties (unsorted)
  runif(10),                                           # 3 n = 10 random
  sample(c(runif(16), 0, 0, 1, 1)),                    # 4 n = 20 with exact 0 and 1
  10^runif(50, -10, -3),                               # 5 n = 50 many small values
  sample(c(runif(800), rbeta(200, 0.1, 1))),           # 6 n = 1000 mixture
  rep(0.03, 8),                                        # 7 all equal
  c(0.001, 0.2, 0.5, 0.9, 0.95, 0.999)                 # 8 adjusted values hit cap 1
)
methods <- c(bonferroni = "bonferroni", holm = "holm", hochberg = "hochberg",
             hommel = "hommel", bh = "BH", by = "BY")
dfs <- list()
for (i in seq_along(p_sets)) {
  p <- p_sets[[i]]
  d <- data.frame(set_id = i - 1, index = seq_along(p) - 1, p = p)
  for (m in names(methods)) d[[m]] <- p.adjust(p, methods[[m]])
  dfs[[i]] <- d
}
write_golden(do.call(rbind, dfs), "p_adjust.csv", add_case = FALSE)

# ============================================================================
# (7) power_prop.csv : power.prop.test (tol = 1e-12)
# ============================================================================
baselines <- c(0.01, 0.05, 0.1, 0.3, 0.5)
lifts <- c(0.01, 0.05, 0.1, 0.2, 0.5, -0.1, -0.2)   # relative; negative: p_b < p_a
side_variants <- list(c("one-sided", 0), c("two-sided", 0), c("two-sided", 1))
side_r <- c("one-sided" = "one.sided", "two-sided" = "two.sided")
rows <- list()
add_pp <- function(solve_for, p_a, p_b, n, alpha, power, alt, strict, result)
  rows[[length(rows) + 1]] <<- list(solve_for = solve_for, p_a = p_a, p_b = p_b, n = n,
                                    alpha = alpha, power = power, alternative = alt,
                                    strict = strict, result = result)
ppt <- function(...) power.prop.test(..., tol = 1e-12)
for (pa in baselines) for (lift in lifts) {
  pb <- pa * (1 + lift)
  for (sv in side_variants) {
    alt <- sv[1]; strict <- as.numeric(sv[2])
    # solve n: all alphas x powers
    for (alpha in c(0.01, 0.05, 0.1)) for (pw in c(0.8, 0.9)) {
      res <- ppt(p1 = pa, p2 = pb, sig.level = alpha, power = pw,
                 alternative = side_r[[alt]], strict = as.logical(strict))$n
      back <- ppt(n = res, p1 = pa, p2 = pb, sig.level = alpha,
                  alternative = side_r[[alt]], strict = as.logical(strict))$power
      if (abs(back - pw) > 1e-9) stop("power.prop.test n plug-back failed")
      add_pp("n", pa, pb, NaN, alpha, pw, alt, strict, res)
    }
    # solve power: n from tiny to huge (power from ~alpha to 1)
    for (n in c(50, 1000, 1e4, 1e5, 1e6)) for (alpha in c(0.01, 0.05)) {
      res <- ppt(n = n, p1 = pa, p2 = pb, sig.level = alpha,
                 alternative = side_r[[alt]], strict = as.logical(strict))$power
      add_pp("power", pa, pb, n, alpha, NaN, alt, strict, res)
    }
  }
}
# solve p_b (R searches p2 in [p1, 1]): minimum detectable effect
for (pa in baselines) for (sv in side_variants) for (n in c(500, 5000, 50000))
  for (alpha in c(0.05, 0.1)) for (pw in c(0.8, 0.9)) {
    alt <- sv[1]; strict <- as.numeric(sv[2])
    res <- ppt(n = n, p1 = pa, p2 = NULL, sig.level = alpha, power = pw,
               alternative = side_r[[alt]], strict = as.logical(strict))$p2
    stopifnot(res > pa, res < 1)
    back <- ppt(n = n, p1 = pa, p2 = res, sig.level = alpha,
                alternative = side_r[[alt]], strict = as.logical(strict))$power
    if (abs(back - pw) > 1e-9) stop("power.prop.test p2 plug-back failed")
    add_pp("p_b", pa, NaN, n, alpha, pw, alt, strict, res)
  }
write_golden(rows_to_df(rows), "power_prop.csv")

# ============================================================================
# (8) pwr_2p.csv : pwr::pwr.2p.test (Cohen's h, arcsine)
# ============================================================================
rows <- list()
add_pw <- function(solve_for, p_a, p_b, h, n, alpha, power, alt, result)
  rows[[length(rows) + 1]] <<- list(solve_for = solve_for, p_a = p_a, p_b = p_b, h = h,
                                    n = n, alpha = alpha, power = power,
                                    alternative = alt, result = result)
for (pa in baselines) for (lift in lifts) {
  pb <- pa * (1 + lift)
  h <- ES.h(pb, pa)
  for (alt in ALTS) {
    # solve power: every direction (wrong-direction one-sided -> power < alpha)
    for (n in c(50, 1000, 1e4, 1e5, 1e6)) for (alpha in c(0.01, 0.05)) {
      res <- pwr.2p.test(h = h, n = n, sig.level = alpha, alternative = alt_r[[alt]])$power
      add_pw("power", pa, pb, h, n, alpha, NaN, alt, res)
    }
    # solve n: greater needs p_b > p_a, less needs p_b < p_a
    if (alt == "greater" && pb <= pa) next
    if (alt == "less" && pb >= pa) next
    for (alpha in c(0.01, 0.05, 0.1)) for (pw in c(0.8, 0.9)) {
      f <- function(n) pwr.2p.test(h = h, n = n, sig.level = alpha,
                                   alternative = alt_r[[alt]])$power - pw
      stopifnot(f(2) < 0, f(1e10) > 0)
      res <- uniroot(f, interval = c(2, 1e10), tol = 1e-12)$root
      if (abs(f(res)) > 1e-9) stop("pwr.2p.test n plug-back failed")
      add_pw("n", pa, pb, h, NaN, alpha, pw, alt, res)
    }
  }
}
write_golden(rows_to_df(rows), "pwr_2p.csv")

# ============================================================================
# (9) power_t.csv : power.t.test, two-sample (tol = 1e-12)
# ============================================================================
rows <- list()
add_pt <- function(solve_for, delta, sd, n, alpha, power, alt, strict, result)
  rows[[length(rows) + 1]] <<- list(solve_for = solve_for, delta = delta, sd = sd, n = n,
                                    alpha = alpha, power = power, alternative = alt,
                                    strict = strict, result = result)
ptt <- function(...) power.t.test(..., type = "two.sample", tol = 1e-12)
effects <- c(0.05, 0.1, 0.2, 0.5, 0.8, 1, 2)   # delta / sd
sds <- c(1, 2.5)
for (es in effects) for (sdv in sds) for (sv in side_variants) {
  alt <- sv[1]; strict <- as.numeric(sv[2]); delta <- es * sdv
  # solve n
  for (alpha in c(0.01, 0.05)) for (pw in c(0.8, 0.9)) {
    res <- ptt(delta = delta, sd = sdv, sig.level = alpha, power = pw,
               alternative = side_r[[alt]], strict = as.logical(strict))$n
    back <- ptt(n = res, delta = delta, sd = sdv, sig.level = alpha,
                alternative = side_r[[alt]], strict = as.logical(strict))$power
    if (abs(back - pw) > 1e-9) stop("power.t.test n plug-back failed")
    add_pt("n", delta, sdv, NaN, alpha, pw, alt, strict, res)
  }
  # solve power: n from 2 to 1e5 (sd = 1 only, sd scaling is covered above)
  if (sdv == 1) for (n in c(2, 5, 10, 30, 100, 1000, 1e4, 1e5)) for (alpha in c(0.01, 0.05)) {
    res <- ptt(n = n, delta = delta, sd = sdv, sig.level = alpha,
               alternative = side_r[[alt]], strict = as.logical(strict))$power
    add_pt("power", delta, sdv, n, alpha, NaN, alt, strict, res)
  }
}
# solve delta (minimum detectable effect) for n from 2 to 1e5
for (n in c(2, 3, 10, 50, 500, 1e4, 1e5)) for (sdv in c(1, 3)) for (sv in side_variants)
  for (alpha in c(0.01, 0.05)) for (pw in c(0.8, 0.9)) {
    alt <- sv[1]; strict <- as.numeric(sv[2])
    res <- ptt(n = n, delta = NULL, sd = sdv, sig.level = alpha, power = pw,
               alternative = side_r[[alt]], strict = as.logical(strict))$delta
    back <- ptt(n = n, delta = res, sd = sdv, sig.level = alpha,
                alternative = side_r[[alt]], strict = as.logical(strict))$power
    if (abs(back - pw) > 1e-9) stop("power.t.test delta plug-back failed")
    add_pt("delta", NaN, sdv, n, alpha, pw, alt, strict, res)
  }
write_golden(rows_to_df(rows), "power_t.csv")

# ============================================================================
# (10) chisq_gof.csv : goodness of fit (sample-ratio-mismatch checks)
# ============================================================================
gof_cases <- list(
  # 2 arms 50/50: balanced and slightly off (SRM checks), counts 1e4 .. 1e8
  list(c(5000, 5000), c(0.5, 0.5)),
  list(c(5050, 4950), c(0.5, 0.5)),
  list(c(50000, 50500), c(0.5, 0.5)),
  list(c(1e6, 1.001e6), c(0.5, 0.5)),
  list(c(1e8, 1.0001e8), c(0.5, 0.5)),
  list(c(1e8, 0.999e8), c(0.5, 0.5)),
  # 2 arms unequal split
  list(c(9000, 1000), c(0.9, 0.1)),
  list(c(8950, 1050), c(0.9, 0.1)),
  # 3-5 arms, unequal ratios
  list(c(5000, 2500, 2500), c(0.5, 0.25, 0.25)),
  list(c(5100, 2450, 2450), c(0.5, 0.25, 0.25)),
  list(c(4000, 2000, 2000, 2000), c(0.4, 0.2, 0.2, 0.2)),
  list(c(2000, 2010, 1990, 2050, 1950), rep(0.2, 5)),
  list(c(100, 120, 95), rep(1/3, 3)),
  # a count of 0
  list(c(0, 10, 10), rep(1/3, 3)),
  list(c(0, 100), c(0.5, 0.5)),
  # mismatch with p in (1e-300, 1e-200)
  list(c(1e6, 0.955e6), c(0.5, 0.5)),
  list(c(45000, 27500, 27500), c(0.4, 0.3, 0.3)),
  # mismatch with p below 1e-300 (p.value = 0, log_pvalue finite)
  list(c(1e6, 0.94e6), c(0.5, 0.5)),
  list(c(60000, 20000, 20000), c(0.5, 0.25, 0.25))
)
rows <- list()
for (cs in gof_cases) {
  cnt <- cs[[1]]; p <- cs[[2]]
  r <- suppressWarnings(chisq.test(cnt, p = p))
  stat <- unname(r$statistic); df <- unname(r$parameter)
  logp <- pchisq(stat, df, lower.tail = FALSE, log.p = TRUE)
  rows[[length(rows) + 1]] <- list(counts = fmt_list(cnt), p = fmt_list(p), statistic = stat,
                                   df = df, pvalue = r$p.value, log_pvalue = logp)
}
gof <- rows_to_df(rows)
stopifnot(sum(gof$log_pvalue < log(1e-200) & gof$log_pvalue > log(1e-300)) >= 2,
          sum(gof$log_pvalue < log(1e-300)) >= 2)
write_golden(gof, "chisq_gof.csv")

# ============================================================================
# (11) chisq_kx2.csv : k x 2 homogeneity of proportions (no Yates)
# ============================================================================
kx2_cases <- list(
  list(c(100, 120), c(1000, 1000)),                       # k = 2
  list(c(5, 9), c(50, 50)),                               # k = 2 small
  list(c(100, 110, 130), c(1000, 1000, 1000)),            # k = 3
  list(c(20, 25, 30, 15), c(200, 210, 220, 190)),         # k = 4 unequal n
  list(c(5, 8, 12, 7, 10), c(100, 90, 110, 95, 105)),     # k = 5
  list(c(50, 55, 60, 45, 52, 58), rep(500, 6)),           # k = 6
  list(c(0, 5, 10), c(100, 100, 100)),                    # a zero count
  list(c(1e7, 1.001e7, 1.002e7), c(1e9, 1e9, 1e9)),       # huge n
  list(c(1000, 2750), c(10000, 10000)),                   # k = 2, p ~ 1e-220
  list(c(1000, 1500, 3500), c(10000, 10000, 10000)),      # k = 3, p below 1e-300
  list(c(300, 320, 310, 900), c(3000, 3000, 3000, 3000))  # k = 4, tiny p
)
rows <- list()
for (cs in kx2_cases) {
  x <- cs[[1]]; n <- cs[[2]]
  r <- suppressWarnings(chisq.test(cbind(x, n - x), correct = FALSE))
  stat <- unname(r$statistic); df <- unname(r$parameter)
  if (length(x) > 2) {
    r2 <- suppressWarnings(prop.test(x, n))
    stopifnot(rel_close(unname(r2$statistic), stat, 1e-12))
  }
  rows[[length(rows) + 1]] <- list(x = fmt_list(x), n = fmt_list(n), statistic = stat,
                                   df = df, pvalue = r$p.value,
                                   log_pvalue = pchisq(stat, df, lower.tail = FALSE, log.p = TRUE))
}
write_golden(rows_to_df(rows), "chisq_kx2.csv")

cat(sprintf("subnormal numbers written: %d\n", n_denormal))
cat(sprintf("done in %.1f s\n", proc.time()[["elapsed"]] - t_start))
