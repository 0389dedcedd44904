//! Estimated cost of a resource, from a dated on-demand price table embedded in the binary
//! (`data/pricing/`, copied unchanged from the team's shared, sourced tables; see NOTICE) and
//! optionally extended or overridden by a `--prices` file in the same format. A price the table
//! lacks is unknown, never $0; regions without their own prices use us-east-1's and say so.

use crate::resource::{resource_state, ResourceKind};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Hours in a month, the convention Infracost uses.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The region whose prices stand in for regions the table lacks.
pub const FALLBACK_REGION: &str = "us-east-1";

const EC2_TABLE: &str = include_str!("../../data/pricing/ec2-linux-on-demand.tsv");
const RDS_TABLE: &str = include_str!("../../data/pricing/rds-on-demand.tsv");
/// The embedded EC2 table's date (its `generated_at`).
pub const EC2_PRICES_AS_OF: &str = "2026-07-20";
/// The embedded RDS table's date (the source commit's).
pub const RDS_PRICES_AS_OF: &str = "2026-08-17";

/// On-demand prices in USD per hour.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    /// region -> instance type -> USD/h (nested, so lookups by `&str` allocate nothing).
    ec2: HashMap<String, HashMap<String, f64>>,
    /// region -> "class engine deployment" -> USD/h.
    rds: HashMap<String, HashMap<String, f64>>,
    /// Where the EC2 prices come from and their date, for every report.
    pub ec2_source: String,
    /// Where the RDS prices come from and their date.
    pub rds_source: String,
}

/// How an estimate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The region's own on-demand price.
    Region,
    /// The table has no prices for the region: us-east-1's price.
    UsEast1Fallback,
    /// Not running (stopped, terminated, a closed request): no compute cost. Storage is out of scope.
    NotRunning,
    /// No price for this type in the table.
    Unknown,
}

/// A resource's price, without naming what was priced (no allocation: the hot path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    /// USD per hour; `None` when unknown.
    pub hourly: Option<f64>,
    /// An upper bound (spot requests).
    pub upper_bound: bool,
    /// How it was made.
    pub basis: Basis,
}

impl Quote {
    /// USD per month (hourly x 730).
    pub fn monthly(&self) -> Option<f64> {
        self.hourly.map(|h| h * HOURS_PER_MONTH)
    }
}

/// A resource's estimated compute cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// USD per hour; `None` when unknown.
    pub hourly: Option<f64>,
    /// The figure is an upper bound (a spot request: on-demand is the most it can cost).
    pub upper_bound: bool,
    /// How it was made.
    pub basis: Basis,
    /// What was priced, e.g. `p4d.24xlarge` or `db.r6g.xlarge postgres multi-az`.
    pub priced: String,
}

impl Estimate {
    /// USD per month (hourly x 730).
    pub fn monthly(&self) -> Option<f64> {
        self.hourly.map(|h| h * HOURS_PER_MONTH)
    }

    fn unknown(priced: String) -> Estimate {
        Estimate {
            hourly: None,
            upper_bound: false,
            basis: Basis::Unknown,
            priced,
        }
    }

    fn not_running(priced: String) -> Estimate {
        Estimate {
            hourly: Some(0.0),
            upper_bound: false,
            basis: Basis::NotRunning,
            priced,
        }
    }
}

