//! Extractors that refuse bad input with Centric's own error page rather than the
//! library's text (which would show internals): a form body that does not fit the form
//! (an unknown field — no mass assignment — or a missing one) gets 422; an unreadable
//! path or query string (or one holding a NUL character) gets 400.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;

use crate::error::ErrorPage;

fn refuse(status: StatusCode) -> Response {
    ErrorPage::for_status(status).into_response_with(status)
}

/// A form body; repeated fields (a group of checkboxes) read into a `Vec`.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    axum_extra::extract::Form<T>: FromRequest<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // No person types a NUL character and PostgreSQL cannot store one: it is dropped
        // here, once for every form, rather than refusing (or failing on) the rest.
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| refuse(StatusCode::PAYLOAD_TOO_LARGE))?;
        let request = Request::from_parts(parts, axum::body::Body::from(without_nul(&bytes)));
        let axum_extra::extract::Form(value) =
            axum_extra::extract::Form::<T>::from_request(request, state)
                .await
                .map_err(|_| refuse(StatusCode::UNPROCESSABLE_ENTITY))?;
        Ok(Self(value))
    }
}

/// A url-encoded body without NUL characters, encoded (`%00`) or raw. Only `%00` or a raw
/// NUL decodes to NUL; such a body is decoded, cleaned and encoded again, since cutting
/// `%00` out of the bytes can join the pieces around it into a new one (`%0%000`).
fn without_nul(body: &[u8]) -> Vec<u8> {
    if !body.contains(&0) && !body.windows(3).any(|w| w == b"%00") {
        return body.to_vec();
    }
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            url::form_urlencoded::parse(body)
                .map(|(name, value)| (name.replace('\0', ""), value.replace('\0', ""))),
        )
        .finish()
        .into_bytes()
}

pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    axum::extract::Path<T>: FromRequestParts<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|_| refuse(StatusCode::BAD_REQUEST))?;
        Ok(Self(value))
    }
}

pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    axum::extract::Query<T>: FromRequestParts<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // No link Centric makes holds a NUL character, and PostgreSQL cannot compare one.
        if parts.uri.query().is_some_and(|query| query.contains("%00")) {
            return Err(refuse(StatusCode::BAD_REQUEST));
        }
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|_| refuse(StatusCode::BAD_REQUEST))?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nul_characters_are_dropped_from_form_bodies() {
        assert_eq!(
            super::without_nul(b"name=Fin%00ance&x=1%0A"),
            b"name=Finance&x=1%0A"
        );
        assert_eq!(super::without_nul(b"a=\0b"), b"a=b");
        assert_eq!(super::without_nul(b"a=100%25"), b"a=100%25");
        // Decoded: `%`, `0`, NUL, `0` — the text `%00`, which must stay text.
        assert_eq!(super::without_nul(b"a=%0%000&b=%%0000"), b"a=%2500&b=%2500");
    }
}
