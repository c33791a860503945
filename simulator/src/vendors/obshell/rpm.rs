//! RPM packages as the real agent reads an upload, with the maintained `rpm` crate doing the
//! parsing. The real server (4.2.6 and HEAD `executor/ob/upgrade_pkg_upload.go` `ReadRpm`)
//! runs cavaliergopher/rpm v1.2.0's `MD5Check` and then `Read`: the lead (its magic, major
//! version 3 or 4, signature type 5), the signature header's `RPMSIGTAG_SIZE` (1000) and
//! `RPMSIGTAG_MD5` (1004) checked against everything after the signature header, then the
//! main header. [`read`] gives the same verdicts with Go's error texts (the lead's three bytes
//! are looked at here only to word the error the Go library words; any other damage the
//! crate reports is given as `rpm: <the crate's reason>`). [`build`] makes small packages the
//! server accepts (tests, `upgrade-sim obshell-rpm`): the crate's builder, xz-compressed, plus
//! the legacy MD5 digest the Go library requires, which the crate no longer writes.

use md5::{Digest, Md5};
use rpm::{
    BuildConfig, CompressionType, FileOptions, FileType, Header, HeaderEntry, IndexData,
    IndexSignatureTag, IndexTag, Package, PackageBuilder,
};

/// Where the upgrade route YAML sits in an `oceanbase-ce` package.
pub const UPGRADE_DEP_YAML: &str = "/home/admin/oceanbase/etc/oceanbase_upgrade_dep.yml";
/// The agent binary every `obshell` and (community) `oceanbase-ce` package must carry.
pub const OBSHELL_BIN: &str = "/home/admin/oceanbase/bin/obshell";
pub const OBSERVER_BIN: &str = "/home/admin/oceanbase/bin/observer";
/// The directory an `oceanbase-ce-libs` package must carry.
pub const LIB_DIR: &str = "/home/admin/oceanbase/lib";
/// The scripts a cross-version `oceanbase-ce` package must carry (`defaultFilesForOBUpgrade`).
pub const UPGRADE_FILES: [&str; 5] = [
    "/home/admin/oceanbase/etc/upgrade_checker.py",
    "/home/admin/oceanbase/etc/upgrade_pre.py",
    "/home/admin/oceanbase/etc/upgrade_health_checker.py",
    "/home/admin/oceanbase/etc/upgrade_post.py",
    UPGRADE_DEP_YAML,
];

/// What the server reads from an uploaded package.
#[derive(Debug, Clone)]
pub struct Rpm {
    pub name: String,
    pub version: String,
    pub release: String,
    pub arch: String,
    /// `RPMTAG_SIZE` (Go's `Package.Size()`: the installed size).
    pub size: u64,
    /// `RPMSIGTAG_SIZE`: header and payload, what the chunk count is computed from.
    pub payload_size: u64,
    /// `RPMSIGTAG_MD5`, hex.
    pub md5: String,
    /// Every file's path and whether it is a directory.
    pub files: Vec<(String, bool)>,
    /// `RPMTAG_PAYLOADCOMPRESSOR` and `RPMTAG_PAYLOADFORMAT` ("" when absent).
    pub compression: String,
    pub format: String,
    package: Package,
}

impl Rpm {
    pub fn has_file(&self, path: &str) -> bool {
        self.files.iter().any(|(p, _)| p == path)
    }

    pub fn has_dir(&self, path: &str) -> bool {
        self.files.iter().any(|(p, dir)| p == path && *dir)
    }

    /// The content of the payload's regular file at `path`, if there is one (the payload is
    /// decompressed here; `""` on a payload the crate cannot read, as the Go loop ends early).
    pub fn file_content(&self, path: &str) -> Result<Option<String>, String> {
        let entries = self.package.metadata.get_file_entries().unwrap_or_default();
        if entries.iter().any(|f| f.size() as u64 > MAX_UNPACKED_FILE) {
            return Err("the simulator does not unpack a payload file over 1 GiB".into());
        }
        let files = self.package.files().map_err(|e| e.to_string())?;
        for f in files {
            let f = f.map_err(|e| e.to_string())?;
            if f.metadata.file_type() == FileType::Regular
                && f.metadata.path().to_str() == Some(path)
            {
                let text = f.content().map(|c| String::from_utf8_lossy(c).into_owned());
                return Ok(Some(text.unwrap_or_default()));
            }
        }
        Ok(None)
    }
}

