//! The executive dashboard on the demo, at desktop and tablet widths: every chart drawn
//! with a point per period of its data table, and a screenshot of each width.

use crate::Browser;
use crate::helpers::spawn_demo_app;
use crate::programme::{submit, type_into};
use centric::db::demo::DEMO_PASSWORD;
use fantoccini::Locator;

#[tokio::test]
async fn the_executive_dashboard_draws_every_chart_at_desktop_and_tablet_widths() {
    let app = spawn_demo_app().await;
    for (width, name) in [(1280, "executive-desktop"), (820, "executive-tablet")] {
        let Some(browser) = Browser::start(width, 1100).await else {
            return;
        };
        let client = &browser.client;
        client.goto(&app.url("/login")).await.unwrap();
        type_into(client, "email", "exec@demo.centric").await;
        type_into(client, "password", DEMO_PASSWORD).await;
        submit(client, "form.form button[type=submit]").await;
        assert_eq!(client.current_url().await.unwrap().path(), "/executive");
        client
            .wait()
            .for_element(Locator::Css("footer.site-footer"))
            .await
            .expect("the whole dashboard");

        // The headline: a signed NPS.
        let headline = client
            .find(Locator::Css(".headline-card .stat-value"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let nps: f64 = headline.trim_start_matches('+').parse().unwrap();
        assert!((-100.0..=100.0).contains(&nps), "{headline}");

        // NPS and eNPS trends: a period drawn for every row of their data tables, two
        // years of demo months.
        let charts = client
            .find_all(Locator::Css("article.trend-card"))
            .await
            .unwrap();
        assert_eq!(charts.len(), 2, "customers and employees");
        for chart in &charts {
            let svg = chart
                .find(Locator::Css("svg.line-chart"))
                .await
                .expect("a chart");
            assert_eq!(svg.attr("role").await.unwrap().as_deref(), Some("img"));
            // Every value in the table is a marker drawn inside the plot.
            let markers = svg
                .find_all(Locator::Css(
                    "circle.line-dot, polygon.line-rise, polygon.line-fall",
                ))
                .await
                .unwrap();
            let mut values = 0;
            for cell in chart
                .find_all(Locator::Css("details table tbody tr td:first-of-type"))
                .await
                .unwrap()
            {
                let text = cell.prop("textContent").await.unwrap().unwrap_or_default();
                values += usize::from(text.trim() != "—");
            }
            assert_eq!(markers.len(), values, "{width}px: a point per value");
            assert!(values >= 20, "{width}px: {values} months with a value");
            for marker in &markers {
                let (x, y) = marker_position(marker).await;
                assert!(
                    x.is_finite() && y.is_finite() && y > 0.0,
                    "{width}px: ({x}, {y})"
                );
            }
        }

        // A mini trend per department that owns touchpoints (seven in the demo).
        let minis = client
            .find_all(Locator::Css("svg.sparkline[role=img]"))
            .await
            .unwrap();
        assert!(minis.len() >= 7, "{width}px: {} mini trends", minis.len());

        // Nothing wider than the window: no sideways scrolling at tablet width.
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        assert!(overflow <= 0, "{width}px: {overflow}px too wide");

        let height = client
            .execute("return document.body.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        client
            .set_window_size(width, u32::try_from(height + 150).unwrap())
            .await
            .unwrap();
        browser.screenshot(name).await;
        browser.close().await;
    }
}

/// Where a marker stands: a circle's centre, or a triangle's first corner.
async fn marker_position(marker: &fantoccini::elements::Element) -> (f64, f64) {
    let number = |v: Option<String>| v.and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    if let Some(points) = marker.attr("points").await.unwrap() {
        let (x, y) = points
            .split_whitespace()
            .next()
            .and_then(|p| p.split_once(','))
            .unwrap_or(("NaN", "NaN"));
        return (number(Some(x.to_owned())), number(Some(y.to_owned())));
    }
    (
        number(marker.attr("cx").await.unwrap()),
        number(marker.attr("cy").await.unwrap()),
    )
}
