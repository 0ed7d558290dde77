//! CSV files for offices: a UTF-8 byte order mark first (so Excel reads
//! Chinese text right), and text cells neutralised against formula
//! injection, in a way our own readers undo exactly.
//!
//! OWASP's rule for CSV injection: a cell that starts with `=`, `+`, `-`
//! or `@` (or a tab or carriage return) is run by Excel as a formula; such
//! a cell is written with a `'` in front. So that the prefix can be told
//! from data, a text cell that itself starts with `'` gets one too. On
//! reading, one leading `'` is removed when the next character is one of
//! those (`'=x` → `=x`, `''a` → `'a`; `'a` stays `'a`), which is also what
//! Excel does with a typed `'`. Writing then reading gives back every text.
//! Number cells (scores such as `-0.5`, counts) are written as numbers,
//! never prefixed.

use std::borrow::Cow;

/// The UTF-8 byte order mark every CSV output starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Characters that make a leading `'` necessary.
fn needs_prefix(first: char) -> bool {
    matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// A text cell as written: `'` in front when it starts with a formula
/// character (or a `'`).
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some(c) if needs_prefix(c) => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A cell as read: the `'` [`neutralise`] added removed.
pub(crate) fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(needs_prefix) => rest,
        _ => cell,
    }
}

/// A CSV writer into memory with the BOM already written, rows ending in
/// `\n`.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BOM.to_vec())
}

/// [`writer`] for rows of differing widths (a title row above a header).
pub(crate) fn writer_flexible() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(BOM.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn restore_undoes_neutralise(s in "['=+@\\-\t\ra-z]{0,6}") {
            let written = neutralise(&s);
            proptest::prop_assert_eq!(restore(&written), s.as_str());
        }
    }

    #[test]
    fn formula_cells_get_a_prefix() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("-A"), "'-A");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("'a"), "''a");
        assert_eq!(neutralise("武汉"), "武汉");
        assert_eq!(restore("'a"), "'a");
        assert_eq!(restore("'=1"), "=1");
    }
}