/// `ReadRpm`: the verdict and the reading of an upload, with the Go library's error texts.
pub fn read(bytes: &[u8]) -> Result<Rpm, String> {
    // readLead: io.ReadFull of 96 bytes, the magic, the major version, then readSigHeader's
    // signature type.
    match bytes.len() {
        0 => return Err("EOF".into()),
        1..96 => return Err("unexpected EOF".into()),
        _ => {}
    }
    if bytes[..4] != [0xED, 0xAB, 0xEE, 0xDB] {
        return Err("rpm: invalid file descriptor".into());
    }
    if !(3..=4).contains(&bytes[4]) {
        return Err(format!("rpm: unsupported rpm version: {}", bytes[4]));
    }
    let sig_type = u16::from_be_bytes([bytes[78], bytes[79]]);
    if sig_type != 5 {
        return Err(format!("rpm: unknown signature type: {sig_type:x}"));
    }
    // readHeader's own checks of both headers, before the crate reads them: it trusts their
    // sizes and offsets (an overflow or an out-of-range index would panic, a size would be
    // allocated before it is read).
    let main_at = read_header(bytes, 96, true)?;
    read_header(bytes, main_at, false)?;
    let parsed = std::panic::catch_unwind(|| Package::parse(&mut &bytes[..]));
    let package = match parsed {
        Ok(p) => p.map_err(|e| format!("rpm: {e}"))?,
        Err(_) => return Err("rpm: the header could not be read".into()),
    };
    let meta = &package.metadata;
    let sig = &meta.signature;
    let payload_size = match sig.get_entry_data_as_u32(IndexSignatureTag::RPMSIGTAG_SIZE) {
        Ok(n) if n > 0 => u64::from(n),
        _ => return Err("rpm: tag not found: RPMSIGTAG_SIZE".into()),
    };
    let Ok(expect) = sig.get_entry_data_as_binary(IndexSignatureTag::RPMSIGTAG_MD5) else {
        return Err("rpm: tag not found: RPMSIGTAG_MD5".into());
    };
    let after_sig = usize::try_from(meta.get_package_segment_offsets().header)
        .ok()
        .and_then(|at| bytes.get(at..))
        .unwrap_or_default();
    if after_sig.len() as u64 != payload_size || Md5::digest(after_sig).as_slice() != expect {
        return Err("MD5 checksum validation failed".into());
    }
    let text = |tag| {
        meta.header
            .get_entry_data_as_string(tag)
            .unwrap_or_default()
    };
    let files = meta
        .get_file_entries()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let path = f.path().to_string_lossy().into_owned();
            (path, f.file_type() == FileType::Dir)
        })
        .collect();
    Ok(Rpm {
        name: text(IndexTag::RPMTAG_NAME).to_string(),
        version: text(IndexTag::RPMTAG_VERSION).to_string(),
        release: text(IndexTag::RPMTAG_RELEASE).to_string(),
        arch: text(IndexTag::RPMTAG_ARCH).to_string(),
        size: meta
            .header
            .get_entry_data_as_u32(IndexTag::RPMTAG_SIZE)
            .map_or(0, u64::from),
        payload_size,
        md5: hex::encode(expect),
        files,
        compression: text(IndexTag::RPMTAG_PAYLOADCOMPRESSOR).to_string(),
        format: text(IndexTag::RPMTAG_PAYLOADFORMAT).to_string(),
        package: package.clone(),
    })
}

/// The most of one file the simulator unpacks from a payload (to read the route YAML): a
/// compressed payload can claim far more than its upload's size.
const MAX_UNPACKED_FILE: u64 = 1 << 30;

