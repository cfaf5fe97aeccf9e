//! Minimal, bounded reader for Python `marshal` data (`CPython` 3.8–3.14 type codes), enough
//! to list what a marshalled code object refers to. Nothing is ever executed.

/// Caps on a marshal stream.
const MAX_DEPTH: usize = 64;
/// Objects decoded (reference copies included).
const MAX_NODES: usize = 200_000;
/// Entries in the reference table.
const MAX_REFS: usize = 100_000;

/// What a marshalled code object (and the code objects nested in its constants) refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeInfo {
    /// `co_name` of the outermost code object.
    pub name: String,
    /// `co_filename` of the outermost code object.
    pub filename: String,
    /// `co_names` of every code object (global and attribute names), in order, deduplicated.
    pub names: Vec<String>,
    /// String constants of every code object, deduplicated.
    pub strings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Obj {
    None,
    Int,
    Str(String),
    Bytes,
    Seq(Vec<Obj>),
    Code(Box<Code>),
    Other,
}

#[derive(Debug, Clone, PartialEq)]
struct Code {
    consts: Vec<Obj>,
    names: Vec<String>,
    filename: String,
    name: String,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    refs: Vec<Obj>,
    nodes: usize,
}

/// Why a marshal stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarshalError {
    /// Byte offset in the decoded marshal data.
    pub offset: usize,
    /// What went wrong.
    pub reason: String,
}

type Res<T> = Result<T, MarshalError>;

impl Reader<'_> {
    fn err<T>(&self, reason: impl Into<String>) -> Res<T> {
        Err(MarshalError {
            offset: self.pos,
            reason: reason.into(),
        })
    }

    fn take(&mut self, n: usize) -> Res<&[u8]> {
        let Some(end) = self.pos.checked_add(n) else {
            return self.err("length overflows");
        };
        match self.data.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Ok(s)
            }
            None => self.err("truncated"),
        }
    }

    fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }

    fn u32(&mut self) -> Res<u32> {
        let s = self.take(4)?;
        let mut b = [0u8; 4];
        b.copy_from_slice(s);
        Ok(u32::from_le_bytes(b))
    }

    fn len(&mut self) -> Res<usize> {
        let n = self.u32()?;
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        if n > self.data.len().saturating_sub(self.pos) {
            return self.err(format!("length {n} exceeds remaining data"));
        }
        Ok(n)
    }

    fn count(&mut self, n: usize) -> Res<()> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return self.err("too many objects");
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Res<Obj> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.count(1)?;
        let code = self.u8()?;
        let flag = code & 0x80 != 0;
        let t = code & 0x7F;
        let slot = if flag && matches!(t, b'(' | b')' | b'[' | b'{' | b'<' | b'>' | b'c' | b':') {
            Some(self.reserve()?)
        } else {
            None
        };
        let obj = match t {
            b'0' | b'N' => Obj::None,
            b'F' | b'T' | b'S' | b'.' => Obj::Other,
            b'i' => {
                self.take(4)?;
                Obj::Int
            }
            b'l' => {
                let n = self.u32()?;
                #[allow(clippy::cast_possible_wrap)]
                let digits = (n as i32).unsigned_abs() as usize;
                self.take(digits.saturating_mul(2))?;
                Obj::Int
            }
            b'g' => {
                self.take(8)?;
                Obj::Other
            }
            b'y' => {
                self.take(16)?;
                Obj::Other
            }
            b'f' => {
                let n = usize::from(self.u8()?);
                self.take(n)?;
                Obj::Other
            }
            b'x' => {
                for _ in 0..2 {
                    let n = usize::from(self.u8()?);
                    self.take(n)?;
                }
                Obj::Other
            }
            b's' => {
                let n = self.len()?;
                self.take(n)?;
                Obj::Bytes
            }
            b't' | b'u' | b'a' | b'A' => {
                let n = self.len()?;
                Obj::Str(String::from_utf8_lossy(self.take(n)?).into_owned())
            }
            b'z' | b'Z' => {
                let n = usize::from(self.u8()?);
                Obj::Str(String::from_utf8_lossy(self.take(n)?).into_owned())
            }
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.len()?;
                self.seq(n, depth)?
            }
            b')' => {
                let n = usize::from(self.u8()?);
                self.seq(n, depth)?
            }
            b'{' => {
                let mut items = Vec::new();
                loop {
                    if self.data.get(self.pos) == Some(&b'0') {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.object(depth + 1)?);
                    items.push(self.object(depth + 1)?);
                }
                Obj::Seq(items)
            }
            b':' => {
                let items = vec![
                    self.object(depth + 1)?,
                    self.object(depth + 1)?,
                    self.object(depth + 1)?,
                ];
                Obj::Seq(items)
            }
            b'r' => {
                let i = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
                let Some(o) = self.refs.get(i).cloned() else {
                    return self.err(format!("reference {i} to an unknown object"));
                };
                self.count(size(&o))?;
                o
            }
            b'c' => self.code(depth)?,
            other => return self.err(format!("unknown type code {other:#04x}")),
        };
        if let Some(i) = slot {
            if let Some(r) = self.refs.get_mut(i) {
                r.clone_from(&obj);
            }
        } else if flag {
            self.reserve()?;
            if let Some(r) = self.refs.last_mut() {
                r.clone_from(&obj);
            }
        }
        Ok(obj)
    }

    fn reserve(&mut self) -> Res<usize> {
        if self.refs.len() >= MAX_REFS {
            return self.err("too many references");
        }
        self.refs.push(Obj::None);
        Ok(self.refs.len() - 1)
    }

    fn seq(&mut self, n: usize, depth: usize) -> Res<Obj> {
        let mut items = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            items.push(self.object(depth + 1)?);
        }
        Ok(Obj::Seq(items))
    }

    fn code(&mut self, depth: usize) -> Res<Obj> {
        // argcount, posonlyargcount, kwonlyargcount, then (3.8–3.10) nlocals, stacksize,
        // flags or (3.11+) stacksize, flags: raw 32-bit integers.
        for _ in 0..5 {
            self.u32()?;
        }
        let next = self.data.get(self.pos).copied().unwrap_or(0) & 0x7F;
        let modern = next == b's';
        if !modern {
            self.u32()?;
        }
        let _bytecode = self.object(depth + 1)?;
        let Obj::Seq(consts) = self.object(depth + 1)? else {
            return self.err("co_consts is not a tuple");
        };
        let names = strings(&self.object(depth + 1)?);
        if modern {
            self.object(depth + 1)?; // localsplusnames
            self.object(depth + 1)?; // localspluskinds
        } else {
            for _ in 0..3 {
                self.object(depth + 1)?; // varnames, freevars, cellvars
            }
        }
        let filename = as_str(&self.object(depth + 1)?);
        let name = as_str(&self.object(depth + 1)?);
        if modern {
            self.object(depth + 1)?; // qualname
        }
        self.u32()?; // firstlineno
        self.object(depth + 1)?; // linetable / lnotab
        if modern {
            self.object(depth + 1)?; // exceptiontable
        }
        Ok(Obj::Code(Box::new(Code {
            consts,
            names,
            filename,
            name,
        })))
    }
}

