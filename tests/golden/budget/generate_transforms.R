# Reference values for sostac.budget.adstock / saturation (tests/python/test_budget.py).
# Each transformation is evaluated from its definition with R's own pweibull, dweibull,
# quantile (type 7) and round (half to even), as Robyn 3.10 (R/R/transformation.R:
# adstock_geometric, adstock_weibull, saturation_hill) and PyMC-Marketing 0.19
# (geometric_adstock, delayed_adstock, logistic_saturation) define them; this is an
# independent implementation of those definitions, not their code.
#   Rscript tests/golden/budget/generate_transforms.R   # writes transforms.csv beside it
set.seed(20261204)
out <- file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))),
                 "transforms.csv")
fmt <- function(v) paste(sprintf("%.17g", v), collapse = ";")

# y[t] = sum_{k=0}^{min(t, L-1)} w[k] x[t-k], t and k 0-based, as a matrix product
convolve_kernel <- function(x, w) {
  n <- length(x)
  sapply(seq_len(n), function(t) {
    k <- 0:min(t - 1, length(w) - 1)
    sum(w[k + 1] * x[t - k])
  })
}
geometric_infinite <- function(x, theta) {
  y <- numeric(length(x)); prev <- 0
  for (t in seq_along(x)) { prev <- x[t] + theta * prev; y[t] <- prev }
  y
}
weibull_kernel <- function(L, shape, scale, type) {
  if (shape == 0 || scale == 0) return(c(1, rep(0, L - 1)))
  s <- round(unname(quantile(1:L, scale, type = 7)), 0)
  if (type == "cdf") {
    return(cumprod(c(1, 1 - pweibull(seq_len(L - 1), shape = shape, scale = s)))[1:L])
  }
  d <- dweibull(1:L, shape = shape, scale = s)
  if (diff(range(d)) == 0) c(1, rep(0, L - 1)) else (d - min(d)) / (max(d) - min(d))
}

rows <- list()
add <- function(kind, params, x, y) {
  rows[[length(rows) + 1]] <<- data.frame(kind = kind, params = params, x = fmt(x), y = fmt(y))
}
for (case in 1:40) {
  n <- sample(c(1, 2, 5, 13, 52, 104), 1)
  x <- round(rexp(n, 1 / 1000) * rbinom(n, 1, 0.8), 2)
  theta <- runif(1, 0, 0.95)
  add("geometric", sprintf("decay=%.17g", theta), x, geometric_infinite(x, theta))
  L <- sample(c(1, 4, 8, 12), 1)
  w <- theta^(0:(L - 1))
  add("geometric", sprintf("decay=%.17g;max_lag=%d", theta, L), x, convolve_kernel(x, w))
  add("geometric", sprintf("decay=%.17g;max_lag=%d;normalise=1", theta, L), x,
      convolve_kernel(x, w / sum(w)))
  peak <- runif(1, 0, L)
  wd <- theta^(((0:(L - 1)) - peak)^2)
  add("delayed", sprintf("decay=%.17g;peak=%.17g;max_lag=%d", theta, peak, L), x,
      convolve_kernel(x, wd))
  add("delayed", sprintf("decay=%.17g;peak=%.17g;max_lag=%d;normalise=1", theta, peak, L), x,
      convolve_kernel(x, wd / sum(wd)))
  for (type in c("cdf", "pdf")) {
    shape <- sample(c(0, runif(3, 0.0001, 10)), 1)
    scale <- sample(c(0, runif(3, 0, 1)), 1)
    add(paste0("weibull_", type), sprintf("shape=%.17g;scale=%.17g", shape, scale), x,
        convolve_kernel(x, weibull_kernel(n, shape, scale, type)))
    Lw <- n + sample(0:10, 1)
    add(paste0("weibull_", type), sprintf("shape=%.17g;scale=%.17g;max_lag=%d", shape, scale, Lw),
        x, convolve_kernel(x, weibull_kernel(Lw, shape, scale, type)))
  }
  alpha <- runif(1, 0.1, 5)
  gamma <- runif(1, 0.01, 1)
  inflexion <- c(range(x) %*% c(1 - gamma, gamma))
  if (inflexion > 0) {
    add("hill", sprintf("gamma=%.17g;shape=%.17g", gamma, alpha), x,
        x^alpha / (x^alpha + inflexion^alpha))
  }
  half <- runif(1, 1, 3000)
  add("hill", sprintf("half_saturation=%.17g;shape=%.17g", half, alpha), x,
      x^alpha / (x^alpha + half^alpha))
  lam <- runif(1, 1e-4, 1e-2)
  add("logistic", sprintf("lam=%.17g", lam), x, (1 - exp(-lam * x)) / (1 + exp(-lam * x)))
}
# Robyn's documented examples
add("weibull_cdf", "shape=0.5;scale=0.5", rep(100, 5), convolve_kernel(rep(100, 5),
    weibull_kernel(5, 0.5, 0.5, "cdf")))
add("weibull_pdf", "shape=0.5;scale=0.5", rep(100, 5), convolve_kernel(rep(100, 5),
    weibull_kernel(5, 0.5, 0.5, "pdf")))
add("geometric", "decay=0.5", rep(100, 5), geometric_infinite(rep(100, 5), 0.5))
x <- c(100, 150, 170, 190, 200)
add("hill", "gamma=0.5;shape=3", x, x^3 / (x^3 + 150^3))
res <- do.call(rbind, rows)
write.csv(res, out, row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "cases to", out, "\n")
