//! Surveys (アンケート), the staff side over HTTP: the form refuses in Japanese and keeps what
//! was typed, two editors cannot overwrite each other; the builder's questions freeze once a
//! real answer arrived (only wording, with a note); publishing deletes test answers; paper
//! answers keep their channel and who typed them; one-time codes are shown once and work
//! once; free text is shown or hidden; the pages pass axe and the Nu checker.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::consultations::jst;
use crate::support::db::{count, text};
use crate::support::meetings::reviewers;
use crate::support::people::account_id;
use crate::support::surveys::{answer_day, change, field, form, full, question, survey};
use crate::support::{run, visible_text, TestApp, Visitor};
use kyodo::surveys::respond::{self, Respondent, Submit};
use kyodo::surveys::rules::{Access, QuestionKind};

pub const TESTS: &[(&str, fn())] = &[
    (
        "surveys_staff::the_form_is_refused_in_japanese_with_what_was_typed_then_saved",
        the_form_is_refused_in_japanese_with_what_was_typed_then_saved,
    ),
    (
        "surveys_staff::the_builder_freezes_structure_once_answered_but_takes_wording_with_a_note",
        the_builder_freezes_structure_once_answered_but_takes_wording_with_a_note,
    ),
    (
        "surveys_staff::publishing_deletes_the_test_answers",
        publishing_deletes_the_test_answers,
    ),
    (
        "surveys_staff::a_paper_answer_keeps_its_channel_and_who_typed_it",
        a_paper_answer_keeps_its_channel_and_who_typed_it,
    ),
    (
        "surveys_staff::codes_are_shown_once_and_work_once",
        codes_are_shown_once_and_work_once,
    ),
    (
        "surveys_staff::free_text_is_shown_or_hidden",
        free_text_is_shown_or_hidden,
    ),
    (
        "surveys_staff::the_staff_pages_in_a_browser_pass_axe_and_the_nu_checker",
        the_staff_pages_in_a_browser_pass_axe_and_the_nu_checker,
    ),
];

