//! Hashtags (`#` + letters, digits, underscores; lower-cased, deduplicated, at least one letter)
//! and @mentions.

pub fn hashtags(nfc: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut chars = nfc.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '#' {
            continue;
        }
        let mut tag = String::new();
        while let Some(&(_, n)) = chars.peek() {
            if n.is_alphanumeric() || n == '_' {
                tag.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if tag.chars().any(char::is_alphabetic) {
            let t = format!("#{}", tag.to_lowercase());
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

pub fn mentions(nfc: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev = ' ';
    let mut chars = nfc.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '@' && !prev.is_alphanumeric() {
            let mut handle = String::new();
            while let Some(&n) = chars.peek() {
                if n.is_ascii_alphanumeric() || n == '_' || n == '.' {
                    handle.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            let handle = handle.trim_end_matches('.').to_lowercase();
            if !handle.is_empty() && !out.contains(&format!("@{handle}")) {
                out.push(format!("@{handle}"));
            }
            prev = ' ';
            continue;
        }
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_follow_the_guide() {
        assert_eq!(
            hashtags("#ootd#fyp our #1 seller #Skincare✨ #BookTok … #booktok #reseñaHonesta #عروض"),
            vec!["#ootd", "#fyp", "#skincare", "#booktok", "#reseñahonesta", "#عروض"]
        );
    }

    #[test]
    fn mentions_skip_emails() {
        assert_eq!(
            mentions("by @mamasauce_ke. mail me at a@b.com, follow @North.Beard"),
            vec!["@mamasauce_ke", "@north.beard"]
        );
    }
}
