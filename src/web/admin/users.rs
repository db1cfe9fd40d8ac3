//! `/admin/users`: the people who sign in to Centric. The CX lead creates accounts (with
//! a generated password shown once), edits name, role and department, disables and
//! enables them, and resets passwords.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::domain::{FieldErrors, Role};
use crate::error::{AppError, ErrorPage};
use crate::repo::users::{self, DepartmentOption, UserRecord};
use crate::services::users::{self as service, NewUserForm, SaveError, UserForm};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::Refusal;
use crate::web::admin::listing::{ListQuery, Pager};
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/users", Access::CxLead, list)
        .get("/admin/users/new", Access::CxLead, new_form)
        .post("/admin/users", Access::CxLead, create)
        .get("/admin/users/{id}", Access::CxLead, edit_form)
        .post("/admin/users/{id}", Access::CxLead, update)
        .post("/admin/users/{id}/status", Access::CxLead, set_status)
        .post("/admin/users/{id}/password", Access::CxLead, reset_password)
}

/// The roles a CX lead can give, with what each may do.
pub struct RoleChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub does: &'static str,
}

const ROLES: [RoleChoice; 3] = [
    RoleChoice {
        value: "cx-lead",
        label: "CX lead",
        does: "configures the programme and manages accounts and API tokens",
    },
    RoleChoice {
        value: "department-head",
        label: "Department head",
        does: "reads every scorecard; records KPIs and follows up detractors for their own department",
    },
    RoleChoice {
        value: "executive",
        label: "Executive",
        does: "reads the executive dashboard and every scorecard",
    },
];

#[derive(askama::Template)]
#[template(path = "admin/users/index.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub rows: Vec<UserRecord>,
    pub pager: Pager,
    pub me: Uuid,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let search = query.search();
    let total = users::count(&state.pool, search.as_deref()).await?;
    let pager = Pager::new(("/admin/users", "name or e-mail"), &query, total);
    let rows = users::search(
        &state.pool,
        search.as_deref(),
        pager.limit(),
        pager.offset(),
    )
    .await?;
    render(&UsersPage {
        layout: Layout::for_caller(&caller, uri.path()),
        rows,
        pager,
        me: signed_in(&caller)?,
    })
}

/// The form's fields as typed, for creating and editing alike.
#[derive(Debug, Default)]
pub struct Fields {
    pub name: String,
    pub email: String,
    pub role: String,
    pub department: String,
    pub version: String,
}

impl From<NewUserForm> for Fields {
    fn from(form: NewUserForm) -> Self {
        Self {
            name: form.name,
            email: form.email,
            role: form.role,
            department: form.department,
            version: String::new(),
        }
    }
}

