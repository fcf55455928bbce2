//! What the client used to reach the app: its address, scheme and host. actix's
//! `connection_info()` believes `Forwarded` and `X-Forwarded-*` from anyone, so those headers
//! count only behind a trusted reverse proxy (`KYODO_TRUST_PROXY`); otherwise the connection's
//! own values do. Every use goes through here.

use actix_web::http::header;
use actix_web::HttpRequest;

/// Whether a trusted reverse proxy stands in front (`AppState::trust_proxy`), as app data of
/// its own so that this kernel module needs nothing from the app above it.
#[derive(Debug, Clone, Copy)]
pub struct TrustProxy(pub bool);

fn behind_proxy(req: &HttpRequest) -> bool {
    req.app_data::<TrustProxy>().is_some_and(|t| t.0)
}

/// The client's address: the TCP peer, or behind a trusted proxy the address it forwards.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    if behind_proxy(req) {
        if let Some(forwarded) = req.connection_info().realip_remote_addr() {
            let host = forwarded
                .parse::<std::net::SocketAddr>()
                .map(|a| a.ip().to_string());
            return Some(host.unwrap_or_else(|_| forwarded.to_owned()));
        }
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

/// Whether the client reached the site over HTTPS (`Secure` cookies, HSTS): the proxy says so,
/// or this server itself speaks TLS.
pub fn https(req: &HttpRequest) -> bool {
    if behind_proxy(req) {
        return req.connection_info().scheme() == "https";
    }
    req.app_config().secure()
}

/// The host the client asked for: its `Host` header, or behind a trusted proxy the forwarded one.
pub fn host(req: &HttpRequest) -> String {
    if behind_proxy(req) {
        return req.connection_info().host().to_owned();
    }
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_else(|| req.app_config().host())
        .to_owned()
}
