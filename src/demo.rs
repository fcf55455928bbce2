//! `kyodo demo`: fills an EMPTY database with a believable Honjo for looking around — residents,
//! organisations, staff in departments, and proposals in every state with their timelines. Every
//! row is written through the same domain functions as the pages (sign-up and verification,
//! organisations and their verification, proposals and the review actions), so the rules hold.
//! Departments, staff roles and KPI actual values have no domain function outside their admin
//! handlers; for those only, the smallest SQL. Demo data is never for production.

use crate::auth::accounts::{self, Origin, VERIFY_TTL};
use crate::auth::fields::{DisplayName, Email};
use crate::auth::password;
use crate::error::{Error, Result};
use crate::orgs::fields::{Contact, Description, Kind, Name};
use crate::orgs::model::{self as orgs, NewOrganisation};
use crate::proposals::changes::{self, Content, Move, Proposer, Rejected};
use crate::proposals::fields::{Budget, LongText, Measures, Summary, Title};
use crate::proposals::model;
use crate::proposals::review::{self, Op, StaffActor};
use crate::proposals::workflow::Action;
use crate::web::i18n::Lang;
use diesel::prelude::*;
use uuid::Uuid;

/// Fixed demo passwords, printed once; demo data is for looking around only.
pub const ADMIN_EMAIL: &str = "admin@demo.example.org";
pub const ADMIN_PASSWORD: &str = "demo-admin-honjo-2026";
pub const RESIDENT_EMAIL: &str = "sato@demo.example.org";
pub const RESIDENT_PASSWORD: &str = "demo-resident-honjo-2026";

/// Measures the demo's 市民活動推進課 and 企画課 are responsible for.
const CIVIC: [&str; 6] = ["5-1", "5-2", "5-3", "5-4", "5-5", "1-1"];
const PLANNING: [&str; 5] = ["5-6", "6-1", "6-4", "4-2", "4-7"];

const RESIDENTS: [(&str, &str); 8] = [
    ("sato", "佐藤 花子"),
    ("suzuki", "鈴木 一郎"),
    ("takahashi", "高橋 美咲"),
    ("tanaka", "田中 健太"),
    ("watanabe", "渡辺 由美"),
    ("ito", "伊藤 翔"),
    ("yamamoto", "山本 和子"),
    ("nakamura", "中村 大輔"),
];

fn setup(what: &str, message: impl std::fmt::Display) -> Error {
    Error::Setup(format!("demo data ({what}): {message}"))
}

fn rejected(e: Rejected) -> Error {
    match e {
        Rejected::Other(e) => e,
        other => Error::Setup(format!("demo data: {other}")),
    }
}

/// Signs a resident up and confirms the address, as the sign-up page and the emailed link do.
fn resident(
    conn: &mut PgConnection,
    origin: &Origin,
    email: &str,
    name: &str,
    hash: &str,
) -> Result<Uuid> {
    let email = Email::parse(email).map_err(|m| setup("email", m))?;
    let name = DisplayName::parse(name).map_err(|m| setup("name", m))?;
    accounts::sign_up(conn, origin, Lang::Ja, &email, &name, hash)?;
    let (id, _) = accounts::credentials(conn, &email)?
        .ok_or_else(|| Error::Internal("the demo account was not created".into()))?;
    let secret = accounts::issue_token(conn, id, "verify", None, VERIFY_TTL, origin.now)?;
    accounts::verify_email(conn, origin, &secret)?;
    Ok(id)
}

struct Demo<'a> {
    origin: &'a Origin,
}

