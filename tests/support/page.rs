//! The dashboard as the browser tests read it: tiles, charts, the event
//! table and the narrowing line by what a person sees, so a test says
//! `dashboard.tile("failed-logins")` or `chart("Octopai logins").bars(..)`
//! instead of spelling selectors, and chart colours come from the app's own
//! palette rather than being copied as hex.

use plotters::style::RGBColor;

use super::Browser;

/// How plotters writes a colour into SVG (`#C82832`).
pub fn svg_color(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

/// The dashboard page in `browser`.
pub struct Dashboard<'a> {
    browser: &'a Browser,
}

impl Browser {
    pub fn dashboard(&self) -> Dashboard<'_> {
        Dashboard { browser: self }
    }

    /// Keeps every file the page hands to the browser as a download from
    /// now on (`window.__saved`), for [`Browser::saved_files`].
    pub async fn catch_downloads(&self) {
        self.script(
            "window.__saved = []; const original = URL.createObjectURL; \
             URL.createObjectURL = (blob) => { window.__saved.push(blob); return original(blob); }; return true;",
        )
        .await;
    }

    /// The text of each file caught so far, once there is one.
    pub async fn saved_files(&self) -> Vec<String> {
        let texts = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const wait = () => window.__saved.length ? Promise.all(window.__saved.map(b => b.text())).then(done) : setTimeout(wait, 50); \
                 wait();",
                vec![],
            )
            .await
            .unwrap_or_else(|error| panic!("the files saved: {error}"));
        serde_json::from_value(texts).unwrap_or_else(|error| panic!("the files saved: {error}"))
    }
}

impl<'a> Dashboard<'a> {
    /// A summary tile's count, by its id (`failed-logins`, `tile-events`).
    pub async fn tile(&self, id: &str) -> u64 {
        self.browser
            .number(&format!(
                "Number(document.querySelector('#{id} .value').textContent.replace(/,/g, ''))"
            ))
            .await
    }

