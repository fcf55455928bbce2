//! A small CSV writer for spreadsheets people open in Excel: RFC 4180 quoting, CRLF line ends,
//! UTF-8 with a byte order mark (so Excel reads Japanese), or Shift_JIS on request. Pure: no
//! database, no HTTP.

/// The byte order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte order mark (the default).
    Utf8Bom,
    /// Shift_JIS, for older spreadsheets. A character Shift_JIS cannot hold becomes `?`
    /// (a numeric character reference would be wrong in a CSV cell).
    ShiftJis,
}

impl Encoding {
    /// `?encoding=`: empty or `utf-8` → UTF-8 with BOM; `shift_jis` (or `sjis`) → Shift_JIS.
    pub fn parse(raw: Option<&str>) -> Result<Encoding, String> {
        match raw
            .map(|s| s.trim().to_ascii_lowercase().replace('-', "_"))
            .as_deref()
        {
            None | Some("") | Some("utf_8") | Some("utf8") => Ok(Encoding::Utf8Bom),
            Some("shift_jis") | Some("sjis") => Ok(Encoding::ShiftJis),
            Some(_) => {
                Err("文字コード（encoding）は「utf-8」か「shift_jis」を指定してください。".into())
            }
        }
    }

    /// The `charset` of the response's content type.
    pub fn charset(self) -> &'static str {
        match self {
            Encoding::Utf8Bom => "utf-8",
            Encoding::ShiftJis => "shift_jis",
        }
    }
}

/// One field, quoted when it holds a comma, a quote, a line break or leading/trailing spaces;
/// quotes inside are doubled (RFC 4180). Line breaks inside a field are kept as CRLF.
pub fn field(value: &str) -> String {
    let needs_quotes =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if !needs_quotes {
        return value.to_owned();
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

/// The CSV text as the bytes of the file in `encoding`.
pub fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8Bom => {
            let mut bytes = Vec::with_capacity(BOM.len() + text.len());
            bytes.extend_from_slice(BOM);
            bytes.extend_from_slice(text.as_bytes());
            bytes
        }
        Encoding::ShiftJis => {
            // encoding_rs writes unmappable characters as numeric character references; encode
            // piecewise instead so that each of them becomes a single `?`.
            let mut bytes = Vec::with_capacity(text.len());
            let mut buffer = [0u8; 4];
            for c in text.chars() {
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
    fn shift_jis_bytes_of_a_known_string() {
        // 本 = 96 7B, 庄 = 8F AF (8F AB would be 将), 市 = 8E 73.
        assert_eq!(
            encode("本庄市", Encoding::ShiftJis),
            [0x96, 0x7B, 0x8F, 0xAF, 0x8E, 0x73]
        );
        assert_eq!(encode("a,1\r\n", Encoding::ShiftJis), b"a,1\r\n");
        // No BOM in Shift_JIS.
        assert_eq!(encode("", Encoding::ShiftJis), b"");
    }

    #[test]
    fn characters_outside_shift_jis_become_a_question_mark() {
        // 𠮷 (U+20BB7) and an emoji have no Shift_JIS code.
        let bytes = encode("𠮷野家😀市", Encoding::ShiftJis);
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert_eq!(decoded, "?野家?市");
    }

    #[test]
    fn encodings_by_name() {
        assert_eq!(Encoding::parse(None), Ok(Encoding::Utf8Bom));
        assert_eq!(Encoding::parse(Some("")), Ok(Encoding::Utf8Bom));
        assert_eq!(Encoding::parse(Some("UTF-8")), Ok(Encoding::Utf8Bom));
        assert_eq!(Encoding::parse(Some("shift_jis")), Ok(Encoding::ShiftJis));
        assert_eq!(Encoding::parse(Some("Shift-JIS")), Ok(Encoding::ShiftJis));
        assert!(Encoding::parse(Some("latin1")).is_err());
    }
}
