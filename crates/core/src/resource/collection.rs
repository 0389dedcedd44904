//! What one describe call returns, described once: a resource kind and a related type that read
//! the same AWS collection (spot requests, and soon volumes and images) share its row.

/// How a describe response wraps its resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// EC2's `{"Reservations": [{"Instances": [...]}]}`, flattened, with each reservation's
    /// `ReservationId` and `OwnerId` added to its instances (as c7n does).
    Reservations,
    /// `{"<Key>": [...]}`.
    List(&'static str),
}

/// One AWS collection: its describe call, how the answer wraps it, its id, its snapshot file,
/// its attributes.
#[derive(Debug)]
pub struct Collection {
    /// Describe API, as `service:Operation` (also its IAM permission).
    pub describe_api: &'static str,
    /// How the describe response wraps the resources.
    pub envelope: Envelope,
    /// The id attribute.
    pub id_field: &'static str,
    /// How every id begins, when it has a fixed prefix: event ids are kept only when they do
    /// (c7n's `match_ids`, for events such as `CreateTags` that name many kinds).
    pub id_prefix: Option<&'static str>,
    /// The snapshot file holding the describe output (named after the AWS CLI command).
    pub snapshot_file: &'static str,
    /// Attributes of the document (top level, sorted), for key validation and suggestions.
    pub attributes: &'static [&'static str],
}

impl Collection {
    /// The describe output's top-level list key (`Reservations` for EC2 instances).
    pub fn list_key(&self) -> &'static str {
        match self.envelope {
            Envelope::Reservations => "Reservations",
            Envelope::List(key) => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::resource::related::Related;
    use crate::resource::{Collection, KINDS};

    /// Every collection the tables know, kinds' first.
    fn all() -> Vec<&'static Collection> {
        KINDS
            .iter()
            .map(|k| k.collection)
            .chain(Related::all().map(|r| r.spec().collection))
            .collect()
    }

    #[test]
    fn each_aws_collection_is_described_once() {
        let all = all();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                if a.describe_api == b.describe_api && a.snapshot_file == b.snapshot_file {
                    assert!(std::ptr::eq(*a, *b), "{} is described twice", a.describe_api);
                }
            }
            assert!(
                a.attributes.windows(2).all(|w| w[0] < w[1]),
                "{}: attributes sorted",
                a.describe_api
            );
        }
        assert!(
            Related::SpotRequests.is_a_kind(),
            "spot requests are a kind and a related type, one collection"
        );
    }
}
