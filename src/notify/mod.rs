//! Email: the outbox, the sender and the templates.
//!
//! Every email is rendered and written to the `outbox` table by [`enqueue`], on the caller's
//! connection and so inside the caller's transaction: the email exists if and only if the change
//! that causes it commits. A worker ([`worker`]) sends due rows over SMTP (lettre), or, with no
//! `SMTP_URL`, writes them as `.eml` files under `$KYODO_DATA_DIR/mail`. Rows are claimed with
//! `FOR UPDATE SKIP LOCKED`, so any number of app instances can send from one database; each sends
//! over up to [`SMTP_CONNECTIONS`] connections at once (see [`worker`] for why, and for the
//! exactly-once argument).

pub mod digest;
pub mod inbox;
pub mod kinds;
pub mod outbox;
pub mod periodic;
pub mod templates;
pub mod worker;

use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::i18n::Lang;
use diesel::PgConnection;
use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use std::path::{Path, PathBuf};
use std::time::Duration;
use uuid::Uuid;

pub use outbox::{retry, OutboxEntry};
pub use worker::{drain, RetryPolicy};

/// What kind of email this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// About the account's safety (verification, password reset …): always sent, never with an
    /// unsubscribe link.
    Security,
    /// News the person chose to receive: carries `List-Unsubscribe` and a one-click link.
    Notification,
}

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Notification => "notification",
        }
    }
}

/// An email to send: the template name (e.g. "verify"), the recipient and the data the template
/// needs.
#[derive(Debug, Clone)]
pub struct Message {
    pub to_address: String,
    pub to_name: Option<String>,
    pub lang: Lang,
    /// A file stem in `templates/emails/`, e.g. "verify" for `verify.ja.subject.hbs` ….
    pub template: &'static str,
    /// A JSON object with the fields the template uses.
    pub context: serde_json::Value,
    pub category: Category,
    /// Required for notifications (the one-click link and the `List-Unsubscribe` header);
    /// ignored for security emails.
    pub unsubscribe_url: Option<String>,
    /// A file sent with the email (a meeting's `.ics`), after the text and HTML parts.
    pub attachment: Option<Attachment>,
}

/// A file an email carries: kept as text in the outbox (`attachment_*` columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file's name as the recipient sees it, e.g. `meeting-12.ics`.
    pub name: String,
    /// Its MIME type, e.g. `text/calendar; charset=utf-8`.
    pub content_type: String,
    pub body: String,
}

/// Renders subject/text/html from templates/emails and inserts one outbox row ON THIS CONNECTION
/// (the caller's transaction), so the email exists iff the change commits. Returns the row's id.
pub fn enqueue(conn: &mut PgConnection, message: Message) -> Result<i64> {
    let email = compose(message)?;
    outbox::insert(conn, &email)
}

/// A news notification to `account`: recorded in its inbox (a one-line summary in its
/// language, the link) and, if `delivery` says at once, emailed now; a daily or weekly delivery
/// waits for the digest ([`digest`]), never is the inbox only. The kind comes from the
/// template ([`kinds::EMAILS`]).
pub fn deliver(
    conn: &mut PgConnection,
    account: Uuid,
    message: Message,
    delivery: kinds::Delivery,
) -> Result<()> {
    let template = message.template;
    let kind = kinds::kind_of(template).ok_or_else(|| {
        Error::Internal(format!(
            "email {template}: no kind of notification in notify::kinds::EMAILS"
        ))
    })?;
    let link = message
        .context
        .get("link")
        .and_then(|l| l.as_str())
        .map(str::to_owned);
    let email = compose(message)?;
    inbox::record(
        conn,
        &inbox::NewNotification {
            account,
            kind,
            template,
            summary: &kinds::summary(&email.subject),
            link: link.as_deref(),
            cadence: delivery.cadence(),
        },
    )?;
    if delivery == kinds::Delivery::Immediate {
        outbox::insert(conn, &email)?;
    }
    Ok(())
}

/// The outbox row of a message: its address checked, its parts rendered.
fn compose(message: Message) -> Result<outbox::NewEmail> {
    let address: lettre::Address = message.to_address.trim().parse().map_err(|_| {
        Refusal::new("msg.email_address_invalid").with("address", &message.to_address)
    })?;
    let to_name = message
        .to_name
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty());
    let unsubscribe_url = match message.category {
        Category::Security => None,
        Category::Notification => Some(
            message
                .unsubscribe_url
                // It goes into a header: an absolute http(s) URL, nothing that could break a line.
                .filter(|u| {
                    (u.starts_with("https://") || u.starts_with("http://"))
                        && u.chars().all(|c| c.is_ascii_graphic())
                })
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "email {}: a notification needs an absolute http(s) unsubscribe URL",
                        message.template
                    ))
                })?,
        ),
    };
    let mut extra = serde_json::Map::new();
    extra.insert("to_name".into(), to_name.clone().into());
    extra.insert("unsubscribe_url".into(), unsubscribe_url.clone().into());
    extra.insert(
        "security".into(),
        (message.category == Category::Security).into(),
    );
    let rendered = templates::render(message.template, message.lang, &message.context, extra)?;
    let (attachment_name, attachment_type, attachment_body) = match message.attachment {
        // Checked now, not at every attempt to send.
        Some(a) if lettre::message::header::ContentType::parse(&a.content_type).is_err() => {
            return Err(Error::Internal(format!(
                "email {}: the attachment's type {:?} is no MIME type",
                message.template, a.content_type
            )));
        }
        Some(a) => (Some(a.name), Some(a.content_type), Some(a.body)),
        None => (None, None, None),
    };
    Ok(outbox::NewEmail {
        to_address: address.to_string(),
        to_name,
        subject: rendered.subject,
        text_body: rendered.text,
        html_body: rendered.html,
        category: message.category.code().to_owned(),
        unsubscribe_url,
        attachment_name,
        attachment_type,
        attachment_body,
    })
}

