//! AWS's query-protocol XML written straight into the compact JSON the AWS CLI prints, driven
//! by a static table per shape: no SDK structs, no JSON tree, one pass over the bytes
//! ([`crate::xml_reader`]).
//!
//! Each shape's table lists the members custodian keeps, by their XML element name, their CLI
//! key (the Smithy member name) and their type; members not listed are skipped. Values are read
//! exactly as the SDK's generated deserializers read them (the same primitive parsers and
//! character references, `DateTimeWithOffset` dates); members are written in the order AWS sent
//! them. A page mapped here is the same JSON value the SDK's structs and [`crate::json::Obj`]
//! give (tested in `kinds::ec2`); what this reader refuses, the SDK's decoder reads instead.

use crate::xml_reader::{same, unescape, Reader, Refused, Start};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::primitive::Parse;
use aws_smithy_types::DateTime;

/// The type of one member.
#[derive(Debug)]
pub enum Shape {
    /// A string or an enum's value, as sent.
    Str,
    /// A 32-bit integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// A timestamp, written as the CLI prints it.
    Date,
    /// A structure with these members (in the model's order, which is the XML's).
    Obj(&'static [Field]),
    /// A list: one `<item>` element per entry, each of this shape.
    List(&'static Shape),
}

/// One member of a structure.
#[derive(Debug)]
pub struct Field {
    /// Its XML element name (`instanceId`).
    pub xml: &'static str,
    /// Its key in the CLI's JSON (`InstanceId`).
    pub key: &'static str,
    /// Its type.
    pub shape: Shape,
}

/// A member of a structure table.
pub const fn field(xml: &'static str, key: &'static str, shape: Shape) -> Field {
    Field { xml, key, shape }
}

/// How deep a document may nest before it is refused (the SDK's own limit).
const MAX_DEPTH: usize = 128;

/// Writes the element just opened (`start`) as a value of `shape` onto `out`.
pub fn write_value<'a>(r: &mut Reader<'a>, start: Start<'a>, shape: &Shape, out: &mut String, depth: usize) -> Result<(), Refused> {
    if depth >= MAX_DEPTH {
        return Err(Refused("nested too deep"));
    }
    match shape {
        Shape::Str => {
            let span = r.text_span(start)?;
            if span.references {
                write_str(out, &unescape(span.raw)?);
            } else if span.escapes {
                write_str(out, span.raw);
            } else {
                out.push('"');
                out.push_str(span.raw);
                out.push('"');
            }
        }
        Shape::Int => {
            let n = i32::parse_smithy_primitive(&r.text(start)?).map_err(|_| Refused("not an integer"))?;
            out.push_str(itoa::Buffer::new().format(n));
        }
        Shape::Bool => {
            let b = bool::parse_smithy_primitive(&r.text(start)?).map_err(|_| Refused("not a boolean"))?;
            out.push_str(if b { "true" } else { "false" });
        }
        Shape::Date => {
            let d = DateTime::from_str(&r.text(start)?, Format::DateTimeWithOffset).map_err(|_| Refused("not a timestamp"))?;
            out.push('"');
            crate::json::write_cli_date(&d, out);
            out.push('"');
        }
        Shape::Obj(fields) => write_object(r, start, fields, out, depth)?,
        Shape::List(item) => {
            out.push('[');
            let mut first = true;
            while let Some((child, _)) = next_child_expecting(r, start, "item")? {
                if child.name != "item" {
                    r.skip(child)?;
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                write_value(r, child, item, out, depth + 1)?;
            }
            out.push(']');
        }
    }
    Ok(())
}

/// Writes a structure: each listed member present in the XML, in the XML's order (the
/// model's, as the AWS CLI prints it). A member sent twice is refused (the SDK would keep
/// the last; its decoder gets the body then).
pub fn write_object<'a>(r: &mut Reader<'a>, start: Start<'a>, fields: &[Field], out: &mut String, depth: usize) -> Result<(), Refused> {
    out.push('{');
    let mut seen = 0u64;
    // Where to look first: the member after the last one found (the XML's order is the
    // model's, the same for every element).
    let mut hint = 0;
    while let Some((child, expected)) = next_child_expecting(r, start, fields.get(hint).map_or("", |f| f.xml))? {
        let found = if expected { Some(hint) } else { find(fields, child.name, hint) };
        let Some(at) = found else {
            r.skip(child)?;
            continue;
        };
        hint = at + 1;
        if seen & (1 << at) != 0 {
            return Err(Refused("a member sent twice"));
        }
        if seen != 0 {
            out.push(',');
        }
        seen |= 1 << at;
        out.push('"');
        out.push_str(fields[at].key);
        out.push_str("\":");
        write_value(r, child, &fields[at].shape, out, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

/// [`next_child`] when the child is most likely `<expected>`, and whether it is.
fn next_child_expecting<'a>(r: &mut Reader<'a>, start: Start<'a>, expected: &str) -> Result<Option<(Start<'a>, bool)>, Refused> {
    if start.empty {
        return Ok(None);
    }
    if expected.is_empty() {
        return Ok(r.next_child(start.name)?.map(|child| (child, false)));
    }
    r.next_child_expecting(start.name, expected)
}

/// The member named `xml`, searched from `hint` on, then from the start.
fn find(fields: &[Field], xml: &str, hint: usize) -> Option<usize> {
    let hint = hint.min(fields.len());
    let (tail, head) = (&fields[hint..], &fields[..hint]);
    let is = |f: &Field| same(f.xml.as_bytes(), xml.as_bytes());
    tail.iter().position(is).map(|at| at + hint).or_else(|| head.iter().position(is))
}

/// The next child of the element `start` opened; none for an empty element.
pub fn next_child<'a>(r: &mut Reader<'a>, start: Start<'a>) -> Result<Option<Start<'a>>, Refused> {
    if start.empty {
        return Ok(None);
    }
    r.next_child(start.name)
}

/// Writes `s` as a JSON string, escaped exactly as `serde_json` escapes it.
pub fn write_str(out: &mut String, s: &str) {
    // Which bytes need an escape: 0 none, else the letter after the backslash ('u': \u00XX).
    const ESCAPE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 0x20 {
            t[b] = b'u';
            b += 1;
        }
        t[0x08] = b'b';
        t[0x09] = b't';
        t[0x0a] = b'n';
        t[0x0c] = b'f';
        t[0x0d] = b'r';
        t[b'"' as usize] = b'"';
        t[b'\\' as usize] = b'\\';
        t
    };
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut plain = 0;
    for (at, &byte) in s.as_bytes().iter().enumerate() {
        let escape = ESCAPE[byte as usize];
        if escape == 0 {
            continue;
        }
        out.push_str(&s[plain..at]);
        out.push('\\');
        out.push(escape as char);
        if escape == b'u' {
            out.push_str("00");
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 0xf) as usize] as char);
        }
        plain = at + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Checks a structure table: at most 64 members (one bit each in [`write_object`]),
/// XML names and keys unique; nested tables too. For the tables' tests.
pub fn check_table(name: &str, fields: &[Field]) -> Result<(), String> {
    if fields.len() > 64 {
        return Err(format!("{name}: more than 64 members"));
    }
    for (n, f) in fields.iter().enumerate() {
        if fields[..n].iter().any(|g| g.xml == f.xml || g.key == f.key) {
            return Err(format!("{name}: '{}' ({}) twice", f.xml, f.key));
        }
        let mut shape = &f.shape;
        while let Shape::List(item) = shape {
            shape = item;
        }
        if let Shape::Obj(nested) = shape {
            check_table(&format!("{name}.{}", f.key), nested)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: &[Field] = &[field("key", "Key", Shape::Str), field("value", "Value", Shape::Str)];
    const ROOT: &[Field] = &[
        field("count", "Count", Shape::Int),
        field("on", "On", Shape::Bool),
        field("tagSet", "Tags", Shape::List(&Shape::Obj(TAG))),
        field("when", "When", Shape::Date),
        field("name", "Zname", Shape::Str),
    ];

    fn render(xml: &str) -> Result<String, Refused> {
        let mut r = Reader::new(xml.as_bytes())?;
        let root = r.root()?;
        let mut out = String::new();
        write_object(&mut r, root, ROOT, &mut out, 0)?;
        Ok(out)
    }

    #[test]
    fn writes_members_in_order_typed_and_skips_the_unlisted() {
        let xml = "<r><name>a &amp; \"b\"</name><unknown><deep>x</deep></unknown><when>2026-11-23T15:00:00.000Z</when>\
                   <count>007</count><on>true</on><tagSet><item><value>v</value><key>k</key></item><item><key>e</key></item></tagSet></r>";
        assert_eq!(
            render(xml).unwrap(),
            r#"{"Zname":"a & \"b\"","When":"2026-11-23T15:00:00+00:00","Count":7,"On":true,"Tags":[{"Value":"v","Key":"k"},{"Key":"e"}]}"#
        );
    }

    #[test]
    fn refuses_a_repeated_member_and_writes_empty_elements() {
        assert!(render("<r><name>one</name><name>two</name></r>").is_err());
        assert_eq!(render("<r><tagSet/><name/></r>").unwrap(), r#"{"Tags":[],"Zname":""}"#);
        assert_eq!(render("<r/>").unwrap(), "{}");
    }

    #[test]
    fn refuses_what_the_sdk_refuses() {
        assert!(render("<r><count>1.5</count></r>").is_err());
        assert!(render("<r><on>yes</on></r>").is_err());
        assert!(render("<r><when>yesterday</when></r>").is_err());
        assert!(render("<r><name><b>nested</b></name></r>").is_err());
    }

    #[test]
    fn escapes_strings_as_serde_json_does() {
        for s in [
            "plain",
            "quote \" back \\ slash",
            "ctl \u{1} \u{1f} \n \r \t \u{8} \u{c}",
            "é ☃ / \u{7f}",
            "",
        ] {
            let mut out = String::new();
            write_str(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn tables_are_checked_for_repeated_names() {
        assert_eq!(check_table("root", ROOT), Ok(()));
        const TWICE: &[Field] = &[field("b", "B", Shape::Str), field("b", "A", Shape::Str)];
        assert!(check_table("twice", TWICE).is_err());
        const NESTED: &[Field] = &[field("n", "N", Shape::List(&Shape::Obj(TWICE)))];
        assert!(check_table("nested", NESTED).is_err());
    }
}
