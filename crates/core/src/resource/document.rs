//! Resource documents, kept in two forms: the full document as compact JSON text (written to
//! `resources.json`, byte for byte what AWS returned, plus c7n's added keys), and a pruned view
//! holding only the top-level keys the policies read (what filters and planning evaluate).
//! This keeps a 50,000-instance account in a few hundred MB instead of several GB.

use super::minify::minify;
use super::{Envelope, ResourceKind, ShapeError};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// One resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The top-level keys the policies read (a subset of the document).
    pub view: Value,
    /// The whole document, compact JSON.
    pub raw: RawDocument,
}

/// A document's compact JSON: a range of a shared buffer (a describe file, or one page of a
/// live describe call), after an optional prefix of added keys (`{"ReservationId":"r-1",`), so
/// no document is copied.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDocument {
    buffer: Arc<String>,
    range: Range<usize>,
    prefix: Option<Box<str>>,
}

impl RawDocument {
    /// The document's text in one or two pieces; their concatenation is the JSON object.
    pub fn pieces(&self) -> (&str, &str) {
        let body = &self.buffer[self.range.clone()];
        match &self.prefix {
            // The prefix ends the opening brace's keys; the body continues after its own '{'.
            Some(p) => (p, &body[1..]),
            None => ("", body),
        }
    }

    /// The document as one string.
    pub fn text(&self) -> String {
        let (a, b) = self.pieces();
        format!("{a}{b}")
    }
}

impl Resource {
    /// A resource whose view is the whole document.
    pub fn from_document(doc: Value) -> Resource {
        let text = Arc::new(serde_json::to_string(&doc).expect("a JSON value serializes"));
        let range = 0..text.len();
        Resource {
            view: doc,
            raw: RawDocument {
                buffer: text,
                range,
                prefix: None,
            },
        }
    }

    /// The full document, parsed.
    pub fn document(&self) -> Value {
        serde_json::from_str(&self.raw.text()).expect("raw documents are valid JSON")
    }
}

/// A filter's request for every top-level key (an expression reading the whole document).
pub const ALL_FIELDS: &str = "*";

/// How much of a value a view keeps.
#[derive(Debug, PartialEq, Eq)]
pub enum Outline {
    /// All of it.
    Whole,
    /// Of an object, or of each object in a list, only these keys, each in outline; other
    /// values whole. `Keys(&[])` keeps only that the object is there (as `{}`).
    Keys(&'static [(&'static str, Outline)]),
}

/// The top-level keys to keep in each resource's view, each whole or in outline (a reader
/// that needs only part of a large value, such as the stop action reading which root device
/// a `BlockDeviceMappings` list names); `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet(Option<BTreeMap<String, &'static Outline>>);

impl FieldSet {
    /// Keeps every key.
    pub fn all() -> FieldSet {
        FieldSet(None)
    }

    /// Keeps the kind's core keys (ids, states, the fields planning reads) plus `extra`, whole;
    /// everything when `extra` holds [`ALL_FIELDS`].
    pub fn for_kind(kind: ResourceKind, extra: impl IntoIterator<Item = String>) -> FieldSet {
        Self::with_outlines(kind, extra, [])
    }

    /// [`FieldSet::for_kind`], and `outlines`: keys kept only in outline unless another
    /// reader needs them whole (two different outlines of a key keep it whole).
    pub fn with_outlines(
        kind: ResourceKind,
        extra: impl IntoIterator<Item = String>,
        outlines: impl IntoIterator<Item = (&'static str, &'static Outline)>,
    ) -> FieldSet {
        let mut whole: BTreeSet<String> = kind.spec().core_fields.iter().map(|s| s.to_string()).collect();
        whole.extend(extra);
        if whole.contains(ALL_FIELDS) {
            return FieldSet::all();
        }
        let mut keys: BTreeMap<String, &'static Outline> = BTreeMap::new();
        for (key, outline) in outlines {
            let kept = keys.entry(key.to_string()).or_insert(outline);
            if *kept != outline {
                *kept = &Outline::Whole;
            }
        }
        keys.extend(whole.into_iter().map(|k| (k, &Outline::Whole)));
        FieldSet(Some(keys))
    }

    /// Whether the view keeps `key` (whole or in outline).
    pub fn keeps(&self, key: &str) -> bool {
        self.outline(key).is_some()
    }

    /// How much of `key` the view keeps; `None`: nothing.
    pub fn outline(&self, key: &str) -> Option<&'static Outline> {
        match &self.0 {
            None => Some(&Outline::Whole),
            Some(keys) => keys.get(key).copied(),
        }
    }
}

