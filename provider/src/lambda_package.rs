//! The Lambda code package of an environment that names none: a small handler answering every
//! request with HTTP 200 and a JSON body, zipped in memory so a fresh environment has a working
//! API before any application exists. Pure functions, no crate beyond `base64`.
//!
//! The archive is the same bytes for the same runtime and handler (stored entries, a fixed
//! timestamp), so its SHA-256 is stable and an unchanged package is never uploaded again.

use base64::Engine as _;

/// What the placeholder answers, as the body of an API Gateway proxy response.
const BODY: &str = r#"{"status":"ok","service":"edulibra","placeholder":true}"#;

/// A regular file readable by everyone: Lambda runs the code as another user than the owner.
const MODE_FILE: u32 = 0o100644;

/// 1980-01-01 in MS-DOS date form, the earliest a ZIP can say (time 00:00:00 is zero).
const DOS_DATE: u16 = (1 << 5) | 1;

/// One file of an archive.
pub struct Entry<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// The placeholder package for `runtime` whose entry point is `handler` (`file.function`), or
/// why there is none (runtimes whose code must be compiled, or a handler no file can match).
pub fn placeholder(runtime: &str, handler: &str) -> Result<Vec<u8>, String> {
    let (module, function) = handler
        .rsplit_once('.')
        .ok_or_else(|| format!("handler {handler:?} is not of the form `file.function`"))?;
    if !is_identifier(function) {
        return Err(format!(
            "handler {handler:?}: the placeholder needs a plain function name after the last `.`"
        ));
    }
    let parts: Vec<&str> = module.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err(format!(
            "handler {handler:?}: the file part must be a relative path inside the package"
        ));
    }
    let (path, source) = if runtime.starts_with("python") {
        // Lambda imports `a/b.c` as module `a.b.c`: every part is a Python identifier and a
        // directory, the last one the file.
        if !module.split(['/', '.']).all(is_identifier) {
            return Err(format!(
                "handler {handler:?}: the module path must be made of Python identifiers"
            ));
        }
        (
            format!("{}.py", module.replace('.', "/")),
            format!(
                "def {function}(event, context):\n    return {{\n        \"statusCode\": 200,\n        \"headers\": {{\"Content-Type\": \"application/json\"}},\n        \"body\": '{BODY}',\n    }}\n"
            ),
        )
    } else if runtime.starts_with("nodejs") {
        // Node.js reads the file name up to the first `.` after the last `/`.
        if parts.last().is_some_and(|p| p.contains('.')) {
            return Err(format!(
                "handler {handler:?}: the placeholder needs a handler of the form `file.function`"
            ));
        }
        (
            format!("{module}.js"),
            format!(
                "exports.{function} = async () => ({{\n  statusCode: 200,\n  headers: {{ \"Content-Type\": \"application/json\" }},\n  body: '{BODY}',\n}});\n"
            ),
        )
    } else {
        return Err(format!(
            "the built-in placeholder has no handler for runtime {runtime} (its code must be \
             built): set `functions.package` to a zip archive"
        ));
    };
    Ok(zip(&[Entry {
        name: &path,
        data: source.as_bytes(),
    }]))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A ZIP archive of `entries`, stored without compression: each entry's local file header and
/// data, then the central directory, then the end record. For small archives only (under
/// 4 GiB and 65 535 entries: no ZIP64).
pub fn zip(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = crc32(e.data);
        let size = e.data.len() as u32;
        let name = e.name.as_bytes();

        put32(&mut out, 0x0403_4b50);
        put16(&mut out, 20); // version needed to extract: 2.0
        put16(&mut out, 0); // flags
        put16(&mut out, 0); // method: stored
        put16(&mut out, 0); // time
        put16(&mut out, DOS_DATE);
        put32(&mut out, crc);
        put32(&mut out, size); // compressed
        put32(&mut out, size); // uncompressed
        put16(&mut out, name.len() as u16);
        put16(&mut out, 0); // extra field length
        out.extend_from_slice(name);
        out.extend_from_slice(e.data);

        put32(&mut central, 0x0201_4b50);
        put16(&mut central, (3 << 8) | 20); // made by: Unix, 2.0 (so the mode below counts)
        put16(&mut central, 20);
        put16(&mut central, 0);
        put16(&mut central, 0);
        put16(&mut central, 0);
        put16(&mut central, DOS_DATE);
        put32(&mut central, crc);
        put32(&mut central, size);
        put32(&mut central, size);
        put16(&mut central, name.len() as u16);
        put16(&mut central, 0); // extra field length
        put16(&mut central, 0); // comment length
        put16(&mut central, 0); // disk number
        put16(&mut central, 0); // internal attributes
        put32(&mut central, MODE_FILE << 16);
        put32(&mut central, offset);
        central.extend_from_slice(name);
    }
    let directory_offset = out.len() as u32;
    let directory_size = central.len() as u32;
    out.extend_from_slice(&central);
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0); // this disk
    put16(&mut out, 0); // disk of the central directory
    put16(&mut out, entries.len() as u16);
    put16(&mut out, entries.len() as u16);
    put32(&mut out, directory_size);
    put32(&mut out, directory_offset);
    put16(&mut out, 0); // comment length
    out
}

