//! A survey's rules as pure functions: its kinds and codes, its state from the window and
//! "now", which questions a respondent sees (conditions), how a submitted form becomes typed
//! answers or says what to fix, what a builder may still change once answers arrived, and the
//! satisfaction percentage. No database here.

use crate::auth::fields::optional_text;
use crate::refusal::Refusal;
use crate::web::forms::ascii_digit;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// A stored code with its i18n label: `as_str` is the database's value, `parse` reads it back
/// (from a form or a row), `label` is the key of its name.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident, $prefix:literal {
        $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the database and sent by forms.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Its name's i18n key.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($prefix, $code)),+
                }
            }

            /// The code `raw` names, or 「選べない値です」.
            pub fn parse(raw: &str) -> Result<$name, Refusal> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == raw.trim())
                    .ok_or_else(|| Refusal::new("msg.survey_value_unknown").with("value", raw))
            }
        }
    };
}

codes! {
    /// A survey's kind (種類).
    SurveyKind, "survey.kind." {
        /// 一般のアンケート.
        General => "general",
        /// 市民意識調査: one 満足度 statement per measure, recorded per 年度.
        Satisfaction => "satisfaction",
    }
}

codes! {
    /// Who may answer (回答方法).
    Access, "survey.access." {
        /// Anyone signed in, once.
        Account => "account",
        /// Anyone, once per browser (a token cookie), rate limited; no account stored.
        Anonymous => "anonymous",
        /// Whoever holds a one-time code printed on a paper invitation (無作為抽出).
        Code => "code",
    }
}

codes! {
    /// A question's kind (設問の形式).
    QuestionKind, "survey.question_kind." {
        /// 単一選択.
        Single => "single",
        /// 複数選択, up to `max_choices`.
        Multiple => "multiple",
        /// 5段階評価: one of five choices.
        Scale5 => "scale5",
        /// 数値 (integer, optional bounds).
        Number => "number",
        /// 短い自由記述 (200 characters).
        ShortText => "short_text",
        /// 長い自由記述 (4000 characters).
        LongText => "long_text",
        /// マトリクス: statements (rows) × the five-point scale (choices).
        Matrix => "matrix",
    }
}

codes! {
    /// How an answer reached the city (回答方法の経路).
    Channel, "survey.channel." {
        Web => "web",
        /// 郵送の調査票.
        Paper => "paper",
        Phone => "phone",
        Counter => "counter",
        Other => "other",
    }
}

codes! {
    /// When results become public (結果の公開).
    ResultsMode, "survey.results_mode." {
        /// As answers arrive, once the survey is open.
        Live => "live",
        /// When staff publish them.
        OnPublish => "on_publish",
    }
}

impl QuestionKind {
    /// The longest text an answer of this kind may have.
    pub fn max_text(self) -> Option<usize> {
        match self {
            QuestionKind::ShortText => Some(200),
            QuestionKind::LongText => Some(4000),
            _ => None,
        }
    }

    /// Whether its answers are choices (so a later question may depend on them, and results
    /// count them).
    pub fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionKind::Single
                | QuestionKind::Multiple
                | QuestionKind::Scale5
                | QuestionKind::Matrix
        )
    }

    /// Whether a later question may be shown on this one's answer: single and multiple choice.
    pub fn may_be_condition(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

/// The five points of the default scale, strongest agreement first (そう思う … そう思わない):
/// i18n keys of the labels a new scale or matrix question starts with.
pub const SCALE5: [&str; 5] = [
    "survey.scale.agree",
    "survey.scale.somewhat_agree",
    "survey.scale.neutral",
    "survey.scale.somewhat_disagree",
    "survey.scale.disagree",
];

/// A survey's state (状態), never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 下書き: unpublished, staff only (and their test answers).
    Draft,
    /// 受付前: published, not yet open.
    Scheduled,
    /// 受付中.
    Open,
    /// 受付終了.
    Closed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Scheduled => "scheduled",
            State::Open => "open",
            State::Closed => "closed",
        }
    }

    /// Its name's i18n key.
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "survey.state.draft",
            State::Scheduled => "survey.state.scheduled",
            State::Open => "survey.state.open",
            State::Closed => "survey.state.closed",
        }
    }

    /// Whether the public may see the survey.
    pub fn is_public(self) -> bool {
        self != State::Draft
    }

    /// Why an answer is refused now, if it is: only an open survey takes answers.
    pub fn refuses_answers(self) -> Option<Refusal> {
        match self {
            State::Open => None,
            State::Draft | State::Scheduled => Some(Refusal::new("msg.survey_not_open")),
            State::Closed => Some(Refusal::new("msg.survey_closed")),
        }
    }
}

