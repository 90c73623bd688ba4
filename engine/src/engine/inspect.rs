//! The bit-order doctor: which layout codes made by another tool use, told from the floats
//! they were made from, and the conversion into binaryllm's codes.
//!
//! Binary quantisation goes wrong at the seams between tools: bit order inside a byte
//! (FAISS, sqlite-vec and `packbits(bitorder="little")` are LSB-first; numpy's default
//! `packbits`, sentence-transformers `ubinary` and pgvector `bit(n)` are MSB-first), polarity
//! (Weaviate sets a bit for a *negative* value), sentence-transformers' signed `binary` form
//! (`ubinary − 128` as `int8`: every byte's top bit flipped), the rule at exactly zero
//! (binaryllm: `x >= 0`, `−0.0` included; numpy `x > 0`, pgvector `binary_quantize`: `> 0`)
//! and one byte per bit instead of eight.
//!
//! [`inspect`] decodes the codes under every combination of bit order, offset and polarity
//! and counts, over the coordinates that are not exactly zero, how often the decoded bit
//! equals `x > 0`; a layout that explains every such coordinate (and only one does) is the
//! answer. The coordinates that are exactly zero then tell the threshold rule. The codes
//! must be the signs of the floats themselves (`bits = dims`, no projection).
//! [`convert`] turns codes of a [`Layout`] into a [`CodeMatrix`] (binaryllm's bit `j` = sign
//! of coordinate `j`, positive polarity).

use std::fmt;

use binaryllm_core::CodeLayout;
use binaryllm_core::bytes::{ByteOrder, from_bytes_into};

use crate::engine::CodeMatrix;

/// How the code bits are stored in the array's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Eight bits per byte, `ceil(dims / 8)` bytes per code.
    Packed(ByteOrder),
    /// One byte per bit (values 0 and 1), `dims` bytes per code.
    Unpacked,
}

/// Which sign a set bit stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    /// A set bit is a non-negative coordinate (binaryllm, FAISS, numpy, pgvector).
    Positive,
    /// A set bit is a negative coordinate (Weaviate's binary quantisation).
    Negative,
}

/// A code layout: everything [`convert`] needs to turn the codes into binaryllm's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Packed (with its bit order) or one byte per bit.
    pub storage: Storage,
    /// Every byte's top bit flipped: the signed `binary` form (`packed − 128` as `int8`).
    pub signed_offset: bool,
    /// What a set bit means.
    pub polarity: Polarity,
}

impl Layout {
    /// binaryllm's own code bytes in `order` (what `binaryllm encode --codes-format` writes).
    pub const fn binaryllm(order: ByteOrder) -> Self {
        Self {
            storage: Storage::Packed(order),
            signed_offset: false,
            polarity: Polarity::Positive,
        }
    }

    /// Bit `j` of a code row under this layout, with the polarity undone (`true`: the
    /// coordinate is on the non-negative side). `row` has the layout's width.
    fn bit(&self, row: &[u8], j: usize) -> bool {
        let raw = match self.storage {
            Storage::Unpacked => row[j] != 0,
            Storage::Packed(order) => {
                let byte = row[j / 8] ^ if self.signed_offset { 0x80 } else { 0 };
                (byte >> bit_position(order, j % 8)) & 1 == 1
            }
        };
        raw ^ (self.polarity == Polarity::Negative)
    }

    /// The `binaryllm convert` flags that name this layout.
    pub fn convert_flags(&self) -> String {
        let mut flags = match self.storage {
            Storage::Packed(ByteOrder::Lsb) => "--bit-order lsb".to_owned(),
            Storage::Packed(ByteOrder::Msb) => "--bit-order msb".to_owned(),
            Storage::Unpacked => "--unpacked".to_owned(),
        };
        if self.signed_offset {
            flags.push_str(" --signed-offset");
        }
        if self.polarity == Polarity::Negative {
            flags.push_str(" --polarity negative");
        }
        flags
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.storage {
            Storage::Packed(ByteOrder::Lsb) => f.write_str("packed LSB-first")?,
            Storage::Packed(ByteOrder::Msb) => f.write_str("packed MSB-first")?,
            Storage::Unpacked => f.write_str("one byte per bit")?,
        }
        if self.signed_offset {
            f.write_str(", signed (−128 offset)")?;
        }
        match self.polarity {
            Polarity::Positive => f.write_str(", set bit = positive"),
            Polarity::Negative => f.write_str(", set bit = negative"),
        }
    }
}

