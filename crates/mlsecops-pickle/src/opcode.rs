//! The pickle opcode table (protocols 0 to 5), as documented in `CPython` `Lib/pickletools.py`.

/// How an opcode's argument is laid out in the byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// No argument.
    None,
    /// One unsigned byte.
    U1,
    /// Two-byte little-endian unsigned integer.
    U2,
    /// Four-byte little-endian signed integer.
    I4,
    /// Four-byte little-endian unsigned integer.
    U4,
    /// Eight-byte little-endian unsigned integer.
    U8,
    /// Eight-byte big-endian IEEE-754 double.
    F8,
    /// One newline-terminated line.
    Line,
    /// Two newline-terminated lines (module, name).
    TwoLines,
    /// `u8` length then that many bytes.
    Counted1,
    /// `i32` length (negative rejected) then that many bytes.
    CountedI4,
    /// `u32` length then that many bytes.
    CountedU4,
    /// `u64` length then that many bytes.
    Counted8,
}

macro_rules! opcodes {
    ($( $variant:ident = $byte:expr, $name:literal, $arg:ident, $doc:literal; )*) => {
        /// A pickle opcode. The discriminant is the opcode byte.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Opcode {
            $( #[doc = $doc] $variant = $byte, )*
        }

        impl Opcode {
            /// Decodes an opcode byte; `None` for bytes that are not opcodes.
            pub fn from_byte(byte: u8) -> Option<Self> {
                match byte {
                    $( $byte => Some(Self::$variant), )*
                    _ => None,
                }
            }

            /// `CPython`'s name of the opcode (e.g. `"STACK_GLOBAL"`).
            pub fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                }
            }

            pub(crate) fn arg_kind(self) -> ArgKind {
                match self {
                    $( Self::$variant => ArgKind::$arg, )*
                }
            }

            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[ $( Self::$variant, )* ];
        }
    };
}

