//! Invoices: the number (`WB-2026-000042`: sequential per year, given out
//! in the transaction that marks the order paid), the tax included in a
//! price, and the PDF.

use crate::money;
use crate::pdf::{Document, Font, PAGE_HEIGHT, PAGE_WIDTH};

pub fn number(year: i64, sequence: i64) -> String {
    format!("WB-{year}-{sequence:06}")
}

/// The tax contained in a tax-inclusive amount at `rate_bps` basis points
/// (2000 = 20 %), rounded half up to the minor unit: `total × rate / (1 + rate)`.
pub fn included_tax(total_minor: i64, rate_bps: i64) -> i64 {
    if rate_bps <= 0 {
        return 0;
    }
    let numerator = i128::from(total_minor) * i128::from(rate_bps);
    let denominator = i128::from(10_000 + rate_bps);
    ((2 * numerator + denominator) / (2 * denominator)) as i64
}

pub struct Party<'a> {
    pub name: &'a str,
    /// Address, tax id, email: one line each.
    pub lines: Vec<String>,
}

pub struct Line<'a> {
    pub title: &'a str,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

pub struct Invoice<'a> {
    pub number: String,
    /// `2026-11-25`
    pub issued_on: String,
    pub order_id: &'a str,
    pub seller: Party<'a>,
    pub buyer: Party<'a>,
    pub lines: Vec<Line<'a>>,
    pub currency: &'a str,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub promo_code: Option<&'a str>,
    pub total_minor: i64,
    /// Tax included in the prices, if the seller charges it.
    pub tax_rate_bps: Option<i64>,
    /// "Card (Stripe)", "PayPal", "Bank transfer".
    pub payment_method: &'a str,
    pub paid_on: String,
}

fn amount(minor: i64, currency: &str) -> String {
    format!("{} {currency}", money::to_decimal(minor, currency))
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    }
}

const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_WIDTH - 50.0;
const BOTTOM: f32 = 80.0;

