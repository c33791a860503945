//! The HTML report: placeholder until written.

use super::RunResult;

impl RunResult {
    pub fn html(&self) -> String {
        String::new()
    }
}