/// The position inside a byte of the byte's `i`-th code bit.
const fn bit_position(order: ByteOrder, i: usize) -> usize {
    match order {
        ByteOrder::Lsb => i,
        ByteOrder::Msb => 7 - i,
    }
}

/// What a coordinate of exactly zero becomes, in terms of the polarity-corrected bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroRule {
    /// Zero is on the non-negative side: `x >= 0` (binaryllm; with negative polarity `x < 0`
    /// sets the bit).
    Inclusive,
    /// Zero is on the negative side: `x > 0` (numpy `packbits(x > 0)`, pgvector
    /// `binary_quantize`; with negative polarity `x <= 0` sets the bit).
    Exclusive,
    /// By the sign bit: `+0.0` non-negative, `−0.0` negative (`~numpy.signbit(x)`).
    SignBit,
    /// Zeros of one sign got both bits: no threshold rule explains them.
    Inconsistent,
    /// The floats have no exact zeros: every rule fits.
    Undetermined,
}

impl ZeroRule {
    /// The rule as the condition that sets a bit, for `polarity`.
    pub const fn describe(self, polarity: Polarity) -> &'static str {
        match (self, polarity) {
            (ZeroRule::Inclusive, Polarity::Positive) => "x >= 0 sets the bit (binaryllm's rule)",
            (ZeroRule::Inclusive, Polarity::Negative) => "x < 0 sets the bit",
            (ZeroRule::Exclusive, Polarity::Positive) => "x > 0 sets the bit",
            (ZeroRule::Exclusive, Polarity::Negative) => "x <= 0 sets the bit",
            (ZeroRule::SignBit, _) => "the sign bit decides (-0.0 counts as negative)",
            (ZeroRule::Inconsistent, _) => "inconsistent: zeros of one sign got both bit values",
            (ZeroRule::Undetermined, _) => "undetermined: the floats have no exact zeros",
        }
    }
}

/// How many coordinates of each zero sign got a non-negative bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Zeros {
    /// Coordinates equal to `+0.0`.
    pub positive: u64,
    /// Of them, with a non-negative (polarity-corrected) bit.
    pub positive_set: u64,
    /// Coordinates equal to `−0.0`.
    pub negative: u64,
    /// Of them, with a non-negative bit.
    pub negative_set: u64,
}

impl Zeros {
    /// The threshold rule these counts show.
    pub fn rule(&self) -> ZeroRule {
        let (p, ps, n, ns) = (
            self.positive,
            self.positive_set,
            self.negative,
            self.negative_set,
        );
        if p + n == 0 {
            ZeroRule::Undetermined
        } else if (ps != 0 && ps != p) || (ns != 0 && ns != n) {
            ZeroRule::Inconsistent
        } else if ps + ns == p + n {
            ZeroRule::Inclusive
        } else if ps + ns == 0 {
            ZeroRule::Exclusive
        } else if ps == p {
            // Zeros of both signs, every +0.0 set and every -0.0 clear.
            ZeroRule::SignBit
        } else {
            // Every -0.0 set and every +0.0 clear: no rule does that.
            ZeroRule::Inconsistent
        }
    }
}

/// One candidate layout and how many non-zero coordinates it explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fit {
    /// The layout.
    pub layout: Layout,
    /// Coordinates (not exactly zero, not NaN) whose decoded bit equals `x > 0`.
    pub agree: u64,
}

/// What [`inspect`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// Codes (= float rows).
    pub rows: usize,
    /// Float dimensions (= code bits).
    pub dims: usize,
    /// Bytes per code row as stored.
    pub bytes_per_row: usize,
    /// Coordinates compared (not exactly zero, not NaN).
    pub compared: u64,
    /// Every candidate layout, best first (ties in a fixed order).
    pub fits: Vec<Fit>,
    /// The zeros under the best layout.
    pub zeros: Zeros,
    /// Set padding bits (past `dims` in the last byte) under the best layout, undoing its
    /// offset and polarity.
    pub padding_set: u64,
}

/// Why the codes' layout is not known for certain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// One layout explains every compared coordinate.
    Identified(Layout),
    /// Several layouts explain every compared coordinate (e.g. floats of one sign only).
    Ambiguous(Vec<Layout>),
    /// The best layout leaves coordinates unexplained: not the signs of these floats (a
    /// projection, another row order, other floats).
    Unexplained {
        /// The best layout.
        best: Layout,
        /// Coordinates it does not explain.
        disagree: u64,
    },
}