/// CRC-32 as ZIP uses it (IEEE 802.3, reflected, polynomial 0xEDB88320).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 (FIPS 180-4) of `data`: what Lambda reports as a function's `CodeSha256`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for (k, wi) in K.iter().zip(w.iter()) {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(*k)
                .wrapping_add(*wi);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, x) in out.chunks_exact_mut(4).zip(h.iter()) {
        chunk.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// A package's `CodeSha256` as Lambda spells it: base64 of the SHA-256 digest.
pub fn code_sha256(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha256(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"hello\n"), 0x363A_3020);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn sha256_matches_the_fips_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    #[test]
    fn a_one_file_archive_is_byte_for_byte_what_python_zipfile_reads() {
        // The expected bytes were written with Python's struct module and read back with
        // zipfile (testzip() found no error; mode 0o100644; date 1980-01-01).
        let z = zip(&[Entry {
            name: "a.txt",
            data: b"hello\n",
        }]);
        assert_eq!(
            hex(&z),
            "504b03041400000000000000210020303a36060000000600000005000000612e74787468656c6c6f0a\
             504b010214031400000000000000210020303a360600000006000000050000000000000000000000\
             a48100000000612e747874\
             504b0506000000000100010033000000290000000000"
        );
        assert_eq!(
            code_sha256(&z),
            "IJeFMrhvRYqy4Tjs/OoBQS1i2MbwHA3676UYZHpFDUw="
        );
    }

    #[test]
    fn the_archive_structure_is_consistent() {
        let files = [
            Entry {
                name: "index.py",
                data: b"print(1)\n",
            },
            Entry {
                name: "lib/util.py",
                data: b"X = 2\n",
            },
        ];
        let z = zip(&files);
        // The end record: last 22 bytes.
        let end = z.len() - 22;
        assert_eq!(u32_at(&z, end), 0x0605_4b50);
        assert_eq!(u16_at(&z, end + 8), 2);
        assert_eq!(u16_at(&z, end + 10), 2);
        let size = u32_at(&z, end + 12) as usize;
        let mut at = u32_at(&z, end + 16) as usize;
        assert_eq!(
            at + size,
            end,
            "the central directory ends where the end record starts"
        );
        for f in &files {
            // Central directory entry.
            assert_eq!(u32_at(&z, at), 0x0201_4b50);
            assert_eq!(u16_at(&z, at + 10), 0, "stored");
            let crc = u32_at(&z, at + 16);
            assert_eq!(crc, crc32(f.data));
            assert_eq!(u32_at(&z, at + 20) as usize, f.data.len());
            assert_eq!(u32_at(&z, at + 24) as usize, f.data.len());
            let name_len = u16_at(&z, at + 28) as usize;
            assert_eq!(u32_at(&z, at + 38) >> 16, 0o100644);
            let local = u32_at(&z, at + 42) as usize;
            assert_eq!(&z[at + 46..at + 46 + name_len], f.name.as_bytes());
            // Its local header and data.
            assert_eq!(u32_at(&z, local), 0x0403_4b50);
            assert_eq!(u32_at(&z, local + 14), crc);
            assert_eq!(u16_at(&z, local + 26) as usize, name_len);
            let data = local + 30 + name_len;
            assert_eq!(&z[data..data + f.data.len()], f.data);
            at += 46 + name_len;
        }
        assert_eq!(at, end);
    }

    fn only_entry(z: &[u8]) -> (String, String) {
        let name_len = u16_at(z, 26) as usize;
        let size = u32_at(z, 18) as usize;
        let name = String::from_utf8(z[30..30 + name_len].to_vec()).unwrap();
        let data = String::from_utf8(z[30 + name_len..30 + name_len + size].to_vec()).unwrap();
        (name, data)
    }

    #[test]
    fn the_placeholder_matches_runtime_and_handler() {
        let (name, code) = only_entry(&placeholder("python3.12", "index.handler").unwrap());
        assert_eq!(name, "index.py");
        assert!(code.starts_with("def handler(event, context):"), "{code}");
        assert!(code.contains("\"statusCode\": 200"), "{code}");

        let (name, _) = only_entry(&placeholder("python3.13", "app/api.main.serve").unwrap());
        assert_eq!(name, "app/api/main.py");

        let (name, code) = only_entry(&placeholder("nodejs22.x", "src/index.handler").unwrap());
        assert_eq!(name, "src/index.js");
        assert!(code.starts_with("exports.handler = async"), "{code}");
        assert!(code.contains("statusCode: 200"), "{code}");
    }

    #[test]
    fn the_placeholder_is_the_same_bytes_every_time() {
        assert_eq!(
            placeholder("python3.12", "index.handler").unwrap(),
            placeholder("python3.12", "index.handler").unwrap()
        );
    }

    #[test]
    fn the_placeholder_refuses_what_it_cannot_serve() {
        assert!(placeholder("java21", "example.Handler::handleRequest").is_err());
        assert!(placeholder("provided.al2023", "bootstrap.handler").is_err());
        assert!(placeholder("python3.12", "index").is_err());
        assert!(placeholder("python3.12", "../x.handler").is_err());
        assert!(placeholder("python3.12", "index.not-a-name").is_err());
        assert!(placeholder("nodejs20.x", "a.b.handler").is_err());
    }
}
