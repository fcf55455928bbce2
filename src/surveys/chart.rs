//! A question's results as a horizontal bar chart (棒グラフ): one bar per choice, as long as
//! its percentage, with its count and percentage beside it; drawn as an inline SVG by
//! `templates/surveys/_bar_chart.hbs` with the results table after it, both from the same
//! [`Tally`], so chart and table always agree. Pure geometry like the KPI chart
//! (`crate::plan::chart`, whose text measure it shares); coordinates in SVG user units of a
//! drawing [`WIDTH`] wide, rounded to one decimal so the markup is stable.

use super::tally::Tally;
use crate::plan::chart::{text_width, FONT};
use crate::web::i18n::{translate, Lang};
use serde::Serialize;

/// The drawing's width in SVG user units (as the KPI chart's).
pub const WIDTH: f64 = 640.0;
/// Where the labels and bars start, and the room kept on the right.
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
/// A label line's height, a bar's thickness and the gap between one choice and the next.
const LINE: f64 = 20.0;
const BAR: f64 = 22.0;
const GAP: f64 = 14.0;

/// A question's bar chart; `None` from [`bar_chart`] when nobody answered (the table then
/// shows a dash for every percentage).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarChart {
    /// The viewBox: `0 0 width height`.
    pub width: u32,
    pub height: u32,
    /// The x where the bars start, and the axis they start from (its top and bottom).
    pub left: f64,
    pub axis_top: f64,
    pub axis_bottom: f64,
    /// In the order of the choices.
    pub bars: Vec<Bar>,
    /// For the description: `36人`.
    pub answered_display: String,
}

/// A choice: its label (on as many lines as it needs, above the bar), its bar, and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    pub label: Vec<LabelLine>,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub value_x: f64,
    pub value_y: f64,
    /// `12人 (30.6%)`
    pub value: String,
}

/// One line of a choice's label, at its text baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelLine {
    pub y: f64,
    pub text: String,
}

/// What a bar counts: people who answered (人, a survey's results) or records (件, the staff
/// figures); the partial takes `unit="items"` for the table's words to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    People,
    Items,
}

impl Unit {
    /// The keys of a bar's value and of the total.
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Unit::People => ("survey_chart.value", "survey_chart.people"),
            Unit::Items => ("chart_items.value", "chart_items.total"),
        }
    }
}

/// The chart of `tally` with its values in `lang`, in people, or `None` when nobody answered.
pub fn bar_chart(lang: Lang, tally: &Tally) -> Option<BarChart> {
    bar_chart_in(lang, tally, Unit::People)
}

/// The chart of `tally` with its values counted in `unit`, or `None` when the total is 0.
pub fn bar_chart_in(lang: Lang, tally: &Tally, unit: Unit) -> Option<BarChart> {
    let (value_key, total_key) = unit.keys();
    if tally.answered == 0 {
        return None;
    }
    let values: Vec<String> = tally
        .rows
        .iter()
        .map(|row| {
            translate(
                lang,
                value_key,
                &[
                    ("count", row.count.to_string()),
                    ("percent", row.percent_display.clone()),
                ],
            )
        })
        .collect();
    // The longest bar (100 %) leaves room for the widest value after it.
    let widest_value = values.iter().map(|v| text_width(v)).fold(0.0, f64::max);
    let full = WIDTH - LEFT - RIGHT - widest_value - 6.0;
    let mut top = LEFT;
    let bars = tally
        .rows
        .iter()
        .zip(values)
        .map(|(row, value)| {
            let label: Vec<LabelLine> = wrap(&row.label, WIDTH - LEFT - RIGHT)
                .into_iter()
                .enumerate()
                .map(|(i, text)| LabelLine {
                    y: round(top + FONT + LINE * i as f64),
                    text,
                })
                .collect();
            let y = top + LINE * label.len() as f64 + 4.0;
            let tenths = f64::from(row.tenths.unwrap_or(0));
            let width = round(full * tenths.min(1000.0) / 1000.0);
            top = y + BAR + GAP;
            Bar {
                label,
                y: round(y),
                width,
                height: BAR,
                value_x: round(LEFT + width + 6.0),
                value_y: round(y + BAR / 2.0 + 5.0),
                value,
            }
        })
        .collect();
    let height = top - GAP + LEFT;
    Some(BarChart {
        width: WIDTH as u32,
        height: height as u32,
        left: LEFT,
        axis_top: LEFT,
        axis_bottom: round(height - LEFT),
        bars,
        answered_display: translate(lang, total_key, &[("count", tally.answered.to_string())]),
    })
}

/// A label in lines of at most `width` (by [`text_width`]); Japanese has no spaces to break
/// at, so any character may start a new line. An empty label is one empty line.
fn wrap(label: &str, width: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in label.chars() {
        let line = lines.last_mut().expect("there is always a line");
        let mut longer = line.clone();
        longer.push(c);
        if text_width(&longer) > width && !line.is_empty() {
            lines.push(c.to_string());
        } else {
            *line = longer;
        }
    }
    lines
}