impl Demo<'_> {
    fn version(&self, conn: &mut PgConnection, id: Uuid, author: Uuid) -> Result<i32> {
        Ok(model::find(conn, id, Some(author))?.0.version)
    }

    fn proposer(
        &self,
        conn: &mut PgConnection,
        id: Uuid,
        author: Uuid,
        action: Action,
        reason: Option<&str>,
    ) -> Result<()> {
        changes::transition(
            conn,
            &Proposer {
                id: author,
                ip: None,
                public_url: &self.origin.public_url,
            },
            id,
            Move {
                action,
                version: None,
                reason,
            },
        )
        .map_err(rejected)?;
        Ok(())
    }

    fn staff(
        &self,
        conn: &mut PgConnection,
        id: Uuid,
        author: Uuid,
        staff: Uuid,
        op: Op,
    ) -> Result<()> {
        let grants = crate::auth::staff::grants_of(conn, staff)?;
        let version = self.version(conn, id, author)?;
        let actor = StaffActor {
            id: staff,
            grants: &grants,
            ip: None,
            public_url: &self.origin.public_url,
        };
        review::act(conn, &actor, id, version, op).map_err(rejected)?;
        Ok(())
    }

    fn step(
        &self,
        conn: &mut PgConnection,
        id: Uuid,
        author: Uuid,
        reviewer: Uuid,
        action: Action,
        reason: Option<&str>,
    ) -> Result<()> {
        self.staff(
            conn,
            id,
            author,
            reviewer,
            Op::Transition {
                action,
                reason: reason.map(str::to_owned),
            },
        )
    }
}

/// One demo proposal: its text, measures, and the path it takes through the workflow.
struct Idea {
    author: usize,
    organisation: Option<usize>,
    title: &'static str,
    summary: &'static str,
    issue: &'static str,
    plan: &'static str,
    budget: &'static str,
    measures: &'static [&'static str],
    path: Path,
}

#[derive(Clone, Copy)]
enum Path {
    Draft,
    Submitted,
    UnderReview,
    RevisionRequested,
    Adopted,
    NotAdopted,
    InProgress,
    Completed,
    Withdrawn,
}

const IDEAS: [Idea; 10] = [
    Idea { author: 0, organisation: Some(1), title: "空き店舗を活用した子ども食堂", summary: "駅北口商店街の空き店舗を借り、月2回、地域の子どもと高齢者が一緒に食事をする子ども食堂を開きます。", issue: "共働き世帯やひとり親世帯が増え、夕食を一人でとる子どもがいます。商店街には空き店舗が目立ちます。", plan: "NPOが運営し、食材は市内の農家と商店から提供を受けます。ボランティアは高校生と自治会から募ります。", budget: "480000", measures: &["5-1", "1-1"], path: Path::Completed },
    Idea { author: 1, organisation: Some(0), title: "自治会合同の夜間防災訓練", summary: "冬の夜に停電を想定した避難訓練を、近隣の三つの自治会が合同で行います。", issue: "昼間の訓練には参加できない働く世代が多く、夜間の避難経路を知らない人がいます。", plan: "小学校を避難所として開設し、懐中電灯での誘導、備蓄食料の試食、安否確認の練習を行います。", budget: "150000", measures: &["5-3"], path: Path::InProgress },
    Idea { author: 2, organisation: None, title: "高校生のまちづくり提案会", summary: "市内の高校生が本庄のまちの課題を調べ、市長と市の職員に提案する発表会を毎年開きます。", issue: "若い世代が市政に意見を伝える機会が少なく、進学とともに市外へ出ていく人が多いです。", plan: "夏休みに調査、秋に発表会。優れた提案は市の担当課が実現を検討します。", budget: "200000", measures: &["6-1", "5-1"], path: Path::Adopted },
    Idea { author: 3, organisation: Some(2), title: "空き家の見回りと草刈りボランティア", summary: "所有者が遠方に住む空き家を、ボランティアが月1回見回り、草刈りと簡単な点検をします。", issue: "管理されない空き家が増え、雑草や不法投棄が近所の困りごとになっています。", plan: "所有者の同意を得て、見回りの記録を写真付きで所有者に送ります。", budget: "90000", measures: &["4-2", "5-1"], path: Path::UnderReview },
    Idea { author: 4, organisation: None, title: "図書館で外国人住民の日本語サロン", summary: "毎週土曜の午後、図書館の一室で外国人住民と市民が日本語で話すサロンを開きます。", issue: "外国人住民が増えましたが、地域の行事や防災情報が届きにくいことがあります。", plan: "市民ボランティアが会話の相手をし、ごみの出し方や防災の情報もやさしい日本語で伝えます。", budget: "60000", measures: &["5-2"], path: Path::RevisionRequested },
    Idea { author: 5, organisation: None, title: "通学路の見守りマップづくり", summary: "保護者と子どもが通学路を歩き、危ない場所を地図にまとめて学校と共有します。", issue: "見通しの悪い交差点や街灯の少ない道があり、保護者が不安を感じています。", plan: "各小学校区で年1回まち歩きを行い、地図を市のホームページでも公開します。", budget: "40000", measures: &["5-4", "5-5"], path: Path::Submitted },
    Idea { author: 6, organisation: None, title: "市役所の窓口に手話通訳タブレット", summary: "市民課の窓口に、遠隔で手話通訳につながるタブレットを置きます。", issue: "聴覚に障害のある人が窓口で手続きをするとき、筆談だけでは時間がかかります。", plan: "市の予算で機器を導入し、通訳は外部の事業者に委託します。", budget: "1200000", measures: &["5-6"], path: Path::NotAdopted },
    Idea { author: 7, organisation: None, title: "商店街でスマホ教室", summary: "商店街の休憩所で、高齢者向けのスマートフォン教室を月1回開きます。", issue: "行政手続きのオンライン化が進む一方で、スマホの使い方に不安のある高齢者がいます。", plan: "大学生ボランティアが講師となり、マイナンバーカードの使い方も扱います。", budget: "30000", measures: &["6-4"], path: Path::Withdrawn },
    Idea { author: 0, organisation: None, title: "公園の花壇を市民で手入れする会", summary: "近所の公園の花壇を、季節ごとに市民が植え替えて手入れします。", issue: "公園の花壇が手入れされず、雑草が伸びています。", plan: "苗と道具は市から借り、植え替えは近所の住民と子どもたちで行います。", budget: "25000", measures: &["4-7"], path: Path::Draft },
    Idea { author: 1, organisation: Some(0), title: "自治会の回覧板をデジタルでも", summary: "紙の回覧板に加えて、希望する世帯にはメールでも回覧を届けます。", issue: "回覧板が回りきるまでに時間がかかり、急ぎの情報が届きません。", plan: "自治会の役員がメールで配信し、紙の回覧も続けます。", budget: "0", measures: &["5-1", "6-4"], path: Path::Submitted },
];