async fn post(
    visitor: &Visitor,
    page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    visitor.submit(page, action, &borrowed).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The version the edit form carries.
async fn version(visitor: &Visitor, id: i32) -> String {
    let html = visitor.page(&format!("/staff/surveys/{id}/edit")).await;
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("the version field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn fields(dept: i32) -> Vec<(&'static str, String)> {
    vec![
        ("title", "市民活動についてのアンケート".into()),
        (
            "description",
            "市民活動への参加についてお聞きします。".into(),
        ),
        ("department", dept.to_string()),
        ("access", "anonymous".into()),
        ("opens_at", "2026-12-01T09:00".into()),
        ("closes_at", "2026-12-25T17:00".into()),
        ("results_mode", "on_publish".into()),
    ]
}

fn the_form_is_refused_in_japanese_with_what_was_typed_then_saved() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        let new = "/staff/surveys/new";
        let bad = post(
            &rev,
            new,
            "/staff/surveys",
            &[
                ("title", "".into()),
                ("description", "市民の声を聞きます".into()),
                ("department", dept.to_string()),
                ("access", "code".into()),
                ("opens_at", "2026-12-25T17:00".into()),
                ("closes_at", "2026-12-01T09:00".into()),
                ("results_mode", "live".into()),
            ],
        )
        .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        let said = visible_text(&html);
        for message in [
            "アンケートの名前を入力してください",
            "受付終了は受付開始より後の日時にしてください",
        ] {
            assert!(said.contains(message), "{message}: {said}");
        }
        assert!(html.contains("value=\"2026-12-25T17:00\""), "{html}");
        assert!(html.contains("市民の声を聞きます</textarea>"));
        assert!(html.contains("id=\"access-code\" name=\"access\" value=\"code\" checked"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM surveys"), 0);

        // Another department's reviewer may not make one for this department.
        assert_eq!(
            post(&other, new, "/staff/surveys", &fields(dept))
                .await
                .status(),
            403
        );
        let saved = post(&rev, new, "/staff/surveys", &fields(dept)).await;
        assert_eq!(saved.status(), 303);
        let page = location(&saved);
        let id: i32 = page.rsplit('/').next().unwrap().parse().unwrap();
        let shown = visible_text(&rev.page(&page).await);
        assert!(
            shown.contains("下書き") && shown.contains("令和8年12月1日 09:00"),
            "{shown}"
        );
        let list = visible_text(&rev.page("/staff/surveys").await);
        assert!(list.contains("市民活動についてのアンケート"), "{list}");
        assert!(!visible_text(&other.page("/staff/surveys").await)
            .contains("市民活動についてのアンケート"));
        assert_eq!(other.get(&page).await.status(), 403);

        // Two editors: the second, with the version both read, is refused and keeps its text.
        let read = version(&rev, id).await;
        let edit = format!("/staff/surveys/{id}/edit");
        let mut first = fields(dept);
        first[0].1 = "一人目の題".into();
        first.push(("version", read.clone()));
        assert_eq!(post(&rev, &edit, &edit, &first).await.status(), 303);
        let mut second = fields(dept);
        second[0].1 = "二人目の題".into();
        second.push(("version", read));
        let refused = post(&rev, &edit, &edit, &second).await;
        assert_eq!(refused.status(), 409);
        let html = refused.text().await.unwrap();
        assert!(visible_text(&html).contains("ほかの職員がこのフォームを開いた後に保存しました"));
        assert!(html.contains("value=\"二人目の題\""));
        assert_eq!(
            text(&app, &format!("SELECT title FROM surveys WHERE id = {id}")),
            "一人目の題"
        );
    });
}

fn the_builder_freezes_structure_once_answered_but_takes_wording_with_a_note() {
    run(async {
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        app.clock.set(answer_day());
        let id = survey(&app, dept, "駅前の調査", Access::Anonymous);
        let page = format!("/staff/surveys/{id}");
        let add = format!("{page}/questions");
        let added = post(
            &rev,
            &page,
            &add,
            &[
                ("kind", "single".into()),
                ("text", "駅前をよく使いますか".into()),
                ("choices", "はい\nいいえ".into()),
                ("required", "on".into()),
            ],
        )
        .await;
        assert_eq!(added.status(), 303);
        let yes = full(&app, id).questions[0].choices[0].id;
        // Refused with what was typed: a scale needs five points.
        let bad = post(
            &rev,
            &page,
            &add,
            &[
                ("kind", "scale5".into()),
                ("text", "満足していますか".into()),
                ("choices", "よい\nわるい".into()),
            ],
        )
        .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        assert!(visible_text(&html).contains("5段階評価の選択肢は5つです"));
        assert!(html.contains("よい\nわるい</textarea>"));
        for fields in [
            vec![
                ("kind", "scale5".into()),
                ("text", "満足していますか".into()),
            ],
            vec![
                ("kind", "long_text".into()),
                ("text", "どこを直すとよいですか".into()),
                ("condition", yes.to_string()),
            ],
            vec![
                ("kind", "matrix".into()),
                ("text", "各施設の満足度".into()),
                ("rows", "駐輪場\nトイレ".into()),
            ],
            vec![
                ("kind", "number".into()),
                ("text", "週に何回".into()),
                ("min_value", "0".into()),
                ("max_value", "14".into()),
            ],
            vec![
                ("kind", "multiple".into()),
                ("text", "使う目的".into()),
                ("choices", "通勤\n買い物\n通院".into()),
                ("max_choices", "2".into()),
            ],
        ] {
            assert_eq!(
                post(&rev, &page, &add, &fields).await.status(),
                303,
                "{fields:?}"
            );
        }
        let built = full(&app, id);
        assert_eq!(built.questions.len(), 6);
        assert_eq!(built.questions[1].choices[0].label, "そう思う");
        assert_eq!(built.questions[2].shape.condition.unwrap().choice, yes);
        assert_eq!(built.questions[3].rows.len(), 2);
        assert_eq!(built.questions[5].shape.max_choices, Some(2));
        // Order and deletion while nobody answered.
        let last = built.questions[5].id();
        let moved = post(
            &rev,
            &page,
            &format!("{page}/questions/{last}/move"),
            &[("direction", "up".into())],
        )
        .await;
        assert_eq!(moved.status(), 303);
        assert_eq!(full(&app, id).questions[4].id(), last);
        let number = built.questions[4].id();
        assert_eq!(
            post(
                &rev,
                &page,
                &format!("{page}/questions/{number}/delete"),
                &[]
            )
            .await
            .status(),
            303
        );
        // A condition may not come before its question.
        let cond = built.questions[2].id();
        let up = post(
            &rev,
            &page,
            &format!("{page}/questions/{cond}/move"),
            &[("direction", "up".into())],
        )
        .await;
        assert_eq!(up.status(), 303);
        let up = post(
            &rev,
            &page,
            &format!("{page}/questions/{cond}/move"),
            &[("direction", "up".into())],
        )
        .await;
        assert_eq!(up.status(), 409);
        assert!(visible_text(&up.text().await.unwrap()).contains("この設問より前の"));

        // A real answer arrives: only wording may change now.
        let first = full(&app, id);
        let q = first.questions[0].id();
        let sent = respond::submit(
            &mut app.db(),
            &first,
            &Respondent::Browser("t1".into()),
            &form(&[field(q, None, yes)]),
            answer_day(),
        )
        .unwrap();
        assert!(matches!(sent, Submit::Done(_)));
        let edit = format!("{page}/questions/{q}");
        let structure = post(
            &rev,
            &edit,
            &edit,
            &[
                ("kind", "single".into()),
                ("text", "駅前をよく使いますか".into()),
                ("choices", "はい\nいいえ\nときどき".into()),
                ("required", "on".into()),
            ],
        )
        .await;
        assert_eq!(structure.status(), 409);
        assert!(visible_text(&structure.text().await.unwrap())
            .contains("回答が届いたため、設問・選択肢・順序は変更できません"));
        let reworded = [
            ("kind", "single".into()),
            ("text", "駅前を週に1回以上使いますか".into()),
            ("choices", "はい、使います\nいいえ".into()),
            ("required", "on".into()),
        ];
        let no_note = post(&rev, &edit, &edit, &reworded).await;
        assert_eq!(no_note.status(), 409);
        assert!(
            visible_text(&no_note.text().await.unwrap()).contains("変更の注記を入力してください")
        );
        let mut noted = reworded.to_vec();
        noted.push((
            "wording_note",
            "12月10日に「よく」を「週に1回以上」に改めました。".into(),
        ));
        assert_eq!(post(&rev, &edit, &edit, &noted).await.status(), 303);
        let after = full(&app, id);
        assert_eq!(after.questions[0].text, "駅前を週に1回以上使いますか");
        assert_eq!(after.questions[0].choices[0].label, "はい、使います");
        assert_eq!(
            after.questions[0].choices[0].id, yes,
            "the answered choice is the same one"
        );
        assert!(after.questions[0]
            .wording_note
            .as_deref()
            .unwrap()
            .contains("週に1回以上"));
        assert!(after.questions[0].wording_changed_at.is_some());
        let delete = post(&rev, &page, &format!("{page}/questions/{q}/delete"), &[]).await;
        assert_eq!(delete.status(), 409);
        let add_more = post(
            &rev,
            &page,
            &add,
            &[("kind", "short_text".into()), ("text", "追加".into())],
        )
        .await;
        assert_eq!(add_more.status(), 409);
        assert_eq!(full(&app, id).questions.len(), 5);
    });
}

fn publishing_deletes_the_test_answers() {
    run(async {
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        app.clock.set(answer_day());
        let id = survey(&app, dept, "公開前の調査", Access::Account);
        change(&app, id, "published_at = NULL");
        let (q, choices, _) = question(
            &app,
            id,
            0,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let page = format!("/staff/surveys/{id}");
        let enter = format!("{page}/enter");
        assert!(visible_text(&rev.page(&enter).await).contains("テスト回答は集計されず"));
        let preview = visible_text(&rev.page(&format!("{page}/preview")).await);
        assert!(
            preview.contains("設問0") && preview.contains("いいえ"),
            "{preview}"
        );
        let q_field = format!("q{q}");
        let sent = rev
            .submit(
                &enter,
                &enter,
                &[(q_field.as_str(), choices[0].to_string().as_str())],
            )
            .await;
        assert_eq!(sent.status(), 303);
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id} AND is_test"
                )
            ),
            1
        );
        assert!(visible_text(&rev.page(&page).await).contains("テスト回答（1件）は削除されます"));
        assert_eq!(
            rev.submit(&page, &format!("{page}/publish"), &[])
                .await
                .status(),
            303
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id}")
            ),
            0
        );
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM surveys WHERE id = {id} AND published_at IS NOT NULL")), 1);
        assert!(visible_text(&rev.page(&page).await).contains("受付中"));
    });
}

