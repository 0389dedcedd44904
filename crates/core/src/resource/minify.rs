//! Whitespace removal for JSON text, in one pass or streamed in chunks: describe files and
//! responses are kept compact, about half their pretty-printed size.

/// Removes insignificant whitespace from JSON text (see [`Minifier`]).
pub fn minify(json: &str) -> String {
    let mut m = Minifier::default();
    let mut out = Vec::with_capacity(json.len());
    m.feed(json.as_bytes(), &mut out);
    // Only ASCII whitespace outside strings is removed, so valid UTF-8 stays valid.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Streaming whitespace removal for JSON: feed chunks of any size; the state (inside a string,
/// after a backslash) carries across chunks. Copies runs between whitespace, and finds string
/// ends with `memchr`, so pretty-printed AWS CLI output shrinks by about half in one pass.
#[derive(Debug, Default)]
pub struct Minifier {
    in_string: bool,
    escaped: bool,
}

impl Minifier {
    /// Appends `chunk` without insignificant whitespace to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let is_space = |c: u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t');
        let b = chunk;
        let mut i = 0;
        while i < b.len() {
            if self.in_string {
                if self.escaped {
                    out.push(b[i]);
                    i += 1;
                    self.escaped = false;
                    continue;
                }
                let start = i;
                match memchr::memchr2(b'"', b'\\', &b[i..]) {
                    Some(off) => {
                        i += off + 1;
                        if b[i - 1] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                        }
                    }
                    None => i = b.len(),
                }
                out.extend_from_slice(&b[start..i]);
            } else {
                let start = i;
                while i < b.len() && !is_space(b[i]) && b[i] != b'"' {
                    i += 1;
                }
                if i < b.len() && b[i] == b'"' {
                    self.in_string = true;
                    i += 1;
                    out.extend_from_slice(&b[start..i]);
                    continue;
                }
                out.extend_from_slice(&b[start..i]);
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings_intact() {
        assert_eq!(
            minify("{ \"a b\" : [ 1, \"x \\\" y\" ],\n \"c\": {} }"),
            "{\"a b\":[1,\"x \\\" y\"],\"c\":{}}"
        );
        assert_eq!(minify("[\"\\\\\", \"t\\tz \"]"), "[\"\\\\\",\"t\\tz \"]");
        assert_eq!(minify("  {\"é\": \" ü \"}  "), "{\"é\":\" ü \"}");
    }

    #[test]
    fn minifier_carries_state_across_chunks() {
        let text = "{ \"k\" : \"a \\\" b\",\n  \"l\": [ 1 , 2 ] }";
        for size in 1..text.len() {
            let mut m = Minifier::default();
            let mut out = Vec::new();
            for chunk in text.as_bytes().chunks(size) {
                m.feed(chunk, &mut out);
            }
            assert_eq!(String::from_utf8(out).unwrap(), minify(text), "chunk size {size}");
        }
        assert_eq!(minify(text), "{\"k\":\"a \\\" b\",\"l\":[1,2]}");
    }
}
