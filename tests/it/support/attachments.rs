//! Files attached through the real upload forms, and the links to them on the pages.

use super::{csrf_of, Visitor};

/// A small but complete PDF (one empty page).
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

/// A `multipart/form-data` body as a browser sends the upload form: the token, then the file.
pub fn multipart(csrf: Option<&str>, file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----kyodoBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts `bytes` as the file `name` (with `csrf`, if any) to `action`, as the upload form does.
pub async fn post_multipart(
    visitor: &Visitor,
    action: &str,
    csrf: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (content_type, body) = multipart(csrf, Some((name, bytes)));
    visitor
        .client
        .post(visitor.url(action))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Posts a file to the attachments of proposal `id`.
pub async fn post_file(
    visitor: &Visitor,
    id: &str,
    csrf: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    post_multipart(
        visitor,
        &format!("/proposals/{id}/attachments"),
        csrf,
        name,
        bytes,
    )
    .await
}

/// Opens the edit page and uploads a file with its token, as the form does.
pub async fn upload(visitor: &Visitor, id: &str, name: &str, bytes: &[u8]) -> reqwest::Response {
    let csrf = csrf_of(&visitor.page(&format!("/proposals/{id}/edit")).await);
    post_file(visitor, id, Some(&csrf), name, bytes).await
}

/// The links to attachments on a page, in order.
pub fn hrefs(html: &str) -> Vec<String> {
    html.match_indices("href=\"/attachments/")
        .map(|(at, _)| html[at + 6..].split('"').next().unwrap().to_owned())
        .collect()
}

/// The first link to an attachment on a page.
pub fn attachment_link(html: &str) -> String {
    hrefs(html).into_iter().next().expect("an attachment link")
}
