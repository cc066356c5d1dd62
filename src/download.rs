//! Saving what the user sees as a file: charts as SVG and PNG. Nothing here
//! leaves the browser; the file is built in memory and handed to the
//! browser's download.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};

fn document() -> Result<web_sys::Document, String> {
    web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| "no document to download from".to_owned())
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

/// Hands `href` to the browser as a download called `name`.
fn click_download(href: &str, name: &str) -> Result<(), String> {
    let anchor: web_sys::HtmlAnchorElement = document()?
        .create_element("a")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "could not make a download link".to_owned())?;
    anchor.set_href(href);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

fn blob_url(text: &str, mime: &str) -> Result<String, String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)
}

/// Saves `text` as a file.
pub fn save_text(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let url = blob_url(text, mime)?;
    let result = click_download(&url, name);
    // The click has started the download; the URL is no longer needed once
    // the browser has read it.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    result
}

/// Saves an SVG document as a PNG of twice its size: the SVG is drawn into a
/// canvas by the browser itself, so the PNG matches what is on screen.
pub fn save_svg_as_png(name: &str, svg: &str, width: u32, height: u32) -> Result<(), String> {
    let url = blob_url(svg, "image/svg+xml")?;
    let image = web_sys::HtmlImageElement::new().map_err(describe)?;
    let name = name.to_owned();
    let loaded = image.clone();
    let source = url.clone();
    let on_load = Closure::once_into_js(move || {
        let result = (|| -> Result<(), String> {
            let canvas: web_sys::HtmlCanvasElement = document()?
                .create_element("canvas")
                .map_err(describe)?
                .dyn_into()
                .map_err(|_| "could not make a canvas".to_owned())?;
            canvas.set_width(width * 2);
            canvas.set_height(height * 2);
            let context: web_sys::CanvasRenderingContext2d = canvas
                .get_context("2d")
                .map_err(describe)?
                .ok_or("no 2d canvas")?
                .dyn_into()
                .map_err(|_| "no 2d canvas".to_owned())?;
            context
                .draw_image_with_html_image_element_and_dw_and_dh(
                    &loaded,
                    0.0,
                    0.0,
                    f64::from(width * 2),
                    f64::from(height * 2),
                )
                .map_err(describe)?;
            let png = canvas
                .to_data_url_with_type("image/png")
                .map_err(describe)?;
            click_download(&png, &name)
        })();
        let _ = web_sys::Url::revoke_object_url(&source);
        if let Err(problem) = result {
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "PNG download failed: {problem}"
            )));
        }
    });
    image.set_onload(Some(on_load.unchecked_ref()));
    image.set_src(&url);
    Ok(())
}
