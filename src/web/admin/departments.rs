//! `/admin/departments`: departments with their head, how they affect the customer and
//! whom they serve, and the value chain drawn from those links.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::error::AppError;
use crate::repo::departments::{self, DepartmentChoice, EditableDepartment, HeadChoice};
use crate::services::departments::{self as service, DepartmentForm};
use crate::services::editing::picked;
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::{ArchiveForm, Refusal};
use crate::web::caller::{Caller, ClientIp};
use crate::web::charts::value_chain::{self, ValueChain};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/departments", Access::CxLead, list)
        .get("/admin/departments/new", Access::CxLead, new_form)
        .post("/admin/departments", Access::CxLead, create)
        .get("/admin/departments/{id}", Access::CxLead, edit_form)
        .post("/admin/departments/{id}", Access::CxLead, update)
        .post("/admin/departments/{id}/archive", Access::CxLead, archive)
}

#[derive(askama::Template)]
#[template(path = "admin/departments/index.html")]
pub struct DepartmentsPage {
    pub layout: Layout,
    pub departments: Vec<EditableDepartment>,
    pub chain: ValueChain,
    pub search: String,
    pub notice: Option<&'static str>,
}

impl DepartmentsPage {
    /// Names of the departments `d` serves.
    fn serves_names(&self, d: &EditableDepartment) -> String {
        let names: Vec<&str> = self
            .departments
            .iter()
            .filter(|c| d.serves.contains(&c.id) && !c.archived)
            .map(|c| c.name.as_str())
            .collect();
        names.join(", ")
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    saved: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let departments = departments::editable_list(&state.pool, query.q.trim()).await?;
    let chain = value_chain::layout(&departments::value_chain(&state.pool).await?);
    let notice = match query.saved.as_deref() {
        Some("created") => Some("Department created."),
        Some("updated") => Some("Department saved."),
        Some("archived") => {
            Some("Department archived. Its responses, objectives and history are kept.")
        }
        Some("restored") => Some("Department restored."),
        _ => None,
    };
    render(&DepartmentsPage {
        layout: Layout::for_caller(&caller, uri.path()),
        departments,
        chain,
        search: query.q,
        notice,
    })
}

#[derive(askama::Template)]
#[template(path = "admin/departments/form.html")]
pub struct DepartmentFormPage {
    pub layout: Layout,
    /// None when creating.
    pub department: Option<EditableDepartment>,
    pub form: DepartmentForm,
    pub refusal: Refusal,
    pub heads: Vec<HeadChoice>,
    pub others: Vec<DepartmentChoice>,
    pub thing: &'static str,
    pub current_url: String,
}

async fn form_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    department: Option<EditableDepartment>,
    form: DepartmentForm,
    refusal: Refusal,
) -> Result<DepartmentFormPage, AppError> {
    let this = department.as_ref().map(|d| d.id);
    let ticked: Vec<&str> = form.serves.iter().map(String::as_str).collect();
    let others = departments::choices(&state.pool, &picked(&ticked))
        .await?
        .into_iter()
        .filter(|d| Some(d.id) != this)
        .collect();
    let heads = departments::head_choices(&state.pool, &picked(&[&form.head])).await?;
    Ok(DepartmentFormPage {
        layout: Layout::for_caller(caller, path),
        current_url: department
            .as_ref()
            .map_or("/admin/departments".to_owned(), |d| {
                format!("/admin/departments/{}", d.id)
            }),
        department,
        form,
        refusal,
        heads,
        others,
        thing: "department",
    })
}

async fn new_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let form = DepartmentForm {
        kind: "support".into(),
        ..DepartmentForm::default()
    };
    let page = form_page(&state, &caller, uri.path(), None, form, Refusal::default()).await?;
    render(&page)
}

async fn department_or_404(state: &AppState, id: &str) -> Result<EditableDepartment, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    departments::editable(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let department = department_or_404(&state, &id).await?;
    let form = DepartmentForm::from_department(&department);
    let page = form_page(
        &state,
        &caller,
        uri.path(),
        Some(department),
        form,
        Refusal::default(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<DepartmentForm>,
) -> Result<Response, AppError> {
    match service::create(&state.pool, &form, &caller.actor(ip)).await {
        Ok(_) => Ok(Redirect::to("/admin/departments?saved=created").into_response()),
        Err(error) => refused(&state, &caller, uri.path(), None, form, error).await,
    }
}

async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<DepartmentForm>,
) -> Result<Response, AppError> {
    let department = department_or_404(&state, &id).await?;
    match service::update(&state.pool, department.id, &form, &caller.actor(ip)).await {
        Ok(()) => Ok(Redirect::to("/admin/departments?saved=updated").into_response()),
        Err(error) => refused(&state, &caller, uri.path(), Some(department), form, error).await,
    }
}

/// The form again, with the person's input and why it was not saved.
async fn refused(
    state: &AppState,
    caller: &Caller,
    path: &str,
    department: Option<EditableDepartment>,
    mut form: DepartmentForm,
    error: service::SaveError,
) -> Result<Response, AppError> {
    let refusal = Refusal::try_from(error)?;
    let department = match department {
        // On a conflict the next save goes over what is there now.
        Some(d) if refusal.conflict => {
            let current = department_or_404(state, &d.id.to_string()).await?;
            form.version = current.version.to_string();
            Some(current)
        }
        other => other,
    };
    if let Some(d) = &department {
        form.slug = d.slug.clone();
    }
    let status = refusal.status();
    let page = form_page(state, caller, path, department, form, refusal).await?;
    Ok((status, render(&page)?).into_response())
}

async fn archive(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(archive): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let department = department_or_404(&state, &id).await?;
    let archiving = archive.archiving();
    match crate::services::editing::set_archived::<service::Department>(
        &state.pool,
        department.id,
        archiving,
        &archive.version,
        &caller.actor(ip),
    )
    .await
    {
        Ok(()) => {
            let saved = if archiving { "archived" } else { "restored" };
            Ok(Redirect::to(&format!("/admin/departments?saved={saved}")).into_response())
        }
        Err(error) => {
            let form = DepartmentForm::from_department(&department);
            refused(&state, &caller, uri.path(), Some(department), form, error).await
        }
    }
}
