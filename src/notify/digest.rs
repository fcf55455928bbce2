//! Digests (まとめメール): one email per person listing the notifications that waited for it,
//! grouped by proposal, measure and consultation, at a fixed hour in Tokyo (daily, or weekly on
//! Mondays). Never empty, and exactly once however many instances run: a digest is a
//! `digests` row unique per account, cadence and period, inserted in the transaction that
//! claims the notifications and writes the email; a second instance's insert waits for the
//! first to commit and then inserts nothing.

use super::kinds::Cadence;
use super::{Category, Message};
use crate::db::schema::{accounts as a, consultations as c, digests as d, notifications as n};
use crate::db::schema::{measures as m, proposals as p};
use crate::error::Result;
use crate::web::i18n::Lang;
use crate::web::present;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// How often `kyodo serve` looks for digests that are due.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// A notification as a digest lists it.
#[derive(Debug, Clone, Queryable)]
pub struct Item {
    pub summary: String,
    pub link: Option<String>,
    pub proposal_id: Option<Uuid>,
    pub measure_code: Option<String>,
    pub consultation_id: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// What a group of a digest is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Proposal(Uuid),
    Measure(String),
    Consultation(i32),
    Other,
}

impl Item {
    fn subject(&self) -> Subject {
        match (&self.proposal_id, &self.measure_code, &self.consultation_id) {
            (Some(id), _, _) => Subject::Proposal(*id),
            (_, Some(code), _) => Subject::Measure(code.clone()),
            (_, _, Some(id)) => Subject::Consultation(*id),
            _ => Subject::Other,
        }
    }
}

/// The items grouped by what they are about (proposals, then measures, then consultations,
/// then the rest), each group oldest first.
pub fn group(mut items: Vec<Item>) -> Vec<(Subject, Vec<Item>)> {
    items.sort_by_key(|i| (i.subject(), i.created_at));
    let mut groups: Vec<(Subject, Vec<Item>)> = Vec::new();
    for item in items {
        let subject = item.subject();
        match groups.last_mut() {
            Some((last, list)) if *last == subject => list.push(item),
            _ => groups.push((subject, vec![item])),
        }
    }
    groups
}

