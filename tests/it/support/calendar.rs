//! Calendar files as a real calendar library reads them (Python's `icalendar`), and the file
//! an email carries.

use super::mail::ReceivedMail;
use super::TestApp;
use mail_parser::MimeHeaders;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs a Python script with `input` on its standard input and reads the JSON it prints.
pub fn python(script: &str, input: &[u8]) -> Value {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python3 failed (./test.sh installs icalendar: python3 -m pip install icalendar):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The calendar as Python's `icalendar` reads it: its name, time zone, method, the errors it
/// found, and every event's properties (times as UTC ISO 8601).
pub fn read_calendar(ics: &[u8]) -> Value {
    python(
        r#"
import sys, json, datetime, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
def utc(v):
    return v.astimezone(datetime.timezone.utc).isoformat()
errors = [str(e) for c in cal.walk() for e in c.errors]
events = []
for e in cal.walk("VEVENT"):
    events.append({
        "uid": str(e.get("UID")),
        "summary": str(e.get("SUMMARY")),
        "start": utc(e.decoded("DTSTART")),
        "end": utc(e.decoded("DTEND")),
        "stamp": utc(e.decoded("DTSTAMP")),
        "location": str(e.get("LOCATION")),
        "description": str(e.get("DESCRIPTION")),
        "url": str(e.get("URL")),
        "status": str(e.get("STATUS")),
        "sequence": int(e.get("SEQUENCE")),
    })
print(json.dumps({
    "name": str(cal.get("X-WR-CALNAME", "")),
    "timezone": str(cal.get("X-WR-TIMEZONE", "")),
    "method": str(cal.get("METHOD", "")),
    "errors": errors,
    "events": events,
}, ensure_ascii=False))
"#,
        ics,
    )
}

/// The event of `uid` in a calendar read by [`read_calendar`].
pub fn event<'a>(calendar: &'a Value, uid: &str) -> &'a Value {
    calendar["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uid"] == uid)
        .unwrap_or_else(|| panic!("no event {uid} in {calendar:#}"))
}

/// The id calendars know meeting `id` by.
pub fn uid(app: &TestApp, id: i32) -> String {
    let host = app
        .base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap();
    format!("meeting-{id}@{host}")
}

/// The email's file: its name, type and content.
pub fn attachment(mail: &ReceivedMail) -> Option<(String, String, Vec<u8>)> {
    let message = mail_parser::MessageParser::default()
        .parse(&mail.raw)
        .unwrap();
    let part = message.attachments().next()?;
    let content_type = part
        .content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
        .unwrap_or_default();
    Some((
        part.attachment_name().unwrap_or_default().to_owned(),
        content_type,
        part.contents().to_vec(),
    ))
}
