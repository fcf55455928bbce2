//! Reading a spreadsheet staff upload for an import (一括取込): an `.xlsx` workbook (its first
//! sheet, read by calamine) or a `.csv` file (UTF-8 with or without a byte order mark, or
//! CP932, told apart by the bytes). Either becomes the same thing: a row of headings and the
//! rows under it as text, each with its line number in the file. Dates in a cell, whether an
//! Excel date, a serial number or text like `令和8年1月5日`, are read by [`day`]. Pure: no
//! database, no HTTP; every refusal is a `msg.import_*` message, never a panic.

use crate::refusal::Refusal;
use calamine::{DataRef, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use std::io::Cursor;

/// The largest file taken, in bytes (10 000 rows of long opinions fit).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The limit as people read it in messages.
pub const MAX_LABEL: &str = "10 MB";
/// The most rows under the headings.
pub const MAX_ROWS: usize = 10_000;
/// Columns beyond this many are not read (a template has a handful).
const MAX_COLUMNS: usize = 40;

/// A sheet as read: the headings (trimmed) and the rows that are not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headings: Vec<String>,
    pub rows: Vec<Row>,
}

/// One row under the headings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its line in the file, as the spreadsheet numbers it (the headings are usually 1).
    pub line: usize,
    pub cells: Vec<String>,
    /// The first cell holding a formula error (`#DIV/0!` …): its column, from 0.
    pub error_cell: Option<usize>,
}

impl Row {
    /// The cell of column `index` (empty past the row's end).
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map(String::as_str).unwrap_or("")
    }
}

/// Reads the upload named `name`: an xlsx workbook by its bytes (a ZIP file), a CSV file by
/// its name. Anything else, or a file that cannot be read, is refused saying why.
pub fn read(name: &str, bytes: &[u8]) -> Result<Sheet, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::new("msg.import_empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::new("msg.import_too_large").with("max", MAX_LABEL));
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        xlsx(bytes)?
    } else if matches!(extension.as_str(), "xlsx" | "xlsm") {
        return Err(Refusal::new("msg.import_xlsx_broken"));
    } else if extension == "csv" || extension == "txt" {
        csv(&decode(bytes)?)?
    } else {
        return Err(Refusal::new("msg.import_type"));
    };
    sheet(grid)
}

/// A row of the file before the headings are found: its line, cells and formula error.
type Line = (usize, Vec<String>, Option<usize>);

/// The headings (the first row that is not blank) and the rows under them.
fn sheet(grid: Vec<Line>) -> Result<Sheet, Refusal> {
    let mut lines = grid
        .into_iter()
        .filter(|(_, cells, _)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((_, headings, _)) = lines.next() else {
        return Err(Refusal::new("msg.import_empty"));
    };
    let headings = headings.iter().map(|h| h.trim().to_owned()).collect();
    let rows: Vec<Row> = lines
        .map(|(line, cells, error_cell)| Row {
            line,
            cells,
            error_cell,
        })
        .collect();
    if rows.is_empty() {
        return Err(Refusal::new("msg.import_no_rows"));
    }
    Ok(Sheet { headings, rows })
}

/// The text of a CSV file: UTF-8 (a byte order mark is dropped), else CP932. NUL bytes mean
/// a binary file, not text.
fn decode(bytes: &[u8]) -> Result<String, Refusal> {
    let bytes = bytes.strip_prefix(super::csv::BOM).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| Refusal::new("msg.import_encoding"))?
            .into_owned(),
    };
    if text.contains('\0') {
        return Err(Refusal::new("msg.import_encoding"));
    }
    Ok(text)
}

/// The rows of a CSV text (RFC 4180; rows may differ in length).
fn csv(text: &str) -> Result<Vec<Line>, Refusal> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Refusal::new("msg.import_csv_broken").with("line", line)
        })?;
        // The reader's position is the line the record starts on, from 0.
        let line = record.position().map(|p| p.line()).unwrap_or(0) as usize + 1;
        let cells = record.iter().take(MAX_COLUMNS).map(str::to_owned).collect();
        out.push((line, cells, None));
        too_many(out.len())?;
    }
    Ok(out)
}

/// Refuses a file with more lines than the headings and [`MAX_ROWS`] rows, blank ones counted:
/// reading stops there, whatever the file claims to hold.
fn too_many(lines: usize) -> Result<(), Refusal> {
    if lines > MAX_ROWS + 1 {
        return Err(Refusal::new("msg.import_too_many_rows").with("max", MAX_ROWS));
    }
    Ok(())
}