fn a_paper_answer_keeps_its_channel_and_who_typed_it() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        app.clock.set(answer_day());
        let id = survey(&app, dept, "郵送の調査", Access::Code);
        let (q, choices, _) = question(
            &app,
            id,
            0,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let (note, _, _) = question(&app, id, 1, QuestionKind::LongText, false, &[], &[]);
        let enter = format!("/staff/surveys/{id}/enter");
        let (qf, nf) = (format!("q{q}"), format!("q{note}"));
        // The required question left out: said, with what was typed kept.
        let refused = rev
            .submit(
                &enter,
                &enter,
                &[("channel", "phone"), (nf.as_str(), "電話で聞き取った意見")],
            )
            .await;
        assert_eq!(refused.status(), 400);
        let html = refused.text().await.unwrap();
        assert!(visible_text(&html).contains("この設問に回答してください"));
        assert!(html.contains("電話で聞き取った意見</textarea>"));
        assert!(html.contains("value=\"phone\" selected"));
        let choice = choices[1].to_string();
        let saved = rev
            .submit(
                &enter,
                &enter,
                &[
                    ("channel", "phone"),
                    (qf.as_str(), choice.as_str()),
                    (nf.as_str(), "電話で聞き取った意見"),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303);
        assert!(visible_text(&rev.page(&location(&saved)).await).contains("で保存しました"));
        let rev_id = account_id(&app, "rev@example.jp");
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id} AND channel = 'phone' AND entered_by = '{rev_id}' AND status = 'submitted' AND NOT is_test AND account_id IS NULL")), 1);
        assert_eq!(model_submitted(&app, id), 1);
        assert_eq!(
            other.post(&enter, &[("channel", "paper")]).await.status(),
            403
        );
    });
}

