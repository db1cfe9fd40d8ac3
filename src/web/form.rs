//! Form bodies: `axum::Form`, but a body that does not fit the form (an unknown field —
//! no mass assignment — or a missing one) gets Centric's 422 page, not a library message.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::ErrorPage;

pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    axum::Form<T>: FromRequest<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(_) => Err(ErrorPage::for_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response_with(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response()),
        }
    }
}
