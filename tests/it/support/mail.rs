//! Email as the tests read it: a real SMTP server on loopback (Python's aiosmtpd, writing a
//! Maildir) to point a `Mailer` or `SMTP_URL` at, and the outbox as the app leaves it.

use super::TestApp;
use diesel::prelude::*;
use diesel::sql_types::Text;
use kyodo::notify::{self, Mailer};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A scratch folder under the target directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback port nothing listens on (right now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn require_aiosmtpd() {
    static CHECKED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let checked = CHECKED.get_or_init(|| {
        let output = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output()
            .map_err(|e| format!("cannot run python3 ({e})"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    });
    if let Err(e) = checked {
        panic!(
            "the mail tests need Python's aiosmtpd as their SMTP server, and it is missing: {e}\n\
             ./test.sh installs it (or run: python3 -m pip install aiosmtpd)"
        );
    }
}

/// A real SMTP server (aiosmtpd) on a loopback port, storing what it receives in a Maildir.
/// Killed on drop.
pub struct SmtpSink {
    pub port: u16,
    dir: TempDir,
    child: Child,
}

/// An email as it arrived at the SMTP server.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The To address (without the name).
    pub to: String,
    /// The To display name, decoded.
    pub to_name: Option<String>,
    /// The envelope recipients, as the server saw them.
    pub rcpt_to: Vec<String>,
    /// Decoded.
    pub subject: String,
    /// The text/plain part, decoded.
    pub text: String,
    /// The text/html part, decoded.
    pub html: String,
    /// Every header as written (unfolded, not decoded), in order.
    pub headers: Vec<(String, String)>,
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    pub fn parse(raw: Vec<u8>) -> ReceivedMail {
        let message = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("a parsable email");
        let to = message.to().and_then(|a| a.first());
        let mut text = String::new();
        let mut html = String::new();
        for part in &message.parts {
            match &part.body {
                mail_parser::PartType::Text(t) if text.is_empty() => text = t.to_string(),
                mail_parser::PartType::Html(h) if html.is_empty() => html = h.to_string(),
                _ => {}
            }
        }
        let mail = ReceivedMail {
            to: to.and_then(|a| a.address()).unwrap_or_default().to_owned(),
            to_name: to.and_then(|a| a.name()).map(str::to_owned),
            rcpt_to: Vec::new(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text,
            html,
            headers: raw_headers(&raw),
            raw: raw.clone(),
        };
        let rcpt_to = mail
            .header("X-RcptTo")
            .map(|v| v.split(',').map(|a| a.trim().to_owned()).collect())
            .unwrap_or_default();
        ReceivedMail { rcpt_to, ..mail }
    }

    /// The first header called `name` (case-insensitive), as written.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The http(s) addresses in the text part, in order.
    pub fn links(&self) -> Vec<String> {
        self.text
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_owned)
            .collect()
    }
}

/// The header block, unfolded.
fn raw_headers(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw);
    let head = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .split("\n\n")
        .next()
        .unwrap_or("")
        .replace("\r\n", "\n");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

impl SmtpSink {
    /// Starts a server on a free loopback port.
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(free_port())
    }

    /// Starts a server on `port` and waits until it accepts connections.
    pub fn start_on(port: u16) -> SmtpSink {
        require_aiosmtpd();
        let dir = TempDir::new("kyodo-smtp");
        let maildir = dir.path().join("maildir");
        let log = std::fs::File::create(dir.path().join("aiosmtpd.log")).unwrap();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start python3 -m aiosmtpd: {e}"));
        let mut sink = SmtpSink { port, dir, child };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() && maildir.join("new").is_dir() {
                return sink;
            }
            if let Ok(Some(status)) = sink.child.try_wait() {
                panic!(
                    "aiosmtpd exited ({status}) before accepting connections on port {port}:\n{}",
                    sink.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not accept connections on port {port} within 20 s:\n{}",
                sink.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The `SMTP_URL` of this server.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("aiosmtpd.log")).unwrap_or_default()
    }

    /// Everything received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let new = self.dir.path().join("maildir").join("new");
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&new)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let modified = e.metadata().ok()?.modified().ok()?;
                        Some((modified, e.path()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read(path).ok())
            .map(ReceivedMail::parse)
            .collect()
    }

    /// Waits until at least `n` emails arrived (panics after `timeout`) and returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} emails within {timeout:?}, got {}:\n{}",
                messages.len(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The emails that `wanted` picks, oldest first, once `n` of them arrived or 15 s passed
    /// (then however many there are: the caller says what it expected).
    pub fn matching(&self, n: usize, wanted: impl Fn(&ReceivedMail) -> bool) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mails: Vec<ReceivedMail> = self.messages().into_iter().filter(&wanted).collect();
            if mails.len() >= n || Instant::now() > deadline {
                return mails;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends what the outbox holds to the sink, as the worker of `kyodo serve` does.
pub fn deliver(app: &TestApp, mailer: &Mailer) {
    notify::drain(&mut app.db(), mailer).expect("the outbox drains");
}

#[derive(QueryableByName)]
struct Body {
    #[diesel(sql_type = Text)]
    text_body: String,
}

/// The link to `path` in the newest email to `to`, as the outbox holds it.
pub fn link_in_outbox(app: &TestApp, to: &str, path: &str) -> String {
    let body: Body = diesel::sql_query(
        "SELECT text_body FROM outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind::<Text, _>(to)
    .get_result(&mut app.db())
    .unwrap_or_else(|e| panic!("no email to {to}: {e}"));
    let start = body
        .text_body
        .find(&format!("{}{path}", app.base))
        .unwrap_or_else(|| panic!("no {path} link in:\n{}", body.text_body));
    let link: String = body.text_body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches(&app.base).to_owned()
}