/// `readHeader` (cavaliergopher/rpm v1.2.0 `header.go`) of the header at `at`: its sizes, each
/// index's offset, value count and type against its store, with the library's words. Returns
/// where the next section starts (after the padding to 8 of a signature header).
fn read_header(bytes: &[u8], at: usize, pad: bool) -> Result<usize, String> {
    const MAX: u64 = 33_554_432;
    let be = |at: usize| -> u64 {
        bytes.get(at..at + 4).map_or(0, |b| {
            u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        })
    };
    let eof = |from: usize| {
        if from >= bytes.len() {
            "EOF"
        } else {
            "unexpected EOF"
        }
    };
    if bytes.len() < at + 16 {
        return Err(eof(at).into());
    }
    let (count, size) = (be(at + 8), be(at + 12));
    if size > MAX {
        return Err(format!(
            "rpm: header size exceeds the maximum of {MAX}: {size}"
        ));
    }
    if count * 16 > MAX {
        return Err(format!(
            "rpm: header index size exceeds the maximum of {MAX}: {size}"
        ));
    }
    let index = at + 16;
    let store = index + 16 * count as usize;
    for i in 0..count as usize {
        if bytes.len() < index + 16 * (i + 1) {
            return Err(eof(index + 16 * i).into());
        }
        let offset = be(index + 16 * i + 8);
        if offset >= size {
            return Err(format!(
                "rpm: offset of index {i} is out of range: %!s(int={offset})"
            ));
        }
    }
    let end = store + size as usize;
    if bytes.len() < end {
        return Err(eof(store).into());
    }
    for i in 0..count as usize {
        let e = index + 16 * i;
        let (kind, offset, n) = (be(e + 4), be(e + 8), be(e + 12));
        if n < 1 {
            return Err(format!("rpm: invalid value count for index {i}: {n}"));
        }
        let (width, what) = match kind {
            0 => continue,
            1 => (1, "uint8"),
            2 => (1, "int8"),
            3 => (2, "int16"),
            4 => (4, "int32"),
            5 => (8, "int64"),
            6 | 8 | 9 => (1, "[]string"),
            7 => (1, "binary"),
            _ => return Err(format!("rpm: unknown index data type: {kind:X}")),
        };
        if offset + width * n > size {
            return Err(format!(
                "rpm: {what} value for index {} is out of range",
                i + 1
            ));
        }
    }
    Ok(if pad {
        end + (8 - size as usize % 8) % 8
    } else {
        end
    })
}

/// A package to [`build`]: its coordinates, and what it carries beyond the files the server
/// requires of its name (`upgrade_dep`: the route YAML of an `oceanbase-ce` package).
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub name: String,
    pub version: String,
    pub release: String,
    pub arch: String,
    pub upgrade_dep: Option<String>,
    /// Leave out the files the server requires (to see its refusal).
    pub bare: bool,
}

