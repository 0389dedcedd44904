//! `tag_key_transforms`: how a value filter normalizes the resource's tag keys before a `tag:`
//! key is looked up.

/// c7n's `NormalizeFilterTagKeys` (`c7n/filters/core.py`), applied in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKeyTransform {
    /// Unchanged.
    Noop,
    /// Python's `str.capitalize()`: first character upper, the rest lower.
    Capitalize,
    /// Lower case.
    Lower,
    /// Surrounding whitespace removed.
    Strip,
    /// Python's `str.title()`.
    Title,
    /// Upper case.
    Upper,
    /// Spaces removed.
    Nospaces,
    /// Underscores removed.
    Nounderscores,
    /// Dashes removed.
    Nodashes,
}

impl TagKeyTransform {
    /// The transform named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "noop" => Self::Noop,
            "capitalize" => Self::Capitalize,
            "lower" => Self::Lower,
            "strip" => Self::Strip,
            "title" => Self::Title,
            "upper" => Self::Upper,
            "nospaces" => Self::Nospaces,
            "nounderscores" => Self::Nounderscores,
            "nodashes" => Self::Nodashes,
            _ => return None,
        })
    }

    /// The transform's names, for messages.
    pub const NAMES: &'static [&'static str] = &[
        "noop",
        "capitalize",
        "lower",
        "strip",
        "title",
        "upper",
        "nospaces",
        "nounderscores",
        "nodashes",
    ];

    /// Applies it.
    pub fn apply(self, key: &str) -> String {
        match self {
            Self::Noop => key.to_string(),
            Self::Capitalize => {
                let mut c = key.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase())
                    .unwrap_or_default()
            }
            Self::Lower => key.to_lowercase(),
            Self::Strip => key.trim().to_string(),
            Self::Title => crate::action::normalize_tag::python_title(key),
            Self::Upper => key.to_uppercase(),
            Self::Nospaces => key.replace(' ', ""),
            Self::Nounderscores => key.replace('_', ""),
            Self::Nodashes => key.replace('-', ""),
        }
    }
}
