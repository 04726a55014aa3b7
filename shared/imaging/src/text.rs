//! Text on thumbnails: the price badge and the product title of the share image.
//!
//! Text is shaped with `rustybuzz` (a HarfBuzz port: ligatures, kerning, Arabic joining, mark
//! positioning) after splitting it into bidirectional runs with `unicode-bidi`, so an Arabic title
//! with a Latin price reads correctly. Glyph outlines come from the shipped font (DejaVu Sans Bold,
//! subset; see fonts/README.md) and are rasterised with anti-aliasing by `ab_glyph_rasterizer`.
//! Characters the font lacks (emoji, Devanagari, CJK) are left out rather than drawn as boxes.

use ab_glyph_rasterizer::{Point, Rasterizer, point};
use image::RgbImage;
use rustybuzz::ttf_parser::{GlyphId, OutlineBuilder};
use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::BidiInfo;

const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold-subset.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// A shaped line of text: glyphs with pen positions in pixels, left to right on the page.
pub struct Line {
    glyphs: Vec<(GlyphId, f32, f32)>,
    pub width: f32,
    pub ascent: f32,
    pub descent: f32,
    scale: f32,
}

fn face() -> Face<'static> {
    // The font is part of the binary and checked by the tests; failing here is a build defect.
    Face::from_slice(FONT, 0).unwrap_or_else(|| panic!("the bundled font does not parse"))
}

/// Drops characters the font cannot draw and collapses the whitespace they leave.
pub fn drawable(text: &str) -> String {
    let face = face();
    let kept: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|&c| c == ' ' || face.glyph_index(c).is_some())
        .collect();
    kept.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Whether the text's first strong character is right-to-left (Arabic, Hebrew): such a title is
/// aligned right.
pub fn is_rtl(text: &str) -> bool {
    BidiInfo::new(text, None).paragraphs.first().is_some_and(|p| p.level.is_rtl())
}

/// Shapes one line at `px` pixels per em.
pub fn shape(text: &str, px: f32) -> Line {
    let face = face();
    let scale = px / f32::from(face.units_per_em().max(1) as u16);
    let text = drawable(text);
    let mut glyphs = Vec::new();
    let mut pen = 0.0f32;
    if !text.is_empty() {
        let bidi = BidiInfo::new(&text, None);
        for para in &bidi.paragraphs {
            let (levels, runs) = bidi.visual_runs(para, para.range.clone());
            for run in runs {
                let mut buffer = UnicodeBuffer::new();
                buffer.push_str(&text[run.clone()]);
                buffer.guess_segment_properties();
                let rtl = levels[run.start].is_rtl();
                buffer.set_direction(if rtl { Direction::RightToLeft } else { Direction::LeftToRight });
                let shaped = rustybuzz::shape(&face, &[], buffer);
                for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
                    let x = pen + pos.x_offset as f32 * scale;
                    let y = -(pos.y_offset as f32) * scale;
                    glyphs.push((GlyphId(info.glyph_id as u16), x, y));
                    pen += pos.x_advance as f32 * scale;
                }
            }
        }
    }
    Line {
        glyphs,
        width: pen,
        ascent: f32::from(face.ascender()) * scale,
        descent: -f32::from(face.descender()) * scale,
        scale,
    }
}

/// The largest size from `max_px` down to `min_px` at which `text` fits `max_width`; at the
/// smallest size, words are dropped from the end (with an ellipsis) until it fits.
pub fn fit(text: &str, max_width: f32, max_px: f32, min_px: f32) -> Line {
    let mut px = max_px;
    while px > min_px {
        let line = shape(text, px);
        if line.width <= max_width {
            return line;
        }
        px = (px * 0.9).max(min_px);
    }
    let kept = drawable(text);
    let words: Vec<&str> = kept.split(' ').collect();
    for n in (1..=words.len()).rev() {
        let candidate = if n == words.len() { words.join(" ") } else { format!("{}…", words[..n].join(" ")) };
        let line = shape(&candidate, min_px);
        if line.width <= max_width {
            return line;
        }
    }
    shape("", min_px)
}

