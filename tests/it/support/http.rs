//! What the app said besides the page: headers, cookies.

/// The `Set-Cookie` header of `name` in `response`.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// The value of the cookie `name` the response sets.
pub fn cookie_value(response: &reqwest::Response, name: &str) -> String {
    let cookie = set_cookie(response, name);
    cookie[name.len() + 1..]
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
