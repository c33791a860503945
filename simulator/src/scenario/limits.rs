//! What a scenario file may be, checked before it is parsed: at most [`MAX_BYTES`] long and
//! nested at most [`MAX_DEPTH`] deep. A YAML parser's time grows with the square of the
//! nesting, so a hostile body a few hundred kilobytes deep would otherwise hold a worker for
//! seconds; the check itself is one linear pass.

/// The longest scenario text accepted (8 MiB: a 100,000-agent fleet written out by hand fits).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// The deepest nesting accepted (the scenario format itself needs fewer than ten levels).
pub const MAX_DEPTH: usize = 64;

/// Checks `text` against the limits; the error says which and where.
pub fn check(text: &str) -> Result<(), (Option<usize>, String)> {
    if text.len() > MAX_BYTES {
        return Err((
            None,
            format!(
                "the scenario is {} bytes; at most {MAX_BYTES} are accepted",
                text.len()
            ),
        ));
    }
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        if flow == 0 {
            while indents.last().is_some_and(|i| *i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        // "- - - x" opens a sequence per dash on one line.
        let dashes = body
            .split_inclusive(' ')
            .take_while(|w| w.trim_end() == "-")
            .count();
        let mut deepest_flow = flow;
        let mut quote: Option<char> = None;
        for c in body.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    flow += 1;
                    deepest_flow = deepest_flow.max(flow);
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        let depth = indents.len() + dashes + deepest_flow;
        if depth > MAX_DEPTH {
            return Err((
                Some(n + 1),
                format!("nested {depth} levels deep; at most {MAX_DEPTH} levels are accepted"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_scenario_passes() {
        assert!(check(crate::scenario::DEFAULT_SCENARIO).is_ok());
    }

    #[test]
    fn deep_flow_nesting_is_refused_with_its_line() {
        let text = format!("name: x\nseed: {}{}\n", "[".repeat(100), "]".repeat(100));
        let (line, message) = check(&text).err().unwrap_or_default();
        assert_eq!(line, Some(2));
        assert!(message.contains("at most 64 levels"), "{message}");
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let mut text = String::new();
        for i in 0..80 {
            text.push_str(&" ".repeat(i));
            text.push_str("a:\n");
        }
        assert!(check(&text).is_err());
        let dashes = format!("{}a\n", "- ".repeat(80));
        assert!(check(&dashes).is_err());
    }

    #[test]
    fn brackets_inside_quotes_do_not_count() {
        let text = format!("name: \"{}\"\n", "[".repeat(200));
        assert!(check(&text).is_ok());
    }
}