/// A survey's publication and answering window, as the rules need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Window {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        match self.published_at {
            Some(at) if at <= now => {}
            _ => return State::Draft,
        }
        if now < self.opens_at {
            State::Scheduled
        } else if now < self.closes_at {
            State::Open
        } else {
            State::Closed
        }
    }
}

impl ResultsMode {
    /// Whether the results are public: live ones once the survey is open, the others once
    /// staff published them.
    pub fn results_public(
        self,
        state: State,
        results_published_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        if results_published_at.is_some_and(|at| at <= now) {
            return true;
        }
        self == ResultsMode::Live && matches!(state, State::Open | State::Closed)
    }
}

/// Show a question only when an earlier one was answered with this choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Condition {
    pub question: i32,
    pub choice: i32,
}

/// A question's shape (設問): what an answer may be. Its wording is not here: two shapes equal
/// mean the same question, whatever its text (see [`Freeze`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    pub id: i32,
    pub kind: QuestionKind,
    pub required: bool,
    pub max_choices: Option<i32>,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub condition: Option<Condition>,
    /// Its choices' ids in order (a scale's five points, a matrix's columns).
    pub choices: Vec<i32>,
    /// A matrix's rows (statements) in order; empty for the other kinds.
    pub rows: Vec<i32>,
}

/// One typed answer (回答) to a question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Choice(i32),
    /// A matrix row's choice.
    Row {
        row: i32,
        choice: i32,
    },
    Number(i32),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Answer {
    pub question: i32,
    pub value: Value,
}

/// What a form sent: per question (and matrix row), the values as typed. Fields are named
/// [`Submitted::field`]; others (the CSRF token, buttons) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submitted {
    values: HashMap<(i32, Option<i32>), Vec<String>>,
}

impl Submitted {
    /// The form field of a question, or of one matrix row: `q12`, `q12-40`.
    pub fn field(question: i32, row: Option<i32>) -> String {
        match row {
            Some(row) => format!("q{question}-{row}"),
            None => format!("q{question}"),
        }
    }

    /// A form's pairs, as `serde_urlencoded` reads them (a checkbox repeats its name).
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Submitted {
        let mut submitted = Submitted::default();
        for (name, value) in pairs {
            if let Some((question, row)) = parse_field(&name) {
                submitted.push(question, row, value);
            }
        }
        submitted
    }

    pub fn push(&mut self, question: i32, row: Option<i32>, value: impl Into<String>) {
        self.values
            .entry((question, row))
            .or_default()
            .push(value.into());
    }

