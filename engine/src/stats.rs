//! Order statistics shared by training (median thresholds), the evaluation and the
//! benchmarks, so every "median" in binaryllm follows one rule.
//!
//! The rule: the values are ordered by [`f64::total_cmp`]; an odd count gives the middle value,
//! an even count the mean of the two middle values; an empty slice has no median (`None`).
//! (The firmware's on-device median of its timing repetitions is computed by the device and
//! only reported here.)

/// The median of `v` (sorted in place by [`f64::total_cmp`]); `None` when `v` is empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some(0.5 * (v[n / 2 - 1] + v[n / 2])),
    }
}

/// The fastest, median and slowest of a set of timings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Smallest value.
    pub min: f64,
    /// [`median`].
    pub median: f64,
    /// Largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when empty.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v = values.to_vec();
        let median = median(&mut v)?;
        Some(Spread {
            min: v[0],
            median,
            max: v[v.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_even_and_empty() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [-0.0, 0.0]), Some(0.0));
    }

    #[test]
    fn spread_orders_by_total_cmp() {
        let s = Spread::of(&[0.3, 0.1, 0.4, 0.2]).unwrap();
        assert_eq!((s.min, s.median, s.max), (0.1, 0.25, 0.4));
        assert_eq!(Spread::of(&[]), None);
    }
}
