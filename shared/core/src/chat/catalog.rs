//! The models each provider offers here and what they cost, in one place.
//! Prices are US dollars per million tokens, kept as integer micro-dollars
//! (1 USD = 1,000,000); a message's cost is integer micro-dollars too.
//! `{PREFIX}_CHAT_MODELS` (e.g. `OPENAI_CHAT_MODELS`) replaces a provider's
//! list: `model:input:output,...` with prices in USD per million tokens.

use serde::Serialize;

use super::ChatProvider;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    pub id: String,
    /// Micro-dollars per million input tokens.
    #[serde(skip)]
    pub input_micros_per_million: u64,
    #[serde(skip)]
    pub output_micros_per_million: u64,
}

/// (model, input USD/Mtok, output USD/Mtok), the first being the default.
fn defaults(provider: ChatProvider) -> &'static [(&'static str, u64, u64)] {
    match provider {
        ChatProvider::Openai => &[
            ("gpt-4o", 2_500_000, 10_000_000),
            ("gpt-4o-mini", 150_000, 600_000),
            ("gpt-4-turbo", 10_000_000, 30_000_000),
            ("gpt-3.5-turbo", 500_000, 1_500_000),
        ],
        ChatProvider::Anthropic => &[
            ("claude-sonnet-4-5", 3_000_000, 15_000_000),
            ("claude-haiku-4-5", 1_000_000, 5_000_000),
            ("claude-opus-4-1", 15_000_000, 75_000_000),
        ],
        ChatProvider::Google => &[("gemini-2.5-flash", 300_000, 2_500_000), ("gemini-2.5-pro", 1_250_000, 10_000_000)],
        ChatProvider::Mistral => &[("mistral-large-latest", 2_000_000, 6_000_000), ("mistral-small-latest", 200_000, 600_000)],
        ChatProvider::Groq => &[("llama-3.3-70b-versatile", 590_000, 790_000), ("llama-3.1-8b-instant", 50_000, 80_000)],
        ChatProvider::WorkersAi => &[("@cf/meta/llama-3.1-8b-instruct", 282_000, 827_000)],
    }
}

/// Parses a price like `2.50` into micro-dollars.
fn parse_price(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || fraction.len() > 6 || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<6}").parse().ok()?;
    whole.checked_mul(1_000_000)?.checked_add(fraction)
}

/// The provider's models: `configured` (the `{PREFIX}_CHAT_MODELS` value)
/// when set, else the defaults. A model listed without prices keeps the
/// default price if it has one, else costs nothing to record.
pub fn models(provider: ChatProvider, configured: Option<&str>) -> Result<Vec<Model>, String> {
    let known = |id: &str| defaults(provider).iter().find(|(m, _, _)| *m == id).map(|(_, i, o)| (*i, *o));
    let Some(list) = configured.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(defaults(provider).iter().map(|(id, i, o)| Model { id: (*id).to_owned(), input_micros_per_million: *i, output_micros_per_million: *o }).collect());
    };
    let mut out = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let mut parts = entry.split(':');
        let id = parts.next().unwrap_or_default().trim().to_owned();
        let prices: Vec<&str> = parts.collect();
        let (input, output) = match prices.as_slice() {
            [] => known(&id).unwrap_or((0, 0)),
            [i, o] => (
                parse_price(i).ok_or_else(|| format!("{}_CHAT_MODELS: bad input price in `{entry}`", provider.config_prefix()))?,
                parse_price(o).ok_or_else(|| format!("{}_CHAT_MODELS: bad output price in `{entry}`", provider.config_prefix()))?,
            ),
            _ => return Err(format!("{}_CHAT_MODELS: `{entry}` must be `model` or `model:input:output`", provider.config_prefix())),
        };
        out.push(Model { id, input_micros_per_million: input, output_micros_per_million: output });
    }
    Ok(out)
}

/// The model named `id` among `models`, or a 400 listing the choices.
pub fn find<'a>(models: &'a [Model], provider: ChatProvider, id: &str) -> ApiResult<&'a Model> {
    models.iter().find(|m| m.id == id.trim()).ok_or_else(|| {
        let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
        ApiError::invalid("unknown_model", "model", format!("{} models here are: {}", provider.name(), ids.join(", ")))
    })
}

impl Model {
    /// Micro-dollars for one message, rounded up.
    pub fn cost_micros(&self, tokens_in: u64, tokens_out: u64) -> i64 {
        let total = u128::from(tokens_in) * u128::from(self.input_micros_per_million) + u128::from(tokens_out) * u128::from(self.output_micros_per_million);
        i64::try_from(total.div_ceil(1_000_000)).unwrap_or(i64::MAX)
    }

    pub fn input_usd_per_million(&self) -> String {
        micros_to_usd(self.input_micros_per_million as i64, 2)
    }

    pub fn output_usd_per_million(&self) -> String {
        micros_to_usd(self.output_micros_per_million as i64, 2)
    }
}

/// Micro-dollars as a decimal string with at least `min_decimals` decimals
/// and no more than six: `250` → `"0.000250"` at 6, `2_500_000` → `"2.50"` at 2.
pub fn micros_to_usd(micros: i64, min_decimals: usize) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let mut fraction = format!("{:06}", abs % 1_000_000);
    while fraction.len() > min_decimals && fraction.ends_with('0') {
        fraction.pop();
    }
    if fraction.is_empty() {
        format!("{sign}{}", abs / 1_000_000)
    } else {
        format!("{sign}{}.{fraction}", abs / 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_default_model_with_prices() {
        for provider in ChatProvider::ALL {
            let list = models(provider, None).unwrap();
            assert!(!list.is_empty());
            assert!(list.iter().all(|m| m.output_micros_per_million > 0), "{provider:?}");
        }
    }

    #[test]
    fn cost_is_rounded_up_micro_dollars() {
        let gpt4o = &models(ChatProvider::Openai, None).unwrap()[0];
        // 1000 in × $2.50/M + 500 out × $10/M = $0.0025 + $0.005
        assert_eq!(gpt4o.cost_micros(1000, 500), 7500);
        assert_eq!(gpt4o.cost_micros(1, 0), 3);
        assert_eq!(gpt4o.cost_micros(0, 0), 0);
        assert_eq!(micros_to_usd(7500, 6), "0.007500");
        assert_eq!(micros_to_usd(2_500_000, 2), "2.50");
        assert_eq!(micros_to_usd(282_000, 2), "0.282");
    }

    #[test]
    fn configured_lists_replace_defaults() {
        let list = models(ChatProvider::Openai, Some("gpt-4o, my-fine-tune:1.5:3.25")).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].input_micros_per_million, 2_500_000);
        assert_eq!((list[1].input_micros_per_million, list[1].output_micros_per_million), (1_500_000, 3_250_000));
        assert!(models(ChatProvider::Openai, Some("x:1")).is_err());
        assert!(models(ChatProvider::Openai, Some("x:1:abc")).is_err());
        assert_eq!(models(ChatProvider::Groq, Some("  ")).unwrap().len(), 2);
    }

    #[test]
    fn unknown_models_list_the_choices() {
        let list = models(ChatProvider::Mistral, None).unwrap();
        let err = find(&list, ChatProvider::Mistral, "gpt-4o").unwrap_err();
        assert_eq!((err.code, err.field.as_deref()), ("unknown_model", Some("model")));
        assert!(err.message.contains("mistral-large-latest"));
    }
}