/// The rows of an xlsx workbook's first sheet, read cell by cell (never the whole range at
/// once: a cell claimed at XFD1048576 costs nothing). A merged cell's value is in its first
/// cell; a formula's is the value the spreadsheet saved with it.
fn xlsx(bytes: &[u8]) -> Result<Vec<Line>, Refusal> {
    let broken = |e: calamine::XlsxError| {
        tracing::debug!(error = %e, "unreadable xlsx");
        Refusal::new("msg.import_xlsx_broken")
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(broken)?;
    let Some(first) = book.sheet_names().into_iter().next() else {
        return Err(Refusal::new("msg.import_empty"));
    };
    let mut cells = book.worksheet_cells_reader(&first).map_err(broken)?;
    let mut out: Vec<Line> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(broken)? {
        let (row, column) = cell.get_position();
        let (line, column) = (row as usize + 1, column as usize);
        if column >= MAX_COLUMNS {
            continue;
        }
        if out.last().is_none_or(|(l, _, _)| *l != line) {
            out.push((line, Vec::new(), None));
            too_many(out.len())?;
        }
        let Some((_, row, error_cell)) = out.last_mut() else {
            continue;
        };
        let value = cell.get_value();
        if matches!(value, DataRef::Error(_)) && error_cell.is_none() {
            *error_cell = Some(column);
        }
        if row.len() <= column {
            row.resize(column + 1, String::new());
        }
        row[column] = text(value);
    }
    Ok(out)
}

/// A cell as text: whole numbers without `.0`, an Excel date as `2026-01-05`.
fn text(value: &DataRef) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) => match serial_day(d.as_f64()) {
            Some(day) if d.is_datetime() => day.format("%Y-%m-%d").to_string(),
            _ => number(d.as_f64()),
        },
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// The day of an Excel serial number (1900 date system: day 1 is 1900-01-01, and Excel counts
/// a 29 February 1900 that never was, so from day 61 on the epoch is 1899-12-30). Days before
/// 1900 or after 9999 are none.
fn serial_day(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, if days >= 61 { 30 } else { 31 })?;
    epoch.checked_add_signed(chrono::Duration::days(days))
}

/// A day from a cell: `2026-01-05`, `2026/1/5`, `2026.1.5`, `2026年1月5日`, `令和8年1月5日`
/// (also `令和元年`, `R8.1.5`, `平成`/`H`), an Excel serial number (`46027`), or a date and time
/// (`2026-01-05 00:00:00`, the time dropped). Full-width digits are read as digits. `what` is
/// the column's label key.
pub fn day(raw: &str, what: &'static str) -> Result<NaiveDate, Refusal> {
    let raw: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '．' => '.',
            '－' => '-',
            _ => c,
        })
        .collect();
    if raw.is_empty() {
        return Err(Refusal::required(what));
    }
    let malformed = || Refusal::new("msg.import_day").label("what", what);
    if raw.len() <= 6 && raw.chars().all(|c| c.is_ascii_digit()) {
        return raw
            .parse::<f64>()
            .ok()
            .filter(|n| (20_000.0..=99_999.0).contains(n))
            .and_then(serial_day)
            .ok_or_else(malformed);
    }
    let date_part = raw.split([' ', 'T']).next().unwrap_or_default();
    let (era, rest) = era(date_part);
    let numbers: Vec<&str> = rest
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|s| !s.is_empty())
        .collect();
    let [y, m, d] = numbers[..] else {
        return Err(malformed());
    };
    let year = match (y, era) {
        ("元", Some(start)) => start,
        (y, Some(start)) => start + y.parse::<i32>().map_err(|_| malformed())? - 1,
        (y, None) => y.parse::<i32>().map_err(|_| malformed())?,
    };
    let (m, d) = (
        m.parse::<u32>().map_err(|_| malformed())?,
        d.parse::<u32>().map_err(|_| malformed())?,
    );
    NaiveDate::from_ymd_opt(year, m, d)
        .filter(|day| (1900..=9999).contains(&day.year()))
        .ok_or_else(malformed)
}

