//! Steps through JSON text known to be well-formed (validated first, or written by this
//! program) by matching brackets outside strings: what a caller does not parse is stepped
//! over without being parsed or validated again. Malformed text gives an error, never a panic.

use std::borrow::Cow;

/// An error about the text's shape.
pub fn shape(msg: &str) -> serde_json::Error {
    serde::de::Error::custom(msg)
}

fn malformed() -> serde_json::Error {
    shape("not well-formed JSON")
}

/// The index of the first byte at or after `i` that is not insignificant whitespace.
pub fn skip_space(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// The index after the string whose opening quote is at `i`.
pub fn string_end(b: &[u8], i: usize) -> Result<usize, serde_json::Error> {
    string_span(b, i).map(|(end, _)| end)
}

/// [`string_end`], and whether the string holds an escape (`\`).
fn string_span(b: &[u8], i: usize) -> Result<(usize, bool), serde_json::Error> {
    if b.get(i) != Some(&b'"') {
        return Err(malformed());
    }
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        // Eight bytes at a time while they hold neither a quote nor a backslash.
        while let Some(word) = b.get(j..j + 8) {
            let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            let hits = zero_bytes(w ^ repeat(b'"')) | zero_bytes(w ^ repeat(b'\\'));
            if hits != 0 {
                // The lowest flagged byte is exact (only bytes above a zero byte can be flagged
                // wrongly).
                j += (hits.trailing_zeros() / 8) as usize;
                break;
            }
            j += 8;
        }
        match b.get(j) {
            Some(b'"') => return Ok((j + 1, escaped)),
            // The next byte is escaped.
            Some(b'\\') => {
                escaped = true;
                j += 2;
            }
            Some(_) => j += 1,
            None => return Err(malformed()),
        }
    }
}

/// `byte` in each of a word's eight bytes.
const fn repeat(byte: u8) -> u64 {
    u64::from_le_bytes([byte; 8])
}

/// The high bit of each zero byte of `v` set, and of no byte below the lowest zero byte.
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(repeat(1)) & !v & repeat(0x80)
}

/// The bytes a container's scan stops at: quotes and brackets.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// The index after the value that starts at `i`.
pub fn value_end(b: &[u8], i: usize) -> Result<usize, serde_json::Error> {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let (mut depth, mut j) = (0usize, i);
            loop {
                while b.get(j).is_some_and(|&c| !STRUCTURAL[c as usize]) {
                    j += 1;
                }
                match b.get(j) {
                    None => return Err(malformed()),
                    Some(b'"') => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    Some(b'{' | b'[') => depth += 1,
                    Some(_) => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                }
                j += 1;
            }
        }
        Some(_) => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
            {
                j += 1;
            }
            if j == i {
                return Err(malformed());
            }
            Ok(j)
        }
        None => Err(malformed()),
    }
}

/// Whether the value at `i` is `null`.
pub fn is_null(b: &[u8], i: usize) -> bool {
    b.get(i..i + 4) == Some(b"null")
}

/// Calls `member` with each member of the object at `i` (`what` names it in errors): its key,
/// unescaped, and where its value starts; `member` returns where the value ends. The index
/// after the object.
pub fn members(
    text: &str,
    i: usize,
    what: &str,
    mut member: impl FnMut(Cow<str>, usize) -> Result<usize, serde_json::Error>,
) -> Result<usize, serde_json::Error> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'{') {
        return Err(shape(&format!("{what} is not a JSON object")));
    }
    let mut i = skip_space(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        let (key_end, escaped) = string_span(b, i)?;
        let quoted = &text[i..key_end];
        let key: Cow<str> = if escaped {
            Cow::Owned(serde_json::from_str(quoted)?)
        } else {
            Cow::Borrowed(&quoted[1..quoted.len() - 1])
        };
        i = skip_space(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(malformed());
        }
        let end = member(key, skip_space(b, i + 1))?;
        i = skip_space(b, end);
        match b.get(i) {
            Some(b',') => i = skip_space(b, i + 1),
            Some(b'}') => return Ok(i + 1),
            _ => return Err(malformed()),
        }
    }
}