    /// What was typed into a field (to show it again), empty if nothing.
    pub fn values(&self, question: i32, row: Option<i32>) -> &[String] {
        self.values
            .get(&(question, row))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The form of saved answers: what a resumed draft shows.
    pub fn from_answers(answers: &[Answer]) -> Submitted {
        let mut submitted = Submitted::default();
        for a in answers {
            match &a.value {
                Value::Choice(c) => submitted.push(a.question, None, c.to_string()),
                Value::Row { row, choice } => {
                    submitted.push(a.question, Some(*row), choice.to_string())
                }
                Value::Number(n) => submitted.push(a.question, None, n.to_string()),
                Value::Text(t) => submitted.push(a.question, None, t.clone()),
            }
        }
        submitted
    }
}

fn parse_field(name: &str) -> Option<(i32, Option<i32>)> {
    let rest = name.strip_prefix('q')?;
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match rest.split_once('-') {
        Some((q, r)) => Some((number(q)?, Some(number(r)?))),
        None => Some((number(rest)?, None)),
    }
}

/// Which questions a respondent sees, given their answers: those without a condition, and
/// those whose condition's question is seen and was answered with its choice. `questions` are
/// in order, so a condition (always on an earlier question) is decided before it is needed.
pub fn visible(questions: &[Question], answers: &[Answer]) -> HashSet<i32> {
    let chosen: HashSet<(i32, i32)> = answers
        .iter()
        .filter_map(|a| match a.value {
            Value::Choice(c) => Some((a.question, c)),
            _ => None,
        })
        .collect();
    let mut seen = HashSet::new();
    for q in questions {
        let shown = match q.condition {
            None => true,
            Some(c) => seen.contains(&c.question) && chosen.contains(&(c.question, c.choice)),
        };
        if shown {
            seen.insert(q.id);
        }
    }
    seen
}

/// Whether a question may be shown on `condition`: an earlier single or multiple choice
/// question, and one of its choices.
pub fn condition_fits(questions: &[Question], at: usize, condition: Condition) -> bool {
    questions[..at.min(questions.len())].iter().any(|q| {
        q.id == condition.question
            && q.kind.may_be_condition()
            && q.choices.contains(&condition.choice)
    })
}

/// Whether the answers are sent or only kept to resume later (途中保存): a draft is not yet
/// asked for its required questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Draft,
    Final,
}

/// A form read against the questions: the answers to keep and, per question, what to fix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub answers: Vec<Answer>,
    pub errors: Vec<(i32, Refusal)>,
}

impl Checked {
    /// The answers, if there is nothing to fix.
    pub fn into_answers(self) -> Result<Vec<Answer>, Vec<(i32, Refusal)>> {
        if self.errors.is_empty() {
            Ok(self.answers)
        } else {
            Err(self.errors)
        }
    }
}

/// Reads `form` against `questions` (in order): the typed answers of the questions shown and,
/// per question, why its value is refused. Answers to questions not shown are dropped; a
/// required question not shown is not required.
pub fn check(questions: &[Question], form: &Submitted, completeness: Completeness) -> Checked {
    let mut parsed: Vec<(i32, Result<Vec<Answer>, Refusal>)> = Vec::new();
    for q in questions {
        parsed.push((q.id, read(q, form)));
    }
    let typed: Vec<Answer> = parsed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .cloned()
        .collect();
    let shown = visible(questions, &typed);
    let mut checked = Checked::default();
    for (q, (id, result)) in questions.iter().zip(parsed) {
        if !shown.contains(&id) {
            continue;
        }
        match result {
            Err(refusal) => checked.errors.push((id, refusal)),
            Ok(answers) => {
                if completeness == Completeness::Final && q.required {
                    if let Some(refusal) = missing(q, &answers) {
                        checked.errors.push((id, refusal));
                        continue;
                    }
                }
                checked.answers.extend(answers);
            }
        }
    }
    checked
}

/// Why a required question's answers are not enough, if they are not.
fn missing(q: &Question, answers: &[Answer]) -> Option<Refusal> {
    if q.kind == QuestionKind::Matrix {
        (answers.len() < q.rows.len()).then(|| Refusal::new("msg.survey_matrix_rows"))
    } else {
        answers
            .is_empty()
            .then(|| Refusal::new("msg.survey_required"))
    }
}