impl Inspection {
    /// The best fit.
    pub fn best(&self) -> Fit {
        self.fits[0]
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        let exact: Vec<Layout> = self
            .fits
            .iter()
            .filter(|f| f.agree == self.compared)
            .map(|f| f.layout)
            .collect();
        match exact.len() {
            0 => Verdict::Unexplained {
                best: self.best().layout,
                disagree: self.compared - self.best().agree,
            },
            1 => Verdict::Identified(exact[0]),
            _ => Verdict::Ambiguous(exact),
        }
    }

    /// The threshold rule the zeros show.
    pub fn zero_rule(&self) -> ZeroRule {
        self.zeros.rule()
    }

    /// Coordinates where [`convert`]ed codes differ from binaryllm's own `x >= 0` signs of
    /// the same floats (zeros the codes' rule put on the negative side).
    pub fn zeros_unlike_binaryllm(&self) -> u64 {
        (self.zeros.positive - self.zeros.positive_set)
            + (self.zeros.negative - self.zeros.negative_set)
    }

    /// The report as lines: the verdict, then each finding with its evidence.
    pub fn evidence(&self) -> Vec<String> {
        let pct = |a: u64| {
            if self.compared == 0 {
                0.0
            } else {
                100.0 * a as f64 / self.compared as f64
            }
        };
        let best = self.best();
        let mut lines = vec![format!(
            "{} codes of {} bytes from {}-dim floats: {} coordinates compared (not exactly 0)",
            self.rows, self.bytes_per_row, self.dims, self.compared
        )];
        lines.push(match best.layout.storage {
            Storage::Unpacked => format!(
                "bits vs bytes: one byte per bit ({} bytes per code, every byte 0 or 1)",
                self.bytes_per_row
            ),
            Storage::Packed(_) => format!(
                "bits vs bytes: packed, 8 bits per byte ({} bytes = ceil({} / 8))",
                self.bytes_per_row, self.dims
            ),
        });
        for f in &self.fits {
            lines.push(format!(
                "  {:<58} explains {:>7.3}% ({} of {})",
                f.layout.to_string(),
                pct(f.agree),
                f.agree,
                self.compared
            ));
        }
        let z = self.zeros;
        lines.push(format!(
            "threshold rule: {} (+0.0: {} of {} non-negative bits; -0.0: {} of {})",
            self.zero_rule().describe(best.layout.polarity),
            z.positive_set,
            z.positive,
            z.negative_set,
            z.negative
        ));
        if !self.dims.is_multiple_of(8) && matches!(best.layout.storage, Storage::Packed(_)) {
            lines.push(format!(
                "padding: {} set bits past bit {} of the last bytes",
                self.padding_set, self.dims
            ));
        }
        lines
    }
}

/// Why codes cannot be inspected or converted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum InspectError {
    /// The codes and the floats have different row counts.
    #[error(
        "the codes have {codes} rows but the floats {floats}: they must be the same vectors in the same order"
    )]
    Rows {
        /// Code rows.
        codes: usize,
        /// Float rows.
        floats: usize,
    },
    /// The code width fits neither packed nor unpacked codes of `dims` bits.
    #[error(
        "the codes have {bytes_per_row} bytes per row; {dims}-dim floats make {packed} packed bytes or {dims} unpacked (one byte per bit) — were these codes made from a projection of another width?"
    )]
    Width {
        /// Bytes per code row.
        bytes_per_row: usize,
        /// Float dimensions.
        dims: usize,
        /// `ceil(dims / 8)`.
        packed: usize,
    },
    /// One byte per bit, but a byte other than 0 or 1.
    #[error("unpacked codes hold one bit per byte, but row {row} byte {byte} is {value}")]
    NotABit {
        /// The row.
        row: usize,
        /// The byte in it.
        byte: usize,
        /// Its value.
        value: u8,
    },
    /// The byte count is not `rows · bytes_per_row`.
    #[error("{got} code bytes are not {rows} rows of {bytes_per_row}")]
    Shape {
        /// Bytes given.
        got: usize,
        /// Rows.
        rows: usize,
        /// Bytes per row.
        bytes_per_row: usize,
    },
    /// More bits than a binaryllm code holds.
    #[error("{dims}-bit codes are wider than binaryllm's limit of {max} bits", max = binaryllm_core::MAX_BITS)]
    TooWide {
        /// Float dimensions (= code bits).
        dims: usize,
    },
    /// No code or no dimension.
    #[error("nothing to inspect: {rows} rows of {dims} dimensions")]
    Empty {
        /// Rows.
        rows: usize,
        /// Dimensions.
        dims: usize,
    },
}

