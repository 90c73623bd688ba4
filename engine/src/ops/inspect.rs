//! `binaryllm inspect` and `binaryllm convert` over files: the bit-order doctor of
//! [`crate::engine::inspect`] on a code array made by another tool and the floats it came
//! from, and the conversion of such codes into a binaryllm code file with its sidecar.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::Stage;
use crate::data::{self, ByteDtype};
use crate::engine::inspect::{self, Inspection, Layout, Polarity, Storage, Verdict, ZeroRule};
use crate::engine::sidecar::{ByteOrder, CODES_FORMAT, FileRef, Sidecar, Tool, VERSION};
use crate::ops::codes::bit_order;
use crate::outfile::{Target, Written};

/// Inspecting codes made elsewhere (`binaryllm inspect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectRequest {
    /// The codes: a 2-D `uint8`, `int8` or `bool` `.npy`.
    pub codes: PathBuf,
    /// The float vectors they were made from, same rows in the same order.
    pub floats: PathBuf,
}

/// What [`inspect()`] found in two files.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectReport {
    /// The files (`None` for arrays inspected in memory, e.g. from Python: no paths, no
    /// command line).
    pub request: Option<InspectRequest>,
    /// The codes' dtype.
    pub dtype: ByteDtype,
    /// The findings.
    pub inspection: Inspection,
}

impl InspectReport {
    /// The identified layout, if one layout explains every coordinate.
    pub fn layout(&self) -> Option<Layout> {
        match self.inspection.verdict() {
            Verdict::Identified(l) => Some(l),
            _ => None,
        }
    }

    /// The `binaryllm convert` command that turns the codes into binaryllm's (when identified).
    pub fn convert_command(&self) -> Option<String> {
        let layout = self.layout()?;
        let request = self.request.as_ref()?;
        let bits = if self.inspection.dims.is_multiple_of(8) {
            String::new()
        } else {
            format!(" --bits {}", self.inspection.dims)
        };
        Some(format!(
            "binaryllm convert --codes {} {}{} --floats {} --out {}",
            quote(&request.codes),
            layout.convert_flags(),
            bits,
            quote(&request.floats),
            quote(&converted_name(&request.codes)),
        ))
    }

