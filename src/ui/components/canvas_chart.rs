//! The one canvas component every chart goes through.
//!
//! It owns the canvas, follows its container's width with a `ResizeObserver`, sizes the backing
//! store to CSS size × devicePixelRatio (the drawing scales fonts and strokes by the same
//! ratio), redraws when the drawing, size or theme change, and maps the mouse (or the arrow
//! keys) back through plotters' coordinate transform for a read-out in data coordinates. A
//! transparent overlay canvas carries the crosshair so hovering never redraws the chart.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlElement, ResizeObserver};
use yew::prelude::*;

use crate::ui::charts::{ChartMap, ChartStyle, Drawing, Swatch};

#[derive(Properties, PartialEq, Clone)]
pub struct CanvasChartProps {
    pub drawing: Drawing,
    /// Colours and sizes; its `dpr` is replaced by the window's at draw time.
    pub style: ChartStyle,
    /// CSS height in pixels (less on narrow screens: at most 0.7 × the width, at least 200).
    #[prop_or(300)]
    pub height: u32,
}

thread_local! {
    static DRAWS: Cell<u64> = const { Cell::new(0) };
}

fn ctx2d(c: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    c.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok())
}

/// Draws (or clears) the crosshair at backing-store x.
fn crosshair(overlay: &HtmlCanvasElement, map: Option<&ChartMap>, x_px: Option<i32>, style: &ChartStyle) {
    let Some(ctx) = ctx2d(overlay) else { return };
    ctx.clear_rect(0.0, 0.0, overlay.width() as f64, overlay.height() as f64);
    if let (Some(map), Some(x)) = (map, x_px) {
        let ys = map.y_pixels();
        let c = style.fg;
        ctx.set_stroke_style_str(&format!("rgba({},{},{},0.55)", c.0, c.1, c.2));
        ctx.set_line_width(style.dpr);
        ctx.begin_path();
        ctx.move_to(x as f64 + 0.5, ys.start.min(ys.end) as f64);
        ctx.line_to(x as f64 + 0.5, ys.start.max(ys.end) as f64);
        ctx.stroke();
    }
}

