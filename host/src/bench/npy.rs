//! Minimal `.npy` (format 1.0) writing and `uint8` reading for the benchmark inputs shared
//! with the Python comparison (`bench/compare.py` reads the same files with `numpy.load`).

use std::path::Path;

use anyhow::{Context, bail};

/// Writes a C-order `.npy` with `descr` (`'<f4'`, `'|u1'`) and `shape`, atomically.
pub fn write(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> anyhow::Result<()> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = Vec::with_capacity(10 + h.len() + data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    crate::bench::write_atomic(path, &out)
}

/// Reads a 2-d `uint8` `.npy` file: `(rows, cols, bytes)`.
pub fn read_u8(path: &Path) -> anyhow::Result<(usize, usize, Vec<u8>)> {
    let b = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" || b[6] != 1 {
        bail!("{}: not an .npy 1.0 file", path.display());
    }
    let hlen = usize::from(u16::from_le_bytes([b[8], b[9]]));
    let header = std::str::from_utf8(b.get(10..10 + hlen).unwrap_or(&[]))
        .with_context(|| format!("{}: header", path.display()))?;
    if !header.contains("'|u1'") || header.contains("'fortran_order': True") {
        bail!("{}: expected a C-order uint8 array", path.display());
    }
    let shape = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split('(').nth(1))
        .and_then(|s| s.split(')').next())
        .with_context(|| format!("{}: no shape", path.display()))?;
    let d: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}: shape ({shape})", path.display()))?;
    let [rows, cols] = d[..] else {
        bail!("{}: shape ({shape}) is not 2-d", path.display());
    };
    let data = b[10 + hlen..].to_vec();
    if data.len() != rows * cols {
        bail!(
            "{}: {} data bytes for shape ({rows}, {cols})",
            path.display(),
            data.len()
        );
    }
    Ok((rows, cols, data))
}
