//! Rows hidden in Excel: hidden by hand (Hide) or filtered out (an
//! AutoFilter hides the rows it does not show). calamine reads every
//! row's cells and does not say which rows are hidden, yet an officer who
//! filtered a sheet sees only part of what the program reads; so the
//! sheet's XML is scanned for `<row … hidden="1">` holding a value, and
//! the readers name such rows in a note (they are read like the others).
//!
//! The scan is a second pass over the sheet's part of the zip: first a
//! plain byte search for `hidden=` (most sheets hide nothing, and this
//! costs about the decompression), then, only when found, an XML parse of
//! the rows. A workbook whose parts do not scan (which calamine read
//! anyway) gives no hidden rows rather than an error.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

/// The rows (Excel's numbers, from 1, ascending) of sheet `sheet` of the
/// workbook `bytes` that are hidden and hold at least one cell with a
/// value. Empty when there are none, or the sheet's XML cannot be found
/// or read.
pub(crate) fn hidden_rows(bytes: &[u8], sheet: &str) -> Vec<u64> {
    scan(bytes, sheet).unwrap_or_default()
}

fn scan(bytes: &[u8], sheet: &str) -> Option<Vec<u64>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let part = sheet_part(&mut zip, sheet)?;
    if !mentions_hidden(zip.by_name(&part).ok()?)? {
        return Some(Vec::new());
    }
    let rows = rows_of(std::io::BufReader::new(zip.by_name(&part).ok()?));
    rows
}

/// The zip path of the worksheet named `sheet`: its relationship id in
/// `xl/workbook.xml`, then that relationship's target in
/// `xl/_rels/workbook.xml.rels`.
fn sheet_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, sheet: &str) -> Option<String> {
    let workbook = read_part(zip, "xl/workbook.xml")?;
    let mut id = None;
    each_element(&workbook, |reader, e| {
        if e.local_name().as_ref() == b"sheet" && attr(reader, e, b"name").as_deref() == Some(sheet)
        {
            id = attr(reader, e, b"id");
        }
        id.is_none()
    })?;
    let id = id?;
    let rels = read_part(zip, "xl/_rels/workbook.xml.rels")?;
    let mut target = None;
    each_element(&rels, |reader, e| {
        if e.local_name().as_ref() == b"Relationship"
            && attr(reader, e, b"Id").as_deref() == Some(id.as_str())
        {
            target = attr(reader, e, b"Target");
        }
        target.is_none()
    })?;
    let target = target?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

/// A small part of the zip (the workbook and its relationships), whole.
fn read_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    const MOST: u64 = 64 << 20;
    let mut out = Vec::new();
    zip.by_name(name)
        .ok()?
        .take(MOST)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// Calls `each` for every start or empty element of `xml` until it
/// returns false; `None` when the XML does not parse.
fn each_element(
    xml: &[u8],
    mut each: impl FnMut(&quick_xml::Reader<&[u8]>, &BytesStart<'_>) -> bool,
) -> Option<()> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if !each(&reader, &e) => return Some(()),
            Event::Eof => return Some(()),
            _ => {}
        }
    }
}

/// An attribute's value by its local name (`r:id` is `id`), unescaped.
fn attr<R>(reader: &quick_xml::Reader<R>, e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| a.decode_and_unescape_value(reader.decoder()).ok())
            .flatten()
            .map(|v| v.into_owned())
    })
}

/// True when the stream holds the bytes `hidden=` (read in blocks, a
/// match across two blocks included); `None` when it cannot be read.
fn mentions_hidden(mut part: impl Read) -> Option<bool> {
    const NEEDLE: &[u8] = b"hidden=";
    let finder = memchr::memmem::Finder::new(NEEDLE);
    let mut buf = vec![0u8; 1 << 16];
    // The last bytes of the block before, in front of this one.
    let mut carry = 0;
    loop {
        let n = part.read(&mut buf[carry..]).ok()?;
        if n == 0 {
            return Some(false);
        }
        let end = carry + n;
        if finder.find(&buf[..end]).is_some() {
            return Some(true);
        }
        carry = (NEEDLE.len() - 1).min(end);
        buf.copy_within(end - carry..end, 0);
    }
}

