//! What filters read besides the resource documents, loaded on demand: related documents
//! (volumes, images, subnets, ...) and per-instance attributes (`DescribeInstanceAttribute`).
//! A filter that finds something not loaded yet records a [`Need`] and is undecided; the engine
//! loads the cheapest tier of needs of the undecided resources and evaluates them again.

use super::related::Related;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The EC2 instance attributes `DescribeInstanceAttribute` answers (c7n's `valid_attrs` of
/// `instance-attribute` in `c7n/resources/ec2.py`, plus `disableApiStop`).
pub const INSTANCE_ATTRIBUTES: &[&str] = &[
    "blockDeviceMapping",
    "disableApiStop",
    "disableApiTermination",
    "ebsOptimized",
    "enaSupport",
    "groupSet",
    "instanceInitiatedShutdownBehavior",
    "instanceType",
    "kernel",
    "productCodes",
    "ramdisk",
    "rootDeviceName",
    "sourceDestCheck",
    "sriovNetSupport",
    "userData",
];

/// One CloudWatch series over a window: what a `metrics` filter asks for one resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricQuery {
    /// `AWS/EC2`, `AWS/RDS`, ...
    pub namespace: String,
    /// The metric name (`CPUUtilization`).
    pub name: String,
    /// The statistic (`Average`, `Sum`, `Maximum`, `Minimum`, `SampleCount`, `p99`, ...).
    pub stat: String,
    /// Seconds per datapoint.
    pub period: i64,
    /// Window start (inclusive).
    pub start: jiff::Timestamp,
    /// Window end (exclusive).
    pub end: jiff::Timestamp,
    /// The dimensions: the resource's (`InstanceId`), then the filter's own.
    pub dimensions: Vec<(String, String)>,
}

/// Something a filter needs that is not loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Need {
    /// A related document: the region's whole list of a region-wide type, or this id of a by-id
    /// type.
    Related(Related, String),
    /// One instance attribute (a name of [`INSTANCE_ATTRIBUTES`]) of one instance.
    Attribute(&'static str, String),
    /// One metric series (`GetMetricData`, up to 500 series a call).
    Metric(MetricQuery),
}

impl Need {
    /// The cost tier: needs of a lower tier are loaded first, so the dearer ones are asked only
    /// for the resources still undecided. Related lists cost a few calls per region, metrics
    /// one call per 500 resources, instance attributes one call per instance.
    pub fn tier(&self) -> u8 {
        match self {
            Need::Related(..) => 0,
            Need::Metric(..) => 1,
            Need::Attribute(..) => 2,
        }
    }
}

/// A related lookup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'a> {
    /// Not loaded yet.
    NotLoaded,
    /// Loaded: no such document (deleted, or never existed).
    Missing,
    /// The document.
    Found(&'a Value),
}

#[derive(Debug, Default)]
struct RelatedDocs {
    whole_region: bool,
    asked: HashSet<String>,
    docs: HashMap<String, Value>,
    order: Vec<String>,
}

/// Everything loaded for one region.
#[derive(Debug, Default)]
pub struct Details {
    related: HashMap<Related, RelatedDocs>,
    attributes: HashMap<(&'static str, String), Value>,
    metrics: HashMap<MetricQuery, Vec<f64>>,
}

impl Details {
    /// The related document `id` of type `related`.
    pub fn related(&self, related: Related, id: &str) -> Lookup<'_> {
        let Some(r) = self.related.get(&related) else {
            return Lookup::NotLoaded;
        };
        match r.docs.get(id) {
            Some(d) => Lookup::Found(d),
            None if r.whole_region || r.asked.contains(id) => Lookup::Missing,
            None => Lookup::NotLoaded,
        }
    }

    /// Every document of a region-wide type, in describe order, once loaded.
    pub fn all_related(&self, related: Related) -> Option<Vec<&Value>> {
        let r = self.related.get(&related).filter(|r| r.whole_region)?;
        Some(r.order.iter().filter_map(|id| r.docs.get(id)).collect())
    }

    /// Stores related documents: the whole region's (`asked: None`) or those found for `asked`.
    pub fn add_related(&mut self, related: Related, asked: Option<&[String]>, docs: Vec<Value>) {
        let r = self.related.entry(related).or_default();
        match asked {
            None => r.whole_region = true,
            Some(ids) => r.asked.extend(ids.iter().cloned()),
        }
        let id_field = related.spec().collection.id_field;
        for d in docs {
            if let Some(id) = d.get(id_field).and_then(Value::as_str).map(str::to_string) {
                if !r.docs.contains_key(&id) {
                    r.order.push(id.clone());
                }
                r.docs.insert(id, d);
            }
        }
    }

    /// The `DescribeInstanceAttribute` answer of `attribute` for `id`, once loaded.
    pub fn attribute(&self, attribute: &'static str, id: &str) -> Option<&Value> {
        self.attributes.get(&(attribute, id.to_string()))
    }

    /// A metric series' datapoints (oldest first), once loaded.
    pub fn metric(&self, query: &MetricQuery) -> Option<&[f64]> {
        self.metrics.get(query).map(Vec::as_slice)
    }

    /// Stores a metric series' datapoints.
    pub fn add_metric(&mut self, query: MetricQuery, values: Vec<f64>) {
        self.metrics.insert(query, values);
    }

    /// Stores one `DescribeInstanceAttribute` answer.
    pub fn add_attribute(&mut self, attribute: &'static str, id: &str, answer: Value) {
        self.attributes.insert((attribute, id.to_string()), answer);
    }
}

/// The AWS CLI's key for an attribute's value in a `DescribeInstanceAttribute` answer
/// (`disableApiTermination` -> `DisableApiTermination`, `groupSet` -> `Groups`, ...).
pub fn attribute_key(attribute: &str) -> String {
    match attribute {
        "groupSet" => "Groups".into(),
        "blockDeviceMapping" => "BlockDeviceMappings".into(),
        "productCodes" => "ProductCodes".into(),
        _ => {
            let mut c = attribute.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups_tell_not_loaded_from_missing() {
        let mut d = Details::default();
        assert_eq!(d.related(Related::Images, "ami-1"), Lookup::NotLoaded);
        d.add_related(
            Related::Images,
            Some(&["ami-1".into(), "ami-2".into()]),
            vec![json!({"ImageId": "ami-1"})],
        );
        assert!(matches!(d.related(Related::Images, "ami-1"), Lookup::Found(_)));
        assert_eq!(d.related(Related::Images, "ami-2"), Lookup::Missing);
        assert_eq!(d.related(Related::Images, "ami-3"), Lookup::NotLoaded);
        assert!(d.all_related(Related::Images).is_none(), "by id, never the whole region");
        d.add_related(Related::Vpcs, None, vec![json!({"VpcId": "vpc-1"}), json!({"VpcId": "vpc-0"})]);
        assert_eq!(d.related(Related::Vpcs, "vpc-9"), Lookup::Missing);
        let all: Vec<&str> = d
            .all_related(Related::Vpcs)
            .unwrap()
            .iter()
            .map(|v| v["VpcId"].as_str().unwrap())
            .collect();
        assert_eq!(all, vec!["vpc-1", "vpc-0"]);
    }

    #[test]
    fn attribute_keys_are_the_clis() {
        assert_eq!(attribute_key("disableApiTermination"), "DisableApiTermination");
        assert_eq!(attribute_key("userData"), "UserData");
        assert_eq!(attribute_key("groupSet"), "Groups");
        assert!(INSTANCE_ATTRIBUTES.windows(2).all(|w| w[0] < w[1]));
    }
}
