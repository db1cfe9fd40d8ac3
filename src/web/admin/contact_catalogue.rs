//! `/admin/contact-reasons` and `/admin/channels`: the catalogues service contacts refer
//! to. Both lists work alike (list, create, edit, archive/restore); one set of generic
//! handlers serves them, told apart by a [`Kind`].

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::error::{AppError, ErrorPage};
use crate::repo::contact_catalogue::{self as repo, Catalogue, Entry};
use crate::repo::departments::{self, DepartmentChoice};
use crate::services::contact_catalogue::{
    self as service, Catalogued, Channels, EntryForm, Reasons,
};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::{ArchiveForm, Refusal};
use crate::web::admin::listing::{ListQuery, Pager};
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

/// What differs between the two catalogues' pages.
pub struct Kind {
    pub catalogue: Catalogue,
    /// The list's path; the routes below hang off it.
    pub path: &'static str,
    new_route: &'static str,
    edit_route: &'static str,
    archive_route: &'static str,
    /// "Contact reasons", "Channels".
    pub title: &'static str,
    /// "Contact reason", "Channel": one of them, at the start of a sentence.
    pub singular: &'static str,
    /// A slug to show as an example.
    pub example_slug: &'static str,
}

impl Kind {
    pub fn is_reasons(&self) -> bool {
        self.catalogue == Catalogue::Reasons
    }

    pub fn noun(&self) -> &'static str {
        self.catalogue.noun()
    }
}

/// A catalogue with its pages' words and paths.
trait Which: Catalogued {
    const KIND: &'static Kind;
}

impl Which for Reasons {
    const KIND: &'static Kind = &Kind {
        catalogue: Catalogue::Reasons,
        path: "/admin/contact-reasons",
        new_route: "/admin/contact-reasons/new",
        edit_route: "/admin/contact-reasons/{id}",
        archive_route: "/admin/contact-reasons/{id}/archive",
        title: "Contact reasons",
        singular: "Contact reason",
        example_slug: "invoice-query",
    };
}

impl Which for Channels {
    const KIND: &'static Kind = &Kind {
        catalogue: Catalogue::Channels,
        path: "/admin/channels",
        new_route: "/admin/channels/new",
        edit_route: "/admin/channels/{id}",
        archive_route: "/admin/channels/{id}/archive",
        title: "Channels",
        singular: "Channel",
        example_slug: "phone",
    };
}

pub fn routes() -> Routes {
    routes_of::<Reasons>().merge(routes_of::<Channels>())
}

fn routes_of<W: Which>() -> Routes {
    let kind = W::KIND;
    Routes::default()
        .get(kind.path, Access::CxLead, list::<W>)
        .get(kind.new_route, Access::CxLead, new_form::<W>)
        .post(kind.path, Access::CxLead, create::<W>)
        .get(kind.edit_route, Access::CxLead, edit_form::<W>)
        .post(kind.edit_route, Access::CxLead, update::<W>)
        .post(kind.archive_route, Access::CxLead, archive::<W>)
}

#[derive(askama::Template)]
#[template(path = "admin/contacts/index.html")]
pub struct EntriesPage {
    pub layout: Layout,
    pub kind: &'static Kind,
    pub rows: Vec<Entry>,
    pub pager: Pager,
    pub currency: Option<String>,
    pub notice: Option<String>,
}

async fn list<W: Which>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let kind = W::KIND;
    let search = query.search();
    let total = repo::count(&state.pool, kind.catalogue, search.as_deref()).await?;
    let pager = Pager::new((kind.path, "name or slug"), &query, total);
    let rows = repo::list(
        &state.pool,
        kind.catalogue,
        search.as_deref(),
        pager.limit(),
        pager.offset(),
    )
    .await?;
    let notice = match query.saved.as_str() {
        "created" => Some(format!("{} created.", kind.singular)),
        "updated" => Some(format!("{} saved.", kind.singular)),
        "archived" => Some(format!(
            "{} archived. Its past contacts are kept; new contacts can no longer use it.",
            kind.singular
        )),
        "restored" => Some(format!(
            "{} restored: new contacts may use it again.",
            kind.singular
        )),
        _ => None,
    };
    render(&EntriesPage {
        layout: Layout::for_caller(&caller, uri.path()),
        kind,
        rows,
        pager,
        currency: repo::currency(&state.pool).await?,
        notice,
    })
}

#[derive(askama::Template)]
#[template(path = "admin/contacts/form.html")]
pub struct EntryFormPage {
    pub layout: Layout,
    pub kind: &'static Kind,
    /// None when creating.
    pub entry: Option<Entry>,
    pub form: EntryForm,
    pub errors: FieldErrors,
    /// Reasons: the departments to charge.
    pub departments: Vec<DepartmentChoice>,
    pub currency: Option<String>,
    /// Someone else saved the entry meanwhile; the page shows what is there now.
    pub conflict: bool,
}