    /// The report as text lines: the verdict first, then the evidence.
    pub fn lines(&self) -> Vec<String> {
        let i = &self.inspection;
        let mut out = vec![match i.verdict() {
            Verdict::Identified(l) => format!("identified: {l}"),
            Verdict::Ambiguous(ls) => format!(
                "ambiguous: {} layouts explain every coordinate ({}) — the floats do not tell them apart (one sign only?)",
                ls.len(),
                ls.iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Verdict::Unexplained { best, disagree } => format!(
                "not identified: the best layout ({best}) leaves {disagree} of {} coordinates unexplained — \
                 these are not the signs of these floats (a projection, another row order, other floats?)",
                i.compared
            ),
        }];
        let (codes, floats) = match &self.request {
            Some(r) => (
                r.codes.display().to_string(),
                r.floats.display().to_string(),
            ),
            None => ("the array".into(), "the array".into()),
        };
        out.push(format!(
            "codes: {codes} ({} {:?}), floats: {floats}",
            self.dtype.name(),
            [i.rows, i.bytes_per_row],
        ));
        out.push(self.dtype_evidence());
        out.extend(i.evidence());
        if let Some(l) = self.layout() {
            let unlike = i.zeros_unlike_binaryllm();
            if unlike > 0 {
                out.push(format!(
                    "note: {unlike} zero coordinates are on the negative side in these codes; binaryllm's `x >= 0` puts them on the \
                     positive side: converted codes keep the codes' bits, `binaryllm encode` of the floats would differ there"
                ));
            }
            if l.polarity == Polarity::Negative {
                out.push("note: inverted polarity: every Hamming distance is the same after conversion (all bits flip), but the codes are not binaryllm's signs until converted".into());
            }
        }
        if let Some(cmd) = self.convert_command() {
            out.push(format!("convert: {cmd}"));
        }
        out
    }

    /// The dtype's line of evidence.
    fn dtype_evidence(&self) -> String {
        let best = self.inspection.best().layout;
        match (self.dtype, best.signed_offset) {
            (ByteDtype::Int8, true) => {
                "dtype int8 with every byte's top bit flipped: sentence-transformers' signed `binary` form (ubinary − 128)".into()
            }
            (ByteDtype::Int8, false) => {
                "dtype int8, but no −128 offset: the bytes are unsigned codes stored as int8".into()
            }
            (_, true) => format!(
                "dtype {} with every byte's top bit flipped: a signed form (−128 offset) stored unsigned",
                self.dtype.name()
            ),
            (ByteDtype::Bool, false) => "dtype bool: one bit per element".into(),
            (ByteDtype::Uint8, false) => "dtype uint8: unsigned bytes, no offset".into(),
        }
    }

    /// The report as JSON (`inspect --json`): every finding with its evidence.
    pub fn to_json(&self) -> Value {
        let i = &self.inspection;
        let layout_json = |l: &Layout| {
            json!({
                "storage": match l.storage { Storage::Unpacked => "unpacked", Storage::Packed(_) => "packed" },
                "bit_order": match l.storage {
                    Storage::Packed(o) => Some(order_name(o)),
                    Storage::Unpacked => None,
                },
                "signed_offset": l.signed_offset,
                "polarity": polarity_name(l.polarity),
                "description": l.to_string(),
            })
        };
        let verdict = match i.verdict() {
            Verdict::Identified(_) => "identified",
            Verdict::Ambiguous(_) => "ambiguous",
            Verdict::Unexplained { .. } => "unexplained",
        };
        json!({
            "codes": self.request.as_ref().map(|r| r.codes.display().to_string()),
            "floats": self.request.as_ref().map(|r| r.floats.display().to_string()),
            "dtype": self.dtype.name(),
            "rows": i.rows,
            "dims": i.dims,
            "bytes_per_row": i.bytes_per_row,
            "verdict": verdict,
            "layout": self.layout().as_ref().map(layout_json),
            "compared": i.compared,
            "fits": i.fits.iter().map(|f| json!({"layout": layout_json(&f.layout), "agree": f.agree})).collect::<Vec<_>>(),
            "threshold": {
                "rule": zero_rule_name(i.zero_rule(), i.best().layout.polarity),
                "description": i.zero_rule().describe(i.best().layout.polarity),
                "positive_zeros": i.zeros.positive,
                "positive_zeros_set": i.zeros.positive_set,
                "negative_zeros": i.zeros.negative,
                "negative_zeros_set": i.zeros.negative_set,
                "unlike_binaryllm": i.zeros_unlike_binaryllm(),
            },
            "padding_set": i.padding_set,
            "convert": self.convert_command(),
            "convert_args": self.layout().map(|l| convert_args(&l, i.dims)),
            "evidence": self.lines(),
        })
    }
}

/// The arguments of a conversion of `dims`-bit codes of `layout` (`convert_args` of the JSON:
/// the keyword arguments of the Python `binaryllm.convert`, the flags of `binaryllm convert`).
pub fn convert_args(layout: &Layout, dims: usize) -> Value {
    json!({
        "bit_order": match layout.storage {
            Storage::Packed(o) => Some(order_name(o)),
            Storage::Unpacked => None,
        },
        "unpacked": layout.storage == Storage::Unpacked,
        "signed_offset": layout.signed_offset,
        "polarity": polarity_name(layout.polarity),
        "bits": dims,
    })
}

const fn polarity_name(p: Polarity) -> &'static str {
    match p {
        Polarity::Positive => "positive",
        Polarity::Negative => "negative",
    }
}

/// The JSON name of a threshold rule: the condition that sets a bit under `polarity`.
pub const fn zero_rule_name(r: ZeroRule, polarity: Polarity) -> &'static str {
    match (r, polarity) {
        (ZeroRule::Inclusive, Polarity::Positive) => ">=0",
        (ZeroRule::Exclusive, Polarity::Positive) => ">0",
        (ZeroRule::Inclusive, Polarity::Negative) => "<0",
        (ZeroRule::Exclusive, Polarity::Negative) => "<=0",
        (ZeroRule::SignBit, _) => "signbit",
        (ZeroRule::Inconsistent, _) => "inconsistent",
        (ZeroRule::Undetermined, _) => "undetermined",
    }
}

const fn order_name(o: binaryllm_core::bytes::ByteOrder) -> &'static str {
    match o {
        binaryllm_core::bytes::ByteOrder::Lsb => "lsb",
        binaryllm_core::bytes::ByteOrder::Msb => "msb",
    }
}

