//! What the benchmarks (`cargo bench -p webox-e2e`) share: percentiles of
//! timed samples and their one-line report.

use std::time::Duration;

/// The `p` quantile (0 to 1) of sorted samples, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

/// Prints `name` with the p50, p90 and p99 of `times`; the p50.
pub fn report(name: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let p50 = percentile(&times, 0.5);
    println!("{name:<38} p50 {p50:>8.2} ms   p90 {:>8.2} ms   p99 {:>8.2} ms   ({} samples)", percentile(&times, 0.9), percentile(&times, 0.99), times.len());
    p50
}
