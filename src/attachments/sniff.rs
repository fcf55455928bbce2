//! What an uploaded file is, decided from its bytes alone (the name and the browser's claimed
//! type are never trusted), its shown name, and the limits. No database, no I/O.
//!
//! A file whose name claims another type than its bytes (a PNG named `.pdf`) is refused, not
//! renamed: people choose files by name, and a list saying "PDF" for an image would mislead
//! whoever downloads it. A name without a recognisable extension gets the right one appended.

use actix_web::http::StatusCode;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Largest file accepted (10 MB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Files one owner (a proposal, a consultation …) may hold.
pub const MAX_PER_OWNER: i64 = 5;
/// Longest shown name, in characters, extension included.
pub const MAX_NAME_CHARS: usize = 100;
/// The limit as people read it in messages and hints.
pub const MAX_LABEL: &str = "10 MB";

/// The accepted types: PDF and the images every browser shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Pdf, Kind::Png, Kind::Jpeg, Kind::Gif, Kind::Webp];

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
        }
    }

    /// The type as people know it ("PDF", "PNG" …).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Pdf => "PDF",
            Kind::Png => "PNG",
            Kind::Jpeg => "JPEG",
            Kind::Gif => "GIF",
            Kind::Webp => "WebP",
        }
    }

    /// Extensions a name of this type may end with; the first is appended when one is missing.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg", "jpe"],
            Kind::Gif => &["gif"],
            Kind::Webp => &["webp"],
        }
    }

    /// Images open in the browser; a PDF is downloaded (browsers' PDF viewers run scripts).
    pub fn inline(self) -> bool {
        self != Kind::Pdf
    }

    /// The stored `content_type` back as a kind.
    pub fn from_content_type(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.content_type() == raw)
    }
}

/// Decides the type from the leading bytes (the formats' magic numbers); `None` for anything
/// else (HTML, SVG, ZIP, Office files, executables, text …).
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else {
        None
    }
}

/// Why a file was not attached, said to the person on the page (or as problem details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No file was chosen, or it is empty.
    NoFile,
    /// Not a PDF or one of the images.
    Type,
    /// The name claims another type than the bytes (`.pdf` on a PNG).
    Disguised {
        content: Kind,
        extension: String,
    },
    TooLarge,
    TooMany,
}

impl Refusal {
    /// What the page says, in the visitor's language at the edge.
    pub fn refusal(&self) -> crate::refusal::Refusal {
        use crate::refusal::Refusal as Said;
        match self {
            Refusal::NoFile => Said::new("msg.attachment_none"),
            Refusal::Type => Said::new("msg.attachment_type"),
            Refusal::Disguised { content, extension } => Said::new("msg.attachment_disguised")
                .with("content", content.label())
                .with("extension", extension),
            Refusal::TooLarge => Said::new("msg.attachment_too_large").with("max", MAX_LABEL),
            Refusal::TooMany => Said::new("msg.attachment_too_many").with("max", MAX_PER_OWNER),
        }
    }

    /// 413 for a file over the limit, 400 for the rest.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// A file that passed every check: its type, shown name and bytes.
#[derive(Debug)]
pub struct Checked {
    pub kind: Kind,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Checks an uploaded file completely: not empty, within the size, a known type, a name that
/// does not lie about it.
pub fn check(raw_name: &str, bytes: Vec<u8>) -> Result<Checked, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::NoFile);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    let kind = sniff(&bytes).ok_or(Refusal::Type)?;
    let filename = filename(raw_name, kind)?;
    Ok(Checked {
        kind,
        filename,
        bytes,
    })
}

