//! Partials (部分テンプレート) rendered in place. Handlebars' own `{{> partial}}` copies the
//! object it is called in (`{{#> layout}}` the whole page) and then copies every value a lookup
//! inside it finds: on the measure page that was 58 % of the instructions (callgrind, see
//! docs/PERFORMANCE.md). These two helpers render the template where it is called, reading the
//! caller's data where it lies.
//!
//! - `{{include "name" [context] key=value …}}`: the template `name`, its `this` the caller's
//!   (or `context`), the hash as values it can look up, `@index` & co. as the caller's;
//! - `{{#layout ["name"]}}…{{/layout}}`: the page inside `layout.hbs` (or the template `name`:
//!   an email's `_layout`), which places it with `{{include "content"}}`.

use handlebars::{
    BlockContext, BlockParamHolder, Context, Handlebars, Helper, HelperDef, HelperResult, Output,
    PathAndJson, RenderContext, RenderError, RenderErrorReason, Renderable, Template,
};

/// The helpers, to register under these names (pages' and emails' registries alike).
pub fn helpers() -> [(&'static str, Box<dyn HelperDef + Send + Sync>); 2] {
    [
        ("include", Box::new(InPlace::Include)),
        ("layout", Box::new(InPlace::Layout)),
    ]
}

/// The name `layout.hbs` gives the page it surrounds.
const CONTENT: &str = "content";

enum InPlace {
    Include,
    Layout,
}

impl HelperDef for InPlace {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let (template, block) = match self {
            InPlace::Include => include(h, r, rc)?,
            InPlace::Layout => layout(h, r, rc)?,
        };
        rc.push_block(block);
        let rendered = template.render(r, ctx, rc, out);
        rc.pop_block();
        rendered
    }
}

/// A template and the block it is rendered in.
type Placed<'rc> = (&'rc Template, BlockContext<'rc>);

/// `{{include "name" [context] key=value …}}`.
fn include<'reg: 'rc, 'rc>(
    h: &Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    rc: &RenderContext<'reg, 'rc>,
) -> Result<Placed<'rc>, RenderError> {
    let name = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("include", 0))?;
    let template = rc
        .get_partial(name)
        .or_else(|| r.get_template(name))
        .ok_or_else(|| RenderErrorReason::PartialNotFound(name.to_owned()))?;
    let mut block = enter(rc, h.param(1));
    for (key, value) in h.hash() {
        block.set_block_param(key, BlockParamHolder::Value(value.value().clone()));
    }
    Ok((template, block))
}

/// `{{#layout ["name"]}}page{{/layout}}`: the layout, the page as its `content`.
fn layout<'reg: 'rc, 'rc>(
    h: &Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    rc: &RenderContext<'reg, 'rc>,
) -> Result<Placed<'rc>, RenderError> {
    let name = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .unwrap_or("layout");
    let template = r
        .get_template(name)
        .ok_or_else(|| RenderErrorReason::PartialNotFound(name.to_owned()))?;
    let mut block = enter(rc, None);
    if let Some(page) = h.template() {
        block.set_local_partial(CONTENT.to_owned(), page);
    }
    Ok((template, block))
}

/// A block whose `this` is the caller's (or `context`'s) and whose `@index`, `@first` … are
/// the caller's. A value found in the page's data is reached by its path: nothing is copied
/// but a value computed in the template itself.
fn enter<'rc>(
    rc: &RenderContext<'_, 'rc>,
    context: Option<&PathAndJson<'rc>>,
) -> BlockContext<'rc> {
    let mut block = BlockContext::new();
    let current = rc.block();
    if let Some(current) = current {
        block
            .local_variables_mut()
            .clone_from(current.local_variables());
    }
    match context {
        Some(param) => match param.context_path() {
            Some(path) => block.base_path_mut().clone_from(path),
            None => block.set_base_value(param.value().clone()),
        },
        None => {
            if let Some(current) = current {
                block.base_path_mut().clone_from(current.base_path());
                if let Some(value) = current.base_value() {
                    block.set_base_value(value.clone());
                }
            }
        }
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry(templates: &[(&str, &str)]) -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.set_prevent_indent(true);
        for (name, helper) in helpers() {
            hb.register_helper(name, helper);
        }
        for (name, source) in templates {
            hb.register_template_string(name, source).unwrap();
        }
        hb
    }

    #[test]
    fn an_include_reads_the_callers_this_its_hash_and_its_index() {
        let hb = registry(&[
            ("item", "{{@index}}:{{name}}/{{label}}/{{@root.site}};"),
            (
                "page",
                r#"{{#each items}}{{include "item" label="L"}}{{/each}}{{#with one}}{{include "item"}}{{/with}}"#,
            ),
        ]);
        let data = json!({"site": "S", "items": [{"name": "a"}, {"name": "b", "label": "own"}], "one": {"name": "c"}});
        assert_eq!(hb.render("page", &data).unwrap(), "0:a/L/S;1:b/L/S;:c//S;");
    }

    #[test]
    fn an_include_takes_a_context_found_or_computed() {
        let hb = registry(&[
            ("name", "{{name}}"),
            (
                "page",
                r#"{{include "name" one}}|{{#each items as |item|}}{{include "name" item}}{{/each}}"#,
            ),
        ]);
        let data = json!({"one": {"name": "c"}, "items": [{"name": "a"}, {"name": "b"}]});
        assert_eq!(hb.render("page", &data).unwrap(), "c|ab");
    }

    #[test]
    fn the_layout_surrounds_the_page_and_reads_the_same_data() {
        let hb = registry(&[
            (
                "layout",
                r#"<title>{{title}}</title>{{include "content"}}<footer>"#,
            ),
            (
                "page",
                "{{#layout}}<h1>{{title}}</h1>{{#with body}}{{text}}{{/with}}{{/layout}}",
            ),
            ("_mail", r#"[{{include "content"}}]"#),
            ("mail", r#"{{#layout "_mail"}}{{title}}{{/layout}}"#),
        ]);
        let data = json!({"title": "T", "body": {"text": "B"}});
        assert_eq!(
            hb.render("page", &data).unwrap(),
            "<title>T</title><h1>T</h1>B<footer>"
        );
        assert_eq!(hb.render("mail", &data).unwrap(), "[T]");
    }

    /// Every template under `dir`, with its path.
    fn templates_in(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                templates_in(&path, found);
            } else if path.extension().is_some_and(|e| e == "hbs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path.display().to_string(), text));
            }
        }
    }

    #[test]
    fn no_template_uses_handlebars_own_partials() {
        let mut found = Vec::new();
        templates_in(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            &mut found,
        );
        assert!(found.len() > 100, "{}", found.len());
        for (path, text) in found {
            assert!(
                !text.contains("{{>") && !text.contains("{{#>") && !text.contains("{{~>"),
                "{path}: use {{{{include \"name\"}}}} or {{{{#layout}}}}"
            );
        }
    }

    #[test]
    fn an_unknown_template_or_no_name_is_an_error() {
        let hb = registry(&[
            ("missing", r#"{{include "nowhere"}}"#),
            ("nameless", "{{include}}"),
            ("bare", "{{#layout}}x{{/layout}}"),
        ]);
        for page in ["missing", "nameless", "bare"] {
            assert!(hb.render(page, &json!({})).is_err(), "{page}");
        }
    }
}