impl EntryFormPage {
    fn action(&self) -> String {
        match &self.entry {
            Some(entry) => format!("{}/{}", self.kind.path, entry.id),
            None => self.kind.path.to_owned(),
        }
    }
}

/// The departments a reason may be charged to: those in use, plus its current one if
/// that has been archived since (so that saving the form does not silently drop it).
async fn department_choices(
    state: &AppState,
    entry: Option<&Entry>,
) -> Result<Vec<DepartmentChoice>, AppError> {
    let keep: Vec<uuid::Uuid> = entry.and_then(|e| e.department_id).into_iter().collect();
    Ok(departments::choices(&state.pool, &keep).await?)
}

async fn form_page(
    state: &AppState,
    kind: &'static Kind,
    caller: &Caller,
    path: &str,
    entry: Option<Entry>,
    form: EntryForm,
    errors: FieldErrors,
) -> Result<EntryFormPage, AppError> {
    Ok(EntryFormPage {
        layout: Layout::for_caller(caller, path),
        kind,
        departments: if kind.is_reasons() {
            department_choices(state, entry.as_ref()).await?
        } else {
            Vec::new()
        },
        entry,
        form,
        errors,
        currency: repo::currency(&state.pool).await?,
        conflict: false,
    })
}

async fn new_form<W: Which>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let page = form_page(
        &state,
        W::KIND,
        &caller,
        uri.path(),
        None,
        EntryForm::default(),
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

async fn entry_or_404(state: &AppState, kind: &Kind, id: &str) -> Result<Entry, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    repo::get(&state.pool, kind.catalogue, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_form<W: Which>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let entry = entry_or_404(&state, W::KIND, &id).await?;
    let form = EntryForm::from_entry(&entry);
    let page = form_page(
        &state,
        W::KIND,
        &caller,
        uri.path(),
        Some(entry),
        form,
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

async fn create<W: Which>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<EntryForm>,
) -> Result<Response, AppError> {
    save::<W>(&state, &caller, ip, uri.path(), None, form).await
}

async fn update<W: Which>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<EntryForm>,
) -> Result<Response, AppError> {
    let entry = entry_or_404(&state, W::KIND, &id).await?;
    save::<W>(&state, &caller, ip, uri.path(), Some(entry), form).await
}

/// Saves, or shows the form again with the input kept and what went wrong.
async fn save<W: Which>(
    state: &AppState,
    caller: &Caller,
    ip: std::net::IpAddr,
    path: &str,
    entry: Option<Entry>,
    form: EntryForm,
) -> Result<Response, AppError> {
    let kind = W::KIND;
    if !form.fits(kind.catalogue) {
        // A field of the other catalogue: the same answer as any form that does not fit.
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(ErrorPage::for_status(status).into_response_with(status));
    }
    let actor = caller.actor(ip);
    let departments = department_choices(state, entry.as_ref()).await?;
    let outcome = match &entry {
        None => service::create::<W>(&state.pool, &form, &departments, &actor)
            .await
            .map(|_| "created"),
        Some(entry) => service::update::<W>(&state.pool, entry.id, &form, &departments, &actor)
            .await
            .map(|()| "updated"),
    };
    let refusal = match outcome {
        Ok(saved) => {
            return Ok(Redirect::to(&format!("{}?saved={saved}", kind.path)).into_response());
        }
        Err(error) => Refusal::try_from(error)?,
    };
    // On a conflict, the entry as the other person saved it is shown above the form.
    let entry = match entry {
        Some(entry) if refusal.conflict => repo::get(&state.pool, kind.catalogue, entry.id).await?,
        other => other,
    };
    let status = refusal.status();
    let mut page = form_page(state, kind, caller, path, entry, form, refusal.errors).await?;
    page.conflict = refusal.conflict;
    if refusal.conflict
        && let Some(entry) = &page.entry
    {
        // The next save goes over what is there now, once the person has seen it.
        page.form.version = entry.version.to_string();
    }
    Ok((status, render(&page)?).into_response())
}

async fn archive<W: Which>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let kind = W::KIND;
    let entry = entry_or_404(&state, kind, &id).await?;
    let archive = form.archiving();
    let outcome = service::set_archived::<W>(
        &state.pool,
        entry.id,
        archive,
        &form.version,
        &caller.actor(ip),
    )
    .await;
    let refusal = match outcome {
        Ok(()) => {
            let saved = if archive { "archived" } else { "restored" };
            return Ok(Redirect::to(&format!("{}?saved={saved}", kind.path)).into_response());
        }
        Err(error) => Refusal::try_from(error)?,
    };
    // Stale: show the entry as it is now, and let the person decide again.
    let entry = entry_or_404(&state, kind, &id).await?;
    let form = EntryForm::from_entry(&entry);
    let status = refusal.status();
    let mut page = form_page(
        &state,
        kind,
        &caller,
        uri.path(),
        Some(entry),
        form,
        refusal.errors,
    )
    .await?;
    page.conflict = refusal.conflict;
    Ok((status, render(&page)?).into_response())
}