/// The storage a code width means for `dims`-bit codes: `None` for packed (order still to be
/// found), `Some(Unpacked)` for one byte per bit.
fn storage_of(bytes_per_row: usize, dims: usize) -> Result<Option<Storage>, InspectError> {
    let packed = dims.div_ceil(8);
    if bytes_per_row == packed {
        Ok(None)
    } else if bytes_per_row == dims {
        Ok(Some(Storage::Unpacked))
    } else {
        Err(InspectError::Width {
            bytes_per_row,
            dims,
            packed,
        })
    }
}

fn check_shape(codes: &[u8], rows: usize, bytes_per_row: usize) -> Result<(), InspectError> {
    if rows.checked_mul(bytes_per_row) != Some(codes.len()) {
        return Err(InspectError::Shape {
            got: codes.len(),
            rows,
            bytes_per_row,
        });
    }
    Ok(())
}

fn check_unpacked(codes: &[u8], bytes_per_row: usize) -> Result<(), InspectError> {
    match codes.iter().position(|&b| b > 1) {
        Some(at) => Err(InspectError::NotABit {
            row: at / bytes_per_row,
            byte: at % bytes_per_row,
            value: codes[at],
        }),
        None => Ok(()),
    }
}

/// The candidate layouts of a storage, in the order ties are reported.
fn candidates(storage: Option<Storage>) -> Vec<Layout> {
    let storages = match storage {
        Some(s) => vec![(s, false)],
        None => vec![
            (Storage::Packed(ByteOrder::Lsb), false),
            (Storage::Packed(ByteOrder::Msb), false),
            (Storage::Packed(ByteOrder::Lsb), true),
            (Storage::Packed(ByteOrder::Msb), true),
        ],
    };
    let mut out = Vec::with_capacity(2 * storages.len());
    for polarity in [Polarity::Positive, Polarity::Negative] {
        for &(storage, signed_offset) in &storages {
            out.push(Layout {
                storage,
                signed_offset,
                polarity,
            });
        }
    }
    out
}

/// Finds the layout of `codes` (`rows × bytes_per_row` bytes, as stored: an `int8` array's
/// bytes as they are) made from the `floats` (`rows × dims`, row-major).
pub fn inspect(
    codes: &[u8],
    bytes_per_row: usize,
    floats: &[f32],
    dims: usize,
) -> Result<Inspection, InspectError> {
    let rows = codes.len().checked_div(bytes_per_row).unwrap_or(0);
    if rows == 0 || dims == 0 {
        return Err(InspectError::Empty { rows, dims });
    }
    check_shape(codes, rows, bytes_per_row)?;
    if floats.len() != rows * dims {
        return Err(InspectError::Rows {
            codes: rows,
            floats: floats.len() / dims,
        });
    }
    let storage = storage_of(bytes_per_row, dims)?;
    if storage.is_some() {
        check_unpacked(codes, bytes_per_row)?;
    }
    let layouts = candidates(storage);
    let mut agree = vec![0u64; layouts.len()];
    let mut compared = 0u64;
    for (row, x) in codes
        .chunks_exact(bytes_per_row)
        .zip(floats.chunks_exact(dims))
    {
        for (j, &v) in x.iter().enumerate() {
            if v == 0.0 || v.is_nan() {
                continue;
            }
            compared += 1;
            for (a, layout) in agree.iter_mut().zip(&layouts) {
                *a += u64::from(layout.bit(row, j) == (v > 0.0));
            }
        }
    }
    let mut fits: Vec<Fit> = layouts
        .into_iter()
        .zip(agree)
        .map(|(layout, agree)| Fit { layout, agree })
        .collect();
    // Stable: ties keep the candidates' order.
    fits.sort_by_key(|f| std::cmp::Reverse(f.agree));
    let best = fits[0].layout;
    Ok(Inspection {
        rows,
        dims,
        bytes_per_row,
        compared,
        zeros: count_zeros(codes, bytes_per_row, floats, dims, &best),
        padding_set: count_padding(codes, bytes_per_row, dims, &best),
        fits,
    })
}