/// Parses one describe response (the AWS CLI's JSON) into resources: EC2 instances flattened out
/// of `Reservations` with `ReservationId` (and `OwnerId`) copied in, RDS instances with `TagList`
/// mirrored as `Tags`, spot requests as returned.
pub fn parse_describe(kind: ResourceKind, text: &str, fields: &FieldSet) -> Result<Vec<Resource>, serde_json::Error> {
    let compact = Arc::new(minify(text));
    parse_compact(kind, &compact, fields).map_err(|e| match e.classify() {
        // Positions in the compact text mean nothing to the user: find the error in the original.
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => locate_syntax_error(text).unwrap_or(e),
        _ => e,
    })
}

/// Re-parses the original text to place a syntax error found in its compact form.
pub fn locate_syntax_error(original: &str) -> Option<serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(original).err()
}

/// [`parse_describe`] on a buffer without insignificant whitespace (see [`super::Minifier`]); every
/// resource's raw document points into `text`.
pub fn parse_compact(kind: ResourceKind, text: &Arc<String>, fields: &FieldSet) -> Result<Vec<Resource>, serde_json::Error> {
    let base = text.as_ptr() as usize;
    let range_of = |raw: &RawValue| {
        let start = raw.get().as_ptr() as usize - base;
        start..start + raw.get().len()
    };
    let kept = KeptKeys::new(kind, fields);
    match kind.spec().envelope {
        Envelope::Reservations => {
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase")]
            struct Response<'a> {
                #[serde(borrow)]
                reservations: Option<Vec<Reservation<'a>>>,
            }
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase")]
            struct Reservation<'a> {
                reservation_id: Option<String>,
                owner_id: Option<String>,
                #[serde(borrow)]
                instances: Option<Vec<&'a RawValue>>,
            }
            let response: Response = serde_json::from_str(text.as_ref())?;
            let reservations = response.reservations.ok_or_else(|| missing("Reservations", kind))?;
            let mut out = Vec::new();
            for r in reservations {
                let instances = r.instances.ok_or_else(|| shape("a reservation lacks its 'Instances' list"))?;
                for raw in instances {
                    let mut added = Vec::new();
                    if let Some(id) = &r.reservation_id {
                        added.push(("ReservationId", Value::String(id.clone())));
                    }
                    if let Some(owner) = &r.owner_id {
                        added.push(("OwnerId", Value::String(owner.clone())));
                    }
                    out.push(resource(kind, text, range_of(raw), fields, &kept, added)?);
                }
            }
            Ok(out)
        }
        Envelope::List(list_key) => {
            let response: std::collections::HashMap<String, &RawValue> = serde_json::from_str(text.as_ref())?;
            let list = response.get(list_key).ok_or_else(|| missing(list_key, kind))?;
            let items: Vec<&RawValue> = serde_json::from_str(list.get())?;
            items
                .into_iter()
                .map(|raw| resource(kind, text, range_of(raw), fields, &kept, Vec::new()))
                .collect()
        }
    }
}

fn shape(msg: &str) -> serde_json::Error {
    serde::de::Error::custom(msg)
}

fn missing(key: &str, kind: ResourceKind) -> serde_json::Error {
    shape(&format!("missing '{key}' (is this the output of {}?)", kind.spec().describe_api))
}

/// Builds one resource from its raw JSON object, adding `added` keys unless already present.
fn resource(
    kind: ResourceKind,
    buffer: &Arc<String>,
    range: Range<usize>,
    fields: &FieldSet,
    kept: &KeptKeys,
    added: Vec<(&str, Value)>,
) -> Result<Resource, serde_json::Error> {
    let raw = &buffer[range.clone()];
    let id_field = kind.spec().id_field;
    let mirror = kind.spec().tag_mirror;
    let mut view = pruned_members(raw, |k| kept.get(k))?;
    match view.get(id_field) {
        Some(Value::String(_)) => {}
        _ => return Err(shape(&format!("a resource lacks its string '{id_field}'"))),
    }
    let mut extra: Vec<(String, Value)> = added
        .into_iter()
        .filter(|(k, _)| !view.contains_key(*k))
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if let Some(mirror) = mirror.filter(|_| !view.contains_key("Tags")) {
        extra.push(("Tags".into(), view.get(mirror).cloned().unwrap_or(Value::Array(Vec::new()))));
    }
    let prefix = if extra.is_empty() {
        None
    } else {
        let mut p = String::from("{");
        for (k, v) in &extra {
            p.push_str(&serde_json::to_string(k)?);
            p.push(':');
            p.push_str(&serde_json::to_string(v)?);
            p.push(',');
        }
        if raw == "{}" {
            p.pop();
        }
        Some(p.into_boxed_str())
    };
    for (k, v) in extra {
        if fields.keeps(&k) || k == id_field {
            view.insert(k, v);
        }
    }
    if let Some(mirror) = mirror.filter(|m| !fields.keeps(m)) {
        view.remove(mirror);
    }
    Ok(Resource {
        view: Value::Object(view),
        raw: RawDocument {
            buffer: buffer.clone(),
            range,
            prefix,
        },
    })
}

