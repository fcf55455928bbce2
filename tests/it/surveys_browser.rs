//! Answering a survey in headless Chromium: a resident opens a published survey from the list,
//! answers 「はい」 and sees the question shown on that answer, saves (一時保存), comes back to
//! find the answers there, is told what is missing, sends, and reads the receipt. axe-core and
//! the Nu checker look at the list, the form, its mistakes, the code entry and the receipt.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::people::{department, resident};
use crate::support::surveys::{answer_day, condition, question, survey};
use crate::support::{run, TestApp};
use kyodo::surveys::rules::{Access, QuestionKind};

pub const TESTS: &[(&str, fn())] = &[(
    "surveys_browser::a_resident_answers_saves_comes_back_and_sends",
    a_resident_answers_saves_comes_back_and_sends,
)];

const HANAKO: &str = "hanako@example.jp";
const TITLE: &str = "駅前広場の使い方アンケート";
const WHY: &str = "子どもと遊べる場所がほしいからです。";
const SCALE: [&str; 5] = [
    "そう思う",
    "ややそう思う",
    "どちらともいえない",
    "あまりそう思わない",
    "そう思わない",
];

fn a_resident_answers_saves_comes_back_and_sends() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, "企画課");
        resident(&app, &app.visitor(), HANAKO, "本庄 花子").await;
        let id = survey(&app, dept, TITLE, Access::Account);
        let (uses, yes_no, _) = question(
            &app,
            id,
            1,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let (why, _, _) = question(&app, id, 2, QuestionKind::ShortText, true, &[], &[]);
        condition(&app, why, uses, yes_no[0]);
        let (matrix, columns, rows) = question(
            &app,
            id,
            3,
            QuestionKind::Matrix,
            true,
            &SCALE,
            &["駅前は歩きやすい", "駅前は明るい"],
        );
        question(
            &app,
            id,
            4,
            QuestionKind::Multiple,
            false,
            &["朝", "昼", "夜"],
            &[],
        );
        question(&app, id, 5, QuestionKind::Number, false, &[], &[]);
        question(&app, id, 6, QuestionKind::LongText, false, &[], &[]);
        let coded = survey(&app, dept, "市民意識調査", Access::Code);
        question(&app, coded, 1, QuestionKind::Scale5, true, &SCALE, &[]);

        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        let mut check = |result: Result<(), String>| {
            if let Err(e) = result {
                failures.push(e);
            }
        };
        let hidden = |q: i32| format!("return document.getElementById('question-{q}').hidden;");

        browser.goto(&app.url("/surveys")).await.unwrap();
        browser.wait_for_text("main", TITLE).await.unwrap();
        check(browser.assert_accessible("surveys-list").await);
        browser
            .goto(&app.url(&format!("/surveys/{coded}")))
            .await
            .unwrap();
        check(browser.assert_accessible("survey-code-entry").await);

        sign_in_as(&browser, &app, HANAKO).await;
        browser
            .goto(&app.url(&format!("/surveys/{id}")))
            .await
            .unwrap();
        browser.wait_for_text("main", "一時保存").await.unwrap();
        assert_eq!(browser.eval(&hidden(why)).await.unwrap(), true, "hidden");
        browser
            .click(&format!("#q{uses}-c{}", yes_no[0]))
            .await
            .unwrap();
        assert_eq!(browser.eval(&hidden(why)).await.unwrap(), false, "shown");
        let text = browser.text(&format!("#question-{why}")).await.unwrap();
        assert!(text.contains("（問1で「はい」と答えた方）"), "{text}");
        browser.fill(&format!("#q{why}"), WHY).await.unwrap();
        check(browser.assert_accessible("survey-form").await);
        browser.click("button[value=save]").await.unwrap();
        browser
            .wait_for_text("main", "一時保存しました")
            .await
            .unwrap();

        // Coming back: the answers saved, the conditional question shown.
        browser
            .goto(&app.url(&format!("/surveys/{id}")))
            .await
            .unwrap();
        browser.wait_for_text("main", "一時保存").await.unwrap();
        let value = browser
            .eval(&format!(
                "return document.getElementById('q{why}').value + '|' + \
                 document.getElementById('q{uses}-c{}').checked;",
                yes_no[0]
            ))
            .await
            .unwrap();
        assert_eq!(value, format!("{WHY}|true"));
        assert_eq!(browser.eval(&hidden(why)).await.unwrap(), false);

        // Sent with a matrix row missing: said at the top and beside the matrix.
        browser
            .click(&format!("#q{matrix}-r{}-c{}", rows[0], columns[0]))
            .await
            .unwrap();
        browser.click("button[value=submit]").await.unwrap();
        let errors = browser
            .wait_for_text("main", "回答を確認してください")
            .await
            .unwrap();
        assert!(
            errors.contains("すべての項目に回答してください。"),
            "{errors}"
        );
        check(browser.assert_accessible("survey-errors").await);

        browser
            .click(&format!("#q{matrix}-r{}-c{}", rows[1], columns[1]))
            .await
            .unwrap();
        browser.click("button[value=submit]").await.unwrap();
        let receipt = browser.wait_for_text("main", "受付番号").await.unwrap();
        assert!(receipt.contains("回答を受け付けました"), "{receipt}");
        assert!(receipt.contains("令和8年12月10日"), "{receipt}");
        assert!(receipt.contains("このあとの流れ"), "{receipt}");
        check(browser.assert_accessible("survey-receipt").await);

        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    });
}