fn content(idea: &Idea, organisation: Option<Uuid>) -> Result<Content> {
    let long =
        |raw: &str, what: &'static str| LongText::parse(raw, what).map_err(|m| setup(what, m));
    let codes: Vec<String> = idea.measures.iter().map(|c| (*c).to_owned()).collect();
    Ok(Content {
        title: Title::parse(idea.title).map_err(|m| setup("title", m))?,
        summary: Summary::parse(idea.summary).map_err(|m| setup("summary", m))?,
        local_issue: long(idea.issue, "label.local_issue")?,
        activity_plan: long(idea.plan, "label.activity_plan")?,
        expected_effect: long(
            "地域のつながりが深まり、同じ課題に取り組む人が増えることを期待しています。",
            "label.expected_effect",
        )?,
        partners: long("自治会、市内の高校、商店会", "label.partners")?,
        period: long("令和8年4月から令和9年3月まで", "label.period")?,
        budget: Budget::parse(idea.budget).map_err(|m| setup("budget", m))?,
        measures: Measures::parse(&codes, "").map_err(|m| setup("measures", m))?,
        organisation,
    })
}

/// Fills the database; refuses when it already holds proposals. One transaction: all or nothing.
pub fn fill(conn: &mut PgConnection, public_url: &str) -> Result<()> {
    use crate::db::schema::proposals;
    let existing: i64 = proposals::table.count().get_result(conn)?;
    if existing > 0 {
        return Err(Error::Setup(format!(
            "このデータベースには既に提案が {existing} 件あります。デモデータは空のデータベースにだけ入れられます。(The database already holds {existing} proposals; `kyodo demo` only fills an empty database. Nothing was changed.)"
        )));
    }
    let origin = Origin {
        public_url: public_url.to_owned(),
        ip: None,
        now: crate::clock::Clock::system().now(),
    };
    conn.transaction(|conn| {
        // Admin (fixed demo password), through the same function as `kyodo create-admin`.
        let admin_email = Email::parse(ADMIN_EMAIL).map_err(|m| setup("email", m))?;
        let admin_name = DisplayName::parse("本庄市 管理者（デモ）").map_err(|m| setup("name", m))?;
        let admin = crate::staff::admin::create_admin(conn, &admin_email, &admin_name, Some(&password::hash(ADMIN_PASSWORD)))?.account;
        let demo = Demo { origin: &origin };

        let resident_hash = password::hash(RESIDENT_PASSWORD);
        let mut people = Vec::new();
        for (login, name) in RESIDENTS {
            people.push(resident(conn, &origin, &format!("{login}@demo.example.org"), name, &resident_hash)?);
        }

        // Departments: demo data, not seeds — the plan names no departments. No domain function
        // exists outside the admin page's handler, so the smallest SQL, for the grants only.
        let mut departments = Vec::new();
        for (name, reviewer) in [("市民活動推進課", ("kikaku-a", "小林 誠（市民活動推進課）")), ("企画課", ("kikaku-b", "加藤 真理（企画課）"))] {
            let id: i32 = diesel::insert_into(crate::db::schema::departments::table)
                .values(crate::db::schema::departments::name.eq(name))
                .returning(crate::db::schema::departments::id)
                .get_result(conn)?;
            let account = resident(conn, &origin, &format!("{}@demo.example.org", reviewer.0), reviewer.1, &resident_hash)?;
            diesel::insert_into(crate::db::schema::staff_roles::table)
                .values((
                    crate::db::schema::staff_roles::account_id.eq(account),
                    crate::db::schema::staff_roles::role.eq(crate::auth::roles::Role::Reviewer.code()),
                    crate::db::schema::staff_roles::department_id.eq(Some(id)),
                ))
                .execute(conn)?;
            departments.push((id, account));
        }
        let (civic, civic_reviewer) = departments[0];
        let (planning, planning_reviewer) = departments[1];
        for code in CIVIC {
            review::set_measure_department(conn, admin, None, code, Some(civic))?;
        }
        for code in PLANNING {
            review::set_measure_department(conn, admin, None, code, Some(planning))?;
        }

        // Organisations, created by a resident and verified by the admin.
        let mut organisations = Vec::new();
        for (founder, name, kind, description) in [
            (1, "本庄駅南自治会", "jichikai", "駅南地区の約400世帯でつくる自治会です。防災訓練と夏祭りを行っています。"),
            (0, "NPO法人 ほんじょう子ども応援ネット", "npo", "子ども食堂と学習支援を市内3か所で行っています。"),
            (3, "本庄まちなかボランティアの会", "volunteer", "空き家の見回り、公園の清掃など、まちなかの手入れをするボランティア団体です。"),
        ] {
            let new = NewOrganisation {
                name: Name::parse(name).map_err(|m| setup("organisation", m))?,
                kind: Kind::parse(kind).map_err(|m| setup("organisation", m))?,
                description: Description::parse(description).map_err(|m| setup("organisation", m))?,
                contact: Contact::parse("本庄市内（デモデータ）").map_err(|m| setup("organisation", m))?,
            };
            let id = orgs::create(conn, people[founder], &new, None)?;
            orgs::verify(conn, admin, id, &origin)?;
            organisations.push(id);
        }

        for idea in &IDEAS {
            let author = people[idea.author];
            let id = changes::create(conn, author, None, &content(idea, idea.organisation.map(|o| organisations[o]))?).map_err(rejected)?;
            // The reviewer of the department responsible for the proposal's first measure.
            let reviewer = if PLANNING.contains(&idea.measures[0]) { planning_reviewer } else { civic_reviewer };
            use Path as P;
            if matches!(idea.path, P::Draft) {
                continue;
            }
            demo.proposer(conn, id, author, Action::Submit, None)?;
            if matches!(idea.path, P::Submitted) {
                continue;
            }
            if matches!(idea.path, P::Withdrawn) {
                demo.proposer(conn, id, author, Action::Withdraw, Some("大学の協力が得られなくなったため、いったん取り下げます。"))?;
                continue;
            }
            demo.staff(conn, id, author, admin, Op::Assign(reviewer))?;
            demo.step(conn, id, author, reviewer, Action::StartReview, None)?;
            if matches!(idea.path, P::UnderReview) {
                demo.staff(conn, id, author, reviewer, Op::Respond("ご提案ありがとうございます。空き家の所有者への連絡方法について、関係課と確認しています。".into()))?;
                continue;
            }
            if matches!(idea.path, P::RevisionRequested | P::Adopted | P::InProgress | P::Completed) {
                demo.step(conn, id, author, reviewer, Action::RequestRevision, Some("会場の確保と運営の体制について、もう少し具体的に書いてください。"))?;
                if matches!(idea.path, P::RevisionRequested) {
                    continue;
                }
                demo.proposer(conn, id, author, Action::Resubmit, Some("会場と運営体制を追記しました。"))?;
            }
            if matches!(idea.path, P::NotAdopted) {
                demo.staff(conn, id, author, reviewer, Op::Note("機器の費用は来年度の予算要求で検討（内部メモ）".into()))?;
                demo.step(conn, id, author, reviewer, Action::Reject, Some("窓口への遠隔手話通訳は、令和8年度から県の事業で導入されるため、市独自の事業としては採択しません。"))?;
                continue;
            }
            demo.step(conn, id, author, reviewer, Action::Adopt, Some("地域の課題に合い、協働の体制も整っているため採択します。市民提案型事業として実施します。"))?;
            if matches!(idea.path, P::Adopted) {
                continue;
            }
            demo.step(conn, id, author, reviewer, Action::StartWork, Some("第1回を実施しました。"))?;
            if matches!(idea.path, P::InProgress) {
                continue;
            }
            demo.step(conn, id, author, reviewer, Action::Complete, Some("1年間で延べ620人が参加し、事業を終えました。"))?;
        }

        // Comments on measures: an organisation's, the city's answer, reports, one hidden.
        crate::comments::demo::fill(conn, public_url, admin, civic_reviewer, &people, organisations[0], origin.now)?;

        // Public-comment consultations of 企画課: one open, one with a published result.
        crate::consultations::demo::fill(conn, admin, planning, planning_reviewer, &people, public_url, origin.now)?;

        // Meetings: three held with minutes (one a 説明会 of the open consultation), one coming
        // up, full, with a waiting list.
        crate::meetings::demo::fill(conn, civic, planning, admin, civic_reviewer, &people, public_url, origin.now)?;

        // Surveys of 企画課: a 広報 readers' survey with its results, and the 令和7年度 市民意識調査
        // recorded as each measure's satisfaction.
        crate::surveys::demo::fill(conn, planning, planning_reviewer, origin.now)?;

        // KPI actual values: like the staff KPI page records them (no domain function outside
        // its handler), matched by measure and name.
        for (measure, kpi, year, value) in [("5-1", "自治会の加入率", 2024, "68.4"), ("5-1", "市民提案型事業数", 2024, "1"), ("5-3", "備蓄食料", 2024, "45000"), ("6-1", "市ホームページへのアクセス数", 2024, "3012345")] {
            diesel::sql_query(
                "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source, note)
                 SELECT id, $3, $4::numeric, '市民活動推進課 調べ', 'デモデータ' FROM kpis
                 WHERE measure_code = $1 AND name = $2
                 ON CONFLICT (kpi_id, fiscal_year) DO NOTHING",
            )
            .bind::<diesel::sql_types::Text, _>(measure)
            .bind::<diesel::sql_types::Text, _>(kpi)
            .bind::<diesel::sql_types::Integer, _>(year)
            .bind::<diesel::sql_types::Text, _>(value)
            .execute(conn)?;
        }
        Ok(())
    })
}

/// The command: fills the database and prints how to sign in.
pub fn run(database_url: &str, public_url: &str) -> Result<()> {
    let mut conn = PgConnection::establish(database_url)?;
    fill(&mut conn, public_url)?;
    println!("デモデータを入れました。見て回るためのもので、本番には使わないでください。(Demo data loaded: for looking around, never for production.)");
    println!("管理者 (admin): {ADMIN_EMAIL} / {ADMIN_PASSWORD}");
    println!("市民 (resident): {RESIDENT_EMAIL} / {RESIDENT_PASSWORD}");
    Ok(())
}
