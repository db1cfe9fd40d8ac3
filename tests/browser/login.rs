//! Each role signs in through the real form, lands on its home, and signs out.

use crate::Browser;
use crate::helpers::{add_department, spawn_app};
use fantoccini::Locator;

#[tokio::test]
async fn each_role_signs_in_lands_on_its_home_and_signs_out() {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let app = spawn_app().await;
    add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    for (role, home, heading) in [
        ("cx-lead", "/admin", "Programme overview"),
        ("department-head", "/departments/sales", "Sales"),
        (
            "executive",
            "/executive",
            "Is customer experience improving, is the change real",
        ),
    ] {
        let user = app
            .create_user(role, (role == "department-head").then_some("sales"))
            .await;
        let client = &browser.client;
        client.goto(&app.url("/")).await.unwrap();
        assert_eq!(
            client.current_url().await.unwrap().path(),
            "/login",
            "{role}: anonymous visitors are asked to sign in"
        );
        client
            .find(Locator::Id("email"))
            .await
            .unwrap()
            .send_keys(&user.email)
            .await
            .unwrap();
        client
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(&user.password)
            .await
            .unwrap();
        client
            .find(Locator::Css("form.form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_url(&url::Url::parse(&app.url(home)).unwrap())
            .await
            .expect("lands on the role's home");
        let body = client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(heading), "{role}: {body}");
        browser.screenshot(&format!("home-{role}")).await;

        client
            .find(Locator::Css("form[action='/logout'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_url(&url::Url::parse(&app.url("/login")).unwrap())
            .await
            .expect("signed out");
        client.goto(&app.url(home)).await.unwrap();
        assert_eq!(
            client.current_url().await.unwrap().path(),
            "/login",
            "{role}: the session is over"
        );
    }
    browser.close().await;
}