fn count_zeros(
    codes: &[u8],
    bytes_per_row: usize,
    floats: &[f32],
    dims: usize,
    layout: &Layout,
) -> Zeros {
    let mut z = Zeros::default();
    for (row, x) in codes
        .chunks_exact(bytes_per_row)
        .zip(floats.chunks_exact(dims))
    {
        for (j, &v) in x.iter().enumerate() {
            if v != 0.0 {
                continue;
            }
            let set = u64::from(layout.bit(row, j));
            if v.is_sign_negative() {
                z.negative += 1;
                z.negative_set += set;
            } else {
                z.positive += 1;
                z.positive_set += set;
            }
        }
    }
    z
}

/// Set padding bits under `layout`'s storage and offset (before polarity: padding a tool
/// left zero is zero in its own bytes).
fn count_padding(codes: &[u8], bytes_per_row: usize, dims: usize, layout: &Layout) -> u64 {
    let Storage::Packed(order) = layout.storage else {
        return 0;
    };
    if dims.is_multiple_of(8) {
        return 0;
    }
    let offset = if layout.signed_offset { 0x80 } else { 0 };
    let mut set = 0;
    for row in codes.chunks_exact(bytes_per_row) {
        let last = row[bytes_per_row - 1] ^ offset;
        for i in dims % 8..8 {
            set += u64::from((last >> bit_position(order, i)) & 1);
        }
    }
    set
}

