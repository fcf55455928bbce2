//! The meetings of `kyodo demo`, dated from "now": three held, with attendance and published
//! minutes by topic with the city's response (市民と市長との対話集会 in 児玉, a ワークショップ
//! on 協働のまちづくり for 5-1, a 説明会 on the open consultation's draft), and a small
//! workshop coming up, full, with two people on its waiting list. Registrations go through the
//! registration store; the meetings themselves are written as the staff pages save them (the
//! staff's functions are not on main yet), in the smallest inserts.

use super::registrations::{self, Channel, NewRegistration, Person, Registrant};
use super::rules::Kind;
use crate::consultations::period::{day_of, start_of_day};
use crate::db::schema::{
    consultations, meeting_measures as mm, meeting_minutes as mmin, meetings as m,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

fn setup(message: String) -> Error {
    Error::Setup(format!("demo data (meetings): {message}"))
}

/// One topic of the minutes: the topic, what was said, the city's response.
type Topic = (&'static str, &'static str, &'static str);

/// A meeting as staff would publish it.
struct Demo<'a> {
    kind: Kind,
    title: &'a str,
    description: &'a str,
    department: i32,
    measure: &'a str,
    consultation: Option<i32>,
    /// Days from today, and the hours (JST) it starts and ends.
    day: i64,
    hours: (i64, i64),
    venue: (&'a str, &'a str, &'a str),
    online: bool,
    capacity: Option<i32>,
    sign_language: bool,
    childcare: bool,
    /// Attendance, the minutes' summary and its topics (topic, what was said, the response).
    held: Option<(i32, &'a str, &'a [Topic])>,
}

/// Writes `d` as published three weeks before it starts; its id.
fn write(conn: &mut PgConnection, d: &Demo, creator: Uuid, now: DateTime<Utc>) -> Result<i32> {
    let day = start_of_day(day_of(now) + Duration::days(d.day));
    let (starts, ends) = (
        day + Duration::hours(d.hours.0),
        day + Duration::hours(d.hours.1),
    );
    let published = starts - Duration::days(21);
    let done = ends + Duration::days(2);
    let id: i32 = diesel::insert_into(m::table)
        .values((
            (
                m::kind.eq(d.kind.code()),
                m::title.eq(d.title),
                m::description.eq(d.description),
                m::department_id.eq(d.department),
                m::consultation_id.eq(d.consultation),
                m::starts_at.eq(starts),
                m::ends_at.eq(ends),
            ),
            (
                m::venue_name.eq(d.venue.0),
                m::venue_address.eq(d.venue.1),
                m::access_notes.eq(d.venue.2),
                // Shown only to registrants: the demo's address is not a real meeting room.
                m::online_url.eq(d
                    .online
                    .then_some("https://meet.example.org/honjo-setsumeikai")),
                m::capacity.eq(d.capacity),
                m::sign_language.eq(d.sign_language),
                m::childcare.eq(d.childcare),
                m::wheelchair.eq(true),
            ),
            (
                m::published_at.eq(published),
                m::created_by.eq(creator),
                m::created_at.eq(published),
                m::attendance.eq(d.held.map(|h| h.0)),
                m::attendance_recorded_at.eq(d.held.map(|_| done)),
                m::minutes_summary.eq(d.held.map(|h| h.1)),
                m::minutes_published_at.eq(d.held.map(|_| done)),
            ),
        ))
        .returning(m::id)
        .get_result(conn)?;
    diesel::insert_into(mm::table)
        .values((mm::meeting_id.eq(id), mm::measure_code.eq(d.measure)))
        .execute(conn)?;
    for (n, (topic, said, response)) in d.held.map_or(&[][..], |h| h.2).iter().enumerate() {
        diesel::insert_into(mmin::table)
            .values((
                mmin::meeting_id.eq(id),
                mmin::number.eq(i32::try_from(n + 1).unwrap_or(i32::MAX)),
                mmin::topic.eq(*topic),
                mmin::said.eq(*said),
                mmin::response.eq(Some(*response)),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

const KODAMA: &[Topic] = &[
    (
        "児玉駅周辺のにぎわい",
        "駅前の空き店舗が増え、夕方の人通りが少なくなった。若い人が店を開ける支援がほしい。",
        "空き店舗を活用した開業への補助を、令和9年度から児玉地域にも広げる方向で検討します。",
    ),
    (
        "通院・買い物の足",
        "市内循環バスの本数が少なく、本庄の病院に通うのに一日がかりになる。",
        "利用状況を調べ、地域公共交通会議でダイヤと経路の見直しを協議します。",
    ),
    (
        "子どもの居場所",
        "放課後に子どもが安心して過ごせる場所が地域に少ない。",
        "児玉公民館で放課後の居場所づくりを試行し、地域の皆さんと運営の形を考えます。",
    ),
];

const WORKSHOP: &[Topic] = &[
    (
        "自治会の担い手",
        "役員のなり手がいない。共働きの世代でも参加しやすい仕組みが必要。",
        "回覧板の電子化など、自治会の事務を軽くするモデル事業を検討します。",
    ),
    (
        "団体どうしのつながり",
        "市民活動団体と自治会が互いを知る機会がない。",
        "団体と自治会の交流会を年2回開きます。初回は令和9年2月の予定です。",
    ),
    (
        "市民提案型事業の使いやすさ",
        "申請書類が多く、初めての団体には難しい。",
        "Kyodoで提案を受け付けています。書類を減らし、窓口で書き方の相談にも応じます。",
    ),
];

const BRIEFING: &[Topic] = &[
    (
        "指針の対象",
        "自治会に入っていない個人も、協働の担い手に含まれるのか。",
        "含まれます。個人、地域団体、NPO、事業者のすべてを協働の担い手とします。",
    ),
    (
        "意見の出し方",
        "インターネットを使わない人は、どうやって意見を出せばよいか。",
        "書面、郵送、ファクス、市役所の窓口でも受け付けます。",
    ),
];

/// `civic` (市民活動推進課) and `planning` (企画課) hold them; `staff` of `civic` takes a
/// phone registration; `people` register for the coming workshop.
#[allow(clippy::too_many_arguments)]
pub fn fill(
    conn: &mut PgConnection,
    civic: i32,
    planning: i32,
    admin: Uuid,
    staff: Uuid,
    people: &[Uuid],
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    // The open consultation of `consultations::demo`, for its 説明会.
    let consultation: Option<i32> = consultations::table
        .filter(consultations::title.eq("本庄市協働のまちづくり推進指針（案）"))
        .select(consultations::id)
        .first(conn)
        .optional()?;
    let city_hall = (
        "本庄市役所 4階 401会議室",
        "本庄市本庄3-5-3",
        "本庄駅南口から徒歩約15分。市役所の駐車場をご利用ください。",
    );
    let held = [
        Demo {
            kind: Kind::Dialogue,
            title: "市民と市長との対話集会（児玉地域）",
            description: "児玉地域の皆さんと市長が、地域の将来について直接語り合います。",
            department: planning,
            measure: "6-1",
            consultation: None,
            day: -40,
            hours: (14, 16),
            venue: (
                "児玉総合支所 2階会議室",
                "本庄市児玉町八幡山368",
                "JR八高線 児玉駅から徒歩約10分。駐車場があります。",
            ),
            online: false,
            capacity: Some(60),
            sign_language: true,
            childcare: false,
            held: Some((
                42,
                "児玉地域の42人が参加し、駅周辺のにぎわい、通院や買い物の足、子どもの居場所について市長と意見を交わしました。話題ごとに主な意見と市の考え方をまとめます。",
                KODAMA,
            )),
        },
        Demo {
            kind: Kind::Workshop,
            title: "協働のまちづくりワークショップ",
            description: "自治会、市民活動団体、事業者の皆さんと、協働で地域の課題に取り組む方法を小グループで話し合います。",
            department: civic,
            measure: "5-1",
            consultation: None,
            day: -25,
            hours: (10, 12),
            venue: city_hall,
            online: false,
            capacity: Some(30),
            sign_language: false,
            childcare: true,
            held: Some((
                24,
                "24人が4つのグループに分かれ、自治会の担い手、団体どうしのつながり、市民提案型事業の使いやすさについて話し合いました。",
                WORKSHOP,
            )),
        },
    ];
    for d in &held {
        write(conn, d, admin, now)?;
    }
    if let Some(consultation) = consultation {
        write(
            conn,
            &Demo {
                kind: Kind::Briefing,
                title: "「協働のまちづくり推進指針（案）」市民説明会",
                description: "意見募集中の指針（案）の内容を担当課が説明し、質問にお答えします。会場とオンラインのどちらでも参加できます。",
                department: planning,
                measure: "6-1",
                consultation: Some(consultation),
                day: -5,
                hours: (19, 20),
                venue: city_hall,
                online: true,
                capacity: None,
                sign_language: false,
                childcare: false,
                held: Some((
                    18,
                    "会場12人、オンライン6人が参加しました。指針（案）の対象と意見の出し方について質問がありました。",
                    BRIEFING,
                )),
            },
            admin,
            now,
        )?;
    }
    // Coming up: six seats, eight people asked — two wait for a cancellation.
    let coming = write(
        conn,
        &Demo {
            kind: Kind::Workshop,
            title: "地域の困りごとを話し合う少人数ワークショップ",
            description:
                "身近な困りごとを持ち寄り、市民提案型事業につながるアイデアを一緒に考えます。",
            department: civic,
            measure: "5-1",
            consultation: None,
            day: 12,
            hours: (13, 15),
            venue: city_hall,
            online: false,
            capacity: Some(6),
            sign_language: false,
            childcare: true,
            held: None,
        },
        admin,
        now,
    )?;
    let register = |conn: &mut PgConnection, new: NewRegistration, at: DateTime<Utc>| {
        registrations::register(conn, coming, &new, at, None, public_url)?
            .map(|_| ())
            .map_err(|r| {
                setup(crate::web::i18n::refusal(
                    crate::web::i18n::Lang::Ja,
                    &r.refusal,
                ))
            })
    };
    let staff_entry = Person::parse("山口 幸子", "0495-00-0000", "")
        .map_err(|_| setup("the phoned registration".into()))?;
    register(
        conn,
        NewRegistration {
            registrant: Registrant::Person(staff_entry),
            channel: Channel::Phone,
            needs: Some("車椅子で参加します".into()),
            entered_by: Some(staff),
        },
        now - Duration::days(6),
    )?;
    for (i, person) in people.iter().take(7).enumerate() {
        register(
            conn,
            NewRegistration {
                registrant: Registrant::Account {
                    account: *person,
                    organisation: None,
                },
                channel: Channel::Web,
                needs: None,
                entered_by: None,
            },
            now - Duration::days(5) + Duration::hours(i as i64),
        )?;
    }
    Ok(())
}
