//! A minimal pull reader for the XML AWS's query protocols answer with: elements, attributes
//! (skipped), text with the five named and the numeric character references. Anything else
//! (comments, CDATA, processing instructions or a DOCTYPE after the prolog, prefixed names,
//! text beside child elements where a value is read, a mismatched end tag) is refused, and the
//! caller hands the body to the SDK's own decoder instead, so nothing unusual is read
//! differently. It scans with `memchr` and borrows every name and text from the body.

use std::borrow::Cow;

/// Why a body is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub &'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "XML not read here: {}", self.0)
    }
}

impl std::error::Error for Refused {}

/// A start tag: the element's name, and whether it closed itself (`<name/>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start<'a> {
    /// The element's name.
    pub name: &'a str,
    /// `<name/>`: no content, no end tag.
    pub empty: bool,
}

/// A cursor over one document.
pub struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `body`, which must be UTF-8.
    pub fn new(body: &'a [u8]) -> Result<Reader<'a>, Refused> {
        let text = std::str::from_utf8(body).map_err(|_| Refused("not UTF-8"))?;
        Ok(Reader { text, at: 0 })
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The root element's start tag, after an optional XML declaration and whitespace.
    pub fn root(&mut self) -> Result<Start<'a>, Refused> {
        self.skip_space();
        if self.text[self.at..].starts_with("<?xml") {
            let end = memchr::memmem::find(&self.bytes()[self.at..], b"?>").ok_or(Refused("unterminated declaration"))?;
            self.at += end + 2;
            self.skip_space();
        }
        match self.bytes().get(self.at) {
            Some(b'<') => self.start_tag(),
            _ => Err(Refused("no root element")),
        }
    }

    /// The next child element of the element `parent` (whose start tag was read and was not
    /// empty); `None` after reading `parent`'s end tag. Text between children is skipped.
    pub fn next_child(&mut self, parent: &str) -> Result<Option<Start<'a>>, Refused> {
        let bytes = self.bytes();
        // AWS sends no whitespace between elements: the next '<' is usually right here.
        if bytes.get(self.at) != Some(&b'<') {
            let lt = memchr::memchr(b'<', &bytes[self.at..]).ok_or(Refused("unterminated element"))?;
            self.at += lt;
        }
        match bytes.get(self.at + 1) {
            Some(b'/') => {
                self.end_tag(parent)?;
                Ok(None)
            }
            Some(b'!' | b'?') => Err(Refused("comment, CDATA or processing instruction")),
            _ => self.start_tag().map(Some),
        }
    }

    /// [`Reader::next_child`], when the child is most likely `<expected>` (a structure's members
    /// come in the model's order): that start tag is compared whole, not scanned byte by byte.
    /// Whether the child is the one expected, as well.
    pub fn next_child_expecting(&mut self, parent: &str, expected: &str) -> Result<Option<(Start<'a>, bool)>, Refused> {
        let bytes = self.bytes();
        let (from, to) = (self.at + 1, self.at + 1 + expected.len());
        if bytes.get(self.at) == Some(&b'<') && bytes.get(to) == Some(&b'>') && same(&bytes[from..to], expected.as_bytes()) {
            self.at = to + 1;
            let name = &self.text[from..to];
            return Ok(Some((Start { name, empty: false }, true)));
        }
        Ok(self.next_child(parent)?.map(|start| (start, false)))
    }

    /// The text of an element whose start tag was just read, up to and including its end tag;
    /// references resolved. An element holding another element is refused.
    pub fn text(&mut self, start: Start<'a>) -> Result<Cow<'a, str>, Refused> {
        let span = self.text_span(start)?;
        if span.references {
            unescape(span.raw)
        } else {
            Ok(Cow::Borrowed(span.raw))
        }
    }

    /// [`Reader::text`] unresolved: the raw text up to the end tag (read too), in one pass that
    /// also tells whether it holds a reference, or a byte JSON must escape.
    pub fn text_span(&mut self, start: Start<'a>) -> Result<Span<'a>, Refused> {
        if start.empty {
            return Ok(Span::default());
        }
        let bytes = self.bytes();
        let from = self.at;
        let mut at = from;
        let mut seen = 0u8;
        loop {
            match bytes.get(at) {
                None => return Err(Refused("unterminated element")),
                Some(&c) => {
                    let class = TEXT_CLASS[c as usize];
                    if class == LT {
                        break;
                    }
                    seen |= class;
                    at += 1;
                }
            }
        }
        let raw = &self.text[from..at];
        self.at = at;
        if bytes.get(at + 1) != Some(&b'/') {
            return Err(Refused("an element where text was expected"));
        }
        self.end_tag(start.name)?;
        Ok(Span {
            raw,
            references: seen & AMP != 0,
            escapes: seen & ESCAPE != 0,
        })
    }

    /// Skips the rest of an element whose start tag was just read, whatever it holds.
    pub fn skip(&mut self, start: Start<'a>) -> Result<(), Refused> {
        if start.empty {
            return Ok(());
        }
        while let Some(child) = self.next_child(start.name)? {
            self.skip(child)?;
        }
        Ok(())
    }

    fn skip_space(&mut self) {
        while self.bytes().get(self.at).is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// Reads `<name ...>` or `<name .../>` at the cursor (which is on the `<`).
    fn start_tag(&mut self) -> Result<Start<'a>, Refused> {
        let bytes = self.bytes();
        let from = self.at + 1;
        let mut at = from;
        while let Some(&c) = bytes.get(at) {
            match NAME_CLASS[c as usize] {
                NAME_BYTE => at += 1,
                NAME_END => break,
                _ => return Err(Refused("a prefixed name, or markup other than an element")),
            }
        }
        let name = &self.text[from..at];
        if name.is_empty() {
            return Err(Refused("an empty element name"));
        }
        // Attributes are skipped; a quoted value may hold '>' or '/'.
        loop {
            match bytes.get(at) {
                None => return Err(Refused("unterminated start tag")),
                Some(b'>') => {
                    self.at = at + 1;
                    return Ok(Start { name, empty: false });
                }
                Some(b'/') if bytes.get(at + 1) == Some(&b'>') => {
                    self.at = at + 2;
                    return Ok(Start { name, empty: true });
                }
                Some(&q @ (b'"' | b'\'')) => {
                    let close = memchr::memchr(q, &bytes[at + 1..]).ok_or(Refused("unterminated attribute"))?;
                    at += close + 2;
                }
                Some(_) => at += 1,
            }
        }
    }

    /// Reads `</name>` at the cursor (which is on the `<`); XML's whitespace may precede the `>`.
    fn end_tag(&mut self, name: &str) -> Result<(), Refused> {
        let bytes = self.bytes();
        let from = self.at + 2;
        let mut at = from + name.len();
        match bytes.get(from..at) {
            Some(sent) if same(sent, name.as_bytes()) => {}
            _ => return Err(Refused("mismatched end tag")),
        }
        while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            at += 1;
        }
        if bytes.get(at) != Some(&b'>') {
            return Err(Refused("mismatched end tag"));
        }
        self.at = at + 1;
        Ok(())
    }
}

