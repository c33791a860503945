//! TaurusDB's response bodies as typed structs, one per huaweicloudsdkgaussdb response model
//! and named after it (`openapi_types` / `attribute_map` in `huaweicloudsdkgaussdb/v3/model/`),
//! fields in the model's order and of its types, serialized straight to bytes by
//! [`render`]: no `serde_json::Value` tree is built for an answer. Times are
//! `yyyy-mm-ddThh:mm:ss+0000` in UTC ([`Stamp`]), written into the output without an
//! intermediate string, as are the ids and addresses derived from an instance id ([`Text`]).
//! The same structs are what schemars reads for the OpenAPI document (`openapi.rs`).
//! `instances` holds the instance and version models, `jobs` the job, task and schedule ones.

mod instances;
mod jobs;

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};

use crate::kernel::{Core, Millis};

pub use instances::*;
pub use jobs::*;

/// The MySQL version the kernel versions are compatible with.
pub const MYSQL_VERSION: &str = "8.0";
/// The full MySQL (engine) version every kernel version reports, apart from the kernel
/// version itself (`datastores`' `version`, `database-version`'s `current_version`).
pub const ENGINE_VERSION: &str = "8.0.32";

/// A rendered JSON body.
pub type Json = Vec<u8>;

/// `body` as JSON bytes. The types here serialize infallibly (string keys, no fallible
/// `Serialize` impl); should one ever fail, the answer is `{}` rather than a panic.
pub fn render<T: Serialize + ?Sized>(body: &T) -> Json {
    // An instance's details are about 2 KB: one allocation, no regrowth.
    let mut out = Vec::with_capacity(4096);
    if serde_json::to_writer(&mut out, body).is_err() {
        out.clear();
        out.extend_from_slice(b"{}");
    }
    out
}

/// A virtual instant as Huawei writes it (`2026-01-01T00:00:00+0000`), or `""` for none;
/// formatted as it is written into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(Option<i64>);

impl Stamp {
    /// The virtual instant `at`.
    pub fn at(core: &Core, at: Millis) -> Self {
        Self(Some(core.clock.datetime_at(at).timestamp()))
    }

    /// `at`, or `""` when `None`.
    pub fn maybe(core: &Core, at: Option<Millis>) -> Self {
        at.map_or(Self(None), |at| Self::at(core, at))
    }

    /// When instances were created: 30 days before the scenario starts.
    pub fn created(core: &Core) -> Self {
        Self(Some(core.clock.epoch().timestamp() - 30 * 86_400))
    }
}

impl Stamp {
    /// `yyyy-mm-ddThh:mm:ss+0000`, written digit by digit into a stack buffer.
    fn text(self, buf: &mut [u8; 24]) -> &str {
        let Some(d) = self.0.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)) else {
            return "";
        };
        // Years past 9999 do not occur in a scenario; clamp rather than overflow the buffer.
        let year = d.year().clamp(0, 9999) as u32;
        let put = |buf: &mut [u8; 24], at: usize, value: u32, digits: usize| {
            let mut v = value;
            for i in (0..digits).rev() {
                buf[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        *buf = *b"0000-00-00T00:00:00+0000";
        put(buf, 0, year, 4);
        put(buf, 5, d.month(), 2);
        put(buf, 8, d.day(), 2);
        put(buf, 11, d.hour(), 2);
        put(buf, 14, d.minute(), 2);
        put(buf, 17, d.second(), 2);
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text(&mut [0; 24]))
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text(&mut [0; 24]))
    }
}

impl JsonSchema for Stamp {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Stamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "UTC, yyyy-mm-ddThh:mm:ss+0000, or empty when not (yet) known"
        })
    }
}

/// Anything `Display` as a JSON string, written into the body without an intermediate
/// `String` (node ids and names, addresses, percentages): formatted on the stack, then
/// written as one string (serde's `collect_str` escapes it fragment by fragment, as `Display`
/// hands them over); one longer than the stack buffer is still collected.
#[derive(Debug, Clone, Copy)]
pub struct Text<T>(pub T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = OnStack::<96>::default();
        match fmt::write(&mut buf, format_args!("{}", self.0)) {
            Ok(()) => s.serialize_str(buf.text()),
            Err(_) => s.collect_str(&self.0),
        }
    }
}

/// A `fmt::Write` into a fixed buffer that fails once it is full.
struct OnStack<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Default for OnStack<N> {
    fn default() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> OnStack<N> {
    fn text(&self) -> &str {
        // Only whole `str`s are ever copied in, so the bytes are UTF-8.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> fmt::Write for OnStack<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let room = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<T> JsonSchema for Text<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
    }
}

/// A list that always holds one item here (an instance's write address, a node's read
/// address), serialized without a `Vec`; documented as a list, as the SDK has it.
#[derive(Debug, Clone, Copy)]
pub struct One<T>(pub T);

impl<T: Serialize> Serialize for One<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [&self.0].serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for One<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("One_{}", T::schema_name()).into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        Vec::<T>::json_schema(g)
    }
}

/// An answer with no fields: `{}` (the SDK's models of these answers hold only a raw `body`).
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct EmptyBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_written_as_chrono_formats_it() {
        for secs in [
            0,
            1_767_225_600,
            1_767_225_600 + 86_399,
            951_782_400,
            4_102_444_799,
        ] {
            let want = DateTime::<Utc>::from_timestamp(secs, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S+0000").to_string())
                .unwrap_or_default();
            assert_eq!(Stamp(Some(secs)).to_string(), want);
            assert_eq!(
                render(&Stamp(Some(secs))),
                format!("\"{want}\"").into_bytes()
            );
        }
        assert_eq!(render(&Stamp(None)), b"\"\"");
    }

    #[test]
    fn text_is_the_display_string_escaped_once_however_long() {
        assert_eq!(render(&Text(format_args!("a\"b{}", 7))), b"\"a\\\"b7\"");
        let long = "x".repeat(300);
        assert_eq!(render(&Text(&long)), format!("\"{long}\"").into_bytes());
        assert_eq!(render(&Text("")), b"\"\"");
    }
}
