//! Search and paging shared by the admin lists (`?q=…&page=…`).

/// Rows on one page of a list.
pub const PAGE_SIZE: i64 = 50;

/// A list's query string: what to search for, which page, and what was just saved.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub page: Option<i64>,
    /// Set by the redirect after a save, to say what happened.
    pub saved: String,
}

impl ListQuery {
    /// The search text, if any (long input is cut rather than refused).
    pub fn search(&self) -> Option<String> {
        let text: String = self.q.trim().chars().take(100).collect();
        (!text.is_empty()).then_some(text)
    }
}

/// Where a list is: which of its pages is shown, out of how many rows in all.
pub struct Pager {
    /// The list's own path, e.g. `/admin/users`.
    pub base: &'static str,
    /// What the search looks in, for its label, e.g. "name or e-mail".
    pub searches: &'static str,
    /// The search as typed (empty for none).
    pub q: String,
    pub page: i64,
    pub total: i64,
}

impl Pager {
    /// The page asked for, moved into range once `total` is known.
    pub fn new(
        (base, searches): (&'static str, &'static str),
        query: &ListQuery,
        total: i64,
    ) -> Self {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        Self {
            base,
            searches,
            q: query.search().unwrap_or_default(),
            page: query.page.unwrap_or(1).clamp(1, pages),
            total,
        }
    }

    pub fn limit(&self) -> i64 {
        PAGE_SIZE
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * PAGE_SIZE
    }

    pub fn pages(&self) -> i64 {
        ((self.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }

    /// The 1-based positions of the first and last row shown.
    pub fn first_shown(&self) -> i64 {
        (self.offset() + 1).min(self.total)
    }

    pub fn last_shown(&self) -> i64 {
        (self.offset() + PAGE_SIZE).min(self.total)
    }

    pub fn searching(&self) -> bool {
        !self.q.is_empty()
    }

    pub fn previous(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1))
    }

    pub fn next(&self) -> Option<String> {
        (self.page < self.pages()).then(|| self.href(self.page + 1))
    }

    fn href(&self, page: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if self.searching() {
            query.append_pair("q", &self.q);
        }
        query.append_pair("page", &page.to_string());
        format!("{}?{}", self.base, query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: (&str, &str) = ("/admin/users", "name or e-mail");

    fn query(q: &str, page: Option<i64>) -> ListQuery {
        ListQuery {
            q: q.into(),
            page,
            saved: String::new(),
        }
    }

    #[test]
    fn pages_are_clamped_and_link_to_their_neighbours_with_the_search_kept() {
        let pager = Pager::new(USERS, &query(" ana & co ", Some(9)), 120);
        assert_eq!((pager.page, pager.pages()), (3, 3));
        assert_eq!((pager.first_shown(), pager.last_shown()), (101, 120));
        assert_eq!(
            pager.previous().as_deref(),
            Some("/admin/users?q=ana+%26+co&page=2")
        );
        assert_eq!(pager.next(), None);
        let first = Pager::new(USERS, &query("", Some(-4)), 0);
        assert_eq!((first.page, first.offset(), first.first_shown()), (1, 0, 0));
        assert_eq!((first.previous(), first.next()), (None, None));
    }
}