/// The members of `object` (JSON text already validated: a `RawValue`'s) that `keep` gives an
/// outline for, each parsed in its outline. The other members, most of a document, are
/// stepped over by matching brackets outside strings, without being parsed or validated a
/// second time.
fn pruned_members(object: &str, keep: impl Fn(&str) -> Option<&'static Outline>) -> Result<Map<String, Value>, serde_json::Error> {
    let b = object.as_bytes();
    let mut out = Map::new();
    let mut i = skip_space(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(shape("a resource is not a JSON object"));
    }
    i = skip_space(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(out);
    }
    loop {
        let key_end = string_end(b, i)?;
        let quoted = &object[i..key_end];
        let key: std::borrow::Cow<str> = if quoted.contains('\\') {
            std::borrow::Cow::Owned(serde_json::from_str(quoted)?)
        } else {
            std::borrow::Cow::Borrowed(&quoted[1..quoted.len() - 1])
        };
        i = skip_space(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(malformed());
        }
        let start = skip_space(b, i + 1);
        let end = value_end(b, start)?;
        match keep(&key) {
            Some(Outline::Whole) => {
                out.insert(key.into_owned(), serde_json::from_str(&object[start..end])?);
            }
            Some(Outline::Keys(keys)) => {
                let mut de = serde_json::Deserializer::from_str(&object[start..end]);
                out.insert(key.into_owned(), InOutline(keys).deserialize(&mut de)?);
            }
            None => {}
        }
        i = skip_space(b, end);
        match b.get(i) {
            Some(b',') => i = skip_space(b, i + 1),
            Some(b'}') => return Ok(out),
            _ => return Err(malformed()),
        }
    }
}

fn malformed() -> serde_json::Error {
    shape("a resource is not well-formed JSON")
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// The index after the string whose opening quote is at `i`.
fn string_end(b: &[u8], i: usize) -> Result<usize, serde_json::Error> {
    if b.get(i) != Some(&b'"') {
        return Err(malformed());
    }
    // Byte by byte: a document's strings are short, shorter than `memchr`'s set-up pays for.
    let mut j = i + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'"' => return Ok(j + 1),
            // The next byte is escaped.
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    Err(malformed())
}

/// The index after the value that starts at `i`.
fn value_end(b: &[u8], i: usize) -> Result<usize, serde_json::Error> {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let (mut depth, mut j) = (0usize, i);
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(malformed())
        }
        Some(_) => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
            {
                j += 1;
            }
            Ok(j)
        }
        None => Err(malformed()),
    }
}

/// The top-level keys a view reads from a document, for the check made on every member: the
/// field set's keys plus the id, the added keys and the mirrored tag list (all whole), in a
/// short list compared length first.
struct KeptKeys<'f> {
    all: bool,
    keys: Vec<(&'f str, &'static Outline)>,
}

impl<'f> KeptKeys<'f> {
    fn new(kind: ResourceKind, fields: &'f FieldSet) -> KeptKeys<'f> {
        let spec = kind.spec();
        let mut keys: Vec<(&'f str, &'static Outline)> = Vec::new();
        let added: &[&'static str] = match spec.envelope {
            Envelope::Reservations => &["ReservationId", "OwnerId"],
            Envelope::List(_) => &[],
        };
        let whole = std::iter::once(spec.id_field).chain(added.iter().copied()).chain(spec.tag_mirror);
        keys.extend(whole.map(|k| (k, &Outline::Whole)));
        if let Some(set) = &fields.0 {
            keys.extend(
                set.iter()
                    .filter(|(k, _)| !keys.iter().any(|(w, _)| w == k))
                    .map(|(k, o)| (k.as_str(), *o))
                    .collect::<Vec<_>>(),
            );
        }
        KeptKeys {
            all: fields.0.is_none(),
            keys,
        }
    }

    fn get(&self, key: &str) -> Option<&'static Outline> {
        if self.all {
            return Some(&Outline::Whole);
        }
        self.keys.iter().find(|(k, _)| k.len() == key.len() && *k == key).map(|(_, o)| *o)
    }
}