/// Greedy word wrap into at most `max_lines` lines no wider than `max_width`, at the largest size
/// from `max_px` down to `min_px` that holds the whole text; at the smallest size the last line is
/// cut with an ellipsis. Returns the lines and the size used.
pub fn wrap(text: &str, max_width: f32, max_px: f32, min_px: f32, max_lines: usize) -> (Vec<Line>, f32) {
    let kept = drawable(text);
    let words: Vec<&str> = kept.split(' ').filter(|w| !w.is_empty()).collect();
    let mut px = max_px;
    loop {
        let mut lines: Vec<String> = Vec::new();
        for word in &words {
            match lines.last_mut() {
                Some(last) if shape(&format!("{last} {word}"), px).width <= max_width => {
                    last.push(' ');
                    last.push_str(word);
                }
                _ => lines.push((*word).to_owned()),
            }
        }
        let fits = lines.len() <= max_lines && lines.iter().all(|l| shape(l, px).width <= max_width);
        if fits || px <= min_px {
            let mut shaped: Vec<Line> = Vec::new();
            let overflow = lines.len() > max_lines;
            for (i, l) in lines.iter().take(max_lines).enumerate() {
                let last = i + 1 == max_lines.min(lines.len());
                let text = if last && overflow { format!("{l} {}", lines[i + 1..].join(" ")) } else { l.clone() };
                shaped.push(fit(&text, max_width, px, px));
            }
            return (shaped, px);
        }
        px = (px * 0.9).max(min_px);
    }
}

struct Outline<'a> {
    r: &'a mut Rasterizer,
    scale: f32,
    dx: f32,
    dy: f32,
    start: Point,
    last: Point,
}

impl Outline<'_> {
    fn p(&self, x: f32, y: f32) -> Point {
        point(self.dx + x * self.scale, self.dy - y * self.scale)
    }
}

impl OutlineBuilder for Outline<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.start = self.p(x, y);
        self.last = self.start;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let to = self.p(x, y);
        self.r.draw_line(self.last, to);
        self.last = to;
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (c, to) = (self.p(x1, y1), self.p(x, y));
        self.r.draw_quad(self.last, c, to);
        self.last = to;
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, to) = (self.p(x1, y1), self.p(x2, y2), self.p(x, y));
        self.r.draw_cubic(self.last, c1, c2, to);
        self.last = to;
    }
    fn close(&mut self) {
        if self.last != self.start {
            self.r.draw_line(self.last, self.start);
        }
        self.last = self.start;
    }
}

/// Draws `line` with its baseline-left corner at (`x`, `baseline`).
pub fn draw(img: &mut RgbImage, line: &Line, x: f32, baseline: f32, color: Rgb) {
    let face = face();
    let top = (baseline - line.ascent).floor().max(0.0);
    let left = x.floor().max(0.0);
    let (w, h) = ((line.width + 2.0).ceil() as usize, (line.ascent + line.descent + 2.0).ceil() as usize);
    if w == 0 || h == 0 {
        return;
    }
    let mut r = Rasterizer::new(w, h);
    for &(id, gx, gy) in &line.glyphs {
        let mut outline = Outline {
            r: &mut r,
            scale: line.scale,
            dx: x - left + gx,
            dy: baseline - top + gy,
            start: point(0.0, 0.0),
            last: point(0.0, 0.0),
        };
        face.outline_glyph(id, &mut outline);
    }
    blend(img, &r, left as i64, top as i64, color);
}

/// A filled rectangle with rounded corners, anti-aliased.
pub fn rounded_rect(img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, radius: f32, color: Rgb) {
    let (left, top) = (x.floor(), y.floor());
    let mut r = Rasterizer::new((w + 2.0).ceil() as usize, (h + 2.0).ceil() as usize);
    let (x0, y0) = (x - left, y - top);
    let (x1, y1) = (x0 + w, y0 + h);
    let k = radius.min(w / 2.0).min(h / 2.0);
    let corners = [
        (point(x0 + k, y0), point(x1 - k, y0), point(x1, y0), point(x1, y0 + k)),
        (point(x1, y0 + k), point(x1, y1 - k), point(x1, y1), point(x1 - k, y1)),
        (point(x1 - k, y1), point(x0 + k, y1), point(x0, y1), point(x0, y1 - k)),
        (point(x0, y1 - k), point(x0, y0 + k), point(x0, y0), point(x0 + k, y0)),
    ];
    for (a, b, c, d) in corners {
        r.draw_line(a, b);
        r.draw_quad(b, c, d);
    }
    blend(img, &r, left as i64, top as i64, color);
}