/// Calls `item` with where each item of the list at `i` starts (`what` names the list in
/// errors); `item` returns where the item ends. The index after the list.
pub fn items(
    text: &str,
    i: usize,
    what: &str,
    mut item: impl FnMut(usize) -> Result<usize, serde_json::Error>,
) -> Result<usize, serde_json::Error> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'[') {
        return Err(shape(&format!("{what} is not a list")));
    }
    let mut i = skip_space(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Ok(i + 1);
    }
    loop {
        let end = item(i)?;
        i = skip_space(b, end);
        match b.get(i) {
            Some(b',') => i = skip_space(b, i + 1),
            Some(b']') => return Ok(i + 1),
            _ => return Err(malformed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_stepped_over_exactly() {
        let text = r#"{"a":"x\"}]","b":[1,{"c":"]"}],"d":-1.5e3,"e\u0041":null}"#;
        let mut seen = Vec::new();
        let end = members(text, 0, "it", |k, at| {
            let end = value_end(text.as_bytes(), at)?;
            seen.push((k.into_owned(), text[at..end].to_string()));
            Ok(end)
        })
        .unwrap();
        assert_eq!(end, text.len());
        assert_eq!(
            seen,
            [
                ("a".to_string(), r#""x\"}]""#.to_string()),
                ("b".into(), r#"[1,{"c":"]"}]"#.into()),
                ("d".into(), "-1.5e3".into()),
                ("eA".into(), "null".into())
            ]
        );
        let mut starts = Vec::new();
        let list = "[ {} , [] ,3 ]";
        let end = items(list, 0, "it", |at| {
            starts.push(at);
            value_end(list.as_bytes(), at)
        })
        .unwrap();
        assert_eq!((end, starts), (list.len(), vec![2, 7, 11]));
        assert!(is_null(b"null", 0) && !is_null(b"nul", 0));
    }

    #[test]
    fn strings_end_at_their_closing_quote_at_any_length() {
        for n in 0..40 {
            // Plain, then an escaped quote at every position, then an escaped backslash.
            let plain: String = "abcdé fghij".chars().cycle().take(n).collect();
            let mut bodies = vec![plain.clone()];
            for at in 0..=plain.chars().count() {
                let (head, tail) = plain.split_at(plain.char_indices().nth(at).map_or(plain.len(), |(k, _)| k));
                bodies.push(format!("{head}\\\"{tail}"));
                bodies.push(format!("{head}\\\\{tail}"));
            }
            for body in bodies {
                let text = format!("\"{body}\",1");
                let end = string_end(text.as_bytes(), 0).unwrap();
                assert_eq!(end, text.len() - 2, "{text:?}");
                let _: String = serde_json::from_str(&text[..end]).unwrap();
                assert!(string_end(&text.as_bytes()[..end - 1], 0).is_err(), "{text:?} unterminated");
            }
        }
    }

    #[test]
    fn malformed_text_is_an_error_not_a_panic() {
        for text in [
            "",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,",
            "{\"a\":1 \"b\":2}",
            "[",
            "{\"a\":[1,2}",
            "\"abc",
            "{,}",
            "{\"a\":}",
        ] {
            let skip = |_: Cow<str>, at: usize| value_end(text.as_bytes(), at);
            assert!(members(text, 0, "it", skip).is_err(), "{text:?}");
        }
        let e = items("{}", 0, "'Reservations'", Ok).unwrap_err();
        assert_eq!(e.to_string(), "'Reservations' is not a list");
        let e = members("[]", 0, "a reservation", |_, at| Ok(at)).unwrap_err();
        assert_eq!(e.to_string(), "a reservation is not a JSON object");
    }
}