/// An element's raw text, and what it holds that a writer must treat specially.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span<'a> {
    /// The text as sent, references unresolved.
    pub raw: &'a str,
    /// It holds `&`: a reference to resolve ([`unescape`]).
    pub references: bool,
    /// It holds a control character, `"` or `\\`, which a JSON string escapes.
    pub escapes: bool,
}

/// [`NAME_CLASS`]: a byte of a name, the byte after it, a byte refused in a name.
const NAME_BYTE: u8 = 0;
const NAME_END: u8 = 1;
const NAME_REFUSED: u8 = 2;

/// What each byte is in an element name.
const NAME_CLASS: [u8; 256] = {
    let mut t = [NAME_BYTE; 256];
    t[b'>' as usize] = NAME_END;
    t[b'/' as usize] = NAME_END;
    t[b' ' as usize] = NAME_END;
    t[b'\t' as usize] = NAME_END;
    t[b'\r' as usize] = NAME_END;
    t[b'\n' as usize] = NAME_END;
    t[b':' as usize] = NAME_REFUSED;
    t[b'!' as usize] = NAME_REFUSED;
    t[b'?' as usize] = NAME_REFUSED;
    t[b'<' as usize] = NAME_REFUSED;
    t
};

/// [`TEXT_CLASS`]: bits a text byte sets; `LT` ends the text.
const AMP: u8 = 1;
const ESCAPE: u8 = 2;
const LT: u8 = 4;

/// What each byte is in an element's text.
const TEXT_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = ESCAPE;
        b += 1;
    }
    t[b'"' as usize] = ESCAPE;
    t[b'\\' as usize] = ESCAPE;
    t[b'&' as usize] = AMP;
    t[b'<' as usize] = LT;
    t
};

