//! Static assets (stylesheet, icons, vendored scripts), compiled into the binary so a
//! deployed `centric` needs no files beside it. URLs carry a content hash
//! (`?v=ASSET_VERSION`), so a found asset may be cached for a year; a miss may not.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::web::access::{Access, Routes};

#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct Assets;

pub fn routes() -> Routes {
    Routes::default().get("/static/{*path}", Access::Public, asset)
}

async fn asset(Path(path): Path<String>) -> Result<Response, AppError> {
    let file = Assets::get(&path).ok_or(AppError::NotFound)?;
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ),
    ];
    Ok((StatusCode::OK, headers, file.data).into_response())
}