fn model_submitted(app: &TestApp, id: i32) -> i64 {
    kyodo::surveys::model::submitted(&mut app.db(), id).unwrap()
}

/// The codes a printable page lists.
fn codes_in(html: &str) -> Vec<String> {
    html.split("<span class=\"code\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_owned())
        .collect()
}

fn codes_are_shown_once_and_work_once() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        app.clock.set(answer_day());
        let id = survey(&app, dept, "無作為抽出の調査", Access::Code);
        let (q, choices, _) = question(
            &app,
            id,
            0,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let page = format!("/staff/surveys/{id}");
        let action = format!("{page}/codes");
        let refused = rev
            .submit(&page, &action, &[("count", "0"), ("format", "html")])
            .await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap()).contains("1から5000までの整数"));
        let printed = rev
            .submit(&page, &action, &[("count", "３"), ("format", "html")])
            .await;
        assert_eq!(printed.status(), 200);
        assert_eq!(printed.headers()["cache-control"], "no-store");
        let codes = codes_in(&printed.text().await.unwrap());
        assert_eq!(codes.len(), 3);
        let csv = rev
            .submit(&page, &action, &[("count", "2"), ("format", "csv")])
            .await;
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let bytes = csv.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        assert_eq!(body.lines().count(), 3, "{body}");
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_codes WHERE survey_id = {id}")
            ),
            5
        );
        // Shown once: nowhere on the survey's page afterwards.
        assert!(!rev.page(&page).await.contains(&codes[0]));
        // Each works once.
        let full = full(&app, id);
        let answer = form(&[field(q, None, choices[0])]);
        let who = Respondent::Code(codes[0].clone());
        assert!(matches!(
            respond::submit(&mut app.db(), &full, &who, &answer, answer_day()).unwrap(),
            Submit::Done(_)
        ));
        assert!(respond::submit(&mut app.db(), &full, &who, &answer, answer_day()).is_err());
        assert!(!respond::code_usable(&mut app.db(), id, &codes[0]).unwrap());
        assert!(respond::code_usable(&mut app.db(), id, &codes[1]).unwrap());
        assert_eq!(other.post(&action, &[("count", "1")]).await.status(), 403);
        // Not for a survey answered another way.
        let open = survey(&app, dept, "匿名の調査", Access::Anonymous);
        let page = format!("/staff/surveys/{open}");
        let refused = rev
            .submit(&page, &format!("{page}/codes"), &[("count", "1")])
            .await;
        assert_eq!(refused.status(), 409);
    });
}

