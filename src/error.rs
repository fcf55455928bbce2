//! The one error type. Handlers return it; `web::errors` renders it as an HTML page or as
//! RFC 9457 problem details, depending on where the request went. Users never see internals.

use crate::refusal::{Message, Refusal};
use actix_web::{http::StatusCode, HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A page, record or route that does not exist.
    #[error("not found")]
    NotFound,
    /// Input the user can fix, said in their language at the edge.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// Not allowed (a missing CSRF token, a role the person does not hold); the message is
    /// shown to them in their language.
    #[error("forbidden: {0}")]
    Forbidden(Message),
    /// The page needs a signed-in person; they are sent to sign in and brought back.
    #[error("sign-in required")]
    LoginRequired { next: String },
    /// The address exists, but not for this method (the response carries `Allow`).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A request body over the limit of its form.
    #[error("payload too large")]
    PayloadTooLarge,
    /// A rate limit was reached; the client may retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// The database cannot be reached right now; the client should retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    /// A start-up failure, with a message that tells the operator what to do.
    #[error("{0}")]
    Setup(String),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A 403 that says why.
    pub fn forbidden(refusal: Refusal) -> Error {
        Error::Forbidden(refusal.into())
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Error::Refused(refusal)
    }
}

/// What the error renderer needs to know, kept on the response so that the middleware can
/// turn it into a page or problem details without knowing which handler failed.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    /// The message for the user, `None` for the status's standard message.
    pub detail: Option<Message>,
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Error::Unavailable(e.to_string())
    }
}

impl From<diesel::ConnectionError> for Error {
    fn from(e: diesel::ConnectionError) -> Self {
        Error::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for Error {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Error::Internal(e.to_string())
    }
}

impl Error {
    /// A lost connection surfaces as a query error; it is the database being away, not a bug.
    fn is_connection_loss(&self) -> bool {
        matches!(
            self,
            Error::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection
                    | diesel::result::DatabaseErrorKind::UnableToSendCommand,
                _
            ))
        )
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Refused(_) => StatusCode::BAD_REQUEST,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::LoginRequired { .. } => StatusCode::SEE_OTHER,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            e if e.is_connection_loss() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let detail = match self {
            Error::Forbidden(message) => Some(message.clone()),
            Error::Refused(refusal) => Some(refusal.clone().into()),
            _ => None,
        };
        let mut builder = HttpResponse::build(status);
        match self {
            Error::LoginRequired { next } => {
                let next =
                    percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC);
                builder.insert_header((
                    actix_web::http::header::LOCATION,
                    format!("/login?next={next}"),
                ));
            }
            Error::TooManyRequests { retry_after } => {
                builder.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    retry_after.to_string(),
                ));
            }
            _ => {}
        }
        let mut response = builder.finish();
        response
            .extensions_mut()
            .insert(ErrorInfo { status, detail });
        response
    }
}
