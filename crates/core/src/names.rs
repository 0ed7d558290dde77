//! Names as offices type them (SPEC.md "Names as offices type them"): the
//! one normalisation every compared name goes through, in every input
//! form and on the command line.
//!
//! A name is compared after Unicode NFKC (full-width letters and digits
//! become ASCII, `；` becomes `;`, a decomposed `Zürich` is composed),
//! with the zero-width characters U+200B–U+200D, U+2060 and U+FEFF
//! removed, trimmed, and with every inner run of white space (including
//! the full-width space U+3000) collapsed to one space. Places (cities,
//! institutions) are further compared without letter case
//! ([`place_key`]). List cells split at `;`, `；` and `、`
//! ([`split_list`]).

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// True for the zero-width characters a name never keeps.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// True when `s` is already normal and needs no copy: printable ASCII and
/// CJK unified ideographs (U+3400–U+4DBF, U+4E00–U+9FFF: NFKC leaves
/// each alone and none combines with a neighbour), no space at either
/// end, no two spaces in a row. Chinese names of offices take this path.
///
/// Read byte by byte (every name compared goes through here): an ASCII
/// byte is itself; an ideograph is three bytes whose first two fix the
/// range (`E3 90`–`E3 BF` is U+3400–U+3FFF, `E4 80`–`E4 B6` is
/// U+4000–U+4DBF, `E4 B8`–`E9 BF` is U+4E00–U+9FFF); anything else is
/// not plain. `is_plain_by_char` (in the tests) is the same rule by
/// character. Ids (`E00002`, `2023-A01353`) are printable ASCII without a
/// space: one pass without branches settles them first.
///
/// A plain text holds no control character (none is printable ASCII or
/// an ideograph): readers that refuse control characters need not look
/// again.
pub fn is_plain(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first().is_some_and(u8::is_ascii_graphic)
        && b.iter().fold(true, |all, c| all & c.is_ascii_graphic())
    {
        return true;
    }
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut prev_space = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if !(b' '..=b'~').contains(&c) {
                return false;
            }
            let space = c == b' ';
            if space && prev_space {
                return false;
            }
            prev_space = space;
            i += 1;
            continue;
        }
        // `s` is UTF-8: a lead byte E3–E9 has two continuation bytes.
        let Some(&second) = b.get(i + 1) else {
            return false;
        };
        let ideograph = match c {
            0xE3 => second >= 0x90,
            0xE4 => second != 0xB7,
            0xE5..=0xE9 => true,
            _ => false,
        };
        if !ideograph {
            return false;
        }
        prev_space = false;
        i += 3;
    }
    true
}

/// The normal form of a name: NFKC, zero-width characters removed,
/// trimmed, inner white space collapsed to one space. Idempotent.
pub fn normalize(s: &str) -> Cow<'_, str> {
    if is_plain(s) {
        return Cow::Borrowed(s);
    }
    normalize_slow(s)
}

/// [`normalize`] without the plain-text shortcut.
fn normalize_slow(s: &str) -> Cow<'_, str> {
    let nfkc: String = s.chars().filter(|&c| !is_zero_width(c)).nfkc().collect();
    let mut out = String::with_capacity(nfkc.len());
    for word in nfkc.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

/// True when `s` is its own normal form.
pub fn is_normal(s: &str) -> bool {
    matches!(normalize(s), Cow::Borrowed(_))
}

/// The key two spellings of one place share: the normal form in lower
/// case (`"Wuhan"`, `"wuhan "` and `"WUHAN"` have one key).
pub fn place_key(s: &str) -> String {
    normalize(s).to_lowercase()
}

/// True when two names differ only in letter case (`F0301` and `f0301`).
/// Names other than places keep their letter case (ids, field codes), so
/// such a pair is two names; the program says so where it matters (a
/// load note, an infeasibility finding).
pub fn differ_only_in_case(a: &str, b: &str) -> bool {
    a != b && a.to_lowercase() == b.to_lowercase()
}

/// The other spelling of `name` that differs from it only in letter case
/// and that `has` knows, looked up rather than grouped (a round holds up
/// to millions of person ids): `name`'s lower-case form, or for a
/// mixed-case `name` its upper-case form. Each such pair is found from
/// one side only (the side with upper-case letters); `Ab` beside `aB` is
/// not looked for.
pub fn case_twin(name: &str, has: impl Fn(&str) -> bool) -> Option<String> {
    let lower = name.to_lowercase();
    if lower == name {
        return None;
    }
    if has(&lower) {
        return Some(lower);
    }
    let upper = name.to_uppercase();
    (upper != name && has(&upper)).then_some(upper)
}

/// True for a list separator: `;` (NFKC turns `；` into it) and `、`.
pub fn is_list_separator(c: char) -> bool {
    matches!(c, ';' | '；' | '、')
}

/// A list cell's items: normalised, split at every separator, empty items
/// dropped (`"F0401；F0406、 F0502"` → three fields).
pub fn split_list(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    split_list_into(cell, &mut out);
    out
}

