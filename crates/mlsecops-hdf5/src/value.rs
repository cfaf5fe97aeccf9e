//! Datatypes and decoded attribute values.

use crate::{Cursor, Hdf5Error, le, malformed};

/// A decoded attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Attribute name (lossy UTF-8).
    pub name: String,
    /// Its value.
    pub value: AttrValue,
}

/// Value of an attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttrValue {
    /// Scalar (or single-element) string, fixed or variable length (lossy UTF-8).
    String(String),
    /// Array of strings.
    Strings(Vec<String>),
    /// Scalar integer (unsigned values above `i64::MAX` are [`AttrValue::Unsupported`]).
    Int(i64),
    /// Scalar float.
    Float(f64),
    /// Opaque bytes.
    Bytes(Vec<u8>),
    /// A type this reader does not decode, described.
    Unsupported(String),
}

impl AttrValue {
    /// The value as one string, when it is a string (arrays of one string included).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::String(s) => Some(s),
            AttrValue::Strings(v) if v.len() == 1 => v.first().map(String::as_str),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Class {
    FixedString { null_padded: bool },
    VlenString,
    Int { signed: bool, big_endian: bool },
    Float { big_endian: bool },
    Opaque,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Datatype {
    pub(crate) class: Class,
    pub(crate) size: u32,
}

impl Datatype {
    pub(crate) fn parse(body: &[u8], off: u64) -> Result<Datatype, Hdf5Error> {
        let mut c = Cursor::new(body, off, "datatype message");
        let cv = c.u8()?;
        let class = cv & 0x0F;
        let version = cv >> 4;
        if !(1..=5).contains(&version) {
            return Err(malformed(
                off,
                "datatype message",
                format!("version {version}"),
            ));
        }
        let b0 = c.u8()?;
        let b1 = c.u8()?;
        let _b2 = c.u8()?;
        let size = c.u32()?;
        let class = match class {
            0 => {
                if matches!(size, 1 | 2 | 4 | 8) {
                    Class::Int {
                        signed: b0 & 0x08 != 0,
                        big_endian: b0 & 0x01 != 0,
                    }
                } else {
                    Class::Other(format!("int of {size} bytes"))
                }
            }
            1 => {
                if !matches!(size, 4 | 8) || b0 & 0x40 != 0 {
                    Class::Other(format!("float of {size} bytes"))
                } else {
                    Class::Float {
                        big_endian: b0 & 0x01 != 0,
                    }
                }
            }
            3 => Class::FixedString {
                null_padded: b0 & 0x0F != 2,
            },
            5 => Class::Opaque,
            9 => {
                let is_string = b0 & 0x0F == 1;
                let _ = b1;
                if is_string {
                    Class::VlenString
                } else {
                    Class::Other("variable-length sequence".into())
                }
            }
            2 => Class::Other("time".into()),
            4 => Class::Other("bitfield".into()),
            6 => Class::Other("compound".into()),
            7 => Class::Other("reference".into()),
            8 => Class::Other("enum".into()),
            10 => Class::Other("array".into()),
            11 => Class::Other("complex".into()),
            k => return Err(malformed(off, "datatype message", format!("class {k}"))),
        };
        if size == 0 {
            return Err(malformed(off, "datatype message", "element size 0"));
        }
        Ok(Datatype { class, size })
    }
}

/// A fixed-length string element: cut at the first NUL, trailing spaces kept.
pub(crate) fn fixed_string(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).into_owned()
}

pub(crate) fn one_or_many(mut strings: Vec<String>, count: u64) -> AttrValue {
    if count == 1 && strings.len() == 1 {
        AttrValue::String(strings.pop().unwrap_or_default())
    } else {
        AttrValue::Strings(strings)
    }
}

pub(crate) fn int(raw: &[u8], signed: bool, big_endian: bool) -> AttrValue {
    let mut bytes: Vec<u8> = raw.to_vec();
    if big_endian {
        bytes.reverse();
    }
    let n = bytes.len();
    let v = le(&bytes);
    if signed {
        let bits = u32::try_from(n * 8).unwrap_or(64);
        let shift = 64 - bits.min(64);
        #[allow(clippy::cast_possible_wrap)]
        let s = ((v << shift) as i64) >> shift;
        AttrValue::Int(s)
    } else {
        i64::try_from(v).map_or_else(
            |_| AttrValue::Unsupported(format!("uint64 {v}")),
            AttrValue::Int,
        )
    }
}

pub(crate) fn float(raw: &[u8], big_endian: bool) -> AttrValue {
    let mut bytes: Vec<u8> = raw.to_vec();
    if big_endian {
        bytes.reverse();
    }
    match bytes.len() {
        4 => {
            let v = u32::try_from(le(&bytes)).unwrap_or(0);
            AttrValue::Float(f64::from(f32::from_bits(v)))
        }
        8 => AttrValue::Float(f64::from_bits(le(&bytes))),
        n => AttrValue::Unsupported(format!("float of {n} bytes")),
    }
}