/// One question's values, typed.
fn read(q: &Question, form: &Submitted) -> Result<Vec<Answer>, Refusal> {
    let answer = |value| Answer {
        question: q.id,
        value,
    };
    let given: Vec<&str> = form
        .values(q.id, None)
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    match q.kind {
        QuestionKind::Single | QuestionKind::Scale5 => match given.as_slice() {
            [] => Ok(vec![]),
            [one] => Ok(vec![answer(Value::Choice(choice(q, one)?))]),
            _ => Err(Refusal::new("msg.survey_one_choice")),
        },
        QuestionKind::Multiple => {
            let mut chosen: Vec<i32> = Vec::new();
            for raw in given {
                let c = choice(q, raw)?;
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            if let Some(max) = q.max_choices.filter(|max| chosen.len() > *max as usize) {
                return Err(Refusal::new("msg.survey_too_many_choices").with("max", max));
            }
            Ok(chosen
                .into_iter()
                .map(|c| answer(Value::Choice(c)))
                .collect())
        }
        QuestionKind::Number => match given.as_slice() {
            [] => Ok(vec![]),
            [one] => Ok(vec![answer(Value::Number(number(q, one)?))]),
            _ => Err(Refusal::new("msg.survey_not_integer")),
        },
        QuestionKind::ShortText | QuestionKind::LongText => {
            let max = q.kind.max_text().unwrap_or_default();
            let raw = form.values(q.id, None).join("\n");
            let text = optional_text(&raw, "label.survey_answer", max)?;
            Ok(text.map(|t| answer(Value::Text(t))).into_iter().collect())
        }
        QuestionKind::Matrix => {
            let mut answers = Vec::new();
            for row in &q.rows {
                let given: Vec<&str> = form
                    .values(q.id, Some(*row))
                    .iter()
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .collect();
                match given.as_slice() {
                    [] => {}
                    [one] => answers.push(answer(Value::Row {
                        row: *row,
                        choice: choice(q, one)?,
                    })),
                    _ => return Err(Refusal::new("msg.survey_one_choice")),
                }
            }
            Ok(answers)
        }
    }
}

/// A choice of `q` by its id as a form sends it.
fn choice(q: &Question, raw: &str) -> Result<i32, Refusal> {
    raw.parse::<i32>()
        .ok()
        .filter(|c| q.choices.contains(c))
        .ok_or_else(|| Refusal::new("msg.survey_unknown_choice"))
}

/// An integer as typed, full-width digits and minus too, within the question's bounds.
fn number(q: &Question, raw: &str) -> Result<i32, Refusal> {
    let ascii: String = raw
        .chars()
        .map(|c| match c {
            '－' | '−' => '-',
            c => ascii_digit(c),
        })
        .filter(|c| *c != ',')
        .collect();
    let n: i32 = ascii
        .parse()
        .map_err(|_| Refusal::new("msg.survey_not_integer"))?;
    match (q.min_value, q.max_value) {
        (Some(min), Some(max)) if n < min || n > max => Err(Refusal::new("msg.survey_between")
            .with("min", min)
            .with("max", max)),
        (Some(min), None) if n < min => Err(Refusal::new("msg.survey_at_least").with("min", min)),
        (None, Some(max)) if n > max => Err(Refusal::new("msg.survey_at_most").with("max", max)),
        _ => Ok(n),
    }
}

/// What a builder may still change (変更の制限). Once a real (non-test) answer is submitted,
/// only wording may: question text, help and choice labels, with a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freeze {
    /// No answers yet: anything may change.
    Open,
    /// Answers arrived: only wording.
    WordingOnly,
}

impl Freeze {
    /// The freeze of a survey with this many submitted non-test answers.
    pub fn of(submitted: i64) -> Freeze {
        if submitted > 0 {
            Freeze::WordingOnly
        } else {
            Freeze::Open
        }
    }

    /// Whether an edit from `before` to `after` (all questions' shapes, in order) is allowed:
    /// under `WordingOnly` the shapes must stay the same (a wording change leaves them equal).
    pub fn allows(self, before: &[Question], after: &[Question]) -> Result<(), Refusal> {
        if self == Freeze::WordingOnly && before != after {
            Err(Refusal::new("msg.survey_frozen"))
        } else {
            Ok(())
        }
    }
}