/// The hidden rows holding a value, from a worksheet's XML. A row without
/// an `r` attribute follows the row before it.
fn rows_of(part: impl std::io::BufRead) -> Option<Vec<u64>> {
    let mut reader = quick_xml::Reader::from_reader(part);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut row: u64 = 0;
    // Inside a hidden row: whether a cell of it holds a value so far.
    let mut hidden: Option<bool> = None;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match &event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"row" => {
                    row = attr(&reader, e, b"r")
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(row + 1);
                    let is_hidden = attr(&reader, e, b"hidden")
                        .is_some_and(|h| h == "1" || h.eq_ignore_ascii_case("true"));
                    hidden = is_hidden.then_some(false);
                    if matches!(event, Event::Empty(_)) {
                        hidden = None;
                    }
                }
                b"v" | b"is" if hidden.is_some() => hidden = Some(true),
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"row" => {
                if hidden == Some(true) {
                    out.push(row);
                }
                hidden = None;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(out)
}

/// Rows as a short list for a note: runs joined (`5, 9–12`), at most
/// ten items, then how many more rows (in English; see
/// [`crate::note::rows_text`]).
#[cfg(test)]
pub(crate) fn rows_text(rows: &[u64]) -> String {
    crate::note::rows_text(rows, crate::office::Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_rows_with_a_value_are_found() {
        let xml = br#"<worksheet><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c></row>
            <row r="2" hidden="1"><c r="A2"><v>7</v></c></row>
            <row r="3" hidden="1" s="2"><c r="A3" s="2"/></row>
            <row hidden="true"><c t="inlineStr"><is><t>x</t></is></c></row>
            <row r="9" hidden="1"/>
            <row r="10" hidden="0"><c><v>1</v></c></row>
        </sheetData></worksheet>"#;
        assert_eq!(rows_of(&xml[..]), Some(vec![2, 4]));
        assert_eq!(mentions_hidden(&xml[..]), Some(true));
        assert_eq!(mentions_hidden(&b"<row r=\"1\"/>"[..]), Some(false));
    }

    #[test]
    fn a_match_across_two_blocks_is_found() {
        let mut text = vec![b' '; (1 << 16) - 3];
        text.extend_from_slice(b"hidden=\"1\"");
        assert_eq!(mentions_hidden(&text[..]), Some(true));
    }

    /// `book` with rows `rows` of sheet `sheet` hidden (as Excel's Hide
    /// or a filter writes them), and sheet `hide_sheet` hidden.
    fn hide(book: &[u8], sheet: &str, rows: &[u64], hide_sheet: Option<&str>) -> Vec<u8> {
        use std::io::Write as _;
        let mut zip = zip::ZipArchive::new(Cursor::new(book)).unwrap();
        let part = sheet_part(&mut zip, sheet).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().to_string();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            if name == part {
                for r in rows {
                    let tag = format!("<row r=\"{r}\"");
                    assert!(text.contains(&tag), "{text}");
                    text = text.replace(&tag, &format!("{tag} hidden=\"1\""));
                }
            }
            if let (Some(h), "xl/workbook.xml") = (hide_sheet, name.as_str()) {
                let tag = format!("<sheet name=\"{h}\"");
                assert!(text.contains(&tag), "{text}");
                text = text.replace(&tag, &format!("{tag} state=\"hidden\""));
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_workbooks_hidden_rows_are_noted_and_read() {
        use std::path::Path;
        let bundle = br#"{
          "policy": { "panel_size": 1 },
          "experts": [
            { "id": "E1", "city": "Wuhan", "institution": "U1" },
            { "id": "E2", "city": "Wuhan", "institution": "U2" },
            { "id": "E3", "city": "Changsha", "institution": "U3" },
            { "id": "E4", "city": "Changsha", "institution": "U4" }
          ],
          "applications": [ { "id": "A1", "city": "Wuhan", "institution": "U9" } ]
        }"#;
        let path = Path::new("round.xlsx");
        let inst = crate::instances::load_bundle_from_bytes(Path::new("r.json"), bundle).unwrap();
        let book = crate::workbooks::xlsx::instance_xlsx_bytes(&inst, path).unwrap();
        // Rows 3 and 4 (E2, E3) filtered out, and the applications sheet
        // hidden.
        let book = hide(&book, "experts", &[3, 4], Some("applications"));
        assert_eq!(hidden_rows(&book, "experts"), vec![3, 4]);
        let (again, notes) = crate::workbooks::xlsx::load_xlsx_noted(path, &book).unwrap();
        assert_eq!(again.experts.len(), 4, "hidden rows count");
        let hidden: Vec<&String> = notes
            .notes
            .iter()
            .filter(|n| n.contains("hidden in Excel"))
            .collect();
        assert!(
            hidden
                .iter()
                .any(|n| n.contains("round.xlsx sheet experts: rows 3–4 are hidden")),
            "{notes:?}"
        );
        assert!(
            hidden
                .iter()
                .any(|n| n.contains("sheet applications: hidden in Excel")),
            "{notes:?}"
        );
        // A panels workbook (or any read whole) names them too.
        let notes = crate::workbooks::xlsx::hidden_notes(path, &book);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("sheet experts: rows 3–4 are hidden"),
            "{notes:?}"
        );
        // Nothing hidden, nothing noted.
        let plain = crate::workbooks::xlsx::instance_xlsx_bytes(&inst, path).unwrap();
        assert!(crate::workbooks::xlsx::hidden_notes(path, &plain).is_empty());
    }

    #[test]
    fn rows_read_as_runs() {
        assert_eq!(rows_text(&[5]), "row 5");
        assert_eq!(rows_text(&[5, 9, 10, 11, 12]), "rows 5, 9–12");
        let many: Vec<u64> = (1..=40).step_by(2).collect();
        assert_eq!(
            rows_text(&many),
            "rows 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, and 10 more"
        );
    }
}
