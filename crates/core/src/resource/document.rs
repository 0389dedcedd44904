//! Resource documents, kept in two forms: the full document as compact JSON text (written to
//! `resources.json`, byte for byte what AWS returned, plus c7n's added keys), and a pruned view
//! holding only the top-level keys the policies read (what filters and planning evaluate).
//! This keeps a 50,000-instance account in a few hundred MB instead of several GB.

use super::chunk::{chunked, Chunk};
use super::minify::minify;
use super::outline;
pub use super::outline::Outline;
use super::scan::{self, shape};
use super::{Envelope, ResourceKind, ShapeError};
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
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

/// A document's compact JSON: a range of a compressed chunk of its describe file or live page
/// ([`Chunk`]), after an optional prefix of added keys (`{"ReservationId":"r-1",`).
#[derive(Debug, Clone)]
pub struct RawDocument {
    chunk: Arc<Chunk>,
    range: Range<usize>,
    prefix: Option<Box<str>>,
}

impl RawDocument {
    /// Calls `f` with the document's text in two pieces (the first often empty); their
    /// concatenation is the JSON object.
    pub fn with_pieces<R>(&self, f: impl FnOnce(&str, &str) -> R) -> R {
        let text = self.chunk.text();
        let body = &text[self.range.clone()];
        match &self.prefix {
            // The prefix ends the opening brace's keys; the body continues after its own '{'.
            Some(p) => f(p, &body[1..]),
            None => f("", body),
        }
    }

    /// The document as one string.
    pub fn text(&self) -> String {
        self.with_pieces(|a, b| format!("{a}{b}"))
    }
}

impl PartialEq for RawDocument {
    fn eq(&self, other: &RawDocument) -> bool {
        self.text() == other.text()
    }
}