#[function_component(CanvasChart)]
pub fn canvas_chart(props: &CanvasChartProps) -> Html {
    let wrap = use_node_ref();
    let canvas = use_node_ref();
    let overlay = use_node_ref();
    let width = use_state_eq(|| 0i32);
    let map = use_mut_ref(|| None::<ChartMap>);
    let cursor = use_mut_ref(|| None::<i32>);
    let readout = use_state_eq(|| None::<String>);
    let error = use_state_eq(|| None::<String>);
    let live_style = use_mut_ref(|| props.style.clone());

    // Follow the container's width.
    {
        let wrap = wrap.clone();
        let width = width.clone();
        use_effect_with((), move |_| {
            let el: Option<HtmlElement> = wrap.cast();
            let mut observer = None;
            let mut keep = None;
            if let Some(el) = el {
                width.set(el.client_width());
                let target = el.clone();
                let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| {
                    width.set(target.client_width());
                });
                if let Ok(ro) = ResizeObserver::new(cb.as_ref().unchecked_ref()) {
                    ro.observe(&el);
                    observer = Some(ro);
                }
                keep = Some(cb);
            }
            move || {
                if let Some(ro) = observer {
                    ro.disconnect();
                }
                drop(keep);
            }
        });
    }

    // Draw whenever the data, the size or the theme change.
    {
        let canvas = canvas.clone();
        let overlay = overlay.clone();
        let map = map.clone();
        let error = error.clone();
        let cursor = cursor.clone();
        let readout = readout.clone();
        let live_style = live_style.clone();
        use_effect_with(
            (props.drawing.clone(), *width, props.style.clone(), props.height),
            move |(drawing, w, style, h)| {
                let (Some(cv), Some(ov)) = (canvas.cast::<HtmlCanvasElement>(), overlay.cast::<HtmlCanvasElement>()) else {
                    return;
                };
                let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0);
                let style = ChartStyle { dpr, ..style.clone() };
                *live_style.borrow_mut() = style.clone();
                let css_w = (*w).max(1) as f64;
                // Narrow screens get a flatter chart (at most 0.7 × its width, at least 200 px).
                let css_h = (*h as f64).min((css_w * 0.7).max(200.0)).round();
                let (bw, bh) = ((css_w * dpr).round() as u32, (css_h * dpr).round() as u32);
                for c in [&cv, &ov] {
                    let _ = c.style().set_property("height", &format!("{css_h}px"));
                    if c.width() != bw {
                        c.set_width(bw);
                    }
                    if c.height() != bh {
                        c.set_height(bh);
                    }
                }
                if *w <= 0 {
                    return;
                }
                let t0 = crate::ui::browser::now_ms();
                let drawn = (drawing.draw)(&cv, &style);
                // For the page-speed figures: how long the last draw took.
                let _ = cv.set_attribute("data-draw-ms", &format!("{:.2}", crate::ui::browser::now_ms() - t0));
                match drawn {
                    Ok(m) => {
                        *map.borrow_mut() = Some(m);
                        error.set(None);
                    }
                    Err(e) => {
                        *map.borrow_mut() = None;
                        error.set(Some(e.0));
                    }
                }
                // A new drawing invalidates the crosshair and read-out.
                *cursor.borrow_mut() = None;
                crosshair(&ov, None, None, &style);
                readout.set(None);
                let n = DRAWS.with(|d| {
                    d.set(d.get() + 1);
                    d.get()
                });
                let _ = cv.set_attribute("data-draws", &n.to_string());
                if n == 1 {
                    // For the page-speed figures: when the first chart was on screen.
                    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                        let _ = p.mark("leverlab-first-chart");
                    }
                }
            },
        );
    }

    // Show the read-out and crosshair for a backing-store pixel.
    let show: Rc<dyn Fn(Option<(i32, i32)>)> = {
        let overlay = overlay.clone();
        let map = map.clone();
        let readout = readout.clone();
        let cursor = cursor.clone();
        let live_style = live_style.clone();
        Rc::new(move |px: Option<(i32, i32)>| {
            let Some(ov) = overlay.cast::<HtmlCanvasElement>() else { return };
            let m = map.borrow();
            let style = live_style.borrow();
            let hit = px.and_then(|p| m.as_ref().and_then(|m| m.data_at(p).map(|d| (p, d))));
            match (hit, m.as_ref()) {
                (Some(((x, _), (dx, dy))), Some(m)) => {
                    *cursor.borrow_mut() = Some(x);
                    crosshair(&ov, Some(m), Some(x), &style);
                    readout.set(Some((m.readout)(dx, dy)));
                }
                _ => {
                    *cursor.borrow_mut() = None;
                    crosshair(&ov, None, None, &style);
                    readout.set(None);
                }
            }
        })
    };

    let onmousemove = {
        let show = show.clone();
        let overlay = overlay.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(ov) = overlay.cast::<HtmlCanvasElement>() else { return };
            let rect = ov.get_bounding_client_rect();
            if rect.width() <= 0.0 || rect.height() <= 0.0 {
                return;
            }
            // CSS pixels → backing-store pixels, then through plotters' transform.
            let x = (e.offset_x() as f64 * ov.width() as f64 / rect.width()).round() as i32;
            let y = (e.offset_y() as f64 * ov.height() as f64 / rect.height()).round() as i32;
            show(Some((x, y)));
        })
    };
    let onmouseleave = {
        let show = show.clone();
        Callback::from(move |_| show(None))
    };
    // Keyboard: arrows move the read-out along the x axis.
    let onkeydown = {
        let show = show.clone();
        let map = map.clone();
        let cursor = cursor.clone();
        Callback::from(move |e: KeyboardEvent| {
            let step = match e.key().as_str() {
                "ArrowLeft" => -1,
                "ArrowRight" => 1,
                "Escape" => 0,
                _ => return,
            };
            e.prevent_default();
            if step == 0 {
                show(None);
                return;
            }
            let (mid, xs, ys) = {
                let m = map.borrow();
                let Some(m) = m.as_ref() else { return };
                let xs = m.coord.get_x_axis_pixel_range();
                let ys = m.y_pixels();
                ((xs.start + xs.end) / 2, xs, (ys.start + ys.end) / 2)
            };
            let cur = cursor.borrow().unwrap_or(mid);
            let stride = ((xs.end - xs.start) / 60).max(1);
            let x = (cur + step * stride).clamp(xs.start, xs.end - 1);
            show(Some((x, ys)));
        })
    };
    let onblur = {
        let show = show.clone();
        Callback::from(move |_| show(None))
    };

    html! {
        <figure class="chart">
            <ul class="legend" aria-label="Legend">
                { for props.drawing.legend.iter().map(|l| {
                    let sw = match l.swatch {
                        Swatch::Series(k) => format!("sw sw-s{}", k.min(3)),
                        Swatch::Danger => "sw sw-danger".to_string(),
                        Swatch::Muted => "sw sw-muted".to_string(),
                    };
                    html! { <li><span class={sw} aria-hidden="true"></span>{ l.label.clone() }</li> }
                }) }
            </ul>
            <div class="chart-stack" ref={wrap}>
                <canvas ref={canvas} class="chart-canvas" role="img" aria-label={props.drawing.summary.clone()}></canvas>
                <canvas ref={overlay} class="chart-overlay" tabindex="0"
                    aria-label="Chart read-out: use the left and right arrow keys to move along the price axis"
                    {onmousemove} {onmouseleave} {onkeydown} {onblur}></canvas>
            </div>
            { for props.drawing.notes.iter().map(|n| html! { <p class="hint chart-note">{ n.clone() }</p> }) }
            <figcaption class="readout" aria-live="polite">
                {
                    match (&*error, &*readout) {
                        (Some(e), _) => html! { <span class="bad">{ format!("The chart could not be drawn: {e}") }</span> },
                        (None, Some(r)) => html! { <span>{ r.clone() }</span> },
                        (None, None) => html! { <span class="hint">{ "Point at the chart (or focus it and use ← →) to read values." }</span> },
                    }
                }
            </figcaption>
        </figure>
    }
}
