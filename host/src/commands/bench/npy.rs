//! The benchmark inputs shared with the Python comparison (`bench/compare.py` reads the same
//! files with `numpy.load`), written and read through `binaryllm_engine::data` (the one `.npy`
//! writer and reader, re-exported from binaryllm-formats).

use std::path::Path;

use anyhow::bail;
use binaryllm_engine::data;

/// Writes a C-order `.npy` of little-endian `data` with `descr` (`'<f4'`, `'<u4'`, `'|u1'`)
/// and `shape`, atomically, creating the directory.
pub fn write(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> anyhow::Result<()> {
    super::create_parent(path)?;
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let words = |bytes: &[u8]| -> Vec<[u8; 4]> {
        bytes
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect()
    };
    match descr {
        "|u1" => data::write_npy(path, &shape, data)?,
        "<f4" => {
            let v: Vec<f32> = words(data).into_iter().map(f32::from_le_bytes).collect();
            data::write_npy(path, &shape, &v)?;
        }
        "<u4" => {
            let v: Vec<u32> = words(data).into_iter().map(u32::from_le_bytes).collect();
            data::write_npy(path, &shape, &v)?;
        }
        other => bail!("{}: no writer for dtype {other}", path.display()),
    }
    Ok(())
}

/// Reads a 2-d `uint8` `.npy` file: `(rows, cols, bytes)`.
pub fn read_u8(path: &Path) -> anyhow::Result<(usize, usize, Vec<u8>)> {
    Ok(data::read_u8_matrix(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_inputs_read_back_through_the_formats_reader() {
        let d = tempfile::tempdir().unwrap();
        let codes = d.path().join("sub/codes.npy");
        write(&codes, "|u1", &[2, 3], &[1, 2, 3, 4, 5, 255]).unwrap();
        assert_eq!(read_u8(&codes).unwrap(), (2, 3, vec![1, 2, 3, 4, 5, 255]));
        let x = d.path().join("x.npy");
        let v = [1.5f32, -2.0];
        let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
        write(&x, "<f4", &[1, 2], &bytes).unwrap();
        assert_eq!(data::read_matrix(&x).unwrap().data, v);
        let ids = d.path().join("ids.npy");
        write(&ids, "<u4", &[2], &[7, 0, 0, 0, 9, 0, 0, 0]).unwrap();
        assert_eq!(data::read_ints(&ids).unwrap().data, [7, 9]);
        assert!(read_u8(&x).is_err());
        assert!(write(&x, "<f8", &[1], &[0; 8]).is_err());
    }
}
