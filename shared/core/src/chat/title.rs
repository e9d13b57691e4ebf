//! A conversation's title, made from its first message: the first line,
//! whitespace collapsed, cut at a word boundary.

const MAX_CHARS: usize = 60;

pub fn from_first_message(message: &str) -> String {
    let line = message.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut title = String::new();
    for word in &words {
        let next = title.chars().count() + usize::from(!title.is_empty()) + word.chars().count();
        if next > MAX_CHARS {
            if title.is_empty() {
                title = word.chars().take(MAX_CHARS).collect();
            }
            title.push('…');
            return title;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    if title.is_empty() {
        "New conversation".to_owned()
    } else {
        title
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(from_first_message("  How do   I bake bread?\nDetails follow"), "How do I bake bread?");
        assert_eq!(from_first_message("\n\n   "), "New conversation");
        let long = "word ".repeat(30);
        let t = from_first_message(&long);
        assert!(t.ends_with('…') && t.chars().count() <= MAX_CHARS + 1);
        assert_eq!(from_first_message(&"x".repeat(100)).chars().count(), MAX_CHARS + 1);
    }
}