impl Resource {
    /// A resource whose view is the whole document.
    pub fn from_document(doc: Value) -> Resource {
        let text = serde_json::to_string(&doc).expect("a JSON value serializes");
        Resource {
            view: doc,
            raw: RawDocument {
                range: 0..text.len(),
                chunk: Arc::new(Chunk::new(&text)),
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
    parse_compact(kind, &minify(text), fields).map_err(|e| match e.classify() {
        // Positions in the compact text mean nothing to the user: find the error in the original.
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => locate_syntax_error(text).unwrap_or(e),
        _ => e,
    })
}

/// Re-parses the original text to place a syntax error found in its compact form.
pub fn locate_syntax_error(original: &str) -> Option<serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(original).err()
}

/// [`parse_describe`] on a buffer without insignificant whitespace (see [`super::Minifier`]),
/// validated first; the resources' raw documents are `text` compressed, in chunks.
pub fn parse_compact(kind: ResourceKind, text: &str, fields: &FieldSet) -> Result<Vec<Resource>, serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(text)?;
    parse_page(kind, text, fields)
}

/// [`parse_compact`] on text this program wrote (a live describe page), so known to be
/// well-formed JSON: it is not validated a second time.
pub fn parse_page(kind: ResourceKind, text: &str, fields: &FieldSet) -> Result<Vec<Resource>, serde_json::Error> {
    let parsed = parse_views(kind, text, fields)?;
    let ranges: Vec<Range<usize>> = parsed.iter().map(|p| p.range.clone()).collect();
    Ok(parsed
        .into_iter()
        .zip(chunked(text, &ranges))
        .map(|(p, (chunk, range))| Resource {
            view: p.view,
            raw: RawDocument {
                chunk,
                range,
                prefix: p.prefix,
            },
        })
        .collect())
}

/// A resource's view, its document's range of the text, and the prefix of added keys.
struct Parsed {
    view: Value,
    range: Range<usize>,
    prefix: Option<Box<str>>,
}

/// The views of the documents in well-formed `text`, one scan of it: the envelope's lists are
/// walked by the bracket scanner and each document's kept members parsed.
fn parse_views(kind: ResourceKind, text: &str, fields: &FieldSet) -> Result<Vec<Parsed>, serde_json::Error> {
    let kept = KeptKeys::new(kind, fields);
    let b = text.as_bytes();
    let envelope = kind.spec().collection.envelope;
    let list_key = match envelope {
        Envelope::Reservations => "Reservations",
        Envelope::List(key) => key,
    };
    let mut found: Option<Vec<Parsed>> = None;
    let end = scan::members(text, scan::skip_space(b, 0), "the response", |key, at| {
        if key != list_key || scan::is_null(b, at) {
            return scan::value_end(b, at);
        }
        // A list sent twice: the last one, as a JSON object's reader keeps it.
        let mut out = Vec::new();
        let end = scan::items(text, at, &format!("'{list_key}'"), |item| match envelope {
            Envelope::Reservations => reservation(kind, text, item, fields, &kept, &mut out),
            Envelope::List(_) => {
                let (view, range) = view_at(text, item, |k| kept.get(k))?;
                let end = range.end;
                out.push(finish(kind, text, view, range, fields, &[])?);
                Ok(end)
            }
        })?;
        found = Some(out);
        Ok(end)
    })?;
    if scan::skip_space(b, end) != b.len() {
        return Err(shape("text after the response"));
    }
    found.ok_or_else(|| missing(list_key, kind))
}

/// The instances of the reservation at `at`, with its `ReservationId` and `OwnerId` added,
/// pushed to `out`; where the reservation ends.
fn reservation(
    kind: ResourceKind,
    text: &str,
    at: usize,
    fields: &FieldSet,
    kept: &KeptKeys,
    out: &mut Vec<Parsed>,
) -> Result<usize, serde_json::Error> {
    let b = text.as_bytes();
    let (mut id, mut owner, mut instances) = (None::<String>, None::<String>, None);
    let end = scan::members(text, at, "a reservation", |key, at| {
        let end = match &*key {
            "ReservationId" | "OwnerId" => {
                let end = scan::value_end(b, at)?;
                let value: Option<String> = serde_json::from_str(&text[at..end])?;
                *(if key == "OwnerId" { &mut owner } else { &mut id }) = value;
                end
            }
            "Instances" if !scan::is_null(b, at) => {
                let mut list = Vec::new();
                let end = scan::items(text, at, "a reservation's 'Instances'", |item| {
                    let (view, range) = view_at(text, item, |k| kept.get(k))?;
                    let end = range.end;
                    list.push((view, range));
                    Ok(end)
                })?;
                instances = Some(list);
                end
            }
            _ => scan::value_end(b, at)?,
        };
        Ok(end)
    })?;
    let instances = instances.ok_or_else(|| shape("a reservation lacks its 'Instances' list"))?;
    let added: Vec<(&str, &str)> = [("ReservationId", &id), ("OwnerId", &owner)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect();
    for (view, range) in instances {
        out.push(finish(kind, text, view, range, fields, &added)?);
    }
    Ok(end)
}

fn missing(key: &str, kind: ResourceKind) -> serde_json::Error {
    shape(&format!(
        "missing '{key}' (is this the output of {}?)",
        kind.spec().collection.describe_api
    ))
}

/// The kept members of the document at `at`, each parsed in its outline (the others, most of
/// a document, stepped over), and the document's range.
fn view_at(
    text: &str,
    at: usize,
    keep: impl Fn(&str) -> Option<&'static Outline>,
) -> Result<(Map<String, Value>, Range<usize>), serde_json::Error> {
    let b = text.as_bytes();
    let mut view = Map::new();
    let end = scan::members(text, at, "a resource", |key, start| {
        let end = scan::value_end(b, start)?;
        if let Some(outline) = keep(&key) {
            view.insert(key.into_owned(), outline::parse(outline, &text[start..end])?);
        }
        Ok(end)
    })?;
    Ok((view, at..end))
}

/// Completes one resource's view (its id checked, `added` string keys unless already present,
/// the mirrored tag list) and the prefix its raw document needs for the keys it lacks.
fn finish(
    kind: ResourceKind,
    text: &str,
    mut view: Map<String, Value>,
    range: Range<usize>,
    fields: &FieldSet,
    added: &[(&str, &str)],
) -> Result<Parsed, serde_json::Error> {
    let raw = &text[range.clone()];
    let id_field = kind.spec().collection.id_field;
    let mirror = kind.spec().tag_mirror;
    match view.get(id_field) {
        Some(Value::String(_)) => {}
        _ => return Err(shape(&format!("a resource lacks its string '{id_field}'"))),
    }
    // The prefix is written as the keys are added: `{"k":v` and `,"k":v` for each.
    let mut prefix: Vec<u8> = Vec::new();
    let mut kept: Vec<(String, Value)> = Vec::new();
    for (k, v) in added.iter().filter(|(k, _)| !view.contains_key(*k)) {
        push_member(&mut prefix, k, v)?;
        if fields.keeps(k) || *k == id_field {
            kept.push((k.to_string(), Value::String(v.to_string())));
        }
    }
    if let Some(mirror) = mirror.filter(|_| !view.contains_key("Tags")) {
        let tags = view.get(mirror).cloned().unwrap_or(Value::Array(Vec::new()));
        push_member(&mut prefix, "Tags", &tags)?;
        if fields.keeps("Tags") {
            kept.push(("Tags".into(), tags));
        }
    }
    let prefix = if prefix.is_empty() {
        None
    } else {
        if raw != "{}" {
            prefix.push(b',');
        }
        Some(
            String::from_utf8(prefix)
                .map_err(|_| shape("a key or value that is not UTF-8"))?
                .into_boxed_str(),
        )
    };
    view.extend(kept);
    if let Some(mirror) = mirror.filter(|m| !fields.keeps(m)) {
        view.remove(mirror);
    }
    Ok(Parsed {
        view: Value::Object(view),
        range,
        prefix,
    })
}

/// Writes `"key":value` onto a prefix of added keys, after `{` or `,`.
fn push_member(prefix: &mut Vec<u8>, key: &str, value: &impl serde::Serialize) -> Result<(), serde_json::Error> {
    prefix.push(if prefix.is_empty() { b'{' } else { b',' });
    serde_json::to_writer(&mut *prefix, key)?;
    prefix.push(b':');
    serde_json::to_writer(&mut *prefix, value)
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
        let added: &[&'static str] = match spec.collection.envelope {
            Envelope::Reservations => &["ReservationId", "OwnerId"],
            Envelope::List(_) => &[],
        };
        let whole = std::iter::once(spec.collection.id_field)
            .chain(added.iter().copied())
            .chain(spec.tag_mirror);
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
    fn a_page_this_program_wrote_reads_as_a_validated_one() {
        // As the page writer orders a reservation: its ids after its instances.
        let text = r#"{"Reservations":[{"Groups":[],"Instances":[{"InstanceId":"i-1","Tags":[{"Key":"a","Value":"1"}]},{"InstanceId":"i-2"}],"OwnerId":"111","ReservationId":"r-1"},{"Instances":[],"ReservationId":"r-2"},{"Instances":[{"InstanceId":"i-3"}],"OwnerId":null}],"NextToken":null}"#;
        let fields = FieldSet::for_kind(ResourceKind::Ec2, ["ReservationId".to_string(), "Tags".to_string()]);
        let page = parse_page(ResourceKind::Ec2, text, &fields).unwrap();
        assert_eq!(page, parse_compact(ResourceKind::Ec2, text, &fields).unwrap());
        let docs: Vec<Value> = page.iter().map(Resource::document).collect();
        assert_eq!(
            docs,
            [
                json!({"ReservationId": "r-1", "OwnerId": "111", "InstanceId": "i-1", "Tags": [{"Key": "a", "Value": "1"}]}),
                json!({"ReservationId": "r-1", "OwnerId": "111", "InstanceId": "i-2"}),
                json!({"InstanceId": "i-3"}),
            ]
        );
        assert_eq!(page[1].view, json!({"InstanceId": "i-2", "ReservationId": "r-1"}));
        for (bad, says) in [
            (r#"{"Reservations":{}}"#, "'Reservations' is not a list"),
            (r#"{"Reservations":[[]]}"#, "a reservation is not a JSON object"),
            (r#"{"Reservations":[{"Instances":[1]}]}"#, "a resource is not a JSON object"),
            (r#"{"Reservations":[{"ReservationId":"r"}]}"#, "lacks its 'Instances' list"),
            (r#"{"Reservations":null}"#, "missing 'Reservations'"),
            (r#"{"Reservations":[]}{}"#, "text after the response"),
        ] {
            let e = parse_page(ResourceKind::Ec2, bad, &fields).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
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
    fn lists_kept_in_a_view_have_no_spare_room() {
        let text = r#"{"Reservations": [{"Instances": [{"InstanceId": "i-1",
            "Tags": [{"Key": "a", "Value": "b"}], "SecurityGroups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}],
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "v-1"}}],
            "NetworkInterfaces": [{"Ipv6Addresses": [{"Ipv6Address": "::1"}]}]}]}]}"#;
        let fields = FieldSet::with_outlines(
            ResourceKind::Ec2,
            ["Tags".to_string(), "SecurityGroups".to_string(), "NetworkInterfaces".to_string()],
            [("BlockDeviceMappings", &crate::resource::ROOT_DEVICE)],
        );
        let r = &parse_describe(ResourceKind::Ec2, text, &fields).unwrap()[0];
        let room = |v: &Value| v.as_array().map(|a| (a.len(), a.capacity())).unwrap();
        assert_eq!(room(&r.view["Tags"]), (1, 1));
        assert_eq!(room(&r.view["SecurityGroups"]), (2, 2));
        assert_eq!(room(&r.view["BlockDeviceMappings"]), (1, 1), "a list in outline");
        assert_eq!(room(&r.view["NetworkInterfaces"][0]["Ipv6Addresses"]), (1, 1), "a nested list");
        assert_eq!(r.view["NetworkInterfaces"], r.document()["NetworkInterfaces"]);
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
        let (all, range) = view_at(object, 0, |_| Some(&Outline::Whole)).unwrap();
        assert_eq!(Value::Object(all), serde_json::from_str::<Value>(object).unwrap());
        assert_eq!(range, 0..object.len());
        let (some, _) = view_at(object, 0, |k| (k == "t" || k == "a\"b").then_some(&Outline::Whole)).unwrap();
        assert_eq!(Value::Object(some), json!({"a\"b": "x}\\", "t": true}));
        assert_eq!(view_at("{}", 0, |_| None).unwrap().0.len(), 0);
        for bad in ["[]", "{\"a\" 1}", "{\"a\":1", "{\"a\":\"1}", "{\"a\":[1}"] {
            assert!(view_at(bad, 0, |_| Some(&Outline::Whole)).is_err(), "{bad}");
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
