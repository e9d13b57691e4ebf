//! A conversation as a file: Markdown, JSON, plain text or PDF, with a
//! filename made from its title and date.

use serde::Serialize;

use super::catalog::micros_to_usd;
use crate::calendar;
use crate::error::{ApiError, ApiResult};
use crate::pdf::{Document, Font, PAGE_HEIGHT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Text,
    Pdf,
}

impl Format {
    pub fn parse(raw: &str) -> ApiResult<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "txt" | "text" => Ok(Format::Text),
            "pdf" => Ok(Format::Pdf),
            _ => Err(ApiError::invalid("invalid_value", "format", "`format` must be one of: markdown, json, txt, pdf")),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
            Format::Text => "text/plain; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Json => "json",
            Format::Text => "txt",
            Format::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportMessage {
    pub role: String,
    pub content: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub status: String,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub cost_micros: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportConversation {
    pub id: String,
    pub title: String,
    pub system_prompt: Option<String>,
    pub created_at: i64,
    pub messages: Vec<ExportMessage>,
}

impl ExportConversation {
    /// `webox-chat-how-to-bake-bread-2026-11-25.md`
    pub fn filename(&self, format: Format) -> String {
        let mut slug = String::new();
        for c in self.title.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
            if slug.len() >= 40 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = if slug.is_empty() { "conversation" } else { slug };
        format!("webox-chat-{slug}-{}.{}", calendar::date(self.created_at), format.extension())
    }

    fn total_cost(&self) -> i64 {
        self.messages.iter().map(|m| m.cost_micros).sum()
    }

    fn speaker(message: &ExportMessage) -> String {
        match (message.role.as_str(), message.model.as_deref()) {
            ("assistant", Some(model)) => format!("Assistant ({model})"),
            ("assistant", None) => "Assistant".to_owned(),
            _ => "You".to_owned(),
        }
    }

    fn note(message: &ExportMessage) -> Option<String> {
        (message.role == "assistant").then(|| {
            let mut note = format!("{} tokens in, {} out, ${}", message.tokens_in, message.tokens_out, micros_to_usd(message.cost_micros, 6));
            if message.status != "complete" {
                note.push_str(&format!(" — {}", message.status));
            }
            note
        })
    }

    pub fn render(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Markdown => self.markdown().into_bytes(),
            Format::Json => serde_json::to_vec_pretty(&serde_json::json!({"format": "webox.chat.v1", "conversation": self, "total_cost_usd": micros_to_usd(self.total_cost(), 6)}))
                .unwrap_or_default(),
            Format::Text => self.text().into_bytes(),
            Format::Pdf => self.pdf(),
        }
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n_Exported from WeBox — started {}_\n\n", self.title, calendar::rfc3339(self.created_at));
        if let Some(prompt) = self.system_prompt.as_deref().filter(|p| !p.is_empty()) {
            out.push_str("> **System prompt:** ");
            out.push_str(&prompt.replace('\n', "\n> "));
            out.push_str("\n\n");
        }
        for m in &self.messages {
            out.push_str(&format!("## {} — {}\n\n{}\n\n", Self::speaker(m), calendar::rfc3339(m.created_at), m.content));
            if let Some(note) = Self::note(m) {
                out.push_str(&format!("_{note}_\n\n"));
            }
        }
        out.push_str(&format!("---\nTotal cost: ${}\n", micros_to_usd(self.total_cost(), 6)));
        out
    }

    fn text(&self) -> String {
        let mut out = format!("{}\nExported from WeBox — started {}\n\n", self.title, calendar::rfc3339(self.created_at));
        if let Some(prompt) = self.system_prompt.as_deref().filter(|p| !p.is_empty()) {
            out.push_str(&format!("System prompt: {prompt}\n\n"));
        }
        for m in &self.messages {
            out.push_str(&format!("[{}] {}:\n{}\n", calendar::rfc3339(m.created_at), Self::speaker(m), m.content));
            if let Some(note) = Self::note(m) {
                out.push_str(&format!("({note})\n"));
            }
            out.push('\n');
        }
        out.push_str(&format!("Total cost: ${}\n", micros_to_usd(self.total_cost(), 6)));
        out
    }

    fn pdf(&self) -> Vec<u8> {
        const LEFT: f32 = 50.0;
        const TOP: f32 = PAGE_HEIGHT - 60.0;
        const BOTTOM: f32 = 60.0;
        const LINE: f32 = 14.0;
        // (font, size, text) lines, wrapped to the page width.
        let mut lines: Vec<(Font, f32, String)> = vec![(Font::Bold, 16.0, self.title.clone()), (Font::Regular, 9.0, format!("Exported from WeBox — started {}", calendar::rfc3339(self.created_at)))];
        lines.push((Font::Regular, 10.0, String::new()));
        if let Some(prompt) = self.system_prompt.as_deref().filter(|p| !p.is_empty()) {
            lines.push((Font::Bold, 10.0, "System prompt".into()));
            lines.extend(wrap(prompt, 95).into_iter().map(|l| (Font::Regular, 10.0, l)));
            lines.push((Font::Regular, 10.0, String::new()));
        }
        for m in &self.messages {
            lines.push((Font::Bold, 10.0, format!("{} — {}", Self::speaker(m), calendar::rfc3339(m.created_at))));
            lines.extend(wrap(&m.content, 95).into_iter().map(|l| (Font::Regular, 10.0, l)));
            if let Some(note) = Self::note(m) {
                lines.push((Font::Regular, 8.0, note));
            }
            lines.push((Font::Regular, 10.0, String::new()));
        }
        lines.push((Font::Bold, 10.0, format!("Total cost: ${}", micros_to_usd(self.total_cost(), 6))));

        let mut doc = Document::new(&self.title);
        let mut remaining = lines.as_slice();
        let mut page_number = 1;
        while !remaining.is_empty() {
            let mut page = doc.page();
            let mut y = TOP;
            while let Some(((font, size, text), rest)) = remaining.split_first() {
                if y < BOTTOM {
                    break;
                }
                page.text(LEFT, y, *size, *font, text);
                y -= if *size > 12.0 { LINE + 8.0 } else { LINE };
                remaining = rest;
            }
            page.text(LEFT, 30.0, 8.0, Font::Regular, &format!("{} — page {page_number}", self.title.chars().take(60).collect::<String>()));
            page.finish();
            page_number += 1;
        }
        doc.to_bytes()
    }
}

/// Splits text into lines of at most `width` characters, at spaces where
/// possible; paragraphs and blank lines are kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let mut word = word.to_owned();
            while word.chars().count() > width {
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                out.push(head);
            }
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(messages: usize) -> ExportConversation {
        ExportConversation {
            id: "c1".into(),
            title: "How do I bake bread?".into(),
            system_prompt: Some("You are a baker.".into()),
            created_at: 1_795_000_000,
            messages: (0..messages)
                .map(|i| ExportMessage {
                    role: if i % 2 == 0 { "user" } else { "assistant" }.into(),
                    content: format!("Message {i}: flour, water (and salt) — {}", "knead ".repeat(30)),
                    provider: (i % 2 == 1).then(|| "openai".into()),
                    model: (i % 2 == 1).then(|| "gpt-4o".into()),
                    status: "complete".into(),
                    tokens_in: 10,
                    tokens_out: 20,
                    cost_micros: if i % 2 == 1 { 225 } else { 0 },
                    created_at: 1_795_000_000 + i as i64,
                })
                .collect(),
        }
    }