impl PriceTable {
    /// The embedded table (parsed once).
    pub fn embedded() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            let mut t = PriceTable::default();
            // The embedded files are checked by a test; a failure here would leave them empty.
            let _ = t.extend("ec2-linux-on-demand.tsv", EC2_TABLE);
            let _ = t.extend("rds-on-demand.tsv", RDS_TABLE);
            t.ec2_source = format!("AWS on-demand list prices of {EC2_PRICES_AS_OF} (Linux; via Karpenter's price tables)");
            t.rds_source = format!("AWS on-demand list prices of {RDS_PRICES_AS_OF} (instance hours; via Flexera's price tables)");
            t
        })
    }

    /// Adds or overrides prices from a TSV in the embedded format: `#` comments, then a header
    /// `region instance_type usd_per_hour` (EC2) or `region instance_class engine deployment
    /// usd_per_hour` (RDS), then rows. A `# prices_as_of: DATE` comment dates the file.
    pub fn extend(&mut self, name: &str, text: &str) -> Result<(), String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
        let date = text
            .lines()
            .filter_map(|l| l.strip_prefix("# prices_as_of:"))
            .map(|d| d.trim().to_string())
            .next();
        let Some((_, header)) = lines.next() else {
            return Err(format!("{name}: no header line"));
        };
        let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
        let ec2 = columns == ["region", "instance_type", "usd_per_hour"];
        let rds = columns == ["region", "instance_class", "engine", "deployment", "usd_per_hour"];
        if !ec2 && !rds {
            return Err(format!(
                "{name}:{}: header must be 'region<TAB>instance_type<TAB>usd_per_hour' or 'region<TAB>instance_class<TAB>engine<TAB>deployment<TAB>usd_per_hour'",
                1 + text.lines().position(|l| l == header).unwrap_or(0)
            ));
        }
        let mut cells: Vec<&str> = Vec::with_capacity(columns.len() + 1);
        for (i, line) in lines {
            cells.clear();
            cells.extend(line.split('\t').map(str::trim));
            if cells.len() != columns.len() {
                return Err(format!("{name}:{}: expected {} tab-separated columns", i + 1, columns.len()));
            }
            let price: f64 = match cells[cells.len() - 1].parse() {
                Ok(p) if p >= 0.0 => p,
                _ => {
                    return Err(format!(
                        "{name}:{}: '{}' is not a price in USD per hour",
                        i + 1,
                        cells[cells.len() - 1]
                    ))
                }
            };
            let (table, key) = if ec2 {
                (&mut self.ec2, cells[1].to_string())
            } else {
                (&mut self.rds, [cells[1], cells[2], cells[3]].join(" "))
            };
            // Rows come grouped by region: the region's key is allocated once.
            let prices = match table.get_mut(cells[0]) {
                Some(prices) => prices,
                None => table.entry(cells[0].to_string()).or_default(),
            };
            prices.insert(key, price);
        }
        let source = format!("{name}{}", date.map(|d| format!(" (prices of {d})")).unwrap_or_default());
        let target = if ec2 { &mut self.ec2_source } else { &mut self.rds_source };
        if !target.is_empty() {
            target.push_str(", overridden by ");
        }
        target.push_str(&source);
        Ok(())
    }

    /// The price of an EC2 instance type in a region (falling back to us-east-1's).
    pub fn ec2_price(&self, region: &str, instance_type: &str) -> Estimate {
        let q = self.ec2_quote(region, instance_type, false);
        Estimate {
            hourly: q.hourly,
            upper_bound: q.upper_bound,
            basis: q.basis,
            priced: instance_type.to_string(),
        }
    }

    /// [`PriceTable::ec2_price`] without naming what was priced.
    fn ec2_quote(&self, region: &str, instance_type: &str, upper_bound: bool) -> Quote {
        let (prices, basis) = match self.ec2.get(region) {
            Some(p) => (Some(p), Basis::Region),
            None => (self.ec2.get(FALLBACK_REGION), Basis::UsEast1Fallback),
        };
        match prices.and_then(|p| p.get(instance_type)) {
            Some(h) => Quote {
                hourly: Some(*h),
                upper_bound,
                basis,
            },
            None => Quote {
                hourly: None,
                upper_bound,
                basis: Basis::Unknown,
            },
        }
    }

    /// The price of an RDS class for an engine and deployment (`single-az`, `multi-az`).
    pub fn rds_price(&self, region: &str, class: &str, engine: &str, deployment: &str) -> Estimate {
        let (prices, basis) = match self.rds.get(region) {
            Some(p) => (Some(p), Basis::Region),
            None => (self.rds.get(FALLBACK_REGION), Basis::UsEast1Fallback),
        };
        let priced = format!("{class} {engine} {deployment}");
        match prices.and_then(|p| p.get(&priced)) {
            Some(p) => Estimate {
                hourly: Some(*p),
                upper_bound: false,
                basis,
                priced,
            },
            None => Estimate::unknown(priced),
        }
    }

    /// A resource's price now, for sums over many resources.
    pub fn quote(&self, kind: ResourceKind, region: &str, doc: &Value) -> Quote {
        let state = resource_state(kind, doc).unwrap_or("");
        let text = |key: &str| doc.get(key).and_then(Value::as_str).unwrap_or("");
        let off = Quote {
            hourly: Some(0.0),
            upper_bound: false,
            basis: Basis::NotRunning,
        };
        let ec2 = |t: &str, upper_bound: bool| self.ec2_quote(region, t, upper_bound);
        match kind {
            ResourceKind::Ec2 => match state {
                "pending" | "running" => ec2(text("InstanceType"), false),
                _ => off,
            },
            ResourceKind::Rds => match state {
                "stopped" | "stopping" | "deleting" => off,
                _ => {
                    let e = self.estimate(kind, region, doc);
                    Quote {
                        hourly: e.hourly,
                        upper_bound: e.upper_bound,
                        basis: e.basis,
                    }
                }
            },
            ResourceKind::SpotRequest => match state {
                "open" | "active" | "disabled" => {
                    let t = doc
                        .get("LaunchSpecification")
                        .and_then(|l| l.get("InstanceType"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    ec2(t, true)
                }
                _ => off,
            },
        }
    }

    /// A resource's estimated compute cost now.
    pub fn estimate(&self, kind: ResourceKind, region: &str, doc: &Value) -> Estimate {
        let text = |key: &str| doc.get(key).and_then(Value::as_str).unwrap_or("");
        let state = resource_state(kind, doc).unwrap_or("");
        match kind {
            ResourceKind::Ec2 => {
                let t = text("InstanceType");
                match state {
                    "pending" | "running" => self.ec2_price(region, t),
                    _ => Estimate::not_running(t.to_string()),
                }
            }
            ResourceKind::Rds => {
                let class = text("DBInstanceClass");
                let deployment = if doc.get("MultiAZ").and_then(Value::as_bool) == Some(true) {
                    "multi-az"
                } else {
                    "single-az"
                };
                match state {
                    "stopped" | "stopping" | "deleting" => Estimate::not_running(class.to_string()),
                    _ => self.rds_price(region, class, text("Engine"), deployment),
                }
            }
            ResourceKind::SpotRequest => {
                let t = doc
                    .get("LaunchSpecification")
                    .and_then(|l| l.get("InstanceType"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match state {
                    // Open: nothing runs yet, but it may be fulfilled at any time; active: it runs.
                    // What is paid is the spot price, at most the on-demand price.
                    "open" | "active" | "disabled" => Estimate {
                        upper_bound: true,
                        ..self.ec2_price(region, t)
                    },
                    _ => Estimate::not_running(t.to_string()),
                }
            }
        }
    }
}

/// `$1,234.56`.
pub fn dollars(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}.{frac:02}", if cents < 0 { "-" } else { "" })
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.hourly, self.basis) {
            (None, _) => write!(f, "unknown (no price for {})", self.priced),
            (Some(_), Basis::NotRunning) => write!(f, "$0 compute (not running; storage not estimated)"),
            (Some(h), basis) => {
                let bound = if self.upper_bound { "up to " } else { "" };
                write!(f, "{bound}{}/h ({bound}{}/month)", dollars(h), dollars(h * HOURS_PER_MONTH))?;
                if basis == Basis::UsEast1Fallback {
                    write!(f, " at us-east-1 prices")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_prices_from_the_shared_tables() {
        let t = PriceTable::embedded();
        assert_eq!(t.ec2_price("us-east-1", "p4d.24xlarge").hourly, Some(21.957642));
        assert_eq!(t.ec2_price("us-east-1", "p3.2xlarge").hourly, Some(3.06));
        assert_eq!(t.ec2_price("us-east-1", "m5.large").hourly, Some(0.096));
        assert_eq!(
            t.rds_price("us-east-1", "db.r6g.xlarge", "postgres", "single-az").hourly,
            Some(0.45)
        );
        assert_eq!(
            t.rds_price("us-east-1", "db.r6g.xlarge", "postgres", "multi-az").hourly,
            Some(0.899)
        );
        let unknown = t.ec2_price("us-east-1", "p5e.48xlarge");
        assert_eq!(
            (unknown.hourly, unknown.basis),
            (None, Basis::Unknown),
            "absent from the table: unknown, not $0"
        );
        assert_eq!(unknown.to_string(), "unknown (no price for p5e.48xlarge)");
        let oracle = t.rds_price("us-east-1", "db.m5.large", "oracle-ee", "single-az");
        assert_eq!(oracle.basis, Basis::Unknown, "Oracle rows are left out of the table on purpose");
        assert!(t.ec2_source.contains(EC2_PRICES_AS_OF));
    }

    #[test]
    fn the_embedded_files_carry_the_dates_we_show() {
        assert!(EC2_TABLE.contains(&format!("generated_at: {EC2_PRICES_AS_OF}")));
        assert!(RDS_TABLE.contains(&format!("committed {RDS_PRICES_AS_OF}")));
        let mut t = PriceTable::default();
        t.extend("ec2", EC2_TABLE).unwrap();
        t.extend("rds", RDS_TABLE).unwrap();
        assert_eq!(t.ec2.values().map(HashMap::len).sum::<usize>(), 2686);
        assert_eq!(t.rds.values().map(HashMap::len).sum::<usize>(), 1850);
    }

    #[test]
    fn estimates_follow_state_region_and_kind() {
        let t = PriceTable::embedded();
        let running = json!({"InstanceId": "i-1", "InstanceType": "p3.2xlarge", "State": {"Name": "running"}});
        let e = t.estimate(ResourceKind::Ec2, "us-east-1", &running);
        assert_eq!((e.hourly, e.basis), (Some(3.06), Basis::Region));
        assert_eq!(e.monthly(), Some(3.06 * 730.0));
        assert_eq!(e.to_string(), "$3.06/h ($2,233.80/month)");
        let e = t.estimate(ResourceKind::Ec2, "eu-west-1", &running);
        assert_eq!(e.basis, Basis::UsEast1Fallback, "no eu-west-1 prices: us-east-1's, said so");
        assert!(e.to_string().ends_with("at us-east-1 prices"));
        let gov = t.estimate(ResourceKind::Ec2, "us-gov-west-1", &running);
        assert_eq!(gov.basis, Basis::Region);
        let stopped = json!({"InstanceType": "p3.2xlarge", "State": {"Name": "stopped"}});
        assert_eq!(t.estimate(ResourceKind::Ec2, "us-east-1", &stopped).basis, Basis::NotRunning);
        let db = json!({"DBInstanceClass": "db.r6g.xlarge", "Engine": "postgres", "MultiAZ": true, "DBInstanceStatus": "available"});
        assert_eq!(t.estimate(ResourceKind::Rds, "us-east-1", &db).hourly, Some(0.899));
        let spot = json!({"State": "open", "LaunchSpecification": {"InstanceType": "p4d.24xlarge"}, "SpotPrice": "5.0"});
        let e = t.estimate(ResourceKind::SpotRequest, "us-east-1", &spot);
        let q = t.quote(ResourceKind::SpotRequest, "us-east-1", &spot);
        assert_eq!(
            (q.hourly, q.upper_bound, q.basis),
            (e.hourly, e.upper_bound, e.basis),
            "quote and estimate agree"
        );
        assert!(e.upper_bound, "SpotPrice is the bid: on-demand is the bound");
        assert_eq!(e.hourly, Some(21.957642));
        assert_eq!(e.to_string(), "up to $21.96/h (up to $16,029.08/month)");
    }

    #[test]
    fn a_prices_file_extends_and_overrides() {
        let mut t = PriceTable::embedded().clone();
        t.extend(
            "mine.tsv",
            "# prices_as_of: 2026-11-01\nregion\tinstance_type\tusd_per_hour\neu-west-1\tm5.large\t0.107\nus-east-1\tp3.2xlarge\t2.5\n",
        )
        .unwrap();
        assert_eq!(t.ec2_price("eu-west-1", "m5.large").hourly, Some(0.107));
        assert_eq!(t.ec2_price("eu-west-1", "m5.large").basis, Basis::Region);
        assert_eq!(t.ec2_price("us-east-1", "p3.2xlarge").hourly, Some(2.5));
        assert_eq!(
            t.ec2_price("eu-west-1", "p3.2xlarge").basis,
            Basis::Unknown,
            "eu-west-1 now has prices of its own"
        );
        assert!(
            t.ec2_source.ends_with("overridden by mine.tsv (prices of 2026-11-01)"),
            "{}",
            t.ec2_source
        );
        let e = t
            .extend("bad.tsv", "region\tinstance_type\tusd_per_hour\nus-east-1\tx\tcheap\n")
            .unwrap_err();
        assert_eq!(e, "bad.tsv:2: 'cheap' is not a price in USD per hour");
        assert!(t.extend("bad.tsv", "a\tb\n").unwrap_err().starts_with("bad.tsv:1: header must be"));
    }

    #[test]
    fn dollars_group_thousands() {
        assert_eq!(dollars(1940.0), "$1,940.00");
        assert_eq!(dollars(16029.07866), "$16,029.08");
        assert_eq!(dollars(0.5), "$0.50");
        assert_eq!(dollars(1234567.891), "$1,234,567.89");
    }
}
