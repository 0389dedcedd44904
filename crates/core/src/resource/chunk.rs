//! The compact JSON text that resource documents are ranges of, kept LZ4-compressed in chunks
//! of whole documents (about [`CHUNK_TEXT`] bytes each) once their views are built. A document
//! is read by decompressing its chunk; each thread keeps the last chunk it decompressed, since
//! documents are read in the order they were fetched (`resources.json`, notify messages), so a
//! run holds at most one decompressed chunk per thread besides the compressed text.

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;
use std::rc::Rc;
use std::sync::{Arc, Weak};

/// Text a chunk aims for: small enough that the decompressed chunk each thread keeps is
/// negligible, large enough for LZ4 to find a document's repeated keys in the ones before it.
pub const CHUNK_TEXT: usize = 256 * 1024;

/// Compressed text of consecutive documents.
pub struct Chunk {
    lz4: Box<[u8]>,
    len: usize,
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chunk({} bytes in {})", self.len, self.lz4.len())
    }
}

thread_local! {
    /// The chunk this thread decompressed last, and its text. The `Weak` keeps the chunk's
    /// allocation (not its text) alive, so no other chunk can have its address while it is held.
    static LAST: RefCell<Option<(Weak<Chunk>, Rc<str>)>> = const { RefCell::new(None) };
}

impl Chunk {
    /// Compresses `text`.
    pub fn new(text: &str) -> Chunk {
        Chunk {
            lz4: lz4_flex::block::compress(text.as_bytes()).into_boxed_slice(),
            len: text.len(),
        }
    }

    /// The chunk's text: this thread's kept copy, or decompressed (and kept).
    pub fn text(self: &Arc<Self>) -> Rc<str> {
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            if let Some((chunk, text)) = last.as_ref() {
                if std::ptr::eq(chunk.as_ptr(), Arc::as_ptr(self)) {
                    return text.clone();
                }
            }
            // Only text compressed by `new` is ever decompressed: it comes back whole and UTF-8.
            let bytes = lz4_flex::block::decompress(&self.lz4, self.len).expect("a chunk decompresses to the text it was made from");
            let text: Rc<str> = String::from_utf8(bytes).expect("a chunk's text is UTF-8").into();
            *last = Some((Arc::downgrade(self), text.clone()));
            text
        })
    }

    /// Bytes held compressed.
    pub fn compressed_len(&self) -> usize {
        self.lz4.len()
    }
}

/// Splits `text` into chunks of whole documents, one per run of consecutive `documents`
/// (ranges of `text`, in order) of about [`CHUNK_TEXT`] bytes: each document's chunk and its
/// range in the chunk's text.
pub fn chunked(text: &str, documents: &[Range<usize>]) -> Vec<(Arc<Chunk>, Range<usize>)> {
    let mut out = Vec::with_capacity(documents.len());
    let mut first = 0;
    while first < documents.len() {
        let start = documents[first].start;
        let mut last = first;
        // Documents follow one another; one out of order (never made by the parsers) starts a chunk.
        while let Some(next) = documents.get(last + 1) {
            if next.start < documents[last].end || next.end - start > CHUNK_TEXT {
                break;
            }
            last += 1;
        }
        let end = documents[first..=last].iter().map(|r| r.end).max().unwrap_or(start);
        let chunk = Arc::new(Chunk::new(&text[start..end]));
        out.extend(
            documents[first..=last]
                .iter()
                .map(|r| (chunk.clone(), r.start - start..r.end - start)),
        );
        first = last + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documents(n: usize) -> (String, Vec<Range<usize>>) {
        let mut text = String::from("[");
        let mut ranges = Vec::new();
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            let start = text.len();
            text.push_str(&format!(
                "{{\"InstanceId\":\"i-{i:08}\",\"State\":{{\"Name\":\"running\"}},\"Pad\":\"{}\"}}",
                "x".repeat(i % 97)
            ));
            ranges.push(start..text.len());
        }
        text.push(']');
        (text, ranges)
    }

    #[test]
    fn every_document_reads_back_exactly_from_its_chunk() {
        let (text, ranges) = documents(20_000);
        let chunks = chunked(&text, &ranges);
        assert_eq!(chunks.len(), ranges.len());
        let mut distinct: Vec<*const Chunk> = chunks.iter().map(|(c, _)| Arc::as_ptr(c)).collect();
        distinct.dedup();
        assert!(distinct.len() > 1, "{} documents fit one chunk", ranges.len());
        for ((chunk, range), original) in chunks.iter().zip(&ranges) {
            assert_eq!(&chunk.text()[range.clone()], &text[original.clone()]);
        }
        // Out of order too (each thread keeps one chunk).
        for ((chunk, range), original) in chunks.iter().zip(&ranges).rev().step_by(7) {
            assert_eq!(&chunk.text()[range.clone()], &text[original.clone()]);
        }
    }

    #[test]
    fn chunks_hold_whole_documents_of_about_the_target_size_and_compress() {
        let (text, ranges) = documents(20_000);
        let chunks = chunked(&text, &ranges);
        let mut seen: Vec<&Arc<Chunk>> = Vec::new();
        for (chunk, _) in &chunks {
            if !seen.iter().any(|c| Arc::ptr_eq(c, chunk)) {
                seen.push(chunk);
            }
        }
        for chunk in &seen {
            assert!(chunk.len <= CHUNK_TEXT, "{chunk:?}");
            assert!(chunk.compressed_len() * 3 < chunk.len, "{chunk:?}");
        }
        let total: usize = seen.iter().map(|c| c.len).sum();
        assert!(
            total * 10 >= text.len() * 9,
            "chunks cover the documents: {total} of {}",
            text.len()
        );
        assert!(seen.len() <= text.len() / (CHUNK_TEXT / 2) + 1, "{} chunks", seen.len());
    }

    #[test]
    fn a_document_larger_than_a_chunk_is_a_chunk_of_its_own() {
        let big = format!("{{\"Pad\":\"{}\"}}", "y".repeat(CHUNK_TEXT + 10));
        let text = format!("[{{}},{big},{{}}]");
        let ranges = vec![1..3, 4..4 + big.len(), 5 + big.len()..7 + big.len()];
        let chunks = chunked(&text, &ranges);
        assert!(!Arc::ptr_eq(&chunks[0].0, &chunks[1].0));
        assert!(!Arc::ptr_eq(&chunks[1].0, &chunks[2].0));
        assert_eq!(&chunks[1].0.text()[chunks[1].1.clone()], big);
        assert_eq!(&chunks[2].0.text()[chunks[2].1.clone()], "{}");
        assert!(chunked("[]", &[]).is_empty());
    }
}
