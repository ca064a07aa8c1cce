//! "Did you mean": the known name closest to a misspelt one.

/// The known name within two edits of `name` (ignoring ASCII case), the
/// nearest one; the first of equally near ones.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in known {
        let distance = edit_distance(&candidate.to_ascii_lowercase(), &lower);
        if distance <= 2 && best.is_none_or(|(nearest, _)| distance < nearest) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The only known name that `name` (at least four characters) begins, or
/// that begins `name`, ignoring ASCII case: `lambda_memory` →
/// `lambda_memory_size`. `None` when no name or several names fit.
pub fn completion<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.chars().count() < 4 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let mut fits = known.into_iter().filter(|candidate| {
        let candidate = candidate.to_ascii_lowercase();
        candidate != lower && (candidate.starts_with(&lower) || lower.starts_with(&candidate))
    });
    match (fits.next(), fits.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// The Levenshtein distance between `a` and `b` (strsim's).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("TodoTabel", "TodoTable"), 2);
    }

    #[test]
    fn closest_is_within_two_edits_ignoring_case() {
        let known = ["TodoTable", "Queue", "Topic"];
        assert_eq!(closest("todotabel", known), Some("TodoTable"));
        assert_eq!(closest("queue", known), Some("Queue"));
        assert_eq!(closest("Bucket", known), None);
        assert_eq!(closest("x", Vec::<&str>::new()), None);
        // The first of equally near names.
        assert_eq!(closest("ab", ["aa", "bb"]), Some("aa"));
    }

    #[test]
    fn completion_needs_a_single_fit() {
        let known = ["lambda_memory_size", "lambda_timeout", "layers", "tags"];
        assert_eq!(
            completion("lambda_memory", known),
            Some("lambda_memory_size")
        );
        assert_eq!(
            completion("lambda_memory_size_mb", known),
            Some("lambda_memory_size")
        );
        assert_eq!(completion("lambda", known), None, "two names begin so");
        assert_eq!(completion("lay", known), None, "too short to guess");
        assert_eq!(completion("tags", known), None, "a known name is no typo");
    }
}