/// A small RPM the real server accepts for `spec.name`: `obshell` carries the agent binary,
/// `oceanbase-ce` the observer, the agent and the upgrade scripts with the route YAML,
/// `oceanbase-ce-libs` the lib directory. Deterministic (a fixed build time).
pub fn build(spec: &Spec) -> Result<Vec<u8>, String> {
    let e = |e: rpm::Error| e.to_string();
    let config = BuildConfig::v4()
        .compression(CompressionType::Xz)
        .source_date(1_700_000_000u32);
    let arch = if spec.arch.is_empty() {
        "x86_64"
    } else {
        &spec.arch
    };
    let mut b = PackageBuilder::new(&spec.name, &spec.version, "MulanPSL-2.0", arch, "sim");
    b.using_config(config)
        .release(spec.release.clone())
        .build_host("upgrade-sim");
    let file = |b: &mut PackageBuilder, path: &str, content: &str| -> Result<(), String> {
        b.with_file_contents(content.as_bytes().to_vec(), FileOptions::new(path))
            .map(|_| ())
            .map_err(e)
    };
    if !spec.bare {
        match spec.name.as_str() {
            "obshell" => file(&mut b, OBSHELL_BIN, "#!/bin/sh\n")?,
            "oceanbase-ce-libs" => {
                b.with_dir_entry(FileOptions::dir(LIB_DIR)).map_err(e)?;
                file(&mut b, &format!("{LIB_DIR}/libaio.so.1"), "lib\n")?;
            }
            "oceanbase-ce" | "oceanbase" => {
                file(&mut b, OBSERVER_BIN, "#!/bin/sh\n")?;
                file(&mut b, OBSHELL_BIN, "#!/bin/sh\n")?;
                for path in &UPGRADE_FILES[..4] {
                    file(&mut b, path, "# upgrade script\n")?;
                }
                let dep = spec.upgrade_dep.as_deref().unwrap_or_default();
                file(&mut b, UPGRADE_DEP_YAML, dep)?;
            }
            _ => file(&mut b, "/usr/share/doc/sim/README", "sim\n")?,
        }
    } else {
        file(&mut b, "/usr/share/doc/sim/README", "sim\n")?;
    }
    let mut pkg = b.build().map_err(e)?;
    // RPMSIGTAG_MD5 over header and payload, as rpmbuild on el7 writes it.
    let mut digest = Md5::new();
    digest.update(pkg.header_bytes().map_err(e)?);
    digest.update(&pkg.payload);
    let mut entries: Vec<HeaderEntry> = pkg
        .metadata
        .signature
        .get_all_entries()
        .map_err(e)?
        .into_iter()
        .filter(|(tag, _)| *tag != IndexSignatureTag::HEADER_SIGNATURES as u32)
        .map(|(tag, data)| HeaderEntry::new(tag, data))
        .collect();
    entries.push(HeaderEntry::new(
        IndexSignatureTag::RPMSIGTAG_MD5 as u32,
        IndexData::Bin(digest.finalize().to_vec()),
    ));
    pkg.metadata.signature = Header::from_entries(entries, IndexSignatureTag::HEADER_SIGNATURES);
    let mut out = Vec::new();
    pkg.write(&mut out).map_err(e)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, version: &str) -> Spec {
        Spec {
            name: name.into(),
            version: version.into(),
            release: "100000102024010100.el7".into(),
            arch: "x86_64".into(),
            upgrade_dep: Some("- version: 4.2.1.0\n  can_be_upgraded_to: [4.2.2.0]\n".into()),
            bare: false,
        }
    }

    #[test]
    fn a_built_package_reads_back_with_its_header_and_digest() {
        let bytes = build(&spec("oceanbase-ce", "4.2.2.0")).unwrap();
        let r = read(&bytes).unwrap();
        assert_eq!(
            (r.name.as_str(), r.version.as_str(), r.arch.as_str()),
            ("oceanbase-ce", "4.2.2.0", "x86_64")
        );
        assert_eq!(r.release, "100000102024010100.el7");
        assert_eq!(r.compression, "xz");
        assert_eq!(r.format, "cpio");
        assert_eq!(r.md5.len(), 32);
        assert!(r.has_file(OBSERVER_BIN) && r.has_file(UPGRADE_DEP_YAML));
        assert_eq!(
            r.file_content(UPGRADE_DEP_YAML).unwrap().as_deref(),
            Some("- version: 4.2.1.0\n  can_be_upgraded_to: [4.2.2.0]\n")
        );
        assert!(read(&build(&spec("oceanbase-ce-libs", "4.2.2.0")).unwrap())
            .unwrap()
            .has_dir(LIB_DIR));
    }

    #[test]
    fn damage_gets_the_go_librarys_words() {
        assert_eq!(read(b"").unwrap_err(), "EOF");
        assert_eq!(read(b"hello").unwrap_err(), "unexpected EOF");
        assert_eq!(
            read(&[b'x'; 200]).unwrap_err(),
            "rpm: invalid file descriptor"
        );
        let mut bytes = build(&spec("obshell", "4.2.2.0")).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        assert_eq!(read(&bytes).unwrap_err(), "MD5 checksum validation failed");
        bytes.push(0);
        assert_eq!(read(&bytes).unwrap_err(), "MD5 checksum validation failed");
    }

    #[test]
    fn a_header_whose_sizes_lie_is_refused_before_it_is_read() {
        let good = build(&spec("obshell", "4.2.2.0")).unwrap();
        let mut huge = good.clone();
        huge[96 + 12..96 + 16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            read(&huge).unwrap_err(),
            "rpm: header size exceeds the maximum of 33554432: 4294967295"
        );
        let mut count = good.clone();
        count[96 + 8..96 + 12].copy_from_slice(&0x0FFF_FFFFu32.to_be_bytes());
        assert!(read(&count)
            .unwrap_err()
            .starts_with("rpm: header index size exceeds the maximum"));
        let mut offset = good.clone();
        offset[96 + 16 + 8..96 + 16 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(read(&offset)
            .unwrap_err()
            .starts_with("rpm: offset of index 0 is out of range"));
        assert_eq!(read(&good[..200]).unwrap_err(), "unexpected EOF");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
        /// Damage anywhere in a real package gives an answer, never a panic or an abort.
        #[test]
        fn damaged_packages_are_refused_or_read_never_crash(
            edits in proptest::collection::vec((0usize..4096, proptest::prelude::any::<u8>()), 1..8),
        ) {
            let mut bytes = build(&spec("oceanbase-ce", "4.2.2.0")).unwrap();
            for (at, b) in edits {
                let at = at % bytes.len();
                bytes[at] = b;
            }
            if let Ok(r) = read(&bytes) {
                let _ = r.file_content(UPGRADE_DEP_YAML);
            }
        }
    }
}