fn free_text_is_shown_or_hidden() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        app.clock.set(answer_day());
        let id = survey(&app, dept, "自由記述の調査", Access::Anonymous);
        let (q, _, _) = question(&app, id, 0, QuestionKind::LongText, false, &[], &[]);
        let full = full(&app, id);
        for (token, said) in [("a", "駐輪場を増やしてほしい"), ("b", "特定の個人への中傷")]
        {
            let sent = respond::submit(
                &mut app.db(),
                &full,
                &Respondent::Browser(token.into()),
                &form(&[field(q, None, said)]),
                answer_day(),
            )
            .unwrap();
            assert!(matches!(sent, Submit::Done(_)));
        }
        let page = format!("/staff/surveys/{id}/texts");
        let listed = visible_text(&rev.page(&page).await);
        assert!(
            listed.contains("駐輪場を増やしてほしい") && listed.contains("未確認"),
            "{listed}"
        );
        let answer = |said: &str| {
            text(
                &app,
                &format!("SELECT id::text FROM survey_answers WHERE text = '{said}'"),
            )
        };
        let good = answer("駐輪場を増やしてほしい");
        let bad = answer("特定の個人への中傷");
        assert_eq!(
            rev.submit(
                &page,
                &format!("/staff/surveys/{id}/texts/{good}"),
                &[("state", "shown")]
            )
            .await
            .status(),
            303
        );
        assert_eq!(
            rev.submit(
                &page,
                &format!("/staff/surveys/{id}/texts/{bad}"),
                &[("state", "hidden")]
            )
            .await
            .status(),
            303
        );
        let state = |answer: &str| {
            text(
                &app,
                &format!("SELECT text_state FROM survey_answers WHERE id = {answer}"),
            )
        };
        assert_eq!(state(&good), "shown");
        assert_eq!(state(&bad), "hidden");
        assert_eq!(
            rev.submit(
                &page,
                &format!("/staff/surveys/{id}/texts/{good}"),
                &[("state", "hidden")]
            )
            .await
            .status(),
            303
        );
        assert_eq!(state(&good), "hidden");
        assert_eq!(
            other
                .post(
                    &format!("/staff/surveys/{id}/texts/{good}"),
                    &[("state", "shown")]
                )
                .await
                .status(),
            403
        );
        // An answer of another survey is not this one's.
        let elsewhere = survey(&app, dept, "別の調査", Access::Anonymous);
        let other_page = format!("/staff/surveys/{elsewhere}/texts");
        assert_eq!(
            rev.submit(
                &other_page,
                &format!("/staff/surveys/{elsewhere}/texts/{good}"),
                &[("state", "shown")]
            )
            .await
            .status(),
            404
        );
    });
}