/// [`split_list`], appending the items to `out` (a list of cells, as a
/// JSON list is, then costs no vector per cell).
pub fn split_list_into<T: for<'a> From<Cow<'a, str>>>(cell: &str, out: &mut Vec<T>) {
    // A plain text holds no `；` or `、` (neither is ASCII or an
    // ideograph), so `;` is the one separator to look for.
    if is_plain(cell) && !cell.as_bytes().contains(&b';') {
        // One plain item (the common case): nothing to split or normalise.
        if !cell.is_empty() {
            out.push(T::from(Cow::Borrowed(cell)));
        }
        return;
    }
    out.extend(
        normalize(cell)
            .split(is_list_separator)
            .map(normalize)
            .filter(|s| !s.is_empty())
            .map(|s| T::from(Cow::Owned(s.into_owned()))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`is_plain`]'s rule read character by character.
    fn is_plain_by_char(s: &str) -> bool {
        if s.starts_with(' ') || s.ends_with(' ') {
            return false;
        }
        let mut prev_space = false;
        for c in s.chars() {
            let plain = matches!(c, ' '..='~' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}');
            if !plain {
                return false;
            }
            let space = c == ' ';
            if space && prev_space {
                return false;
            }
            prev_space = space;
        }
        true
    }

    #[test]
    fn plain_by_byte_is_plain_by_char_at_every_range_edge() {
        // Each edge of the ranges, one code point either side.
        for c in [
            0x1Fu32, 0x20, 0x7E, 0x7F, 0x80, 0xFF, 0x33FF, 0x3400, 0x3FFF, 0x4000, 0x4DBF, 0x4DC0,
            0x4DFF, 0x4E00, 0x9FFF, 0xA000, 0x3000, 0x2FFF, 0xFEFF, 0x10000, 0x1F600,
        ] {
            let c = char::from_u32(c).expect("a character");
            for s in [
                c.to_string(),
                format!("a{c}"),
                format!("{c}a"),
                format!("华{c}中"),
            ] {
                assert_eq!(is_plain(&s), is_plain_by_char(&s), "{s:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn plain_by_byte_is_plain_by_char(s in "[ -~\u{0}-\u{1F}\u{80}-\u{FF}\u{2FF0}-\u{A010}\u{3000}\u{FEFF}\u{1F600}]{0,12}") {
            prop_assert_eq!(is_plain(&s), is_plain_by_char(&s));
        }

        /// Ids and other ASCII text, where the branch-free pass decides
        /// most (a space, a control byte or DEL sends the rest on).
        #[test]
        fn plain_by_byte_is_plain_by_char_on_ascii(s in "[ -~\u{0}\u{1F}\u{7F}]{0,24}") {
            prop_assert_eq!(is_plain(&s), is_plain_by_char(&s));
        }

        #[test]
        fn plain_by_byte_is_plain_by_char_on_any_text(s in "\\PC{0,10}") {
            prop_assert_eq!(is_plain(&s), is_plain_by_char(&s));
        }
    }

    #[test]
    fn office_spellings_normalise_to_one() {
        for s in [
            "武汉",
            "武汉 ",
            " 武汉",
            "武\u{200B}汉",
            "\u{FEFF}武汉",
            "武汉\u{3000}",
        ] {
            assert_eq!(normalize(s), "武汉", "{s:?}");
        }
        assert_eq!(normalize("Zu\u{0308}rich"), "Zürich");
        assert_eq!(
            normalize("Wuhan\u{3000}\u{3000}University"),
            "Wuhan University"
        );
        assert_eq!(normalize("ＡＢＣ１２"), "ABC12");
        assert_eq!(normalize("  a \t b  "), "a b");
        assert!(matches!(normalize("E0001"), Cow::Borrowed(_)));
        assert!(matches!(normalize("长沙"), Cow::Borrowed(_)));
        assert!(matches!(normalize("华中科技大学 A"), Cow::Borrowed(_)));
        assert_eq!(normalize("华中科技大学 "), "华中科技大学");
        assert_eq!(normalize("华中科技大学  A"), "华中科技大学 A");
        assert_eq!(normalize("华中科技大学（武汉）"), "华中科技大学(武汉)");
    }

    #[test]
    fn the_plain_shortcut_agrees_with_full_normalisation() {
        // Every string of up to 4 characters over an alphabet of plain and
        // tricky characters (spaces, full-width, combining, zero-width).
        let alphabet = [
            'a', 'Z', ' ', '华', '中', '\u{3400}', '\u{9FFF}', '\u{F900}', '（', '\u{3000}',
            '\u{0301}', '\u{200B}', 'Ａ', '\t', 'e',
        ];
        let n = alphabet.len();
        for len in 0..=4u32 {
            for mut code in 0..n.pow(len) {
                let mut s = String::new();
                for _ in 0..len {
                    s.push(alphabet[code % n]);
                    code /= n;
                }
                assert_eq!(normalize(&s), normalize_slow(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn plain_single_items_split_as_any_list() {
        for cell in [
            "P1", "", "a b", "华中", " P1", "P1;P2", "P1、P2", "a  b", "Ｐ１",
        ] {
            let slow: Vec<String> = normalize(cell)
                .split(is_list_separator)
                .map(normalize)
                .filter(|s| !s.is_empty())
                .map(Cow::into_owned)
                .collect();
            assert_eq!(split_list(cell), slow, "{cell:?}");
        }
    }

    #[test]
    fn places_ignore_letter_case() {
        assert_eq!(place_key("Wuhan"), place_key("wuhan "));
        assert_eq!(place_key("ＷＵＨＡＮ"), place_key("Wuhan"));
        assert_ne!(place_key("Wuhan"), place_key("Wuchang"));
    }

    #[test]
    fn lists_split_at_every_separator() {
        assert_eq!(split_list("F0401；F0406"), ["F0401", "F0406"]);
        assert_eq!(split_list("光学、 激光;;"), ["光学", "激光"]);
        assert_eq!(split_list(" ; "), Vec::<String>::new());
    }

    #[test]
    fn normalising_is_idempotent() {
        for s in ["a\u{3000}b", "Ｚｕ\u{0308}rich ", "x\u{200D}\u{2060}y", "ﬁ"] {
            let once = normalize(s).into_owned();
            assert_eq!(normalize(&once), once.as_str());
            assert!(is_normal(&once));
        }
    }
}