/// Unicode characters that reorder text (bidi controls): they can make `exe.pdf` read as
/// `fdp.exe`, so they are dropped like control characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The name to show and download under: the last path component only (browsers on Windows
/// send `C:\…\file.pdf`), no control or bidi characters, no leading dots, at most
/// [`MAX_NAME_CHARS`], Japanese kept; its extension must agree with `kind`.
pub fn filename(raw: &str, kind: Kind) -> Result<String, Refusal> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    // An extension is a short run of ASCII letters and digits after the last dot; anything
    // else ("報告.令和7年度") is part of the name.
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, ext))
            if !ext.is_empty()
                && ext.len() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (stem.trim_end(), Some(ext.to_ascii_lowercase()))
        }
        _ => (cleaned, None),
    };
    let extension = match extension {
        Some(ext) if kind.extensions().contains(&ext.as_str()) => ext,
        Some(ext) => {
            return Err(Refusal::Disguised {
                content: kind,
                extension: ext,
            })
        }
        None => kind.extensions()[0].to_owned(),
    };
    let stem = if stem.is_empty() {
        "添付ファイル"
    } else {
        stem
    };
    let room = MAX_NAME_CHARS - extension.len() - 1;
    let stem: String = stem.chars().take(room).collect();
    Ok(format!("{}.{extension}", stem.trim_end()))
}