/// `part` of `whole` in percent with one decimal (rounded half up); `None` when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part * 2000 + whole) / (2 * whole)) as f64 / 10.0)
}

/// The satisfaction (満足度) of a five-point statement: those who answered そう思う or ややそう思う
/// out of those who answered it. `counts` are per point, strongest agreement first.
pub fn satisfaction(counts: [i64; 5]) -> Option<f64> {
    percent(counts[0] + counts[1], counts.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn q(id: i32, kind: QuestionKind) -> Question {
        Question {
            id,
            kind,
            required: false,
            max_choices: None,
            min_value: None,
            max_value: None,
            condition: None,
            choices: if kind.has_choices() {
                (id * 10 + 1..=id * 10 + 5).collect()
            } else {
                vec![]
            },
            rows: if kind == QuestionKind::Matrix {
                vec![id * 10 + 8, id * 10 + 9]
            } else {
                vec![]
            },
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Submitted {
        Submitted::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn errors(questions: &[Question], pairs: &[(&str, &str)]) -> Vec<(i32, &'static str)> {
        check(questions, &form(pairs), Completeness::Final)
            .errors
            .iter()
            .map(|(id, r)| (*id, r.key()))
            .collect()
    }

    #[test]
    fn codes_parse_back_and_have_labels() {
        fn round<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, Refusal>,
            label: fn(T) -> &'static str,
        ) {
            for v in all {
                assert_eq!(parse(as_str(*v)).unwrap(), *v);
                crate::web::i18n::assert_keys("", [label(*v)]);
            }
            assert_eq!(parse("nope").unwrap_err().key(), "msg.survey_value_unknown");
        }
        round(
            SurveyKind::ALL,
            SurveyKind::as_str,
            SurveyKind::parse,
            SurveyKind::label,
        );
        round(Access::ALL, Access::as_str, Access::parse, Access::label);
        round(
            QuestionKind::ALL,
            QuestionKind::as_str,
            QuestionKind::parse,
            QuestionKind::label,
        );
        round(
            Channel::ALL,
            Channel::as_str,
            Channel::parse,
            Channel::label,
        );
        round(
            ResultsMode::ALL,
            ResultsMode::as_str,
            ResultsMode::parse,
            ResultsMode::label,
        );
        assert_eq!(Access::parse(" code ").unwrap(), Access::Code);
        crate::web::i18n::assert_keys("", SCALE5);
        for s in [State::Draft, State::Scheduled, State::Open, State::Closed] {
            crate::web::i18n::assert_keys("", [s.label()]);
            assert_eq!(s.label(), format!("survey.state.{}", s.as_str()));
        }
    }

    #[test]
    fn kinds_say_what_they_hold() {
        assert_eq!(QuestionKind::ShortText.max_text(), Some(200));
        assert_eq!(QuestionKind::LongText.max_text(), Some(4000));
        assert_eq!(QuestionKind::Number.max_text(), None);
        assert!(QuestionKind::Matrix.has_choices());
        assert!(!QuestionKind::Number.has_choices());
        assert!(QuestionKind::Multiple.may_be_condition());
        assert!(!QuestionKind::Scale5.may_be_condition());
    }

    #[test]
    fn the_state_follows_publication_and_the_window() {
        let w = Window {
            opens_at: at("2026-12-10T00:00:00Z"),
            closes_at: at("2026-12-20T00:00:00Z"),
            published_at: None,
        };
        assert_eq!(w.state(at("2026-12-15T00:00:00Z")), State::Draft);
        let w = Window {
            published_at: Some(at("2026-12-05T00:00:00Z")),
            ..w
        };
        assert_eq!(w.state(at("2026-12-04T00:00:00Z")), State::Draft);
        assert_eq!(w.state(at("2026-12-06T00:00:00Z")), State::Scheduled);
        assert_eq!(w.state(at("2026-12-10T00:00:00Z")), State::Open);
        assert_eq!(w.state(at("2026-12-20T00:00:00Z")), State::Closed);
        assert!(State::Open.is_public() && !State::Draft.is_public());
        assert_eq!(State::Open.refuses_answers(), None);
        assert_eq!(
            State::Scheduled.refuses_answers().unwrap().key(),
            "msg.survey_not_open"
        );
        assert_eq!(
            State::Draft.refuses_answers().unwrap().key(),
            "msg.survey_not_open"
        );
        assert_eq!(
            State::Closed.refuses_answers().unwrap().key(),
            "msg.survey_closed"
        );
    }

    #[test]
    fn results_are_public_live_or_once_published() {
        let now = at("2026-12-15T00:00:00Z");
        assert!(ResultsMode::Live.results_public(State::Open, None, now));
        assert!(ResultsMode::Live.results_public(State::Closed, None, now));
        assert!(!ResultsMode::Live.results_public(State::Scheduled, None, now));
        assert!(!ResultsMode::OnPublish.results_public(State::Closed, None, now));
        assert!(ResultsMode::OnPublish.results_public(State::Closed, Some(now), now));
        assert!(!ResultsMode::OnPublish.results_public(
            State::Closed,
            Some(at("2026-12-16T00:00:00Z")),
            now
        ));
    }

    #[test]
    fn fields_are_named_per_question_and_row() {
        assert_eq!(Submitted::field(3, None), "q3");
        assert_eq!(Submitted::field(3, Some(7)), "q3-7");
        let f = form(&[
            ("q3", "a"),
            ("q3", "b"),
            ("q3-7", "c"),
            ("csrf", "x"),
            ("q", "x"),
            ("qx", "x"),
            ("q3-", "x"),
            ("q3-y", "x"),
            ("q+3", "x"),
        ]);
        assert_eq!(f.values(3, None), ["a", "b"]);
        assert_eq!(f.values(3, Some(7)), ["c"]);
        assert!(f.values(4, None).is_empty());
        assert_eq!(f.values.len(), 2);
    }

    #[test]
    fn saved_answers_fill_the_form_again() {
        let answers = vec![
            Answer {
                question: 1,
                value: Value::Choice(11),
            },
            Answer {
                question: 2,
                value: Value::Row {
                    row: 28,
                    choice: 21,
                },
            },
            Answer {
                question: 3,
                value: Value::Number(-4),
            },
            Answer {
                question: 4,
                value: Value::Text("はい".into()),
            },
        ];
        let f = Submitted::from_answers(&answers);
        assert_eq!(f.values(1, None), ["11"]);
        assert_eq!(f.values(2, Some(28)), ["21"]);
        assert_eq!(f.values(3, None), ["-4"]);
        assert_eq!(f.values(4, None), ["はい"]);
    }

    #[test]
    fn conditional_questions_show_on_their_choice_and_their_answers_are_dropped() {
        let first = q(1, QuestionKind::Single);
        let mut second = q(2, QuestionKind::ShortText);
        second.required = true;
        second.condition = Some(Condition {
            question: 1,
            choice: 11,
        });
        let mut third = q(3, QuestionKind::Number);
        third.condition = Some(Condition {
            question: 2,
            choice: 21,
        });
        let qs = [first, second, third];
        // Choice 12: the second is hidden, so not required and its text dropped.
        let c = check(
            &qs,
            &form(&[("q1", "12"), ("q2", "秘密")]),
            Completeness::Final,
        );
        assert!(c.errors.is_empty());
        assert_eq!(
            c.answers,
            vec![Answer {
                question: 1,
                value: Value::Choice(12)
            }]
        );
        // Choice 11: the second is shown and required.
        assert_eq!(
            errors(&qs, &[("q1", "11")]),
            vec![(2, "msg.survey_required")]
        );
        let c = check(
            &qs,
            &form(&[("q1", "11"), ("q2", "見える")]),
            Completeness::Final,
        );
        assert_eq!(c.answers.len(), 2);
        // A condition on a hidden question hides too.
        let shown = visible(
            &qs,
            &[Answer {
                question: 2,
                value: Value::Choice(21),
            }],
        );
        assert_eq!(shown, HashSet::from([1]));
        assert!(condition_fits(
            &qs,
            1,
            Condition {
                question: 1,
                choice: 11
            }
        ));
        assert!(!condition_fits(
            &qs,
            1,
            Condition {
                question: 1,
                choice: 99
            }
        ));
        assert!(!condition_fits(
            &qs,
            0,
            Condition {
                question: 1,
                choice: 11
            }
        ));
        assert!(!condition_fits(
            &qs,
            3,
            Condition {
                question: 2,
                choice: 21
            }
        ));
        assert!(condition_fits(
            &qs,
            9,
            Condition {
                question: 1,
                choice: 12
            }
        ));
    }

    #[test]
    fn choices_are_checked() {
        let mut single = q(1, QuestionKind::Single);
        single.required = true;
        let mut multiple = q(2, QuestionKind::Multiple);
        multiple.max_choices = Some(2);
        let scale = q(3, QuestionKind::Scale5);
        let qs = [single, multiple, scale];
        assert_eq!(
            errors(&qs, &[("q1", " ")]),
            vec![(1, "msg.survey_required")]
        );
        assert_eq!(
            errors(&qs, &[("q1", "11"), ("q1", "12")]),
            vec![(1, "msg.survey_one_choice")]
        );
        assert_eq!(
            errors(&qs, &[("q1", "99"), ("q3", "abc")]),
            vec![
                (1, "msg.survey_unknown_choice"),
                (3, "msg.survey_unknown_choice")
            ]
        );
        assert_eq!(
            errors(
                &qs,
                &[("q1", "11"), ("q2", "21"), ("q2", "22"), ("q2", "23")]
            ),
            vec![(2, "msg.survey_too_many_choices")]
        );
        assert_eq!(
            errors(&qs, &[("q1", "11"), ("q2", "21"), ("q2", "99")]),
            vec![(2, "msg.survey_unknown_choice")]
        );
        let c = check(
            &qs,
            &form(&[
                ("q1", "11"),
                ("q2", "21"),
                ("q2", "21"),
                ("q2", "22"),
                ("q3", "35"),
            ]),
            Completeness::Final,
        );
        assert_eq!(c.clone().into_answers().unwrap().len(), 4);
        // A draft is not asked for what is required.
        let c = check(&qs, &form(&[]), Completeness::Draft);
        assert!(c.into_answers().unwrap().is_empty());
    }

    #[test]
    fn numbers_are_integers_within_bounds_typed_in_any_width() {
        let mut n = q(1, QuestionKind::Number);
        n.min_value = Some(0);
        n.max_value = Some(120);
        let mut low = q(2, QuestionKind::Number);
        low.min_value = Some(1);
        let mut high = q(3, QuestionKind::Number);
        high.max_value = Some(-1);
        let qs = [n, low, high];
        let c = check(
            &qs,
            &form(&[("q1", "４２"), ("q2", "1,000"), ("q3", "－５")]),
            Completeness::Final,
        );
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(
            c.answers
                .iter()
                .map(|a| a.value.clone())
                .collect::<Vec<_>>(),
            vec![Value::Number(42), Value::Number(1000), Value::Number(-5)]
        );
        assert_eq!(
            errors(&qs, &[("q1", "4.5"), ("q2", "0"), ("q3", "0")]),
            vec![
                (1, "msg.survey_not_integer"),
                (2, "msg.survey_at_least"),
                (3, "msg.survey_at_most")
            ]
        );
        assert_eq!(
            errors(
                &qs,
                &[("q1", "121"), ("q2", "1"), ("q2", "2"), ("q3", "-1")]
            ),
            vec![(1, "msg.survey_between"), (2, "msg.survey_not_integer")]
        );
        assert_eq!(
            errors(&qs, &[("q1", "-1")]),
            vec![(1, "msg.survey_between")]
        );
        assert!(errors(&[q(4, QuestionKind::Number)], &[("q4", "-99999")]).is_empty());
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        let short = q(1, QuestionKind::ShortText);
        let mut long = q(2, QuestionKind::LongText);
        long.required = true;
        let qs = [short, long];
        let c = check(
            &qs,
            &form(&[("q1", "  駅前  "), ("q2", "一行目\n二行目")]),
            Completeness::Final,
        );
        assert_eq!(
            c.answers
                .iter()
                .map(|a| a.value.clone())
                .collect::<Vec<_>>(),
            vec![
                Value::Text("駅前".into()),
                Value::Text("一行目\n二行目".into())
            ]
        );
        let over = "あ".repeat(201);
        assert_eq!(
            errors(&qs, &[("q1", &over), ("q2", "ok")]),
            vec![(1, "msg.too_long")]
        );
        assert!(errors(&qs, &[("q2", &"あ".repeat(4000))]).is_empty());
        assert_eq!(
            errors(&qs, &[("q2", "\u{7}")]),
            vec![(2, "msg.bad_characters")]
        );
        assert_eq!(
            errors(&qs, &[("q2", "   ")]),
            vec![(2, "msg.survey_required")]
        );
    }

    #[test]
    fn a_matrix_takes_one_point_per_row() {
        let mut m = q(1, QuestionKind::Matrix);
        m.required = true;
        let qs = [m];
        let c = check(
            &qs,
            &form(&[("q1-18", "11"), ("q1-19", "15")]),
            Completeness::Final,
        );
        assert_eq!(
            c.into_answers().unwrap(),
            vec![
                Answer {
                    question: 1,
                    value: Value::Row {
                        row: 18,
                        choice: 11
                    }
                },
                Answer {
                    question: 1,
                    value: Value::Row {
                        row: 19,
                        choice: 15
                    }
                },
            ]
        );
        assert_eq!(
            errors(&qs, &[("q1-18", "11")]),
            vec![(1, "msg.survey_matrix_rows")]
        );
        assert_eq!(
            errors(&qs, &[("q1-18", "11"), ("q1-19", "99")]),
            vec![(1, "msg.survey_unknown_choice")]
        );
        assert_eq!(
            errors(&qs, &[("q1-18", "11"), ("q1-18", "12")]),
            vec![(1, "msg.survey_one_choice")]
        );
        // A row the matrix does not have is ignored.
        let c = check(&qs, &form(&[("q1-77", "11")]), Completeness::Draft);
        assert!(c.into_answers().unwrap().is_empty());
    }

    #[test]
    fn once_answered_only_wording_may_change() {
        let before = vec![q(1, QuestionKind::Single), q(2, QuestionKind::Scale5)];
        assert_eq!(Freeze::of(0), Freeze::Open);
        assert_eq!(Freeze::of(1), Freeze::WordingOnly);
        let mut reordered = before.clone();
        reordered.swap(0, 1);
        assert!(Freeze::Open.allows(&before, &reordered).is_ok());
        assert_eq!(
            Freeze::WordingOnly
                .allows(&before, &reordered)
                .unwrap_err()
                .key(),
            "msg.survey_frozen"
        );
        let mut required = before.clone();
        required[0].required = true;
        assert!(Freeze::WordingOnly.allows(&before, &required).is_err());
        assert!(Freeze::WordingOnly.allows(&before, &before.clone()).is_ok());
    }

    #[test]
    fn satisfaction_is_the_top_two_of_five_over_those_who_answered() {
        assert_eq!(satisfaction([0; 5]), None);
        assert_eq!(satisfaction([10, 20, 30, 20, 20]), Some(30.0));
        // 2 of 3: 66.666… → 66.7; 1 of 3 → 33.3.
        assert_eq!(satisfaction([1, 1, 1, 0, 0]), Some(66.7));
        assert_eq!(satisfaction([0, 1, 0, 2, 0]), Some(33.3));
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(5, 5), Some(100.0));
    }
}