/// Writes every digest due at `now` (at `hour`:00 JST) and says how many.
pub fn send_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    public_url: &str,
    hour: u32,
) -> Result<usize> {
    let mut sent = 0;
    for cadence in Cadence::ALL {
        let (period, due_at) = cadence.due(now, hour);
        let waiting: Vec<Uuid> = n::table
            .filter(n::cadence.eq(cadence.code()))
            .filter(n::digest_id.is_null())
            .filter(n::created_at.lt(due_at))
            .select(n::account_id)
            .distinct()
            .load(conn)?;
        for account in waiting {
            let one = Due {
                account,
                cadence,
                period,
                due_at,
            };
            if conn.transaction(|conn| send_one(conn, &one, public_url))? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

struct Due {
    account: Uuid,
    cadence: Cadence,
    period: NaiveDate,
    due_at: DateTime<Utc>,
}

/// One account's digest for one period, unless another instance sent it or nothing waits.
fn send_one(conn: &mut PgConnection, due: &Due, public_url: &str) -> Result<bool> {
    let id: Option<i64> = diesel::insert_into(d::table)
        .values((
            d::account_id.eq(due.account),
            d::cadence.eq(due.cadence.code()),
            d::period.eq(due.period),
        ))
        .on_conflict_do_nothing()
        .returning(d::id)
        .get_result(conn)
        .optional()?;
    let Some(id) = id else {
        return Ok(false);
    };
    let items: Vec<Item> = diesel::update(
        n::table
            .filter(n::account_id.eq(due.account))
            .filter(n::cadence.eq(due.cadence.code()))
            .filter(n::digest_id.is_null())
            .filter(n::created_at.lt(due.due_at)),
    )
    .set(n::digest_id.eq(id))
    .returning((
        n::summary,
        n::link,
        n::proposal_id,
        n::measure_code,
        n::consultation_id,
        n::created_at,
    ))
    .get_results(conn)?;
    if items.is_empty() {
        // Claimed meanwhile by an instance whose clock is in the next period: no empty digest.
        diesel::delete(d::table.find(id)).execute(conn)?;
        return Ok(false);
    }
    let recipient: Option<(Option<String>, String, String, String)> = a::table
        .find(due.account)
        .filter(a::deleted_at.is_null())
        .select((a::email, a::display_name, a::unsubscribe_token, a::lang))
        .first(conn)
        .optional()?;
    let Some((Some(email), name, token, lang)) = recipient else {
        return Ok(false);
    };
    let lang = Lang::parse(&lang).unwrap_or(Lang::Ja);
    let count = items.len();
    let groups = context_groups(conn, lang, group(items))?;
    super::enqueue(
        conn,
        Message {
            to_address: email,
            to_name: Some(name),
            lang,
            template: "digest",
            context: json!({
                "weekly": due.cadence == Cadence::Weekly,
                "count": count,
                "groups": groups,
                "inbox": format!("{}/account/notifications", public_url.trim_end_matches('/')),
            }),
            category: Category::Notification,
            unsubscribe_url: Some(super::unsubscribe_url(public_url, &token)),
            attachment: None,
        },
    )?;
    Ok(true)
}

#[derive(Serialize)]
struct GroupView {
    proposal: Option<String>,
    measure: Option<String>,
    consultation: Option<String>,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    summary: String,
    link: Option<String>,
    at: String,
}

/// The groups as the template shows them, each headed by its title.
fn context_groups(
    conn: &mut PgConnection,
    lang: Lang,
    groups: Vec<(Subject, Vec<Item>)>,
) -> Result<Vec<GroupView>> {
    let proposals: HashMap<Uuid, String> = p::table
        .filter(p::id.eq_any(groups.iter().filter_map(|(s, _)| match s {
            Subject::Proposal(id) => Some(*id),
            _ => None,
        })))
        .select((p::id, p::title))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect();
    let consultations: HashMap<i32, String> = c::table
        .filter(c::id.eq_any(groups.iter().filter_map(|(s, _)| match s {
            Subject::Consultation(id) => Some(*id),
            _ => None,
        })))
        .select((c::id, c::title))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    let codes: Vec<&str> = groups
        .iter()
        .filter_map(|(s, _)| match s {
            Subject::Measure(code) => Some(code.as_str()),
            _ => None,
        })
        .collect();
    let measures: HashMap<String, String> = m::table
        .filter(m::code.eq_any(codes))
        .select((m::code, m::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(groups
        .into_iter()
        .map(|(subject, items)| {
            let mut view = GroupView {
                proposal: None,
                measure: None,
                consultation: None,
                items: items
                    .into_iter()
                    .map(|i| ItemView {
                        summary: i.summary,
                        link: i.link,
                        at: present::date_time(lang, i.created_at),
                    })
                    .collect(),
            };
            match subject {
                Subject::Proposal(id) => {
                    view.proposal = Some(proposals.get(&id).cloned().unwrap_or_default())
                }
                Subject::Measure(code) => {
                    let title = measures.get(&code).cloned().unwrap_or_default();
                    view.measure = Some(format!("{code} {title}").trim().to_owned())
                }
                Subject::Consultation(id) => {
                    view.consultation = Some(consultations.get(&id).cloned().unwrap_or_default())
                }
                Subject::Other => {}
            }
            view
        })
        .collect())
}

/// Starts the digests of `kyodo serve` on the current actix (tokio) runtime, at `hour`:00 JST;
/// abort the handle to stop it.
pub fn spawn(
    pool: crate::db::Pool,
    clock: crate::clock::Clock,
    public_url: String,
    hour: u32,
) -> tokio::task::JoinHandle<()> {
    super::periodic::spawn(
        "digests",
        INTERVAL,
        pool,
        clock,
        public_url,
        move |conn: &mut PgConnection, now: DateTime<Utc>, url: &str| {
            send_due(conn, now, url, hour)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(p: Option<u128>, m: Option<&str>, c: Option<i32>, minute: u32) -> Item {
        Item {
            summary: format!("at {minute}"),
            link: None,
            proposal_id: p.map(Uuid::from_u128),
            measure_code: m.map(str::to_owned),
            consultation_id: c,
            created_at: format!("2026-12-07T10:{minute:02}:00Z").parse().unwrap(),
        }
    }

    #[test]
    fn items_are_grouped_by_what_they_are_about_oldest_first() {
        let groups = group(vec![
            item(None, None, Some(4), 1),
            item(Some(12), None, None, 5),
            item(None, None, None, 2),
            item(Some(12), None, None, 3),
            item(None, Some("1-2"), None, 4),
            item(Some(3), None, Some(4), 6),
        ]);
        let subjects: Vec<_> = groups.iter().map(|(s, _)| s.clone()).collect();
        assert_eq!(
            subjects,
            [
                Subject::Proposal(Uuid::from_u128(3)),
                Subject::Proposal(Uuid::from_u128(12)),
                Subject::Measure("1-2".into()),
                Subject::Consultation(4),
                Subject::Other
            ]
        );
        let twelve: Vec<_> = groups[1].1.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(twelve, ["at 3", "at 5"]);
        assert!(group(Vec::new()).is_empty());
    }
}
