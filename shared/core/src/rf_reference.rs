//! ISO 11649 structured creditor references ("RF" references) for bank
//! transfers: `RF` + two check digits + up to 21 letters and digits. The
//! check digits (ISO 7064 MOD 97-10, as in IBANs) catch every single
//! mistyped digit and swap of neighbouring digits in a numeric reference, so
//! a payment cannot be matched to the wrong order silently. WeBox's order
//! references are numeric for that reason (letters become two digits each,
//! and a letter typed for a digit can slip through).

fn digits_of(s: &str) -> Option<String> {
    s.chars()
        .map(|c| match c {
            '0'..='9' => Some(c.to_string()),
            'A'..='Z' => Some((c as u32 - 'A' as u32 + 10).to_string()),
            _ => None,
        })
        .collect()
}

fn mod97(number: &str) -> u32 {
    number.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97)
}

/// The RF reference for `body` (1–21 of A–Z, 0–9), or `None` if it cannot be one.
pub fn create(body: &str) -> Option<String> {
    let body = body.to_uppercase();
    if body.is_empty() || body.len() > 21 {
        return None;
    }
    let check = 98 - mod97(&digits_of(&format!("{body}RF00"))?);
    Some(format!("RF{check:02}{body}"))
}

/// Whether a reference (spaces allowed, any case) is a valid RF reference.
pub fn is_valid(reference: &str) -> bool {
    let compact: String = reference.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if compact.len() < 5 || compact.len() > 25 || !compact.starts_with("RF") {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    digits_of(&rearranged).is_some_and(|d| mod97(&d) == 1)
}

/// `RF18539007547034` → `RF18 5390 0754 7034`, as printed for people.
pub fn grouped(reference: &str) -> String {
    reference.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_example() {
        // The ISO 11649 example: creditor reference 539007547034 → RF18539007547034.
        assert_eq!(create("539007547034").as_deref(), Some("RF18539007547034"));
        assert!(is_valid("RF18 5390 0754 7034"));
        assert_eq!(grouped("RF18539007547034"), "RF18 5390 0754 7034");
    }

    #[test]
    fn every_single_mistyped_digit_and_neighbour_swap_is_caught() {
        let reference = create("202611240000042").unwrap();
        assert!(is_valid(&reference));
        for i in 2..reference.len() {
            for c in '0'..='9' {
                let mut typo: Vec<char> = reference.chars().collect();
                if typo[i] == c {
                    continue;
                }
                typo[i] = c;
                let typo: String = typo.into_iter().collect();
                assert!(!is_valid(&typo), "{typo} passed");
            }
        }
        for i in 4..reference.len() - 1 {
            let mut swapped: Vec<char> = reference.chars().collect();
            if swapped[i] == swapped[i + 1] {
                continue;
            }
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert!(!is_valid(&swapped), "{swapped} passed");
        }
    }

    #[test]
    fn refuses_what_cannot_be_a_reference() {
        assert_eq!(create(""), None);
        assert_eq!(create(&"1".repeat(22)), None);
        assert_eq!(create("ab-c"), None);
        assert!(!is_valid("RF00539007547034"));
        assert!(!is_valid("XX18539007547034"));
    }
}
