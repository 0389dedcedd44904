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
        let lt = memchr::memchr(b'<', &self.bytes()[self.at..]).ok_or(Refused("unterminated element"))?;
        self.at += lt;
        match self.bytes().get(self.at + 1) {
            Some(b'/') => {
                self.end_tag(parent)?;
                Ok(None)
            }
            Some(b'!' | b'?') => Err(Refused("comment, CDATA or processing instruction")),
            _ => self.start_tag().map(Some),
        }
    }

    /// The text of an element whose start tag was just read, up to and including its end tag;
    /// references resolved. An element holding another element is refused.
    pub fn text(&mut self, start: Start<'a>) -> Result<Cow<'a, str>, Refused> {
        if start.empty {
            return Ok(Cow::Borrowed(""));
        }
        let lt = memchr::memchr(b'<', &self.bytes()[self.at..]).ok_or(Refused("unterminated element"))?;
        let raw = &self.text[self.at..self.at + lt];
        self.at += lt;
        if self.bytes().get(self.at + 1) != Some(&b'/') {
            return Err(Refused("an element where text was expected"));
        }
        self.end_tag(start.name)?;
        unescape(raw)
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
        while at < bytes.len() {
            match bytes[at] {
                b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n' => break,
                b':' | b'!' | b'?' | b'<' => return Err(Refused("a prefixed name, or markup other than an element")),
                _ => at += 1,
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

    /// Reads `</name>` at the cursor (which is on the `<`).
    fn end_tag(&mut self, name: &str) -> Result<(), Refused> {
        let rest = &self.text[self.at + 2..];
        let after = rest.strip_prefix(name).ok_or(Refused("mismatched end tag"))?;
        let trimmed = after.trim_start();
        if !trimmed.starts_with('>') {
            return Err(Refused("mismatched end tag"));
        }
        self.at += 2 + name.len() + (after.len() - trimmed.len()) + 1;
        Ok(())
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
    fn unescapes_as_the_sdk_decoder_does() {
        assert_eq!(unescape("plain").unwrap(), "plain");
        assert_eq!(unescape("&#10;&#x1F600;&lt;").unwrap(), "\n😀<");
        for bad in ["&#xD800;", "&nbsp;", "&#xZZ;", "&amp", "&#;"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }
}
