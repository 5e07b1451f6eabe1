//! Latency samples and their percentiles, and how figures are written.

/// Latency samples in nanoseconds, sorted.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// The samples, smallest first.
    sorted: Vec<u64>,
}

impl Samples {
    /// The samples of `values`, in any order.
    pub fn new(mut values: Vec<u64>) -> Samples {
        values.sort_unstable();
        Samples { sorted: values }
    }

    /// The samples, smallest first.
    pub fn sorted(&self) -> &[u64] {
        &self.sorted
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// The `p`-th percentile (0 to 100), by nearest rank; 0 without samples.
    pub fn percentile(&self, p: f64) -> u64 {
        if self.sorted.is_empty() {
            return 0;
        }
        let rank = ((p / 100.0) * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.clamp(1, self.sorted.len()) - 1]
    }

    /// The median.
    pub fn p50(&self) -> u64 {
        self.percentile(50.0)
    }

    /// The 99th percentile.
    pub fn p99(&self) -> u64 {
        self.percentile(99.0)
    }
}

/// A duration given in nanoseconds, the way people read it: "850 ns", "12.3 µs", "25.1 ms".
pub fn duration(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else if ns < 1_000_000_000.0 {
        format!("{:.1} ms", ns / 1_000_000.0)
    } else {
        format!("{:.2} s", ns / 1_000_000_000.0)
    }
}

/// A rate per second, with thousands separated: "812 345/s" is written "812,345".
pub fn rate(per_second: f64) -> String {
    let whole = per_second.round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A ratio: "1.97×", with fewer decimals as it grows.
pub fn ratio(value: f64) -> String {
    if !value.is_finite() {
        "—".to_string()
    } else if value < 10.0 {
        format!("{value:.2}×")
    } else if value < 100.0 {
        format!("{value:.1}×")
    } else {
        format!("{value:.0}×")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let samples = Samples::new((1..=100).rev().collect());
        assert_eq!(samples.p50(), 50);
        assert_eq!(samples.p99(), 99);
        assert_eq!(samples.percentile(100.0), 100);
        assert_eq!(samples.percentile(0.0), 1);
        assert_eq!(Samples::new(Vec::new()).p50(), 0);
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(duration(850.0), "850 ns");
        assert_eq!(duration(12_345.0), "12.3 µs");
        assert_eq!(duration(25_100_000.0), "25.1 ms");
        assert_eq!(rate(812_345.4), "812,345");
        assert_eq!(rate(999.0), "999");
        assert_eq!(rate(1_000.0), "1,000");
        assert_eq!(ratio(1.974), "1.97×");
        assert_eq!(ratio(2260.4), "2260×");
    }
}