impl Invoice<'_> {
    pub fn to_pdf(&self) -> Vec<u8> {
        let mut doc = Document::new(&format!("Invoice {}", self.number));
        let mut page = doc.page();
        let mut y = PAGE_HEIGHT - 60.0;
        page.text(LEFT, y, 22.0, Font::Bold, "INVOICE");
        page.text_right(RIGHT, y, 11.0, Font::Bold, &self.number);
        y -= 18.0;
        page.text_right(RIGHT, y, 10.0, Font::Regular, &format!("Issued {}", self.issued_on));
        y -= 14.0;
        page.text_right(RIGHT, y, 10.0, Font::Regular, &format!("Order {}", self.order_id));
        y -= 30.0;
        let top = y;
        for (x, label, party) in [(LEFT, "Seller", &self.seller), (PAGE_WIDTH / 2.0, "Billed to", &self.buyer)] {
            let mut py = top;
            page.text(x, py, 9.0, Font::Bold, label);
            py -= 14.0;
            page.text(x, py, 11.0, Font::Bold, &clip(party.name, 40));
            for line in &party.lines {
                py -= 13.0;
                page.text(x, py, 10.0, Font::Regular, &clip(line, 45));
            }
            y = y.min(py);
        }
        y -= 34.0;
        let header = |page: &mut crate::pdf::Page<'_>, y: f32| {
            page.text(LEFT, y, 10.0, Font::Bold, "Description");
            page.text_right(360.0, y, 10.0, Font::Bold, "Qty");
            page.text_right(450.0, y, 10.0, Font::Bold, "Unit price");
            page.text_right(RIGHT, y, 10.0, Font::Bold, "Amount");
            page.line(LEFT, y - 6.0, RIGHT, y - 6.0, 0.8);
        };
        header(&mut page, y);
        y -= 24.0;
        for line in &self.lines {
            if y < BOTTOM + 90.0 {
                page.text(LEFT, BOTTOM - 30.0, 8.0, Font::Regular, &format!("{} — continued on the next page", self.number));
                page.finish();
                page = doc.page();
                y = PAGE_HEIGHT - 60.0;
                header(&mut page, y);
                y -= 24.0;
            }
            page.text(LEFT, y, 10.0, Font::Regular, &clip(line.title, 48));
            page.text_right(360.0, y, 10.0, Font::Regular, &line.quantity.to_string());
            page.text_right(450.0, y, 10.0, Font::Regular, &amount(line.unit_price_minor, self.currency));
            page.text_right(RIGHT, y, 10.0, Font::Regular, &amount(line.line_total_minor, self.currency));
            y -= 18.0;
        }
        page.line(300.0, y + 8.0, RIGHT, y + 8.0, 0.5);
        y -= 8.0;
        let total_row = |page: &mut crate::pdf::Page<'_>, y: &mut f32, label: &str, value: String, font: Font| {
            page.text(300.0, *y, 10.0, font, label);
            page.text_right(RIGHT, *y, 10.0, font, &value);
            *y -= 16.0;
        };
        total_row(&mut page, &mut y, "Subtotal", amount(self.subtotal_minor, self.currency), Font::Regular);
        if self.discount_minor > 0 {
            let label = match self.promo_code {
                Some(code) => format!("Discount ({code})"),
                None => "Discount".to_owned(),
            };
            total_row(&mut page, &mut y, &label, format!("-{}", amount(self.discount_minor, self.currency)), Font::Regular);
        }
        total_row(&mut page, &mut y, "Total", amount(self.total_minor, self.currency), Font::Bold);
        if let Some(rate) = self.tax_rate_bps.filter(|r| *r > 0) {
            let tax = included_tax(self.total_minor, rate);
            let label = format!("incl. VAT {}.{:02} %", rate / 100, rate % 100);
            total_row(&mut page, &mut y, &label, amount(tax, self.currency), Font::Regular);
        }
        y -= 20.0;
        page.text(LEFT, y, 10.0, Font::Regular, &format!("Paid on {} by {}.", self.paid_on, self.payment_method));
        if self.tax_rate_bps.is_none_or(|r| r <= 0) {
            y -= 14.0;
            page.text(LEFT, y, 9.0, Font::Regular, "No VAT charged.");
        }
        page.text(LEFT, BOTTOM - 30.0, 8.0, Font::Regular, &format!("{} — {}", self.seller.name, self.number));
        page.finish();
        doc.to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_padded_per_year() {
        assert_eq!(number(2026, 42), "WB-2026-000042");
        assert_eq!(number(2027, 1), "WB-2027-000001");
    }

    #[test]
    fn included_tax_is_rounded_half_up_in_integers() {
        assert_eq!(included_tax(12_000, 2_000), 2_000);
        assert_eq!(included_tax(1_999, 2_000), 333); // 333.17
        assert_eq!(included_tax(1_000, 550), 52); // 52.13
        assert_eq!(included_tax(1_000, 0), 0);
        assert_eq!(included_tax(i64::MAX / 2, 2_000), ((i128::from(i64::MAX / 2) * 2000 * 2 + 12_000) / 24_000) as i64);
    }

    fn sample(lines: usize) -> Vec<u8> {
        let titles: Vec<String> = (0..lines).map(|i| format!("Product ({i}) — café")).collect();
        Invoice {
            number: number(2026, 7),
            issued_on: "2026-11-25".into(),
            order_id: "o1",
            seller: Party { name: "WeBox SAS", lines: vec!["1 rue de la Paix".into(), "75002 Paris".into()] },
            buyer: Party { name: "Ada", lines: vec!["ada@example.com".into()] },
            lines: titles.iter().map(|t| Line { title: t, quantity: 2, unit_price_minor: 1000, line_total_minor: 2000 }).collect(),
            currency: "EUR",
            subtotal_minor: 2000 * lines as i64,
            discount_minor: 100,
            promo_code: Some("SAVE1"),
            total_minor: 2000 * lines as i64 - 100,
            tax_rate_bps: Some(2000),
            payment_method: "Card (Stripe)",
            paid_on: "2026-11-25".into(),
        }
        .to_pdf()
    }

    #[test]
    fn the_pdf_holds_the_invoice_and_flows_onto_more_pages() {
        let one = String::from_utf8_lossy(&sample(2)).into_owned();
        for needle in ["(WB-2026-000007)", "(WeBox SAS)", "(Ada)", "(Product \\(1\\) \\227 caf\\351)", "(39.00 EUR)", "(-1.00 EUR)", "(incl. VAT 20.00 %)", "(6.50 EUR)"] {
            assert!(one.contains(needle), "{needle} missing");
        }
        assert!(one.contains("/Count 1 "));
        let many = String::from_utf8_lossy(&sample(60)).into_owned();
        assert!(many.contains("/Count 3 "), "60 lines take three pages");
    }
}
