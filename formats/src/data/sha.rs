//! sha256 digests of files and bytes (lowercase hex).

#[allow(unused_imports)]
use super::*;

/// Lowercase hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    use sha2::{Digest, Sha256};
    let mut file = fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    io::copy(&mut file, &mut h).map_err(io_err(path))?;
    Ok(hex(&h.finalize()))
}

/// Lowercase hex sha256 of bytes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