fn the_staff_pages_in_a_browser_pass_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        let (_, _, dept) = reviewers(&app).await;
        app.clock.set(answer_day());
        let id = survey(&app, dept, "駅前の調査", Access::Code);
        let (q, _, _) = question(
            &app,
            id,
            0,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        question(
            &app,
            id,
            1,
            QuestionKind::Matrix,
            false,
            &[
                "そう思う",
                "ややそう思う",
                "どちらともいえない",
                "あまりそう思わない",
                "そう思わない",
            ],
            &["駐輪場", "トイレ"],
        );
        question(&app, id, 2, QuestionKind::LongText, false, &[], &[]);
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        sign_in_as(&browser, &app, "rev@example.jp").await;
        for (path, name, wait) in [
            ("/staff/surveys".to_owned(), "staff-surveys", "駅前の調査"),
            (
                "/staff/surveys/new".to_owned(),
                "staff-survey-new",
                "回答方法",
            ),
            (
                "/staff/surveys/satisfaction/new".to_owned(),
                "staff-survey-satisfaction-new",
                "満足度調査を作成",
            ),
            (
                format!("/staff/surveys/{id}"),
                "staff-survey",
                "設問を追加する",
            ),
            (
                format!("/staff/surveys/{id}/edit"),
                "staff-survey-edit",
                "受付期間",
            ),
            (
                format!("/staff/surveys/{id}/questions/{q}"),
                "staff-survey-question",
                "設問の形式",
            ),
            (
                format!("/staff/surveys/{id}/preview"),
                "staff-survey-preview",
                "駐輪場",
            ),
            (
                format!("/staff/surveys/{id}/enter"),
                "staff-survey-paper",
                "回答の経路",
            ),
            (
                format!("/staff/surveys/{id}/texts"),
                "staff-survey-texts",
                "自由記述",
            ),
        ] {
            browser.goto(&app.url(&path)).await.unwrap();
            browser.wait_for_text("main", wait).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        // Refused forms, as a person sends them.
        browser.goto(&app.url("/staff/surveys/new")).await.unwrap();
        browser
            .click("main form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "アンケートの名前を入力してください")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-survey-refused").await {
            failures.push(e);
        }
        browser
            .goto(&app.url("/staff/surveys/satisfaction/new"))
            .await
            .unwrap();
        browser
            .click("main form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "年度を入力してください")
            .await
            .unwrap();
        if let Err(e) = browser
            .assert_accessible("staff-survey-satisfaction-refused")
            .await
        {
            failures.push(e);
        }
        browser
            .goto(&app.url(&format!("/staff/surveys/{id}/enter")))
            .await
            .unwrap();
        browser
            .click("main form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "この設問に回答してください")
            .await
            .unwrap();
        if let Err(e) = browser
            .assert_accessible("staff-survey-paper-refused")
            .await
        {
            failures.push(e);
        }
        // The codes, printed.
        browser
            .goto(&app.url(&format!("/staff/surveys/{id}")))
            .await
            .unwrap();
        browser.fill("#codes-count", "3").await.unwrap();
        browser.click("main form button[value=html]").await.unwrap();
        browser
            .wait_for_text("main", "二度と表示されません")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-survey-codes").await {
            failures.push(e);
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}