/// Converts `codes` of `layout` (`rows × bytes_per_row` bytes as stored) into binaryllm's
/// `dims`-bit codes; padding bits are dropped.
pub fn convert(
    codes: &[u8],
    bytes_per_row: usize,
    dims: usize,
    layout: &Layout,
) -> Result<CodeMatrix, InspectError> {
    let rows = codes.len().checked_div(bytes_per_row).unwrap_or(0);
    if dims == 0 {
        return Err(InspectError::Empty { rows, dims });
    }
    check_shape(codes, rows, bytes_per_row)?;
    let want = match layout.storage {
        Storage::Unpacked => dims,
        Storage::Packed(_) => dims.div_ceil(8),
    };
    if bytes_per_row != want {
        return Err(InspectError::Width {
            bytes_per_row,
            dims,
            packed: dims.div_ceil(8),
        });
    }
    if layout.storage == Storage::Unpacked {
        check_unpacked(codes, bytes_per_row)?;
    }
    let code = CodeLayout::new(dims).map_err(|_| InspectError::TooWide { dims })?;
    let mut words = vec![0u64; rows * code.words()];
    let mut lsb = vec![0u8; code.bytes()];
    for (row, out) in codes
        .chunks_exact(bytes_per_row)
        .zip(words.chunks_exact_mut(code.words()))
    {
        lsb.fill(0);
        for j in 0..dims {
            lsb[j / 8] |= u8::from(layout.bit(row, j)) << (j % 8);
        }
        // The bytes were built bit by bit within `dims`: the padding is zero.
        let _ = from_bytes_into(code, &lsb, ByteOrder::Lsb, out);
    }
    Ok(CodeMatrix::new(code, words).expect("every code was built within `dims` bits"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::uniform_rows;

    /// Codes of `layout` made the way the other tools make them, written out per case (not via
    /// [`Layout::bit`]): `rule` decides a coordinate's sign, then the storage places the bit.
    fn made_by(x: &[f32], dims: usize, layout: Layout, rule: fn(f32) -> bool) -> Vec<u8> {
        let width = match layout.storage {
            Storage::Unpacked => dims,
            Storage::Packed(_) => dims.div_ceil(8),
        };
        let mut out = Vec::new();
        for row in x.chunks_exact(dims) {
            let mut code = vec![0u8; width];
            for (j, &v) in row.iter().enumerate() {
                let bit = rule(v) != (layout.polarity == Polarity::Negative);
                match layout.storage {
                    Storage::Unpacked => code[j] = u8::from(bit),
                    Storage::Packed(ByteOrder::Lsb) => code[j / 8] |= u8::from(bit) << (j % 8),
                    Storage::Packed(ByteOrder::Msb) => code[j / 8] |= u8::from(bit) << (7 - j % 8),
                }
            }
            if layout.signed_offset {
                // numpy: (packed - 128).astype(np.int8), the bytes of which flip the top bit.
                code.iter_mut()
                    .for_each(|b| *b = (i16::from(*b) - 128) as i8 as u8);
            }
            out.extend(code);
        }
        out
    }

    fn ours(v: f32) -> bool {
        v >= 0.0
    }
    fn strict(v: f32) -> bool {
        v > 0.0
    }
    fn signbit(v: f32) -> bool {
        !v.is_sign_negative()
    }

    /// Floats with exact zeros of both signs sprinkled in.
    fn floats_with_zeros(rows: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut x = uniform_rows(rows, dims, seed, *b"inspect_");
        for (i, v) in x.iter_mut().enumerate() {
            match i % 23 {
                0 => *v = 0.0,
                11 => *v = -0.0,
                _ => {}
            }
        }
        x
    }

    fn all_layouts() -> Vec<Layout> {
        let mut out = candidates(None);
        out.extend(candidates(Some(Storage::Unpacked)));
        out
    }

    #[test]
    fn every_layout_is_identified_and_converts_to_our_signs() {
        for dims in [8, 13, 64, 100] {
            let x = floats_with_zeros(40, dims, dims as u64);
            let want = crate::engine::CodeMatrix::new(
                CodeLayout::new(dims).unwrap(),
                x.chunks_exact(dims)
                    .flat_map(|r| {
                        let mut w = vec![0u64; dims.div_ceil(64)];
                        for (j, &v) in r.iter().enumerate() {
                            w[j / 64] |= u64::from(ours(v)) << (j % 64);
                        }
                        w
                    })
                    .collect(),
            )
            .unwrap();
            for layout in all_layouts() {
                let codes = made_by(&x, dims, layout, ours);
                let width = codes.len() / 40;
                let found = inspect(&codes, width, &x, dims).unwrap();
                assert_eq!(
                    found.verdict(),
                    Verdict::Identified(layout),
                    "{layout} dims {dims}"
                );
                assert_eq!(found.zero_rule(), ZeroRule::Inclusive, "{layout}");
                assert_eq!(found.zeros_unlike_binaryllm(), 0);
                assert_eq!(found.padding_set, 0, "{layout}");
                assert_eq!(
                    convert(&codes, width, dims, &layout).unwrap(),
                    want,
                    "{layout}"
                );
            }
        }
    }

    #[test]
    fn the_zeros_tell_the_threshold_rule() {
        let (rows, dims) = (30, 48);
        let x = floats_with_zeros(rows, dims, 7);
        let zeros = x.iter().filter(|v| **v == 0.0).count() as u64;
        for layout in all_layouts() {
            for (rule, want) in [
                (ours as fn(f32) -> bool, ZeroRule::Inclusive),
                (strict, ZeroRule::Exclusive),
                (signbit, ZeroRule::SignBit),
            ] {
                let codes = made_by(&x, dims, layout, rule);
                let found = inspect(&codes, codes.len() / rows, &x, dims).unwrap();
                assert_eq!(found.verdict(), Verdict::Identified(layout));
                assert_eq!(found.zero_rule(), want, "{layout}");
                let unlike = match want {
                    ZeroRule::Inclusive => 0,
                    ZeroRule::Exclusive => zeros,
                    _ => found.zeros.negative,
                };
                assert_eq!(found.zeros_unlike_binaryllm(), unlike);
            }
        }
    }

    #[test]
    fn zero_rule_cases() {
        let z = |positive, positive_set, negative, negative_set| Zeros {
            positive,
            positive_set,
            negative,
            negative_set,
        };
        assert_eq!(z(0, 0, 0, 0).rule(), ZeroRule::Undetermined);
        assert_eq!(z(3, 3, 0, 0).rule(), ZeroRule::Inclusive);
        assert_eq!(z(0, 0, 2, 2).rule(), ZeroRule::Inclusive);
        assert_eq!(z(3, 0, 2, 0).rule(), ZeroRule::Exclusive);
        assert_eq!(z(3, 3, 2, 0).rule(), ZeroRule::SignBit);
        assert_eq!(z(3, 0, 2, 2).rule(), ZeroRule::Inconsistent);
        assert_eq!(z(3, 2, 0, 0).rule(), ZeroRule::Inconsistent);
        assert_eq!(z(3, 3, 2, 1).rule(), ZeroRule::Inconsistent);
        assert_eq!(z(1, 0, 2, 1).rule(), ZeroRule::Inconsistent);
    }

    #[test]
    fn codes_of_other_floats_are_unexplained() {
        let (rows, dims) = (50, 32);
        let x = uniform_rows(rows, dims, 1, *b"inspect_");
        let other = uniform_rows(rows, dims, 2, *b"inspect_");
        let layout = Layout::binaryllm(ByteOrder::Msb);
        let codes = made_by(&other, dims, layout, ours);
        let found = inspect(&codes, 4, &x, dims).unwrap();
        let Verdict::Unexplained { disagree, .. } = found.verdict() else {
            panic!("{:?}", found.verdict());
        };
        assert_eq!(disagree, found.compared - found.best().agree);
        assert!(disagree > 0 && disagree < found.compared);
        assert_eq!(found.compared, (rows * dims) as u64);
        // The best fit explains more than any other and about half of the coordinates.
        assert!(found.fits.windows(2).all(|w| w[0].agree >= w[1].agree));
        assert!(found.best().agree < found.compared * 3 / 4);
    }

    #[test]
    fn one_signed_floats_are_ambiguous() {
        // All positive: "every bit set" under positive polarity, with or without offset, in
        // either order; the offset flips a bit in every byte, so only the polarity and order
        // cannot be told apart.
        let (rows, dims) = (10, 16);
        let x: Vec<f32> = (0..rows * dims).map(|i| 1.0 + i as f32).collect();
        let codes = made_by(&x, dims, Layout::binaryllm(ByteOrder::Lsb), ours);
        let found = inspect(&codes, 2, &x, dims).unwrap();
        assert_eq!(
            found.verdict(),
            Verdict::Ambiguous(vec![
                Layout::binaryllm(ByteOrder::Lsb),
                Layout::binaryllm(ByteOrder::Msb)
            ])
        );
    }

    #[test]
    fn padding_bits_are_counted_where_the_order_puts_them() {
        let (rows, dims) = (4, 12);
        let x = uniform_rows(rows, dims, 3, *b"inspect_");
        for order in [ByteOrder::Lsb, ByteOrder::Msb] {
            let layout = Layout::binaryllm(order);
            let mut codes = made_by(&x, dims, layout, ours);
            // Set every padding bit (positions 4..8 of the code's last byte).
            for row in codes.chunks_exact_mut(2) {
                for i in 4..8 {
                    row[1] |= 1 << bit_position(order, i);
                }
            }
            let found = inspect(&codes, 2, &x, dims).unwrap();
            assert_eq!(found.verdict(), Verdict::Identified(layout));
            assert_eq!(found.padding_set, 4 * rows as u64);
            // convert drops them
            let ours = convert(&codes, 2, dims, &layout).unwrap();
            assert!(ours.words().iter().all(|w| w >> dims == 0));
        }
    }

    #[test]
    fn bad_shapes_are_typed_errors() {
        let x = uniform_rows(3, 16, 0, *b"inspect_");
        assert_eq!(
            inspect(&[0; 9], 3, &x, 16),
            Err(InspectError::Width {
                bytes_per_row: 3,
                dims: 16,
                packed: 2
            })
        );
        assert_eq!(
            inspect(&[0; 8], 2, &x, 16),
            Err(InspectError::Rows {
                codes: 4,
                floats: 3
            })
        );
        assert_eq!(
            inspect(&[0; 7], 2, &x, 16),
            Err(InspectError::Shape {
                got: 7,
                rows: 3,
                bytes_per_row: 2
            })
        );
        assert_eq!(
            inspect(&[], 2, &[], 16),
            Err(InspectError::Empty { rows: 0, dims: 16 })
        );
        assert_eq!(
            inspect(&[0; 6], 0, &x, 16),
            Err(InspectError::Empty { rows: 0, dims: 16 })
        );
        let mut unpacked = vec![0u8; 48];
        unpacked[20] = 2;
        assert_eq!(
            inspect(&unpacked, 16, &x, 16),
            Err(InspectError::NotABit {
                row: 1,
                byte: 4,
                value: 2
            })
        );
        assert_eq!(
            convert(&[0; 6], 2, 24, &Layout::binaryllm(ByteOrder::Lsb)),
            Err(InspectError::Width {
                bytes_per_row: 2,
                dims: 24,
                packed: 3
            })
        );
        let unpacked_layout = Layout {
            storage: Storage::Unpacked,
            signed_offset: false,
            polarity: Polarity::Positive,
        };
        assert_eq!(
            convert(&[0, 1, 5, 0], 2, 2, &unpacked_layout),
            Err(InspectError::NotABit {
                row: 1,
                byte: 0,
                value: 5
            })
        );
        let wide = binaryllm_core::MAX_BITS + 1;
        assert_eq!(
            convert(&vec![0; wide], wide, wide, &unpacked_layout),
            Err(InspectError::TooWide { dims: wide })
        );
    }

    #[test]
    fn the_evidence_names_every_finding() {
        let (rows, dims) = (6, 12);
        let mut x = uniform_rows(rows, dims, 5, *b"inspect_");
        x[3] = 0.0;
        x[7] = -0.0;
        let layout = Layout::binaryllm(ByteOrder::Msb);
        let codes = made_by(&x, dims, layout, strict);
        let found = inspect(&codes, 2, &x, dims).unwrap();
        let lines = found.evidence();
        let compared = rows * dims - 2;
        assert_eq!(
            lines[0],
            format!(
                "6 codes of 2 bytes from 12-dim floats: {compared} coordinates compared (not exactly 0)"
            )
        );
        assert_eq!(
            lines[1],
            "bits vs bytes: packed, 8 bits per byte (2 bytes = ceil(12 / 8))"
        );
        assert_eq!(lines.len(), 2 + 8 + 2);
        assert!(
            lines[2].starts_with("  packed MSB-first, set bit = positive "),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].ends_with(&format!("explains 100.000% ({compared} of {compared})")),
            "{}",
            lines[2]
        );
        assert!(
            lines[9].ends_with(&format!("explains   0.000% (0 of {compared})")),
            "{}",
            lines[9]
        );
        assert_eq!(
            lines[10],
            "threshold rule: x > 0 sets the bit (+0.0: 0 of 1 non-negative bits; -0.0: 0 of 1)"
        );
        assert_eq!(
            lines[11],
            "padding: 0 set bits past bit 12 of the last bytes"
        );
        // Whole bytes: no padding line; one byte per bit: no padding line either.
        let x16 = uniform_rows(rows, 16, 5, *b"inspect_");
        let c16 = made_by(&x16, 16, layout, ours);
        assert!(
            !inspect(&c16, 2, &x16, 16)
                .unwrap()
                .evidence()
                .iter()
                .any(|l| l.starts_with("padding"))
        );
        let unpacked = Layout {
            storage: Storage::Unpacked,
            signed_offset: false,
            polarity: Polarity::Positive,
        };
        let cu = made_by(&x, dims, unpacked, ours);
        let lines = inspect(&cu, dims, &x, dims).unwrap().evidence();
        assert_eq!(
            lines[1],
            "bits vs bytes: one byte per bit (12 bytes per code, every byte 0 or 1)"
        );
        assert!(!lines.iter().any(|l| l.starts_with("padding")));
        for (rule, polarity, want) in [
            (
                ZeroRule::Inclusive,
                Polarity::Positive,
                "x >= 0 sets the bit (binaryllm's rule)",
            ),
            (
                ZeroRule::Exclusive,
                Polarity::Negative,
                "x <= 0 sets the bit",
            ),
            (
                ZeroRule::Inclusive,
                Polarity::Negative,
                "x < 0 sets the bit",
            ),
            (
                ZeroRule::Exclusive,
                Polarity::Positive,
                "x > 0 sets the bit",
            ),
        ] {
            assert_eq!(rule.describe(polarity), want);
        }
        assert!(
            ZeroRule::SignBit
                .describe(Polarity::Positive)
                .contains("-0.0 counts as negative")
        );
        assert!(
            ZeroRule::Undetermined
                .describe(Polarity::Positive)
                .contains("no exact zeros")
        );
        assert!(
            ZeroRule::Inconsistent
                .describe(Polarity::Positive)
                .contains("both bit values")
        );
    }

    #[test]
    fn convert_flags_name_the_layout() {
        let l = Layout {
            storage: Storage::Packed(ByteOrder::Msb),
            signed_offset: true,
            polarity: Polarity::Negative,
        };
        assert_eq!(
            l.convert_flags(),
            "--bit-order msb --signed-offset --polarity negative"
        );
        assert_eq!(
            Layout::binaryllm(ByteOrder::Lsb).convert_flags(),
            "--bit-order lsb"
        );
        let u = Layout {
            storage: Storage::Unpacked,
            signed_offset: false,
            polarity: Polarity::Positive,
        };
        assert_eq!(u.convert_flags(), "--unpacked");
        assert_eq!(
            l.to_string(),
            "packed MSB-first, signed (−128 offset), set bit = negative"
        );
    }
}