/// Deserializes a JSON object keeping only the keys `keep` gives an outline for, each in its
/// outline; the rest are skipped unparsed.
struct PrunedObject<F: Fn(&str) -> Option<&'static Outline>> {
    keep: F,
}

impl<'de, F: Fn(&str) -> Option<&'static Outline>> DeserializeSeed<'de> for PrunedObject<F> {
    type Value = Map<String, Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: Fn(&str) -> Option<&'static Outline>> Visitor<'de> for PrunedObject<F> {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a resource object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match (self.keep)(&key) {
                Some(Outline::Whole) => {
                    out.insert(key.into_owned(), map.next_value::<Value>()?);
                }
                Some(Outline::Keys(keys)) => {
                    out.insert(key.into_owned(), map.next_value_seed(InOutline(keys))?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A value in outline: of an object (or of each object in a list) only the listed keys.
struct InOutline(&'static [(&'static str, Outline)]);

impl InOutline {
    fn keep(&self, key: &str) -> Option<&'static Outline> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, o)| o)
    }
}

impl<'de> DeserializeSeed<'de> for InOutline {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for InOutline {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let keys = self.0;
        let keep = move |k: &str| InOutline(keys).keep(k);
        PrunedObject { keep }.visit_map(map).map(Value::Object)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(InOutline(self.0))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

impl From<serde_json::Error> for ShapeError {
    fn from(e: serde_json::Error) -> Self {
        ShapeError(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn syntax_errors_are_located_in_the_original_text() {
        let e = parse_describe(
            ResourceKind::Ec2,
            "{\n  \"Reservations\": [\n    {\"Instances\": [}\n]}",
            &FieldSet::all(),
        )
        .unwrap_err();
        assert_eq!((e.line(), e.column()), (3, 20));
    }

    #[test]
    fn ec2_raw_documents_carry_reservation_keys_and_views_are_pruned() {
        let text = r#"{"Reservations": [{"ReservationId": "r-1", "OwnerId": "111", "Instances": [
            {"InstanceId": "i-1", "State": {"Name": "running"}, "InstanceType": "t3.micro", "Big": {"deep": [1, 2, 3]}}
        ]}]}"#;
        let fields = FieldSet::for_kind(ResourceKind::Ec2, ["InstanceType".to_string(), "ReservationId".to_string()]);
        let r = &parse_describe(ResourceKind::Ec2, text, &fields).unwrap()[0];
        assert_eq!(
            r.document(),
            json!({"ReservationId": "r-1", "OwnerId": "111", "InstanceId": "i-1", "State": {"Name": "running"}, "InstanceType": "t3.micro", "Big": {"deep": [1, 2, 3]}})
        );
        assert_eq!(r.view["InstanceType"], "t3.micro");
        assert_eq!(r.view["ReservationId"], "r-1");
        assert!(r.view.get("Big").is_none(), "unread keys are not kept in the view");
        assert!(r.view.get("OwnerId").is_none());
    }

    #[test]
    fn rds_tag_list_is_mirrored_as_tags_in_both_forms() {
        let text = r#"{"DBInstances": [{"DBInstanceIdentifier": "db1", "TagList": [{"Key": "a", "Value": "b"}]}, {"DBInstanceIdentifier": "db2"}]}"#;
        let docs = parse_describe(
            ResourceKind::Rds,
            text,
            &FieldSet::for_kind(ResourceKind::Rds, ["Tags".to_string()]),
        )
        .unwrap();
        assert!(
            docs[0].view.get("TagList").is_none(),
            "TagList is read for Tags, then dropped from the view"
        );
        assert_eq!(docs[0].view["Tags"], json!([{"Key": "a", "Value": "b"}]));
        assert_eq!(docs[0].document()["Tags"], json!([{"Key": "a", "Value": "b"}]));
        assert_eq!(docs[0].document()["TagList"], json!([{"Key": "a", "Value": "b"}]));
        assert_eq!(docs[1].document(), json!({"Tags": [], "DBInstanceIdentifier": "db2"}));
    }

    #[test]
    fn the_view_equals_the_document_on_every_kept_key() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/account/us-east-1/describe-instances.json"
        ))
        .unwrap();
        let fields = FieldSet::for_kind(ResourceKind::Ec2, ["InstanceType".to_string(), "Placement".to_string()]);
        let all = parse_describe(ResourceKind::Ec2, &text, &FieldSet::all()).unwrap();
        let pruned = parse_describe(ResourceKind::Ec2, &text, &fields).unwrap();
        assert_eq!(all.len(), pruned.len());
        for (a, p) in all.iter().zip(&pruned) {
            assert_eq!(a.raw.text(), p.raw.text());
            assert_eq!(a.view, a.document(), "with every field kept, the view is the document");
            for (k, v) in p.view.as_object().unwrap() {
                assert_eq!(&a.view[k], v, "{k}");
            }
        }
    }

    #[test]
    fn outlines_keep_only_the_keys_they_name_and_whole_wins() {
        static ROOT: Outline = Outline::Keys(&[("DeviceName", Outline::Whole), ("Ebs", Outline::Keys(&[]))]);
        let text = r#"{"Reservations": [{"Instances": [{"InstanceId": "i-1", "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "v-1", "Status": "attached"}}, {"DeviceName": "/dev/sdb", "NoDevice": ""}, 7
        ], "Monitoring": {"State": "disabled"}}]}]}"#;
        let outlined = FieldSet::with_outlines(ResourceKind::Ec2, [], [("BlockDeviceMappings", &ROOT)]);
        let r = &parse_describe(ResourceKind::Ec2, text, &outlined).unwrap()[0];
        assert_eq!(
            r.view["BlockDeviceMappings"],
            json!([{"DeviceName": "/dev/xvda", "Ebs": {}}, {"DeviceName": "/dev/sdb"}, 7])
        );
        assert!(r.view.get("Monitoring").is_none());
        assert_eq!(crate::resource::is_ephemeral(&r.view), crate::resource::is_ephemeral(&r.document()));
        assert_eq!(
            r.document()["BlockDeviceMappings"][0]["Ebs"]["VolumeId"],
            "v-1",
            "the document is whole"
        );
        let whole = FieldSet::with_outlines(
            ResourceKind::Ec2,
            ["BlockDeviceMappings".to_string()],
            [("BlockDeviceMappings", &ROOT)],
        );
        let r = &parse_describe(ResourceKind::Ec2, text, &whole).unwrap()[0];
        assert_eq!(
            r.view["BlockDeviceMappings"],
            r.document()["BlockDeviceMappings"],
            "a whole reader wins"
        );
        static OTHER: Outline = Outline::Keys(&[("DeviceName", Outline::Whole)]);
        let two = FieldSet::with_outlines(
            ResourceKind::Ec2,
            [],
            [("BlockDeviceMappings", &ROOT), ("BlockDeviceMappings", &OTHER)],
        );
        assert_eq!(
            two.outline("BlockDeviceMappings"),
            Some(&Outline::Whole),
            "two outlines keep it whole"
        );
    }

    #[test]
    fn members_are_stepped_over_exactly() {
        let object = r#"{ "a\"b" : "x}\\", "n":-1.5e3,"l":[{"k":"]"},[],"\"{"], "o":{}, "t":true ,"z":null}"#;
        let all = pruned_members(object, |_| Some(&Outline::Whole)).unwrap();
        assert_eq!(Value::Object(all), serde_json::from_str::<Value>(object).unwrap());
        let some = pruned_members(object, |k| (k == "t" || k == "a\"b").then_some(&Outline::Whole)).unwrap();
        assert_eq!(Value::Object(some), json!({"a\"b": "x}\\", "t": true}));
        assert_eq!(pruned_members("{}", |_| None).unwrap().len(), 0);
        for bad in ["[]", "{\"a\" 1}", "{\"a\":1", "{\"a\":\"1}", "{\"a\":[1}"] {
            assert!(pruned_members(bad, |_| Some(&Outline::Whole)).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrong_shapes_are_explained() {
        let e = parse_describe(ResourceKind::Rds, r#"{"Reservations": []}"#, &FieldSet::all()).unwrap_err();
        assert!(e.to_string().contains("missing 'DBInstances'"), "{e}");
        let e = parse_describe(
            ResourceKind::SpotRequest,
            r#"{"SpotInstanceRequests": [{"State": "open"}]}"#,
            &FieldSet::all(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("SpotInstanceRequestId"), "{e}");
    }
}