    /// A chart by its title (the start of its accessible name).
    pub fn chart(&self, title: &'a str) -> Chart<'a> {
        Chart {
            browser: self.browser,
            title,
        }
    }

    /// A JS expression: how many table rows come from `source` (its label).
    pub fn rows_from(source: &str) -> String {
        format!("document.querySelectorAll('table.event-table tbody tr[data-source=\"{source}\"]').length")
    }

    /// The table's rows drawn, each as its cells' text.
    pub async fn table_rows(&self) -> Vec<Vec<String>> {
        let rows = self
            .browser
            .script("return [...document.querySelectorAll('table.event-table tbody tr')].map(r => [...r.cells].map(c => c.textContent));")
            .await;
        serde_json::from_value(rows).unwrap_or_else(|error| panic!("table rows: {error}"))
    }

    /// The text of the first element matching `css` ('' when there is none).
    pub async fn text(&self, css: &str) -> String {
        self.browser
            .script(&format!(
                "const e = document.querySelector({css:?}); return e ? e.textContent : '';"
            ))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The text of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let texts = self
            .browser
            .script(&format!(
                "return [...document.querySelectorAll({css:?})].map(e => e.textContent);"
            ))
            .await;
        serde_json::from_value(texts).unwrap_or_else(|error| panic!("texts of {css}: {error}"))
    }

    /// The first alert shown (a refused login, an unusable link).
    pub async fn alert(&self) -> String {
        self.text("[role=alert]").await
    }

    /// The window the range picker says is shown.
    pub async fn window_words(&self) -> String {
        self.text(".range-picker .window").await
    }

    /// How the query was sent to Cloudera Manager.
    pub async fn sent_query(&self) -> String {
        self.text(".sent-query").await
    }

    /// The query as the query bar holds it.
    pub async fn query(&self) -> String {
        self.browser
            .script("return document.querySelector('#query').value;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Each source's "showing the newest … of at least …" line.
    pub async fn capped(&self) -> Vec<String> {
        self.texts(".capped").await
    }

    /// Each cancelled source's line.
    pub async fn cancelled(&self) -> Vec<String> {
        self.texts(".cancelled").await
    }

    /// How many table rows are drawn (only those in sight are).
    pub async fn rows_drawn(&self) -> u64 {
        self.browser
            .number("document.querySelectorAll('table.event-table tbody tr').length")
            .await
    }

    /// One column of the rows drawn (0: time, 2: user, 5: outcome, …).
    pub async fn column(&self, index: usize) -> Vec<String> {
        self.table_rows()
            .await
            .into_iter()
            .map(|row| row.get(index).cloned().unwrap_or_default())
            .collect()
    }

    /// Each drawn row's whole text.
    pub async fn row_texts(&self) -> Vec<String> {
        self.texts("table.event-table tbody tr").await
    }

    /// The time column as drawn (in the display zone).
    pub async fn times(&self) -> Vec<String> {
        self.texts("td.time").await
    }

    /// The open detail's field names.
    pub async fn detail_fields(&self) -> Vec<String> {
        self.texts("aside.event-detail dt").await
    }

    /// Each request's query string, as the page says it was sent.
    pub async fn sent_queries(&self) -> Vec<String> {
        self.texts(".sent-queries li").await
    }

    /// The applied constraints shown as chips.
    pub async fn chips(&self) -> Vec<String> {
        self.texts("li.chip code").await
    }

    /// What the query bar offers to complete the text typed.
    pub async fn suggestions(&self) -> Vec<String> {
        let offered = self
            .browser
            .script("return [...document.querySelectorAll('#query-suggestions option')].map(o => o.value);")
            .await;
        serde_json::from_value(offered).unwrap_or_else(|error| panic!("suggestions: {error}"))
    }

    /// The lookup panel's counts line.
    pub async fn lookup_counts(&self) -> String {
        self.text(".lookup-counts").await
    }

    /// The usage panel's counts line.
    pub async fn usage_counts(&self) -> String {
        self.text(".usage-counts").await
    }

    /// The line saying how the shown events are narrowed ('' when none).
    pub async fn narrowed(&self) -> String {
        self.browser
            .script("const p = document.querySelector('.narrowed'); return p ? p.textContent : '';")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// One chart figure.
pub struct Chart<'a> {
    browser: &'a Browser,
    title: &'a str,
}

impl Chart<'_> {
    fn figure(&self) -> String {
        format!(
            "document.querySelector('figure[aria-label^=\"{}\"]')",
            self.title
        )
    }

    /// How many events it says it is drawn from.
    pub async fn drawn_from(&self) -> u64 {
        self.browser
            .number(&format!("Number({}.dataset.drawnFrom)", self.figure()))
            .await
    }

    /// The chart as its "Download SVG" button saves it: the same drawing
    /// as the canvas shown, written as SVG.
    pub async fn svg(&self) -> String {
        let saved = self
            .browser
            .client
            .execute_async(
                &format!(
                    "const done = arguments[arguments.length - 1]; \
                     const button = {}.closest('section.chart').querySelector('button.download-svg'); \
                     const original = URL.createObjectURL; let saved = null; \
                     URL.createObjectURL = (blob) => {{ saved = blob; return original.call(URL, blob); }}; \
                     try {{ button.click(); }} finally {{ URL.createObjectURL = original; }} \
                     if (saved) saved.text().then(done); else done(null);",
                    self.figure()
                ),
                vec![],
            )
            .await
            .expect("the chart's SVG is saved");
        let svg = saved.as_str().unwrap_or_default().to_owned();
        assert!(
            svg.starts_with("<svg"),
            "{} saves an SVG: {saved}",
            self.title
        );
        svg
    }

    /// Whether the canvas shown has a pixel of `color` (each channel within
    /// `slack`: lines are smoothed at their edges), once the chart is
    /// brought into sight and painted (a chart out of sight is painted
    /// when it comes near).
    pub async fn shows(&self, color: RGBColor, slack: u8) -> bool {
        let script = format!(
            "const done = arguments[arguments.length - 1]; \
             const figure = {}; \
             {IN_SIGHT} \
             in_sight(figure).then(painted => {{ \
               if (!painted) return done('never painted in sight'); \
               const canvas = figure.querySelector('canvas.chart-canvas'); \
               const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data; \
               const near = (a, b) => Math.abs(a - b) <= {slack}; \
               for (let i = 0; i < data.length; i += 4) {{ \
                 if (near(data[i], {}) && near(data[i + 1], {}) && near(data[i + 2], {})) return done(true); }} \
               done(false); }});",
            self.figure(),
            color.0,
            color.1,
            color.2
        );
        let answer = self
            .browser
            .client
            .execute_async(&script, vec![])
            .await
            .expect("the chart is read");
        answer
            .as_bool()
            .unwrap_or_else(|| panic!("{}: {answer}", self.title))
    }

    /// Bars (rectangles) drawn in `color`, counted in the chart's SVG; when
    /// there are some, the canvas shown has them too.
    pub async fn bars(&self, color: RGBColor) -> u64 {
        let fill = format!("fill=\"{}\"", svg_color(color));
        let count = self
            .svg()
            .await
            .lines()
            .filter(|line| line.starts_with("<rect") && line.contains(&fill))
            .count() as u64;
        assert_eq!(
            self.shows(color, 0).await,
            count > 0,
            "{}: the canvas shows {} bars in {fill}",
            self.title,
            count
        );
        count
    }

    /// Lines drawn in any of `colors`, counted in the chart's SVG; each
    /// colour drawn is on the canvas shown too.
    pub async fn lines(&self, colors: &[RGBColor]) -> u64 {
        let svg = self.svg().await;
        let mut count = 0;
        for color in colors {
            let stroke = format!("stroke=\"{}\"", svg_color(*color));
            let drawn = svg
                .lines()
                .filter(|line| line.starts_with("<polyline") && line.contains(&stroke))
                .count() as u64;
            if drawn > 0 {
                assert!(
                    self.shows(*color, 24).await,
                    "{}: the canvas shows the line in {stroke}",
                    self.title
                );
            }
            count += drawn;
        }
        count
    }
}

/// A script's function `in_sight(figure)`: scrolls a chart's figure into
/// sight and resolves, at a frame, true once its canvas holds its drawing
/// (it is no longer marked `data-behind`), false after 10 s.
const IN_SIGHT: &str = "const in_sight = (figure) => new Promise(resolve => { \
  figure.scrollIntoView({ block: 'center' }); \
  const deadline = performance.now() + 10000; \
  const check = () => !figure.hasAttribute('data-behind') ? resolve(true) \
    : performance.now() > deadline ? resolve(false) : requestAnimationFrame(check); \
  requestAnimationFrame(check); });";

/// Waits until every chart shown (each brought into sight in turn, as a
/// person scrolling to it would) is painted on a background of `color`;
/// panics after 10 s a chart, naming the chart and what it shows.
pub async fn every_chart_painted_on(browser: &Browser, what: &str, color: RGBColor) {
    let check = format!(
        "(() => {{ const [r, g, b] = canvas.getContext('2d').getImageData(1, 1, 1, 1).data; \
           return r === {} && g === {} && b === {} || `on rgb(${{r}}, ${{g}}, ${{b}})`; }})()",
        color.0, color.1, color.2
    );
    every_chart(browser, what, &check).await;
}

/// Waits until every chart shown, each brought into sight in turn, holds a
/// drawing (a pixel not transparent).
pub async fn every_chart_drawn(browser: &Browser, what: &str) {
    every_chart(
        browser,
        what,
        "canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data \
           .some((value, at) => at % 4 === 3 && value !== 0) || 'blank'",
    )
    .await;
}

/// Brings every chart shown into sight in turn and waits until `check` (a
/// script expression over its `canvas`) is true once it is painted; panics
/// after 10 s a chart, naming it and what `check` said instead.
async fn every_chart(browser: &Browser, what: &str, check: &str) {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         {IN_SIGHT} \
         (async () => {{ \
           const shown = [...document.querySelectorAll('canvas.chart-canvas')] \
             .filter(c => !c.closest('[hidden]') && c.getClientRects().length > 0); \
           if (!shown.length) return 'no chart shown'; \
           for (const canvas of shown) {{ \
             const figure = canvas.closest('figure'); \
             const deadline = performance.now() + 10000; \
             for (;;) {{ \
               const painted = await in_sight(figure); \
               const checked = painted ? {check} : 'never painted in sight'; \
               if (checked === true) break; \
               if (performance.now() > deadline) return `${{figure.getAttribute('aria-label')}}: ${{checked}}`; \
             }} \
           }} \
           window.scrollTo(0, 0); \
           return null; \
         }})().then(done);"
    );
    let answer = browser
        .client
        .execute_async(&script, vec![])
        .await
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    assert!(answer.is_null(), "{what}: {answer}");
}