/// A path for a shell command line (single-quoted when it needs to be).
fn quote(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `X.npy` → `X.binaryllm.npy` beside it.
fn converted_name(codes: &Path) -> PathBuf {
    let stem = codes
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    codes.with_file_name(format!("{stem}.binaryllm.npy"))
}

/// Reads both files and inspects the codes.
pub fn inspect(r: &InspectRequest) -> Result<InspectReport> {
    let (dtype, (rows, bytes_per_row, bytes)) =
        data::read_byte_matrix(&r.codes).context(Stage::Load)?;
    let floats = data::read_matrix(&r.floats).context(Stage::Load)?;
    let inspection = inspect::inspect(&bytes, bytes_per_row, &floats.data, floats.cols)
        .with_context(|| {
            format!(
                "{}: {} ({rows} × {bytes_per_row} {}) against {} ({} × {})",
                Stage::Interop,
                r.codes.display(),
                dtype.name(),
                r.floats.display(),
                floats.rows,
                floats.cols
            )
        })?;
    Ok(InspectReport {
        request: Some(r.clone()),
        dtype,
        inspection,
    })
}

/// Converting codes made elsewhere into a binaryllm code file (`binaryllm convert`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertRequest {
    /// The codes: a 2-D `uint8`, `int8` or `bool` `.npy`.
    pub codes: PathBuf,
    /// Their layout (what `inspect` identified).
    pub layout: Layout,
    /// Code width (default: 8 × bytes per row for packed codes, bytes per row unpacked).
    pub bits: Option<usize>,
    /// The floats the codes were made from, recorded in the sidecar (optional).
    pub floats: Option<PathBuf>,
    /// Byte order of the written codes.
    pub order: ByteOrder,
    /// Output code file (`uint8 [N, bytes]` `.npy` with its sidecar).
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// Converts the codes of `r` and writes them with a sidecar (`projection: null`: binaryllm
/// did not make them; `source`: the converted file; `input`: the floats when given).
pub fn convert(r: &ConvertRequest) -> Result<Written> {
    let target = Target::file(&r.out, r.force)?;
    let ((dtype, (rows, bytes_per_row, bytes)), codes_sha) =
        data::read_byte_matrix_hashed(&r.codes).context(Stage::Load)?;
    let bits = match (r.bits, r.layout.storage) {
        (Some(b), _) => b,
        (None, Storage::Packed(_)) => 8 * bytes_per_row,
        (None, Storage::Unpacked) => bytes_per_row,
    };
    if dtype == ByteDtype::Bool && r.layout.storage != Storage::Unpacked {
        bail!(
            "{}: {} is a bool array (one bit per element): convert it with --unpacked",
            Stage::Interop,
            r.codes.display()
        );
    }
    let codes = inspect::convert(&bytes, bytes_per_row, bits, &r.layout).with_context(|| {
        format!(
            "{}: {} ({rows} × {bytes_per_row} {}) as {}",
            Stage::Interop,
            r.codes.display(),
            dtype.name(),
            r.layout
        )
    })?;
    let input = match &r.floats {
        Some(f) => Some(FileRef::new(f, data::sha256_file(f).context(Stage::Load)?)),
        None => None,
    };
    let nb = codes.layout().bytes();
    let shape = [rows as u64, nb as u64];
    let out_bytes = data::npy_bytes(
        &shape,
        &crate::engine::export::code_bytes(&codes, bit_order(r.order)),
    )
    .context(Stage::Output)?;
    let side = Sidecar {
        format: CODES_FORMAT.into(),
        version: VERSION,
        rows,
        bits,
        bytes_per_row: nb,
        byte_order: r.order,
        sha256: data::sha256_bytes(&out_bytes),
        projection: None,
        input,
        source: Some(FileRef::new(&r.codes, codes_sha)),
        tool: Tool::this(),
    };
    let side = serde_json::to_value(&side).context(Stage::Output)?;
    let what = format!(
        "{rows} codes of {bits} bits converted from {} ({})",
        r.codes.display(),
        r.layout
    );
    let shape = format!("uint8 [{rows}, {nb}], {} byte order", r.order.name());
    target.write(&out_bytes, Some(side), what, shape)
}