/// Darkens the bottom `height` rows towards black (up to `strength`), so light text reads on any
/// photo.
pub fn scrim(img: &mut RgbImage, height: u32, strength: f32) {
    let (w, h) = img.dimensions();
    let start = h.saturating_sub(height);
    for y in start..h {
        let t = (y - start) as f32 / height.max(1) as f32;
        let keep = 1.0 - strength * t * t.sqrt();
        for x in 0..w {
            let p = img.get_pixel_mut(x, y);
            for c in &mut p.0 {
                *c = (f32::from(*c) * keep) as u8;
            }
        }
    }
}

fn blend(img: &mut RgbImage, r: &Rasterizer, left: i64, top: i64, color: Rgb) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    r.for_each_pixel_2d(|px, py, coverage| {
        let (x, y) = (left + i64::from(px), top + i64::from(py));
        let a = coverage.clamp(0.0, 1.0);
        if a <= 0.0 || x < 0 || y < 0 || x >= w || y >= h {
            return;
        }
        let p = img.get_pixel_mut(x as u32, y as u32);
        for (c, v) in p.0.iter_mut().zip([color.0, color.1, color.2]) {
            *c = (f32::from(*c) * (1.0 - a) + f32::from(v) * a).round() as u8;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_draws_the_scripts_and_symbols_sellers_use() {
        for text in
            ["Crème brûlée", "Tiếng Việt", "Кроссовки", "Ελληνικά", "عطر فاخر", "₦15,000 ₹499 ₱250 GH₵80 ₺120 €9"]
        {
            assert_eq!(drawable(text), text, "{text}");
            assert!(shape(text, 40.0).width > 40.0, "{text}");
        }
    }

    #[test]
    fn glyphs_the_font_lacks_are_left_out() {
        assert_eq!(drawable("Glow serum ✨😍 सीरम now"), "Glow serum now");
    }

    #[test]
    fn arabic_is_joined_and_laid_out_right_to_left() {
        // Joined (contextual) forms differ from the isolated ones the characters map to.
        let face = face();
        let joined = shape("عطر", 40.0);
        let isolated: Vec<GlyphId> = "عطر".chars().filter_map(|c| face.glyph_index(c)).collect();
        assert_eq!(joined.glyphs.len(), 3);
        assert!(joined.glyphs.iter().any(|g| !isolated.contains(&g.0)), "no contextual forms");
        // Visual order: the first letter (ع) is drawn rightmost.
        let first = joined.glyphs.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|g| g.0);
        assert_ne!(first, face.glyph_index('ر'));
    }

    #[test]
    fn long_titles_shrink_then_end_in_an_ellipsis() {
        let short = fit("Vitamin C serum", 1000.0, 56.0, 32.0);
        assert!((short.scale - shape("x", 56.0).scale).abs() < 1e-6, "fits at full size");
        let long = fit(&"very long product title ".repeat(8), 600.0, 56.0, 32.0);
        assert!(long.width <= 600.0 && long.width > 300.0, "{}", long.width);
    }

    #[test]
    fn titles_wrap_onto_lines_and_the_last_one_ends_in_an_ellipsis() {
        let (lines, px) = wrap("Handmade leather tote bag, everyday size", 700.0, 56.0, 36.0, 3);
        assert!(lines.len() >= 2 && lines.len() <= 3 && (px - 56.0).abs() < 1e-3, "{} lines at {px}", lines.len());
        assert!(lines.iter().all(|l| l.width <= 700.0));
        let (long, px) = wrap(&"a rather long product title ".repeat(10), 700.0, 56.0, 36.0, 3);
        assert_eq!((long.len(), px), (3, 36.0));
        assert!(long.iter().all(|l| l.width <= 700.0));
        let (one, _) = wrap("Serum", 700.0, 56.0, 36.0, 3);
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn drawing_text_changes_pixels_inside_its_box_only() {
        let mut img = RgbImage::from_pixel(300, 100, image::Rgb([0, 0, 0]));
        let line = shape("Hi ₦", 48.0);
        draw(&mut img, &line, 10.0, 70.0, Rgb(255, 255, 255));
        let lit: Vec<(u32, u32)> =
            img.enumerate_pixels().filter(|(_, _, p)| p.0[0] > 128).map(|(x, y, _)| (x, y)).collect();
        assert!(lit.len() > 200, "{}", lit.len());
        assert!(lit.iter().all(|&(x, y)| x >= 10 && (x as f32) <= 12.0 + line.width && (20..=85).contains(&y)));
    }
}