/// Whether two byte strings of a name's length are equal: short names (most of them) are
/// compared in two overlapping words, without a call to `memcmp`.
#[inline]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("four bytes"));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// Resolves `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#N;` `&#xH;` as the SDK's decoder does;
/// any other reference is refused.
pub fn unescape(raw: &str) -> Result<Cow<'_, str>, Refused> {
    if !raw.contains('&') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut sections = raw.split('&');
    out.push_str(sections.next().unwrap_or_default());
    for section in sections {
        let end = section.find(';').ok_or(Refused("unterminated reference"))?;
        let c = match &section[..end] {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            other => {
                let code = match other.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => other.strip_prefix('#').ok_or(Refused("unknown reference"))?.parse(),
                };
                code.ok().and_then(char::from_u32).ok_or(Refused("bad character reference"))?
            }
        };
        out.push(c);
        out.push_str(&section[end + 1..]);
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element's name and text, depth first, as `name=text` or `name{...}`.
    fn outline(xml: &str) -> Result<String, Refused> {
        fn element<'a>(r: &mut Reader<'a>, start: Start<'a>, out: &mut String) -> Result<(), Refused> {
            out.push_str(start.name);
            if start.empty {
                out.push_str("{}");
                return Ok(());
            }
            // Peek: text or children.
            let save = r.at;
            if let Ok(t) = r.text(start) {
                out.push('=');
                out.push_str(&t);
                return Ok(());
            }
            r.at = save;
            out.push('{');
            while let Some(child) = r.next_child(start.name)? {
                element(r, child, out)?;
                out.push(';');
            }
            out.push('}');
            Ok(())
        }
        let mut r = Reader::new(xml.as_bytes())?;
        let root = r.root()?;
        let mut out = String::new();
        element(&mut r, root, &mut out)?;
        Ok(out)
    }

    #[test]
    fn reads_elements_text_and_references() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R xmlns=\"http://x/a>b\">\n  <a>1 &lt;2&gt; &amp; &quot;&apos; &#65;&#x42;</a>\n  <b/><c >  </c><d attr='/>'><e>é</e></d >\n</R>";
        assert_eq!(outline(xml).unwrap(), "R{a=1 <2> & \"' AB;b{};c=  ;d{e=é;};}");
    }

    #[test]
    fn refuses_what_it_does_not_read() {
        for bad in [
            "",
            "text",
            "<R><!-- c --></R>",
            "<R><a><![CDATA[x]]></a></R>",
            "<R><x:a>1</x:a></R>",
            "<R><a>1</b></R>",
            "<R><a>1",
            "<R a=\"unterminated></R>",
        ] {
            assert!(outline(bad).is_err(), "{bad:?} was read");
        }
        assert!(Reader::new(&[b'<', 0xff]).is_err());
    }

    #[test]
    fn text_refuses_an_element_and_skip_passes_anything() {
        let mut r = Reader::new(b"<R><a><b>x</b></a><c>y</c></R>").unwrap();
        let root = r.root().unwrap();
        let a = r.next_child(root.name).unwrap().unwrap();
        r.skip(a).unwrap();
        let c = r.next_child(root.name).unwrap().unwrap();
        assert_eq!(r.text(c).unwrap(), "y");
        assert_eq!(r.next_child(root.name).unwrap(), None);
        let mut r = Reader::new(b"<R><a><b>x</b></a></R>").unwrap();
        let root = r.root().unwrap();
        let a = r.next_child(root.name).unwrap().unwrap();
        assert!(r.text(a).is_err());
    }

    #[test]
    fn same_compares_names_of_every_length() {
        let name = b"abcdefghijklmnopqrstuvwxyz";
        for n in 0..=name.len() {
            let a = &name[..n];
            assert!(same(a, a));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same(a, &b), "{n} bytes, byte {i} differs");
            }
            if n > 0 {
                assert!(!same(a, &name[..n - 1]) && !same(&name[..n - 1], a));
            }
        }
    }

    #[test]
    fn text_spans_say_what_their_text_holds() {
        let mut r = Reader::new(b"<R><a>plain</a><b>x &amp; y</b><c>say \"hi\"</c><d>tab\there</d><e/></R>").unwrap();
        let root = r.root().unwrap();
        let mut spans = Vec::new();
        while let Some(child) = r.next_child(root.name).unwrap() {
            let s = r.text_span(child).unwrap();
            spans.push((s.raw.to_string(), s.references, s.escapes));
        }
        let expected = [
            ("plain", false, false),
            ("x &amp; y", true, false),
            ("say \"hi\"", false, true),
            ("tab\there", false, true),
            ("", false, false),
        ];
        assert_eq!(spans, expected.map(|(t, a, e)| (t.to_string(), a, e)));
        // Only XML's whitespace may precede an end tag's '>'.
        assert!(outline("<R><a>1</a \t\r\n></R>").is_ok());
        assert!(outline("<R><a>1</a\u{a0}></R>").is_err());
        assert!(outline("<R><a>1</ab></R>").is_err());
    }

    #[test]
    fn an_expected_child_is_read_as_any_other() {
        let xml = b"<R><a>1</a><ab>2</ab><a/><a x='1'>3</a><b>4</b></R>";
        let mut r = Reader::new(xml).unwrap();
        let root = r.root().unwrap();
        let mut seen = Vec::new();
        while let Some((child, expected)) = r.next_child_expecting(root.name, "a").unwrap() {
            seen.push((child.name, child.empty, expected, r.text(child).unwrap().into_owned()));
        }
        let want = [
            ("a", false, true, "1"),
            ("ab", false, false, "2"),
            ("a", true, false, ""),
            ("a", false, false, "3"),
            ("b", false, false, "4"),
        ];
        assert_eq!(seen, want.map(|(n, e, x, t)| (n, e, x, t.to_string())));
    }

    #[test]
    fn unescapes_as_the_sdk_decoder_does() {
        assert_eq!(unescape("plain").unwrap(), "plain");
        assert_eq!(unescape("&#10;&#x1F600;&lt;").unwrap(), "\n😀<");
        for bad in ["&#xD800;", "&nbsp;", "&#xZZ;", "&amp", "&#;"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }
}
