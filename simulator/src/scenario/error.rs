//! Scenario errors that read like ripgrep's: the file, the line, what is wrong, and what to do.

use std::fmt;

/// A scenario that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => {
                write!(f, "{}: line {l}, column {c}: {}", self.origin, self.message)
            }
            (Some(l), None) => write!(f, "{}: line {l}: {}", self.origin, self.message),
            _ => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    pub(crate) fn from_yaml(origin: &str, err: &serde_yaml_ng::Error) -> Self {
        let (line, column) = match err.location() {
            Some(loc) => (Some(loc.line()), Some(loc.column())),
            None => (None, None),
        };
        let raw = err.to_string();
        // serde_yaml_ng appends " at line L column C"; we print the location ourselves.
        let text = match raw.find(" at line ") {
            Some(i) => raw[..i].to_string(),
            None => raw,
        };
        Self {
            origin: origin.to_string(),
            line,
            column,
            message: humanize(&text),
        }
    }
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into "unknown key 'x' (did
/// you mean 'a'?); the keys allowed here are: a, b".
fn humanize(text: &str) -> String {
    let Some(rest) = text.strip_prefix("unknown field `") else {
        return text.to_string();
    };
    let Some(end) = rest.find('`') else {
        return text.to_string();
    };
    let unknown = &rest[..end];
    let allowed: Vec<&str> = rest[end + 1..].split('`').skip(1).step_by(2).collect();
    let suggestion = allowed
        .iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" (did you mean '{k}'?)"))
        .unwrap_or_default();
    if allowed.is_empty() {
        format!("unknown key '{unknown}': this section takes no keys")
    } else {
        format!(
            "unknown key '{unknown}'{suggestion}; the keys allowed here are: {}",
            allowed.join(", ")
        )
    }
}

/// Finds the line of a dotted key path in YAML text by walking keys in order of appearance.
/// Approximate (it does not parse YAML), but it lands on the right key in files people write.
pub(crate) fn line_of_path(source: &str, path: &str) -> Option<usize> {
    let keys: Vec<&str> = path
        .split('.')
        .map(|seg| seg.split('[').next().unwrap_or(seg))
        .filter(|k| !k.is_empty())
        .collect();
    let lines: Vec<&str> = source.lines().collect();
    let mut from = 0;
    let mut found = None;
    for key in keys {
        let hit = lines.iter().enumerate().skip(from).find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{key}:"))
        });
        match hit {
            Some((i, _)) => {
                found = Some(i + 1);
                from = i + 1;
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_get_a_suggestion_when_one_is_close() {
        let msg =
            humanize("unknown field `stage_duraton`, expected one of `stage_duration`, `faults`");
        assert_eq!(
            msg,
            "unknown key 'stage_duraton' (did you mean 'stage_duration'?); the keys allowed here are: stage_duration, faults"
        );
    }

    #[test]
    fn a_key_path_is_found_below_its_parent() {
        let src = "a:\n  name: 1\nb:\n  name: 2\n";
        assert_eq!(line_of_path(src, "b.name"), Some(4));
        assert_eq!(line_of_path(src, "a.name"), Some(2));
    }
}