/// The size as people read it: "820 KB", "1.5 MB" (KB rounded up, never "0 KB").
pub fn size_label(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes < MB {
        format!("{} KB", ((bytes + 1023) / 1024).max(1))
    } else {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}

/// Characters kept as they are in `filename*` (RFC 5987 attr-char).
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition`: inline for images, attachment for PDF; an ASCII `filename` for old
/// clients and the real (Japanese) name as RFC 5987 `filename*`.
pub fn content_disposition(kind: Kind, filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        if kind.inline() {
            "inline"
        } else {
            "attachment"
        },
        utf8_percent_encode(filename, ATTR_CHAR)
    )
}

/// The name as one URL path segment.
pub fn path_segment(filename: &str) -> String {
    utf8_percent_encode(filename, ATTR_CHAR).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn types_come_from_the_bytes_only() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(sniff(PNG), Some(Kind::Png));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"GIF87a\x01\0"), Some(Kind::Gif));
        assert_eq!(sniff(b"GIF89a\x01\0"), Some(Kind::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(Kind::Webp));
        for refused in [
            &b""[..],
            b"%PDF",
            b"<!DOCTYPE html><html>",
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\">",
            b"<svg onload=alert(1)>",
            b"PK\x03\x04zip",
            b"MZ\x90\0exe",
            b"\x7fELF",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"RIFF\0\0\0\0WEB",
            b"GIF88a",
            b"\x89PNG\r\n",
            b"\xff\xd8",
            b" %PDF-1.4",
        ] {
            assert_eq!(sniff(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn kinds_know_their_type_label_and_disposition() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_content_type(kind.content_type()), Some(kind));
            assert!(!kind.label().is_empty());
            assert_eq!(kind.inline(), kind != Kind::Pdf);
        }
        assert_eq!(Kind::from_content_type("text/html"), None);
        assert_eq!(Kind::Webp.label(), "WebP");
    }

    #[test]
    fn check_refuses_empty_large_and_unknown_files() {
        assert_eq!(check("a.pdf", Vec::new()).unwrap_err(), Refusal::NoFile);
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(check("a.pdf", big).unwrap_err(), Refusal::TooLarge);
        let mut exact = b"%PDF-1.4\n".to_vec();
        exact.resize(MAX_BYTES, b' ');
        assert_eq!(check("a.pdf", exact).unwrap().kind, Kind::Pdf);
        assert_eq!(
            check("a.pdf", b"<html>".to_vec()).unwrap_err(),
            Refusal::Type
        );
        let ok = check("地図.png", PNG.to_vec()).unwrap();
        assert_eq!((ok.kind, ok.filename.as_str()), (Kind::Png, "地図.png"));
        assert_eq!(ok.bytes, PNG);
    }

    #[test]
    fn a_name_that_lies_about_the_type_is_refused() {
        assert_eq!(
            check("写真.pdf", PNG.to_vec()).unwrap_err(),
            Refusal::Disguised {
                content: Kind::Png,
                extension: "pdf".into()
            }
        );
        assert_eq!(
            filename("page.HTML", Kind::Pdf).unwrap_err(),
            Refusal::Disguised {
                content: Kind::Pdf,
                extension: "html".into()
            }
        );
        assert!(filename("x.svg", Kind::Png).is_err());
    }

    #[test]
    fn names_are_cleaned_and_japanese_kept() {
        let cases = [
            ("計画書.pdf", Kind::Pdf, "計画書.pdf"),
            ("C:\\Users\\花子\\資料.PDF", Kind::Pdf, "資料.pdf"),
            ("../../etc/passwd.pdf", Kind::Pdf, "passwd.pdf"),
            ("a\u{0}b\r\nc.pdf", Kind::Pdf, "abc.pdf"),
            ("evil\u{202e}fdp.exe.png", Kind::Png, "evilfdp.exe.png"),
            (".hidden.jpg", Kind::Jpeg, "hidden.jpg"),
            ("photo.jpeg", Kind::Jpeg, "photo.jpeg"),
            ("scan", Kind::Jpeg, "scan.jpg"),
            ("報告.令和7年度", Kind::Gif, "報告.令和7年度.gif"),
            ("", Kind::Webp, "添付ファイル.webp"),
            ("   .pdf", Kind::Pdf, "pdf.pdf"),
            ("dir/", Kind::Png, "添付ファイル.png"),
            ("name .png", Kind::Png, "name.png"),
            ("trailing.", Kind::Pdf, "trailing..pdf"),
        ];
        for (raw, kind, want) in cases {
            assert_eq!(filename(raw, kind).unwrap(), want, "{raw:?}");
        }
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.pdf", "あ".repeat(300));
        let name = filename(&long, Kind::Pdf).unwrap();
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("あ.pdf"));
        let name = filename(&"b".repeat(500), Kind::Jpeg).unwrap();
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with(".jpg"));
    }

    #[test]
    fn refusals_have_japanese_messages_and_statuses() {
        use crate::web::i18n::{assert_english, refusal, Lang};
        let ja = |r: &Refusal| refusal(Lang::Ja, &r.refusal());
        assert_eq!(
            ja(&Refusal::Type),
            "PDF または画像（PNG・JPEG・GIF・WebP）だけを添付できます。"
        );
        assert_eq!(
            ja(&Refusal::TooLarge),
            "ファイルが大きすぎます（上限 10 MB）。"
        );
        assert_eq!(ja(&Refusal::TooMany), "添付できるのは 5 件までです。");
        assert_eq!(ja(&Refusal::NoFile), "添付するファイルを選んでください。");
        let disguised = Refusal::Disguised {
            content: Kind::Png,
            extension: "pdf".into(),
        };
        assert!(ja(&disguised).contains("（PNG）と名前の拡張子（.pdf）"));
        assert_english(
            [
                Refusal::NoFile,
                Refusal::Type,
                Refusal::TooLarge,
                Refusal::TooMany,
                disguised.clone(),
            ]
            .map(|r| r.refusal()),
        );
        assert_eq!(Refusal::TooLarge.status(), StatusCode::PAYLOAD_TOO_LARGE);
        for r in [Refusal::NoFile, Refusal::Type, Refusal::TooMany, disguised] {
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn sizes_read_in_kb_and_mb() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(1024), "1 KB");
        assert_eq!(size_label(1025), "2 KB");
        assert_eq!(size_label(1024 * 1024 - 1), "1024 KB");
        assert_eq!(size_label(1024 * 1024), "1.0 MB");
        assert_eq!(size_label(1536 * 1024), "1.5 MB");
        assert_eq!(size_label(MAX_BYTES as i64), "10.0 MB");
    }

    #[test]
    fn disposition_carries_ascii_and_utf8_names() {
        assert_eq!(
            content_disposition(Kind::Pdf, "計画 \"案\".pdf"),
            "attachment; filename=\"__ ___.pdf\"; filename*=UTF-8''%E8%A8%88%E7%94%BB%20%22%E6%A1%88%22.pdf"
        );
        assert_eq!(
            content_disposition(Kind::Png, "map_1.png"),
            "inline; filename=\"map_1.png\"; filename*=UTF-8''map_1.png"
        );
        assert_eq!(
            path_segment("地図 1/2.png"),
            "%E5%9C%B0%E5%9B%B3%201%2F2.png"
        );
    }
}