/// The first Western year of the era a date starts with (`令和`, `R`), and what follows.
fn era(raw: &str) -> (Option<i32>, &str) {
    for (name, letters) in [("令和", ["R", "r"]), ("平成", ["H", "h"])] {
        let start = crate::wareki::era_start(name);
        if let Some(rest) = raw.strip_prefix(name) {
            return (start, rest);
        }
        for letter in letters {
            if let Some(rest) = raw.strip_prefix(letter) {
                return (start, rest);
            }
        }
    }
    (None, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

    fn day_of(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_in_every_way_a_sheet_writes_them() {
        let jan5 = day_of(2026, 1, 5);
        for raw in [
            "2026-01-05",
            "2026/1/5",
            " 2026.1.5 ",
            "2026年1月5日",
            "令和8年1月5日",
            "R8.1.5",
            "r8/1/5",
            "２０２６／１／５",
            "46027",
            "2026-01-05 00:00:00",
            "2026-01-05T09:30:00",
        ] {
            assert_eq!(day(raw, "label.received_on"), Ok(jan5), "{raw}");
        }
        assert_eq!(day("令和元年5月1日", "x"), Ok(day_of(2019, 5, 1)));
        assert_eq!(day("平成31年4月30日", "x"), Ok(day_of(2019, 4, 30)));
        assert_eq!(day("H31.4.30", "x"), Ok(day_of(2019, 4, 30)));
        assert_eq!(
            day("", "label.received_on"),
            Err(Refusal::required("label.received_on"))
        );
        let bad = Refusal::new("msg.import_day").label("what", "x");
        for raw in [
            "2026/2/30",
            "昨日",
            "1/5",
            "2026-01",
            "123",
            "999999",
            "令和x年1月5日",
            "2026/1/x",
            "2026/x/5",
            "x/1/5",
            "0800/1/1",
        ] {
            assert_eq!(day(raw, "x"), Err(bad.clone()), "{raw}");
        }
    }

    #[test]
    fn serial_numbers_count_excels_leap_day() {
        assert_eq!(serial_day(1.0), Some(day_of(1900, 1, 1)));
        assert_eq!(serial_day(59.0), Some(day_of(1900, 2, 28)));
        assert_eq!(serial_day(61.0), Some(day_of(1900, 3, 1)));
        assert_eq!(serial_day(46027.75), Some(day_of(2026, 1, 5)));
        assert_eq!(serial_day(0.0), None);
        assert_eq!(serial_day(f64::NAN), None);
        assert_eq!(serial_day(1e300), None);
    }

    #[test]
    fn csv_in_utf8_with_or_without_bom_and_in_cp932() {
        let text =
            "受付日,意見\r\n2026/1/5,\"駅前に、ベンチを\"\r\n\r\n,\r\n令和8年1月6日,図書館\n";
        let expected = Sheet {
            headings: vec!["受付日".into(), "意見".into()],
            rows: vec![
                Row {
                    line: 2,
                    cells: vec!["2026/1/5".into(), "駅前に、ベンチを".into()],
                    error_cell: None,
                },
                Row {
                    line: 5,
                    cells: vec!["令和8年1月6日".into(), "図書館".into()],
                    error_cell: None,
                },
            ],
        };
        assert_eq!(read("a.csv", text.as_bytes()).as_ref(), Ok(&expected));
        let with_bom = [super::super::csv::BOM, text.as_bytes()].concat();
        assert_eq!(read("a.CSV", &with_bom).as_ref(), Ok(&expected));
        let (cp932, _, lossy) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!lossy);
        assert_eq!(read("a.txt", &cp932), Ok(expected));
    }

    #[test]
    fn files_that_are_not_a_sheet_are_refused_saying_why() {
        let refused = |name: &str, bytes: &[u8]| read(name, bytes).unwrap_err().key();
        assert_eq!(refused("a.csv", b""), "msg.import_empty");
        assert_eq!(refused("a.csv", b" , \r\n,,\r\n"), "msg.import_empty");
        assert_eq!(
            refused("a.csv", "受付日,意見\r\n".as_bytes()),
            "msg.import_no_rows"
        );
        assert_eq!(
            refused("a.xlsx", b"\x89PNG\r\n junk"),
            "msg.import_xlsx_broken"
        );
        assert_eq!(
            refused("a.csv", b"\xff\xfe\x00a\x00b"),
            "msg.import_encoding"
        );
        assert_eq!(refused("a.csv", b"a,b\0\r\n1,2"), "msg.import_encoding");
        // An unclosed quote runs to the end of the file: one cell, nothing refused.
        assert_eq!(
            read("a.csv", b"a,\"b\r\n1,2").unwrap_err().key(),
            "msg.import_no_rows"
        );
        assert_eq!(refused("a.xls", b"\xd0\xcf\x11\xe0"), "msg.import_type");
        assert_eq!(refused("a.pdf", b"%PDF-1.4"), "msg.import_type");
        assert_eq!(refused("a", b"a,b"), "msg.import_type");
        assert_eq!(
            read("a.csv", &vec![b'a'; MAX_BYTES + 1]),
            Err(Refusal::new("msg.import_too_large").with("max", MAX_LABEL))
        );
        assert_eq!(
            refused("a.xlsx", b"PK\x03\x04 truncated"),
            "msg.import_xlsx_broken"
        );
    }

    #[test]
    fn csv_rows_up_to_the_limit() {
        let rows = |n: usize| {
            let mut text = String::from("意見\n");
            for i in 0..n {
                text.push_str(&format!("{i}\n"));
            }
            text
        };
        assert_eq!(
            read("a.csv", rows(MAX_ROWS).as_bytes()).unwrap().rows.len(),
            MAX_ROWS
        );
        assert_eq!(
            read("a.csv", rows(MAX_ROWS + 1).as_bytes()),
            Err(Refusal::new("msg.import_too_many_rows").with("max", MAX_ROWS))
        );
    }

    /// A workbook built the way staff make one: headings, a text date, an Excel date, a
    /// serial number, a merged cell, formulas (one failing), a column far to the right.
    fn workbook() -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("yyyy/mm/dd");
        sheet.write(0, 0, "受付日").unwrap();
        sheet.write(0, 1, "意見").unwrap();
        sheet.write(1, 0, "令和8年1月5日").unwrap();
        sheet.write(1, 1, "ベンチを").unwrap();
        let excel_day = ExcelDateTime::from_ymd(2026, 1, 6).unwrap();
        sheet.write_with_format(2, 0, &excel_day, &date).unwrap();
        sheet.write(2, 1, 12.5).unwrap();
        sheet.write(3, 0, 46029).unwrap();
        sheet
            .merge_range(3, 1, 4, 2, "結合したセル", &Format::new())
            .unwrap();
        sheet
            .write_formula(5, 0, Formula::new("=1+1").set_result("2"))
            .unwrap();
        sheet
            .write_formula(5, 1, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        sheet.write(6, 200, "遠い列").unwrap();
        sheet.write(7, 1, true).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_sheets_with_dates_merged_cells_and_formulas() {
        let sheet = read("紙の意見.xlsx", &workbook()).unwrap();
        assert_eq!(sheet.headings, ["受付日", "意見"]);
        let cells: Vec<(usize, Vec<&str>, Option<usize>)> = sheet
            .rows
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.cells.iter().map(String::as_str).collect(),
                    r.error_cell,
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                (2, vec!["令和8年1月5日", "ベンチを"], None),
                (3, vec!["2026-01-06", "12.5"], None),
                (4, vec!["46029", "結合したセル"], None),
                (6, vec!["2", "#DIV/0!"], Some(1)),
                (8, vec!["", "TRUE"], None),
            ]
        );
        assert_eq!(sheet.rows[2].cell(1), "結合したセル");
        assert_eq!(sheet.rows[2].cell(9), "");
        assert_eq!(day(sheet.rows[2].cell(0), "x"), Ok(day_of(2026, 1, 7)));
    }

    #[test]
    fn xlsx_empty_or_only_headings() {
        let mut book = Workbook::new();
        book.add_worksheet();
        let empty = book.save_to_buffer().unwrap();
        assert_eq!(
            read("a.xlsx", &empty).unwrap_err().key(),
            "msg.import_empty"
        );
        let mut book = Workbook::new();
        book.add_worksheet().write(0, 0, "意見").unwrap();
        let headings = book.save_to_buffer().unwrap();
        assert_eq!(
            read("a.xlsx", &headings).unwrap_err().key(),
            "msg.import_no_rows"
        );
    }

    #[test]
    fn xlsx_rows_up_to_the_limit() {
        let rows = |n: u32| {
            let mut book = Workbook::new();
            let sheet = book.add_worksheet();
            sheet.write(0, 0, "意見").unwrap();
            for i in 1..=n {
                sheet.write(i, 0, i).unwrap();
            }
            book.save_to_buffer().unwrap()
        };
        assert_eq!(read("a.xlsx", &rows(10)).unwrap().rows.len(), 10);
        assert_eq!(
            read("a.xlsx", &rows(MAX_ROWS as u32 + 1))
                .unwrap_err()
                .key(),
            "msg.import_too_many_rows"
        );
    }

    /// Property: whatever the bytes (random, or a real workbook cut short or with bytes
    /// flipped), reading answers a sheet or a refusal, and never panics.
    #[test]
    fn random_and_broken_files_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        let book = workbook();
        for round in 0..400 {
            let bytes: Vec<u8> = match round % 4 {
                0 => (0..rng.gen_range(0..2000)).map(|_| rng.gen()).collect(),
                1 => book[..rng.gen_range(0..book.len())].to_vec(),
                2 => {
                    let mut b = book.clone();
                    for _ in 0..rng.gen_range(1..20) {
                        let at = rng.gen_range(0..b.len());
                        b[at] = rng.gen();
                    }
                    b
                }
                _ => [
                    b"PK\x03\x04".as_slice(),
                    &(0..500).map(|_| rng.gen()).collect::<Vec<u8>>(),
                ]
                .concat(),
            };
            for name in ["a.xlsx", "a.csv"] {
                let _ = read(name, &bytes);
            }
        }
    }
}
