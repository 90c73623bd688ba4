//! `.fvecs` / `.ivecs`: little-endian `i32` dimension, then that many 4-byte values, per row.

#[allow(unused_imports)]
use super::*;

pub(super) fn read_vecs_words(
    path: &Path,
    bytes: &[u8],
    format: &'static str,
) -> Result<(usize, usize, Vec<u32>), DataError> {
    let malformed = |detail: String| DataError::Vecs {
        path: path.to_path_buf(),
        format,
        detail,
    };
    if bytes.len() < 4 {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            shape: vec![0],
        });
    }
    if !bytes.len().is_multiple_of(4) {
        return Err(malformed(format!(
            "size {} is not a multiple of 4",
            bytes.len()
        )));
    }
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let dims = words[0] as usize;
    if dims == 0 || dims > binaryllm_core::MAX_DIMS {
        return Err(malformed(format!("first record has dimension {dims}")));
    }
    if !words.len().is_multiple_of(dims + 1) {
        return Err(malformed(format!(
            "{} words is not a whole number of records of 1 + {dims} words (truncated?)",
            words.len()
        )));
    }
    let rows = words.len() / (dims + 1);
    let mut data = Vec::with_capacity(rows * dims);
    for (r, rec) in words.chunks_exact(dims + 1).enumerate() {
        if rec[0] as usize != dims {
            return Err(malformed(format!(
                "record {r} has dimension {}, the first has {dims}",
                rec[0]
            )));
        }
        data.extend_from_slice(&rec[1..]);
    }
    Ok((rows, dims, data))
}

pub(super) fn read_fvecs(path: &Path, bytes: &[u8]) -> Result<Matrix, DataError> {
    let (rows, dims, words) = read_vecs_words(path, bytes, "fvecs")?;
    Ok(Matrix::new(
        rows,
        dims,
        words.into_iter().map(f32::from_bits).collect(),
    ))
}
