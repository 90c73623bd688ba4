//! `binaryllm inspect` and `binaryllm convert` (the bit-order doctor): the report, the printed
//! convert command run as printed, and the typed errors on careless input. The producers of the
//! field (FAISS, numpy, pgvector, …) are checked in scripts/interop_inspect.py.

use std::path::{Path, PathBuf};

use binaryllm_engine::data::{read_u8_matrix, write_npy};
use serde_json::Value;

use crate::common::{run, s, unit_rows};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    /// `rows × dims` floats with exact zeros of both signs.
    fn floats(&self, rows: usize, dims: usize) -> (PathBuf, Vec<f32>) {
        let mut x = unit_rows(rows, dims, 9);
        for (i, v) in x.iter_mut().enumerate() {
            match i % 17 {
                0 => *v = 0.0,
                5 => *v = -0.0,
                _ => {}
            }
        }
        let p = self.path("x.npy");
        write_npy(&p, &[rows as u64, dims as u64], &x).unwrap();
        (p, x)
    }
}

/// sentence-transformers' `binary` form: `packbits(x > 0) − 128` as int8 (MSB-first).
fn signed_binary(x: &[f32], dims: usize) -> Vec<i8> {
    let mut out = Vec::new();
    for row in x.chunks_exact(dims) {
        for byte in row.chunks(8) {
            let mut b = 0u8;
            for (i, &v) in byte.iter().enumerate() {
                b |= u8::from(v > 0.0) << (7 - i);
            }
            out.push((i16::from(b) - 128) as i8);
        }
    }
    out
}

/// `x > 0` packed LSB-first (what binaryllm's converted file must hold).
fn lsb_strict(x: &[f32], dims: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for row in x.chunks_exact(dims) {
        for byte in row.chunks(8) {
            out.push(
                byte.iter()
                    .enumerate()
                    .fold(0u8, |b, (i, &v)| b | u8::from(v > 0.0) << i),
            );
        }
    }
    out
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn signed_binary_codes_are_identified_and_the_printed_convert_command_works() {
    let d = Dir::new();
    let (rows, dims) = (60, 20);
    let (xs, x) = d.floats(rows, dims);
    let codes = d.path("st.npy");
    write_npy(&codes, &[rows as u64, 3], &signed_binary(&x, dims)).unwrap();

    let r = run(&["inspect", "--codes", s(&codes), "--floats", s(&xs)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "identified: packed MSB-first, signed (−128 offset), set bit = positive"
    );
    assert!(
        r.stdout
            .contains("dtype int8 with every byte's top bit flipped"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("threshold rule: x > 0 sets the bit"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("padding: 0 set bits past bit 20"),
        "{}",
        r.stdout
    );
    let cmd = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("convert: "))
        .unwrap();
    let args: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(&args[..2], ["binaryllm", "convert"]);
    assert!(
        cmd.contains("--bit-order msb --signed-offset --bits 20"),
        "{cmd}"
    );

    let c = run(&args[1..]);
    assert_eq!(c.code, Some(0), "{}", c.stderr);
    let out = d.path("st.binaryllm.npy");
    let (n, nb, bytes) = read_u8_matrix(&out).unwrap();
    assert_eq!((n, nb), (rows, 3));
    assert_eq!(bytes, lsb_strict(&x, dims));
    let side = json(&d.path("st.binaryllm.npy.json"));
    assert_eq!(side["bits"], 20);
    assert_eq!(side["byte_order"], "faiss");
    assert_eq!(side["projection"], Value::Null);
    assert!(side["source"]["path"].as_str().unwrap().ends_with("st.npy"));
    let sha = binaryllm_engine::data::sha256_file(&codes).unwrap();
    assert_eq!(side["source"]["sha256"], sha.as_str());
    assert!(side["input"]["path"].as_str().unwrap().ends_with("x.npy"));

    // The same with --json: every finding named.
    let j = run(&[
        "inspect",
        "--codes",
        s(&codes),
        "--floats",
        s(&xs),
        "--json",
    ]);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["verdict"], "identified");
    assert_eq!(v["layout"]["bit_order"], "msb");
    assert_eq!(v["layout"]["signed_offset"], true);
    assert_eq!(v["threshold"]["rule"], ">0");
    let zeros = x.iter().filter(|v| **v == 0.0).count() as u64;
    assert_eq!(v["threshold"]["unlike_binaryllm"], zeros);
    assert_eq!(v["fits"].as_array().unwrap().len(), 8);

    // An existing output is refused without --force and left as it was.
    let again = run(&args[1..]);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(read_u8_matrix(&out).unwrap().2, bytes);
}

#[test]
fn binaryllm_codes_of_a_projection_are_not_the_signs_of_the_floats() {
    let d = Dir::new();
    let (xs, _) = d.floats(50, 32);
    let codes = d.path("c.npy");
    let e = run(&[
        "encode",
        "--input",
        s(&xs),
        "--bits",
        "32",
        "--projection",
        "gaussian",
        "--out",
        s(&codes),
    ]);
    assert_eq!(e.code, Some(0), "{}", e.stderr);
    let r = run(&["inspect", "--codes", s(&codes), "--floats", s(&xs)]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout.starts_with("not identified: the best layout"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("convert:"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("interop stage: no single layout explains"),
        "{}",
        r.stderr
    );
}

#[test]
fn careless_inputs_get_typed_errors_and_no_output() {
    let d = Dir::new();
    let (xs, x) = d.floats(10, 16);
    let wide = d.path("wide.npy");
    write_npy(&wide, &[10, 3], &[0u8; 30]).unwrap();
    let r = run(&["inspect", "--codes", s(&wide), "--floats", s(&xs)]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("3 bytes per row; 16-dim floats make 2 packed bytes or 16 unpacked"),
        "{}",
        r.stderr
    );

    let short = d.path("short.npy");
    write_npy(&short, &[9, 2], &[0u8; 18]).unwrap();
    let r = run(&["inspect", "--codes", s(&short), "--floats", s(&xs)]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("the codes have 9 rows but the floats 10"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("short.npy") && r.stderr.contains("x.npy"),
        "{}",
        r.stderr
    );

    let ints = d.path("i32.npy");
    write_npy(&ints, &[10, 2], &[0i32; 20]).unwrap();
    let r = run(&["inspect", "--codes", s(&ints), "--floats", s(&xs)]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("uint8, int8 or bool"), "{}", r.stderr);

    let bits = d.path("bits.npy");
    let b: Vec<bool> = x.iter().map(|v| *v > 0.0).collect();
    write_npy(&bits, &[10, 16], &b).unwrap();
    let out = d.path("out.npy");
    let r = run(&[
        "convert",
        "--codes",
        s(&bits),
        "--bit-order",
        "lsb",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("bool array (one bit per element): convert it with --unpacked"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
    let r = run(&["convert", "--codes", s(&bits), "--out", s(&out)]);
    assert_eq!(r.code, Some(2), "--bit-order or --unpacked is required");
    assert!(!out.exists());
    let r = run(&[
        "convert",
        "--codes",
        s(&bits),
        "--unpacked",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(read_u8_matrix(&out).unwrap().2, lsb_strict(&x, 16));
}
