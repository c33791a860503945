//! The error a configuration section gives when it parsed but does not make sense. It carries
//! the dotted key path ("obshell.cluster.zones[1].servers") so that the scenario layer can place
//! it at a line of the file.

use std::fmt;

/// A vendor section that parsed but does not make sense; `path` is the dotted key path
/// ("obshell.cluster.zones[1].servers") so that the error can be placed at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub message: String,
}

impl Invalid {
    pub fn new(path: &str, message: &str) -> Self {
        Self {
            path: path.to_string(),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Invalid {}
