//! The consultations of `kyodo demo`: one open now, and one closed 60 days ago whose result is
//! published, with opinions from the web, on paper and by fax. Written through `model` and
//! `lifecycle` (each saved, then announced), with "now" set to when each step would have
//! happened.

use super::fields::{Channel, Section};
use super::lifecycle::{self, Change};
use super::model;
use super::model::drafts::NewConsultation;
use super::model::opinions::Opinion;
use super::model::result::NewItem;
use super::period::{day_of, start_of_day, Period};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use uuid::Uuid;

fn setup(message: String) -> Error {
    Error::Setup(format!("demo data (consultations): {message}"))
}

/// A refusal of the demo data, said as a Japanese page would.
fn refusal(refusal: Refusal) -> Error {
    setup(crate::web::i18n::refusal(
        crate::web::i18n::Lang::Ja,
        &refusal,
    ))
}

fn refused(r: model::Refused) -> Error {
    refusal(r.refusal)
}

/// `residents` opine on line; `reviewer` of `department` types in paper and writes the result.
pub fn fill(
    conn: &mut PgConnection,
    admin: Uuid,
    department: i32,
    reviewer: Uuid,
    residents: &[Uuid],
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let today = day_of(now);
    let period = |from: i64, to: i64| {
        Period::new(today + Duration::days(from), today + Duration::days(to)).map_err(refusal)
    };
    // Saved and announced (公示) on the morning of the day before it opens.
    let save = |conn: &mut PgConnection, new: &NewConsultation| -> Result<i32> {
        let at = start_of_day(new.period.opens_on() - Duration::days(1)) + Duration::hours(9);
        let id = model::drafts::create(conn, new, at, admin, None)?.map_err(refused)?;
        let change = Change {
            now: at,
            actor: admin,
            ip: None,
        };
        lifecycle::announce(conn, id, change)?.map_err(refused)?;
        Ok(id)
    };
    let open = save(
        conn,
        &NewConsultation {
            title: "本庄市協働のまちづくり推進指針（案）".into(),
            department_id: department,
            summary: "市民と市が協働してまちづくりを進めるための指針の案です。ご意見をお寄せください。".into(),
            period: period(-10, 24)?,
            short_period_reason: None,
            identity_required: true,
            measures: vec!["6-1".into()],
            sections: vec![
                Section {
                    heading: "第1章 指針の目的".into(),
                    body: "市民、地域団体、事業者と市が対等な立場で協働するための基本的な考え方を示します。".into(),
                },
                Section {
                    heading: "第2章 協働の進め方".into(),
                    body: "市民提案型事業、意見公募、対話集会を通じて、市政への市民参加を広げます。".into(),
                },
            ],
        },
    )?;
    let web = |account: Uuid, body: &str, name: &str, at| Opinion {
        channel: Channel::Web,
        received_at: at,
        section: None,
        body: body.into(),
        account: Some(account),
        organisation_name: None,
        submitter_name: Some(name.into()),
        submitter_address: Some("埼玉県本庄市（デモデータ）".into()),
        submitter_email: None,
        entered_by: None,
    };
    let opinion = web(
        residents[1],
        "対話集会を土日や夜間にも開いてほしいです。",
        "鈴木 一郎",
        now,
    );
    model::opinions::submit(conn, open, &opinion, now, None, public_url)?.map_err(refused)?;

    let closed = save(
        conn,
        &NewConsultation {
            title: "本庄市公共施設の利用料金の見直し（案）".into(),
            department_id: department,
            summary: "公民館などの利用料金の見直し案について、意見を募集しました。".into(),
            period: period(-90, -60)?,
            short_period_reason: None,
            identity_required: true,
            measures: vec!["6-4".into()],
            sections: Vec::new(),
        },
    )?;
    let during = start_of_day(today - Duration::days(80)) + Duration::hours(10);
    let offline = |channel, body: &str, name: &str| Opinion {
        channel,
        received_at: during,
        section: None,
        body: body.into(),
        account: None,
        organisation_name: None,
        submitter_name: Some(name.into()),
        submitter_address: Some("埼玉県本庄市（デモデータ）".into()),
        submitter_email: None,
        entered_by: Some(reviewer),
    };
    let opinions = [
        web(
            residents[0],
            "子育て世帯の利用料金を減免してください。",
            "佐藤 花子",
            during,
        ),
        web(
            residents[2],
            "値上げの前に、利用時間の延長を検討してください。",
            "高橋 美咲",
            during,
        ),
        offline(
            Channel::Paper,
            "高齢者の団体の利用料金は据え置いてほしい。",
            "本庄 太郎",
        ),
        offline(
            Channel::Fax,
            "料金表を公民館の窓口にも掲示してください。",
            "児玉 次郎",
        ),
    ];
    let mut receipts = Vec::new();
    for opinion in &opinions {
        receipts.push(
            model::opinions::submit(conn, closed, opinion, during, None, public_url)?
                .map_err(refused)?,
        );
    }
    let after = start_of_day(today - Duration::days(50)) + Duration::hours(10);
    for (receipts, summary, response, changed, change) in [
        (
            vec![receipts[0].clone(), receipts[2].clone()],
            "子育て世帯や高齢者の団体の利用料金を減免・据え置いてほしい。",
            "子育て世帯と高齢者の団体には、これまでどおり減免を続けます。",
            false,
            None,
        ),
        (
            vec![receipts[1].clone()],
            "利用時間を延長してほしい。",
            "平日の夜間の利用時間を21時から22時に延長します。",
            true,
            Some("第3条に夜間の利用時間を追加"),
        ),
        (
            vec![receipts[3].clone()],
            "料金表を窓口に掲示してほしい。",
            "各公民館の窓口に料金表を掲示します。",
            false,
            None,
        ),
    ] {
        let item = NewItem {
            summary: summary.into(),
            response: response.into(),
            changed,
            change: change.map(str::to_owned),
            receipts,
            draft: false,
        };
        model::result::add_item(conn, closed, &item, after, reviewer, None)?.map_err(refused)?;
    }
    model::result::publish(conn, closed, after, reviewer, None, public_url)?.map_err(refused)?;
    Ok(())
}