fn size(o: &Obj) -> usize {
    match o {
        Obj::Seq(v) => 1 + v.iter().map(size).sum::<usize>(),
        Obj::Code(c) => 1 + c.names.len() + c.consts.iter().map(size).sum::<usize>(),
        _ => 1,
    }
}

fn as_str(o: &Obj) -> String {
    match o {
        Obj::Str(s) => s.clone(),
        _ => String::new(),
    }
}

fn strings(o: &Obj) -> Vec<String> {
    match o {
        Obj::Seq(v) => v
            .iter()
            .filter_map(|x| match x {
                Obj::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if v.len() < 1000 && !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

fn collect(code: &Code, info: &mut CodeInfo, depth: usize) {
    for n in &code.names {
        push_unique(&mut info.names, n);
    }
    let mut stack: Vec<&Obj> = code.consts.iter().collect();
    while let Some(o) = stack.pop() {
        match o {
            Obj::Str(s) => push_unique(&mut info.strings, s),
            Obj::Seq(v) => stack.extend(v.iter()),
            Obj::Code(c) if depth < MAX_DEPTH => collect(c, info, depth + 1),
            _ => {}
        }
    }
}

/// Reads a marshalled code object (as `marshal.dumps(func.__code__)` writes it).
pub fn parse_code(data: &[u8]) -> Result<CodeInfo, MarshalError> {
    let mut r = Reader {
        data,
        pos: 0,
        refs: Vec::new(),
        nodes: 0,
    };
    match r.object(0)? {
        Obj::Code(code) => {
            let mut info = CodeInfo {
                name: code.name.clone(),
                filename: code.filename.clone(),
                ..CodeInfo::default()
            };
            collect(&code, &mut info, 0);
            Ok(info)
        }
        _ => Err(MarshalError {
            offset: 0,
            reason: "not a code object".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncations_never_panic() {
        use base64::Engine;
        // 3.11 code object for `lambda x: __import__('os').system('id') or x`.
        let b64 = "4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3PaAmlkKQLaCl9faW1wb3J0X1/aBnN5c3RlbSkB2gF4cwEAAAAg+gwvdG1wL2t4L2sucHn6CDxsYW1iZGE+cggAAAAEAAAAcyQAAACAAMV60FJW0UdX1EdX10de0kde0F9j0Udk1Edk0Edp0GhpgADzAAAAAA==";
        let data = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_default();
        let info = parse_code(&data).unwrap_or_default();
        assert_eq!(info.name, "<lambda>");
        assert!(info.names.contains(&"__import__".to_owned()));
        assert!(info.names.contains(&"system".to_owned()));
        assert!(info.strings.contains(&"os".to_owned()));
        for i in 0..data.len() {
            let _ = parse_code(data.get(..i).unwrap_or_default());
        }
    }

    #[test]
    fn deep_nesting_is_capped() {
        let mut data = vec![b')'; 0];
        for _ in 0..10_000 {
            data.extend_from_slice(&[b')', 1]);
        }
        assert!(parse_code(&data).is_err());
    }

    #[test]
    fn dangling_reference_is_an_error() {
        assert!(parse_code(&[b'r', 5, 0, 0, 0]).is_err());
    }
}
