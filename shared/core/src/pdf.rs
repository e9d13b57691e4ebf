//! A small PDF 1.4 writer: A4 pages of text in the standard Helvetica fonts
//! (WinAnsi encoding, so Latin-1 and `€` print as themselves) and ruled
//! lines. Enough for invoices and exports; every file has a correct
//! cross-reference table, so any reader opens it.

/// Page size in points (A4).
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Average glyph width as a share of the font size (for right-aligning
    /// numbers; Helvetica digits are exactly 0.556 em).
    fn digit_width(self) -> f32 {
        0.556
    }
}

#[derive(Default)]
pub struct Document {
    title: String,
    pages: Vec<String>,
}

/// One page's content stream being written.
pub struct Page<'a> {
    doc: &'a mut Document,
    ops: String,
}

/// A character in WinAnsiEncoding; what it cannot show becomes `?`.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{A0}'..='\u{FF}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        '\t' | '\n' | '\r' => b' ',
        _ => b'?',
    }
}

/// A PDF string literal: `(...)` with `\`, `(` and `)` escaped, bytes in
/// WinAnsi; bytes above 0x7E written as octal escapes so the file stays ASCII.
fn literal(text: &str) -> String {
    let mut out = String::from("(");
    for b in text.chars().map(win_ansi) {
        match b {
            b'\\' | b'(' | b')' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7E => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

impl Document {
    pub fn new(title: &str) -> Self {
        Self { title: title.to_owned(), pages: Vec::new() }
    }

    pub fn page(&mut self) -> Page<'_> {
        Page { doc: self, ops: String::new() }
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The finished file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let pages = if self.pages.is_empty() { vec![String::new()] } else { self.pages.clone() };
        // Objects: 1 catalog, 2 page tree, 3-4 fonts, 5 info, then per page
        // a page object and its content stream.
        let mut objects: Vec<String> = Vec::new();
        let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
        objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
        objects.push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()));
        objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into());
        objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".into());
        objects.push(format!("<< /Title {} /Producer (WeBox) >>", literal(&self.title)));
        for (i, ops) in pages.iter().enumerate() {
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + 2 * i
            ));
            objects.push(format!("<< /Length {} >>\nstream\n{ops}\nendstream", ops.len() + 1));
        }
        let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
        out
    }
}

impl Page<'_> {
    /// Text with its baseline starting at (x, y), y measured from the bottom.
    pub fn text(&mut self, x: f32, y: f32, size: f32, font: Font, text: &str) {
        self.ops.push_str(&format!("BT /{} {size} Tf {x:.1} {y:.1} Td {} Tj ET\n", font.resource(), literal(text)));
    }

    /// Text ending at `right` (approximate width; exact for digits).
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, font: Font, text: &str) {
        let width = text.chars().count() as f32 * size * font.digit_width();
        self.text(right - width, y, size, font, text);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.ops.push_str(&format!("{width} w {x1:.1} {y1:.1} m {x2:.1} {y2:.1} l S\n"));
    }

    /// Adds the page to the document.
    pub fn finish(self) {
        self.doc.pages.push(self.ops);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_encoded() {
        assert_eq!(literal("a(b)c\\"), "(a\\(b\\)c\\\\)");
        assert_eq!(literal("19,99 €"), "(19,99 \\200)");
        assert_eq!(literal("Café"), "(Caf\\351)");
        assert_eq!(literal("日本"), "(??)");
    }

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let mut doc = Document::new("Test");
        for n in 0..2 {
            let mut page = doc.page();
            page.text(50.0, 800.0, 12.0, Font::Bold, &format!("Page {n}"));
            page.line(50.0, 790.0, 545.0, 790.0, 0.5);
            page.finish();
        }
        let bytes = doc.to_bytes();
        // Past the binary comment on line 2 the file is ASCII.
        let body_start = bytes.iter().position(|b| *b == b'\n').unwrap() + 6;
        let text = std::str::from_utf8(&bytes[body_start..]).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.4\n%") && text.ends_with("%%EOF\n"));
        let startxref: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        let table = std::str::from_utf8(&bytes[startxref..]).unwrap();
        assert!(table.starts_with("xref\n0 10\n"), "5 fixed objects + 2 per page");
        let entries: Vec<usize> = table.lines().skip(3).take(9).map(|l| l[..10].parse().unwrap()).collect();
        for (i, offset) in entries.iter().enumerate() {
            assert!(bytes[*offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
        }
        // Each stream's /Length is the exact byte count up to endstream.
        for part in text.split("stream\n").skip(1).filter(|p| p.contains("endstream")) {
            let body = &part[..part.find("endstream").unwrap()];
            assert!(text.contains(&format!("/Length {} >>", body.len())));
        }
    }
}