/// The unsubscribe link of an account's notification emails, for `List-Unsubscribe`.
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!(
        "{}/unsubscribe?token={token}",
        public_url.trim_end_matches('/')
    )
}

/// SMTP connections a sender keeps open and sends over at once. Each email waits about 40 ms
/// for the server's delayed ACK (see [`worker`]), so this bounds the rate to roughly
/// 25 emails/s per connection.
pub const SMTP_CONNECTIONS: u32 = 16;

/// How long one SMTP step (connecting, a command, writing the message) may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How emails leave: an SMTP server, or files in a folder.
#[derive(Clone)]
pub(crate) enum Transport {
    Smtp(lettre::SmtpTransport),
    Files {
        transport: lettre::FileTransport,
        dir: PathBuf,
    },
}

/// The sender: a transport, the From address and the retry policy. Cheap to clone (an SMTP
/// transport keeps a pool of connections shared by its clones).
#[derive(Clone)]
pub struct Mailer {
    pub(crate) transport: Transport,
    pub(crate) from: Mailbox,
    pub retry: RetryPolicy,
    description: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.description)
            .field("from", &self.from.to_string())
            .field("retry", &self.retry)
            .finish()
    }
}

fn parse_from(from: &str) -> Result<Mailbox> {
    from.parse().map_err(|e| {
        Error::Setup(format!(
            "KYODO_MAIL_FROM={from:?} is not a valid sender address ({e}); \
             write it as `Name <address@example.org>` or `address@example.org`"
        ))
    })
}

impl Mailer {
    /// The transport the settings ask for: `SMTP_URL`, else `.eml` files in
    /// `$KYODO_DATA_DIR/mail`.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Mailer> {
        match settings
            .smtp_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            Some(url) => Mailer::smtp(url, &settings.mail_from),
            None => Mailer::files(&settings.data_dir.join("mail"), &settings.mail_from),
        }
    }

    /// Sends over SMTP: `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS),
    /// `smtp://…?tls=opportunistic`, `smtps://host:port` (TLS from the start); `user:pass@`
    /// for authentication, a path for the EHLO name.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer> {
        let transport = lettre::SmtpTransport::from_url(url)
            .map_err(|e| Error::Setup(format!("SMTP_URL is not usable: {e}")))?
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(SMTP_CONNECTIONS))
            .build();
        Ok(Mailer {
            transport: Transport::Smtp(transport),
            from: parse_from(from)?,
            retry: RetryPolicy::default(),
            description: format!("SMTP {}", redact(url)),
        })
    }

    /// Writes every email as an `.eml` file in `dir` (created if missing) and logs it.
    pub fn files(dir: &Path, from: &str) -> Result<Mailer> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Setup(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Mailer {
            transport: Transport::Files {
                transport: lettre::FileTransport::new(dir),
                dir: dir.to_owned(),
            },
            from: parse_from(from)?,
            retry: RetryPolicy::default(),
            description: format!("files in {}", dir.display()),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Mailer {
        self.retry = retry;
        self
    }

    /// How many emails to send at once: one per SMTP connection; files one by one.
    pub(crate) fn senders(&self) -> usize {
        match self.transport {
            Transport::Smtp(_) => SMTP_CONNECTIONS as usize,
            Transport::Files { .. } => 1,
        }
    }

    /// Where the emails go, for the log (no password).
    pub fn describe(&self) -> &str {
        &self.description
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_FROM;

    #[test]
    fn the_default_sender_parses() {
        let from = parse_from(DEFAULT_FROM).unwrap();
        assert_eq!(from.email.to_string(), "no-reply@kyodo.invalid");
        assert_eq!(from.name.as_deref(), Some("Kyodo 本庄市"));
        assert!(parse_from("not an address").is_err());
    }

    #[test]
    fn smtp_urls_are_accepted_and_passwords_kept_out_of_the_log() {
        let m = Mailer::smtp("smtp://127.0.0.1:2525", DEFAULT_FROM).unwrap();
        assert_eq!(m.describe(), "SMTP smtp://127.0.0.1:2525");
        let m = Mailer::smtp(
            "smtps://kyodo:s3cret@mail.example.org:465?tls=required",
            DEFAULT_FROM,
        )
        .unwrap();
        assert!(!m.describe().contains("s3cret"), "{}", m.describe());
        assert!(Mailer::smtp("smtp://127.0.0.1:2525?tls=required", DEFAULT_FROM).is_ok());
        assert!(Mailer::smtp("http://example.org", DEFAULT_FROM).is_err());
        assert!(Mailer::smtp("not a url", DEFAULT_FROM).is_err());
    }
}
