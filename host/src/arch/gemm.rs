//! Safe wrapper over `matrixmultiply::dgemm` (a raw-pointer, strided BLAS-like kernel).

/// `c[m × n] = a[m × d] · bᵀ`, where `a` is `[m × d]` and `b` is `[n × d]`, both row-major
/// f64, and `c` is row-major `[m × n]` (overwritten).
///
/// # Panics
/// If a slice is shorter than its shape (callers size them exactly; this is a bug guard that
/// keeps the unsafe call in bounds).
pub fn dgemm_abt(m: usize, d: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    assert!(
        a.len() >= m * d && b.len() >= n * d && c.len() >= m * n,
        "dgemm_abt: slice shorter than its shape"
    );
    if m == 0 || n == 0 {
        return;
    }
    if d == 0 {
        c[..m * n].fill(0.0);
        return;
    }
    let (d_i, n_i) = (d as isize, n as isize);
    // SAFETY: `a` holds m·d values read at a[i·d + p] (row stride d, column stride 1), `b`
    // holds n·d values read as the d × n matrix bᵀ at b[j·d + p] (row stride 1, column stride
    // d), and `c` holds m·n values written at c[i·n + j] (row stride n, column stride 1); the
    // assert above guarantees every index is in bounds. beta = 0 means `c` is not read, and
    // the three slices cannot overlap (one is borrowed mutably).
    unsafe {
        matrixmultiply::dgemm(
            m,
            d,
            n,
            1.0,
            a.as_ptr(),
            d_i,
            1,
            b.as_ptr(),
            1,
            d_i,
            0.0,
            c.as_mut_ptr(),
            n_i,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_product_is_exact() {
        // a = [[1, 2], [3, 4], [5, 6]], b = [[1, 0], [0, 1], [1, 1]] -> a·bᵀ
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut c = [f64::NAN; 9];
        dgemm_abt(3, 2, 3, &a, &b, &mut c);
        assert_eq!(c, [1.0, 2.0, 3.0, 3.0, 4.0, 7.0, 5.0, 6.0, 11.0]);
    }
}