opcodes! {
    Mark = b'(', "MARK", None, "Push a mark onto the mark stack.";
    Stop = b'.', "STOP", None, "End of a pickle; the top of the stack is the result.";
    Pop = b'0', "POP", None, "Discard the top stack item (or an empty mark).";
    PopMark = b'1', "POP_MARK", None, "Discard everything down to and including the topmost mark.";
    Dup = b'2', "DUP", None, "Push a copy of the top stack item.";
    Float = b'F', "FLOAT", Line, "Text float.";
    Int = b'I', "INT", Line, "Text integer (`00`/`01` are booleans).";
    BinInt = b'J', "BININT", I4, "Four-byte signed integer.";
    BinInt1 = b'K', "BININT1", U1, "One-byte unsigned integer.";
    Long = b'L', "LONG", Line, "Text long integer.";
    BinInt2 = b'M', "BININT2", U2, "Two-byte unsigned integer.";
    None = b'N', "NONE", None, "Push None.";
    PersId = b'P', "PERSID", Line, "Persistent id given as a text line.";
    BinPersId = b'Q', "BINPERSID", None, "Persistent id taken from the stack.";
    Reduce = b'R', "REDUCE", None, "Call a callable with an argument tuple.";
    String = b'S', "STRING", Line, "Quoted, escaped text string.";
    BinString = b'T', "BINSTRING", CountedI4, "String with a four-byte length.";
    ShortBinString = b'U', "SHORT_BINSTRING", Counted1, "String with a one-byte length.";
    Unicode = b'V', "UNICODE", Line, "Raw-unicode-escape text line.";
    BinUnicode = b'X', "BINUNICODE", CountedU4, "UTF-8 string with a four-byte length.";
    Append = b'a', "APPEND", None, "Append the top item to the list below it.";
    Build = b'b', "BUILD", None, "Set an object's state (`__setstate__`).";
    Global = b'c', "GLOBAL", TwoLines, "Push `module.name` (imports the module).";
    Dict = b'd', "DICT", None, "Build a dict from the items since the mark.";
    EmptyDict = b'}', "EMPTY_DICT", None, "Push an empty dict.";
    Appends = b'e', "APPENDS", None, "Extend the list below the mark.";
    Get = b'g', "GET", Line, "Push a memo entry (text index).";
    BinGet = b'h', "BINGET", U1, "Push a memo entry (one-byte index).";
    Inst = b'i', "INST", TwoLines, "Instantiate `module.name` with the items since the mark.";
    LongBinGet = b'j', "LONG_BINGET", U4, "Push a memo entry (four-byte index).";
    List = b'l', "LIST", None, "Build a list from the items since the mark.";
    EmptyList = b']', "EMPTY_LIST", None, "Push an empty list.";
    Obj = b'o', "OBJ", None, "Instantiate the class after the mark with the remaining items.";
    Put = b'p', "PUT", Line, "Store the top item in the memo (text index).";
    BinPut = b'q', "BINPUT", U1, "Store the top item in the memo (one-byte index).";
    LongBinPut = b'r', "LONG_BINPUT", U4, "Store the top item in the memo (four-byte index).";
    SetItem = b's', "SETITEM", None, "Set one key/value pair on the mapping below.";
    Tuple = b't', "TUPLE", None, "Build a tuple from the items since the mark.";
    EmptyTuple = b')', "EMPTY_TUPLE", None, "Push an empty tuple.";
    SetItems = b'u', "SETITEMS", None, "Set the key/value pairs since the mark.";
    BinFloat = b'G', "BINFLOAT", F8, "Eight-byte big-endian float.";
    Proto = 0x80, "PROTO", U1, "Protocol version marker.";
    NewObj = 0x81, "NEWOBJ", None, "`cls.__new__(cls, *args)`.";
    Ext1 = 0x82, "EXT1", U1, "Extension-registry code (one byte).";
    Ext2 = 0x83, "EXT2", U2, "Extension-registry code (two bytes).";
    Ext4 = 0x84, "EXT4", I4, "Extension-registry code (four bytes).";
    Tuple1 = 0x85, "TUPLE1", None, "Build a 1-tuple from the top item.";
    Tuple2 = 0x86, "TUPLE2", None, "Build a 2-tuple from the top items.";
    Tuple3 = 0x87, "TUPLE3", None, "Build a 3-tuple from the top items.";
    NewTrue = 0x88, "NEWTRUE", None, "Push True.";
    NewFalse = 0x89, "NEWFALSE", None, "Push False.";
    Long1 = 0x8a, "LONG1", Counted1, "Little-endian two's-complement integer, one-byte length.";
    Long4 = 0x8b, "LONG4", CountedI4, "Little-endian two's-complement integer, four-byte length.";
    BinBytes = b'B', "BINBYTES", CountedU4, "Bytes with a four-byte length.";
    ShortBinBytes = b'C', "SHORT_BINBYTES", Counted1, "Bytes with a one-byte length.";
    ShortBinUnicode = 0x8c, "SHORT_BINUNICODE", Counted1, "UTF-8 string with a one-byte length.";
    BinUnicode8 = 0x8d, "BINUNICODE8", Counted8, "UTF-8 string with an eight-byte length.";
    BinBytes8 = 0x8e, "BINBYTES8", Counted8, "Bytes with an eight-byte length.";
    EmptySet = 0x8f, "EMPTY_SET", None, "Push an empty set.";
    AddItems = 0x90, "ADDITEMS", None, "Add the items since the mark to the set below.";
    FrozenSet = 0x91, "FROZENSET", None, "Build a frozenset from the items since the mark.";
    NewObjEx = 0x92, "NEWOBJ_EX", None, "`cls.__new__(cls, *args, **kwargs)`.";
    StackGlobal = 0x93, "STACK_GLOBAL", None, "Push `module.name` taken from the stack.";
    Memoize = 0x94, "MEMOIZE", None, "Store the top item at memo index `len(memo)`.";
    Frame = 0x95, "FRAME", U8, "Framing hint (protocol 4+).";
    ByteArray8 = 0x96, "BYTEARRAY8", Counted8, "Bytearray with an eight-byte length.";
    NextBuffer = 0x97, "NEXT_BUFFER", None, "Push the next out-of-band buffer.";
    ReadonlyBuffer = 0x98, "READONLY_BUFFER", None, "Make the top buffer read-only.";
}

/// `CPython`'s name for an opcode byte, or `None` if the byte is not an opcode of protocols 0–5.
pub fn opcode_name(byte: u8) -> Option<&'static str> {
    Opcode::from_byte(byte).map(Opcode::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_68_distinct_opcodes() {
        assert_eq!(Opcode::ALL.len(), 68);
        let mut seen = [false; 256];
        for op in Opcode::ALL {
            let slot = seen.get_mut(usize::from(*op as u8)).expect("byte index");
            assert!(!*slot, "duplicate opcode byte {op:?}");
            *slot = true;
            assert_eq!(Opcode::from_byte(*op as u8), Some(*op));
        }
        assert_eq!(opcode_name(0x93), Some("STACK_GLOBAL"));
        assert_eq!(opcode_name(0x00), None);
        assert_eq!(opcode_name(0x99), None);
    }
}