/// One decimal.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::tally::{multiple, single};

    fn choices(rows: &[(&str, u64)]) -> Vec<(String, u64)> {
        rows.iter().map(|(l, c)| ((*l).to_owned(), *c)).collect()
    }

    fn satisfaction() -> Tally {
        single(&choices(&[
            ("そう思う", 4),
            ("ややそう思う", 7),
            ("どちらともいえない", 12),
            ("あまりそう思わない", 8),
            ("そう思わない", 5),
        ]))
    }

    /// The chart as the results page draws it, with its table.
    fn render(lang: &str, tally: &Tally, chart: Option<&BarChart>) -> String {
        let hb = crate::web::templates().unwrap();
        hb.render_template(
            r#"{{> surveys/_bar_chart chart=chart tally=tally name=name id="q-1"}}"#,
            &serde_json::json!({
                "lang": lang,
                "chart": chart,
                "tally": tally,
                "name": "<script>alert(1)</script> & 市の施策",
            }),
        )
        .unwrap()
    }

    #[test]
    fn bars_are_as_long_as_their_percentages() {
        let t = satisfaction();
        let c = bar_chart(Lang::Ja, &t).unwrap();
        assert_eq!(c.bars.len(), 5);
        let values: Vec<&str> = c.bars.iter().map(|b| b.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "4人 (11.1%)",
                // 19.44…: the largest remainders after 13.88… take the tenth left over.
                "7人 (19.5%)",
                "12人 (33.3%)",
                "8人 (22.2%)",
                "5人 (13.9%)"
            ]
        );
        assert_eq!(c.answered_display, "36人");
        // 33.3 % is three times 11.1 %, to a tenth of a unit.
        assert!(
            (c.bars[2].width - 3.0 * c.bars[0].width).abs() < 0.3,
            "{c:?}"
        );
        // The values follow their bars, and the widest still fits.
        for b in &c.bars {
            assert_eq!(b.value_x, round(c.left + b.width + 6.0));
            assert!(b.value_x + text_width(&b.value) <= WIDTH);
            assert!(b.label[0].y < b.y && b.y < b.value_y && b.value_y < b.y + b.height);
        }
        // Each choice below the one before, all inside the drawing.
        assert!(c
            .bars
            .windows(2)
            .all(|w| w[0].y + w[0].height < w[1].label[0].y));
        let last = c.bars.last().unwrap();
        assert!(last.y + last.height <= f64::from(c.height));
        assert_eq!(c.axis_bottom, f64::from(c.height) - c.left);
    }

    #[test]
    fn a_hundred_percent_fills_the_room_and_nobody_draws_nothing() {
        let t = single(&choices(&[("はい", 3), ("いいえ", 0)]));
        let c = bar_chart(Lang::Ja, &t).unwrap();
        let widest = text_width("3人 (100.0%)");
        assert_eq!(c.bars[0].width, round(WIDTH - 16.0 - widest - 6.0));
        assert_eq!(c.bars[1].width, 0.0);
        assert_eq!(c.bars[1].value, "0人 (0.0%)");
        // Nobody answered: no chart, the table says so.
        assert_eq!(bar_chart(Lang::Ja, &single(&choices(&[("はい", 0)]))), None);
        assert_eq!(
            bar_chart(Lang::Ja, &multiple(&choices(&[("a", 0)]), 0)),
            None
        );
    }

    #[test]
    fn a_multiple_choice_bar_never_goes_past_the_whole() {
        // More ticks than respondents cannot happen, but would not draw off the chart.
        let t = multiple(&choices(&[("a", 3), ("b", 1)]), 2);
        let c = bar_chart(Lang::Ja, &t).unwrap();
        assert_eq!(c.bars[0].value, "3人 (150.0%)");
        assert!(c.bars[0].value_x + text_width(&c.bars[0].value) <= WIDTH + 0.1);
    }

    #[test]
    fn long_labels_wrap_onto_more_lines() {
        let long = "市の広報紙「広報ほんじょう」や市のホームページ、SNS、回覧板などから、市政の情報を十分に得られていると思う";
        let t = single(&choices(&[(long, 1), ("", 1)]));
        let c = bar_chart(Lang::Ja, &t).unwrap();
        let lines = &c.bars[0].label;
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<String>(),
            long
        );
        assert!(lines.iter().all(|l| text_width(&l.text) <= WIDTH - 16.0));
        assert_eq!(lines[1].y, lines[0].y + LINE);
        assert!(c.bars[0].y > lines[1].y);
        // An empty label keeps its line.
        assert_eq!(c.bars[1].label.len(), 1);
        assert_eq!(wrap("", 100.0), [""]);
        // A character wider than the room still gets a line of its own.
        assert_eq!(wrap("あい", 1.0), ["あ", "い"]);
    }

    #[test]
    fn values_in_english() {
        let t = single(&choices(&[("Yes", 1), ("No", 2)]));
        let c = bar_chart(Lang::En, &t).unwrap();
        assert_eq!(c.bars[0].value, "1 person (33.3%)");
        assert_eq!(c.bars[1].value, "2 people (66.7%)");
        assert_eq!(c.answered_display, "3 people");
    }

    #[test]
    fn items_are_counted_in_ken() {
        let t = single(&choices(&[("受付", 1), ("審査中", 2)]));
        let c = bar_chart_in(Lang::Ja, &t, Unit::Items).unwrap();
        assert_eq!(c.bars[1].value, "2件 (66.7%)");
        assert_eq!(c.answered_display, "3件");
        let c = bar_chart_in(Lang::En, &t, Unit::Items).unwrap();
        assert_eq!(c.bars[0].value, "1 item (33.3%)");
        assert_eq!(c.answered_display, "3 items");
        let hb = crate::web::templates().unwrap();
        let html = hb
            .render_template(
                r#"{{> surveys/_bar_chart chart=chart tally=tally name="状態" id="s" unit="items"}}"#,
                &serde_json::json!({"lang": "ja", "chart": bar_chart_in(Lang::Ja, &t, Unit::Items), "tally": t}),
            )
            .unwrap();
        assert!(html.contains("<th scope=\"col\">件数</th>"), "{html}");
        assert!(html.contains("合計 3件"), "{html}");
        assert!(html.contains(">状態（棒グラフ）</title>"), "{html}");
        assert!(!html.contains("回答"), "{html}");
    }

    #[test]
    fn the_svg_has_a_name_a_summary_and_the_table_after_it() {
        let t = satisfaction();
        let c = bar_chart(Lang::Ja, &t);
        let html = render("ja", &t, c.as_ref());
        assert!(html.contains(r#"role="img" aria-labelledby="q-1-chart-title q-1-chart-desc""#));
        assert!(html.contains("<title id=\"q-1-chart-title\">"));
        assert!(html.contains("回答者 36人"), "{html}");
        // Colours come from kyodo.css: the CSP allows no inline style.
        assert!(!html.contains("style"), "{html}");
        let svg_end = html.find("</svg>").unwrap();
        let table = html.find("<table").unwrap();
        assert!(table > svg_end);
        assert!(
            html[table..].contains("<td class=\"num\">12</td><td class=\"num\">33.3%</td>"),
            "{html}"
        );
        insta::assert_snapshot!("bar_chart_ja", html);
    }

    #[test]
    fn labels_cannot_inject_markup() {
        let t = single(&choices(&[
            ("<script>alert('x')</script>", 1),
            ("A & B \"quoted\"", 1),
        ]));
        let c = bar_chart(Lang::Ja, &t);
        let html = render("ja", &t, c.as_ref());
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("A &amp; B &quot;quoted&quot;"), "{html}");
        assert!(!html.contains(" & "), "{html}");
    }

    #[test]
    fn without_answers_only_the_table_with_dashes() {
        let t = single(&choices(&[("はい", 0), ("いいえ", 0)]));
        let html = render("en", &t, bar_chart(Lang::En, &t).as_ref());
        assert!(!html.contains("<svg"), "{html}");
        assert!(html.contains("<td class=\"num\">—</td>"), "{html}");
        assert!(html.contains("No answers yet"), "{html}");
    }

    /// The colour `property` takes in the first rule for `selector` in kyodo.css, with
    /// `var(--x)` resolved, as RGB.
    fn css_colour(selector: &str, property: &str) -> [u8; 3] {
        let css = include_str!("../../public/css/kyodo.css");
        let rule = &css[css.find(&format!("\n{selector} {{")).unwrap()..];
        let rule = &rule[..rule.find('}').unwrap()];
        let value = rule
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{property}: ")))
            .unwrap()
            .trim_end_matches(';');
        let hex = match value.strip_prefix("var(") {
            Some(var) => {
                let name = format!("{}: ", var.trim_end_matches(')'));
                let at = css.find(&name).unwrap() + name.len();
                &css[at..at + 7]
            }
            None => value,
        };
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        [byte(1), byte(3), byte(5)]
    }

    /// WCAG 2 contrast ratio against white.
    fn contrast_on_white(rgb: [u8; 3]) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
        1.05 / (l + 0.05)
    }

    #[test]
    fn bars_and_text_stand_out_against_white() {
        assert!(contrast_on_white(css_colour(".bar-chart__bar", "fill")) >= 3.0);
        assert!(contrast_on_white(css_colour(".bar-chart__axis", "stroke")) >= 3.0);
        assert!(contrast_on_white(css_colour(".bar-chart__svg text", "fill")) >= 4.5);
        let value = css_colour(".bar-chart__svg .bar-chart__value", "fill");
        assert!(contrast_on_white(value) >= 4.5);
        // The check itself: black 21:1, white 1:1, #767676 4.5:1.
        assert!((contrast_on_white([0, 0, 0]) - 21.0).abs() < 1e-9);
        assert!((contrast_on_white([255, 255, 255]) - 1.0).abs() < 1e-9);
        assert!((contrast_on_white([0x76; 3]) - 4.54).abs() < 0.01);
        assert!(contrast_on_white([1, 1, 1]) > 20.0);
    }
}