impl From<UserForm> for Fields {
    fn from(form: UserForm) -> Self {
        Self {
            name: form.name,
            email: String::new(),
            role: form.role,
            department: form.department,
            version: form.version,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "admin/users/form.html")]
pub struct UserFormPage {
    pub layout: Layout,
    /// None when creating.
    pub user: Option<UserRecord>,
    pub form: Fields,
    pub errors: FieldErrors,
    pub roles: &'static [RoleChoice],
    pub departments: Vec<DepartmentOption>,
    /// The account is the signed-in CX lead's own.
    pub is_me: bool,
    /// Someone else changed the account meanwhile.
    pub conflict: bool,
    /// Why an action was refused (e.g. disabling the last CX lead).
    pub refusal: Option<String>,
    pub notice: Option<&'static str>,
}

impl UserFormPage {
    fn action(&self) -> String {
        match &self.user {
            Some(user) => format!("/admin/users/{}", user.id),
            None => "/admin/users".to_owned(),
        }
    }
}

fn signed_in(caller: &Caller) -> Result<Uuid, AppError> {
    // Every route here is for a signed-in CX lead; the guard has checked that.
    caller
        .user()
        .map(|user| user.id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an admin page without a user")))
}

async fn form_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    user: Option<UserRecord>,
    form: Fields,
    errors: FieldErrors,
) -> Result<UserFormPage, AppError> {
    let me = signed_in(caller)?;
    let keep = user.as_ref().and_then(|u| u.department_slug.clone());
    Ok(UserFormPage {
        layout: Layout::for_caller(caller, path),
        is_me: user.as_ref().is_some_and(|u| u.id == me),
        user,
        form,
        errors,
        roles: &ROLES,
        departments: users::department_options(&state.pool, keep.as_deref()).await?,
        conflict: false,
        refusal: None,
        notice: None,
    })
}

async fn new_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let form = Fields {
        role: Role::Executive.as_str().to_owned(),
        ..Fields::default()
    };
    let page = form_page(
        &state,
        &caller,
        uri.path(),
        None,
        form,
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

#[derive(askama::Template)]
#[template(path = "admin/users/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub user: UserRecord,
    /// Shown on this page only; never stored in the clear.
    pub password: String,
    /// A new account (rather than a reset).
    pub created: bool,
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let departments = users::department_options(&state.pool, None).await?;
    match service::create(&state.pool, &form, &departments, &caller.actor(ip)).await {
        Ok((id, password)) => {
            let user = user_or_404(&state, &id.to_string()).await?;
            // Answered directly, not redirected: the password is in this response only
            // (and, like every page, it is sent with Cache-Control: no-store).
            let page = PasswordPage {
                layout: Layout::for_caller(&caller, "/admin/users"),
                user,
                password: password.expose().to_owned(),
                created: true,
            };
            Ok(render(&page)?.into_response())
        }
        Err(error) => {
            let refusal = Refusal::try_from(error)?;
            let status = refusal.status();
            let page = form_page(
                &state,
                &caller,
                uri.path(),
                None,
                form.into(),
                refusal.errors,
            )
            .await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

async fn user_or_404(state: &AppState, id: &str) -> Result<UserRecord, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    users::get(&state.pool, id).await?.ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: String,
}

async fn edit_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(query): Query<SavedQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let user = user_or_404(&state, &id).await?;
    let form = UserForm::from_user(&user).into();
    let mut page = form_page(
        &state,
        &caller,
        uri.path(),
        Some(user),
        form,
        FieldErrors::default(),
    )
    .await?;
    page.notice = match query.saved.as_str() {
        "updated" => Some("Changes saved."),
        "disabled" => Some("Account disabled. Every session it had has ended; it cannot sign in."),
        "enabled" => Some(
            "Account enabled. They sign in again with their password; sessions ended earlier stay ended.",
        ),
        _ => None,
    };
    render(&page)
}

async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let user = user_or_404(&state, &id).await?;
    let departments =
        users::department_options(&state.pool, user.department_slug.as_deref()).await?;
    let me = signed_in(&caller)?;
    let outcome = service::update(
        &state.pool,
        user.id,
        &form,
        &departments,
        me,
        &caller.actor(ip),
    )
    .await;
    let refusal = match outcome {
        Ok(()) => {
            let to = format!("/admin/users/{}?saved=updated", user.id);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(error) => Refusal::try_from(error)?,
    };
    // On a conflict, the account as the other person left it is shown above the form.
    let user = if refusal.conflict {
        user_or_404(&state, &id).await?
    } else {
        user
    };
    let mut fields: Fields = form.into();
    if refusal.conflict {
        // The next save goes over what is there now, once the person has seen it.
        fields.version = user.version.to_string();
    }
    let status = refusal.status();
    let mut page = form_page(
        &state,
        &caller,
        uri.path(),
        Some(user),
        fields,
        refusal.errors,
    )
    .await?;
    page.conflict = refusal.conflict;
    Ok((status, render(&page)?).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusForm {
    version: String,
    /// "1" to disable, "0" to enable.
    disable: String,
}

async fn set_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let user = user_or_404(&state, &id).await?;
    let disable = form.disable == "1";
    let me = signed_in(&caller)?;
    let outcome = service::set_disabled(
        &state.pool,
        user.id,
        disable,
        &form.version,
        me,
        &caller.actor(ip),
    )
    .await;
    let refusal = match outcome {
        Ok(()) => {
            let saved = if disable { "disabled" } else { "enabled" };
            let to = format!("/admin/users/{}?saved={saved}", user.id);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(error) => Refusal::try_from(error)?,
    };
    // Shown as it is now, so the person can decide again.
    let user = user_or_404(&state, &id).await?;
    let form = UserForm::from_user(&user).into();
    let status = refusal.status();
    let mut page = form_page(
        &state,
        &caller,
        uri.path(),
        Some(user),
        form,
        FieldErrors::default(),
    )
    .await?;
    page.conflict = refusal.conflict;
    page.refusal = refusal.errors.get(service::STATUS).map(str::to_owned);
    Ok((status, render(&page)?).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetForm {
    /// The button's "1": the form was submitted on purpose.
    confirm: String,
}

async fn reset_password(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let user = user_or_404(&state, &id).await?;
    if form.confirm != "1" {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(ErrorPage::for_status(status).into_response_with(status));
    }
    let password = match service::reset_password(&state.pool, user.id, &caller.actor(ip)).await {
        Ok(password) => password,
        Err(SaveError::Database(error)) => return Err(error.into()),
        Err(_) => return Err(AppError::NotFound),
    };
    let page = PasswordPage {
        layout: Layout::for_caller(&caller, "/admin/users"),
        user,
        password: password.expose().to_owned(),
        created: false,
    };
    Ok(render(&page)?.into_response())
}
