//! Demo comments on measures (for `kyodo demo`), written through the same domain functions as
//! the pages: residents' comments and replies, one as an organisation, the city's answer, open
//! reports, and one comment hidden with its reason.

use super::policy::Category;
use super::{
    moderate, post, report, CommentRefused, Moderation, Moderator, NewComment, Report, Subject,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use uuid::Uuid;

/// `at`: the public address and the time of posting.
fn posted(
    conn: &mut PgConnection,
    at: (&str, DateTime<Utc>),
    code: &str,
    author: Uuid,
    organisation: Option<Uuid>,
    parent: Option<Uuid>,
    body: &str,
) -> Result<Uuid> {
    let (public_url, now) = at;
    let new = NewComment {
        author,
        organisation,
        parent,
        body,
        ip: None,
        now,
    };
    match post(conn, public_url, &Subject::Measure(code.to_owned()), &new) {
        Ok(p) => Ok(p.id),
        Err(CommentRefused::Message(m)) => Err(Error::Setup(format!("demo comment: {m}"))),
        Err(CommentRefused::Other(e)) => Err(e),
    }
}

/// `people` are the demo residents, `organisation` one they act for (founded by `people[1]`),
/// `staff` a reviewer of the department responsible for 5-1, `admin` moderates.
pub fn fill(
    conn: &mut PgConnection,
    public_url: &str,
    admin: Uuid,
    staff: Uuid,
    people: &[Uuid],
    organisation: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let question = posted(
        conn,
        (public_url, now),
        "5-1",
        people[1],
        None,
        None,
        "自治会の加入率を上げるために、転入された方への案内はどうなっていますか。",
    )?;
    posted(
        conn,
        (public_url, now),
        "5-1",
        people[0],
        None,
        Some(question),
        "転入のときに市役所で自治会のチラシをもらえると助かります。",
    )?;
    posted(
        conn,
        (public_url, now),
        "5-1",
        staff,
        None,
        Some(question),
        "ご意見ありがとうございます。令和9年度から、転入手続きの窓口で各自治会の案内をお渡しする予定です。",
    )?;
    posted(
        conn,
        (public_url, now),
        "5-1",
        people[1],
        Some(organisation),
        None,
        "本庄駅南自治会では、夏祭りの準備を手伝ってくださる方を募集しています。詳しくは https://www.city.honjo.lg.jp/ をご覧ください。",
    )?;
    let advert = posted(
        conn,
        (public_url, now),
        "5-1",
        people[5],
        None,
        None,
        "格安で外壁塗装します！今すぐお電話を 0120-000-000",
    )?;
    let heated = posted(
        conn,
        (public_url, now),
        "5-1",
        people[6],
        None,
        None,
        "役所の対応が遅すぎる。担当者は仕事をしていないのではないか。",
    )?;
    posted(
        conn,
        (public_url, now),
        "6-1",
        people[4],
        None,
        None,
        "市のホームページで、イベントの情報を地区ごとに探せるようにしてほしいです。",
    )?;
    for (comment, reporter, category, note) in [
        (advert, people[2], Category::Spam, "宣伝の書き込みです。"),
        (
            heated,
            people[3],
            Category::Offensive,
            "職員個人を中傷しているように読めます。",
        ),
    ] {
        report(
            conn,
            public_url,
            &Report {
                comment,
                reporter,
                category,
                note,
                ip: None,
                now,
            },
        )?;
    }
    let grants = crate::auth::staff::grants_of(conn, admin)?;
    moderate(
        conn,
        &Moderator {
            id: admin,
            grants: &grants,
            ip: None,
            public_url,
            now,
        },
        advert,
        &Moderation::Hide("営利目的の宣伝のため（利用規約第5条）".into()),
    )?;
    Ok(())
}