    #[test]
    fn filenames_and_formats() {
        let c = conversation(2);
        assert_eq!(c.filename(Format::Markdown), format!("webox-chat-how-do-i-bake-bread-{}.md", calendar::date(c.created_at)));
        assert_eq!(Format::parse("PDF").unwrap(), Format::Pdf);
        assert_eq!(Format::parse("docx").unwrap_err().field.as_deref(), Some("format"));
    }

    #[test]
    fn markdown_text_and_json_carry_every_message() {
        let c = conversation(4);
        let md = String::from_utf8(c.render(Format::Markdown)).unwrap();
        assert!(md.starts_with("# How do I bake bread?"));
        assert!(md.contains("## Assistant (gpt-4o)") && md.contains("Message 3:") && md.contains("Total cost: $0.000450"));
        let txt = String::from_utf8(c.render(Format::Text)).unwrap();
        assert!(txt.contains("System prompt: You are a baker.") && txt.contains("You:\nMessage 0"));
        let json: serde_json::Value = serde_json::from_slice(&c.render(Format::Json)).unwrap();
        assert_eq!(json["conversation"]["messages"].as_array().unwrap().len(), 4);
        assert_eq!(json["total_cost_usd"], "0.000450");
    }

    #[test]
    fn long_conversations_make_several_pdf_pages() {
        let pdf = conversation(40).render(Format::Pdf);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type /Page ").count();
        assert!(pages > 2, "{pages} pages");
        assert!(text.contains("Message 39"));
    }

    #[test]
    fn wrapping_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("a\n\nb", 10), vec!["a", "", "b"]);
    }
}
