//! Audio generation: speech, music and sound effects from ElevenLabs
//! (`/v1/text-to-speech/{voice_id}`, `/v1/sound-generation`, `/v1/music`)
//! and Stability's Stable Audio 2 (`/v2beta/audio/stable-audio-2/text-to-audio`),
//! answered at once; songs from Suno and Udio, which have no official API,
//! through gateways as asynchronous tasks (`music.rs`). The options each
//! takes (refused with the allowed values otherwise), what it costs, and
//! the requests.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::json::JsonObject;
use crate::media::{allowed, allowed_for, not_for};
use crate::provider_failure::Named;

pub const MAX_TEXT_CHARS: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioProvider {
    Elevenlabs,
    StableAudio,
    /// Through a suno-api gateway (github.com/gcui-art/suno-api).
    Suno,
    /// Through PiAPI's task API (`music-u`).
    Udio,
}

impl Named for AudioProvider {
    fn name(self) -> &'static str {
        match self {
            AudioProvider::Elevenlabs => "ElevenLabs",
            AudioProvider::StableAudio => "Stable Audio",
            AudioProvider::Suno => "Suno (suno-api gateway)",
            AudioProvider::Udio => "Udio (through PiAPI)",
        }
    }
}

impl AudioProvider {
    pub const ALL: [AudioProvider; 4] = [AudioProvider::Elevenlabs, AudioProvider::StableAudio, AudioProvider::Suno, AudioProvider::Udio];
    /// The ids, for filters.
    pub const ALL_IDS: [&'static str; 4] = [AudioProvider::Elevenlabs.id(), AudioProvider::StableAudio.id(), AudioProvider::Suno.id(), AudioProvider::Udio.id()];

    pub const fn id(self) -> &'static str {
        match self {
            AudioProvider::Elevenlabs => "elevenlabs",
            AudioProvider::StableAudio => "stable_audio",
            AudioProvider::Suno => "suno",
            AudioProvider::Udio => "udio",
        }
    }

    pub fn parse(raw: &str) -> ApiResult<Self> {
        Self::ALL.into_iter().find(|p| p.id() == raw.trim()).ok_or_else(|| allowed("provider", &Self::ALL.map(|p| p.id())))
    }

    /// Configuration: `ELEVENLABS_API_*`; Stable Audio is Stability's API
    /// and key (`STABILITY_API_*`); `SUNO_API_BASE` is the operator's
    /// suno-api gateway and `SUNO_API_KEY` a suno.com session cookie;
    /// `UDIO_API_*` is PiAPI's URL and key.
    pub fn config_prefix(self) -> &'static str {
        match self {
            AudioProvider::Elevenlabs => "ELEVENLABS",
            AudioProvider::StableAudio => "STABILITY",
            AudioProvider::Suno => "SUNO",
            AudioProvider::Udio => "UDIO",
        }
    }

    /// The production URL; empty for Suno, whose gateway each operator
    /// hosts (`SUNO_API_BASE` must be set).
    pub fn default_base(self) -> &'static str {
        match self {
            AudioProvider::Elevenlabs => "https://api.elevenlabs.io",
            AudioProvider::StableAudio => "https://api.stability.ai",
            AudioProvider::Suno => "",
            AudioProvider::Udio => "https://api.piapi.ai",
        }
    }

    pub fn key_provider(self) -> crate::api_keys::Provider {
        match self {
            AudioProvider::Elevenlabs => crate::api_keys::Provider::Elevenlabs,
            AudioProvider::StableAudio => crate::api_keys::Provider::Stability,
            AudioProvider::Suno => crate::api_keys::Provider::Suno,
            AudioProvider::Udio => crate::api_keys::Provider::Udio,
        }
    }

    /// Songs are made as tasks followed by a `GenerationJob`; the others
    /// answer while the request waits.
    pub fn is_task(self) -> bool {
        matches!(self, AudioProvider::Suno | AudioProvider::Udio)
    }

    pub fn audio_types(self) -> &'static [AudioType] {
        match self {
            AudioProvider::Elevenlabs => &[AudioType::Speech, AudioType::Music, AudioType::Sfx],
            AudioProvider::StableAudio => &[AudioType::Music, AudioType::Sfx],
            AudioProvider::Suno | AudioProvider::Udio => &[AudioType::Music],
        }
    }

    /// Models per audio type, the first being the default.
    pub fn models(self, audio_type: AudioType) -> &'static [&'static str] {
        match (self, audio_type) {
            (AudioProvider::Elevenlabs, AudioType::Speech) => &["eleven_multilingual_v2", "eleven_turbo_v2_5", "eleven_flash_v2_5"],
            (AudioProvider::Elevenlabs, AudioType::Music) => &["music_v1"],
            (AudioProvider::Elevenlabs, AudioType::Sfx) => &["eleven_text_to_sound_v2"],
            (AudioProvider::StableAudio, _) => &["stable-audio-2"],
            (AudioProvider::Suno, _) => &["chirp-v3-5", "chirp-v3-0"],
            (AudioProvider::Udio, _) => &["music-u"],
        }
    }

    pub fn output_formats(self) -> &'static [&'static str] {
        match self {
            AudioProvider::Elevenlabs => &["mp3_44100_128", "mp3_44100_192", "mp3_22050_32", "wav_44100", "wav_24000"],
            AudioProvider::StableAudio => &["mp3", "wav"],
            AudioProvider::Suno | AudioProvider::Udio => &["mp3"],
        }
    }

    /// (min, max, default) seconds, where a duration can be chosen.
    pub fn duration_range(self, audio_type: AudioType) -> Option<(f64, f64, f64)> {
        match (self, audio_type) {
            (AudioProvider::Elevenlabs, AudioType::Speech) => None,
            (AudioProvider::Elevenlabs, AudioType::Sfx) => Some((0.5, 30.0, 5.0)),
            (AudioProvider::Elevenlabs, AudioType::Music) => Some((10.0, 300.0, 30.0)),
            (AudioProvider::StableAudio, _) => Some((1.0, 190.0, 30.0)),
            (AudioProvider::Suno | AudioProvider::Udio, _) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioType {
    Speech,
    Music,
    Sfx,
}

impl AudioType {
    pub fn as_str(self) -> &'static str {
        match self {
            AudioType::Speech => "speech",
            AudioType::Music => "music",
            AudioType::Sfx => "sfx",
        }
    }
}


/// A validated audio request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioRequest {
    pub provider: AudioProvider,
    pub audio_type: AudioType,
    pub model: String,
    /// The text to speak, or the description of the music / sound.
    pub prompt: String,
    /// Recorded with the generation (voice, language, duration, format...).
    pub parameters: Map<String, Value>,
    pub voice_id: Option<String>,
    pub language: Option<String>,
    pub duration_seconds: Option<f64>,
    pub output_format: String,
    pub seed: Option<i64>,
    /// Songs (Suno, Udio): no vocals.
    pub instrumental: bool,
    /// Songs: the words to sing, instead of lyrics written for the prompt.
    pub lyrics: Option<String>,
    /// Suno, with lyrics: the song's title.
    pub title: Option<String>,
    /// Udio: styles to avoid.
    pub negative_tags: Option<String>,
}

const FIELDS: &[&str] = &[
    "provider", "audio_type", "model", "prompt", "text", "voice_id", "language", "duration", "output_format", "seed", "instrumental", "lyrics", "title", "negative_tags",
];
pub const MAX_LYRICS_CHARS: usize = 3_000;

impl AudioRequest {
    pub fn parse(body: &JsonObject) -> ApiResult<Self> {
        body.only_keys(FIELDS, "")?;
        let provider = AudioProvider::parse(body.required_str("provider")?)?;
        let types: Vec<&str> = provider.audio_types().iter().map(|t| t.as_str()).collect();
        let audio_type = match body.optional_str("audio_type")?.map(str::trim) {
            None => provider.audio_types()[0],
            Some(t) => provider.audio_types().iter().copied().find(|a| a.as_str() == t).ok_or_else(|| allowed_for("audio_type", provider.name(), &types))?,
        };
        let what = format!("{} {}", provider.name(), audio_type.as_str());
        let models = provider.models(audio_type);
        let model = body.optional_str("model")?.map(|m| m.trim().to_owned()).unwrap_or_else(|| models[0].to_owned());
        if !models.contains(&model.as_str()) {
            return Err(allowed_for("model", &what, models));
        }
        // `text` reads better for speech; either name is accepted.
        let field = if body.get("text").is_some() { "text" } else { "prompt" };
        let prompt = body.optional_str(field)?.map(str::trim).unwrap_or_default().to_owned();
        if prompt.is_empty() {
            return Err(ApiError::invalid(if body.get(field).is_some() { "empty_field" } else { "missing_field" }, "prompt", "`prompt` (the text or description) is required"));
        }
        let max = if provider.is_task() { MAX_LYRICS_CHARS } else { MAX_TEXT_CHARS };
        if prompt.chars().count() > max {
            return Err(ApiError::invalid("too_long", field, format!("`{field}` must be at most {max} characters")));
        }
        let mut parameters = Map::new();
        parameters.insert("audio_type".into(), json!(audio_type.as_str()));

        let voice_id = body.optional_str("voice_id")?.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        match (audio_type, &voice_id) {
            (AudioType::Speech, None) => return Err(ApiError::missing_field("voice_id")),
            (AudioType::Speech, Some(v)) if v.len() > 64 || !v.chars().all(|c| c.is_ascii_alphanumeric()) => {
                return Err(ApiError::invalid("invalid_value", "voice_id", "`voice_id` must be a voice id from /api/generation/voices"))
            }
            (AudioType::Speech, Some(v)) => {
                parameters.insert("voice_id".into(), json!(v));
            }
            (_, Some(_)) => return Err(not_for("voice_id", &what)),
            (_, None) => {}
        }

        let language = body.optional_str("language")?.map(|l| l.trim().to_ascii_lowercase()).filter(|l| !l.is_empty());
        if let Some(language) = &language {
            if !model.ends_with("v2_5") {
                return Err(ApiError::invalid("unsupported_option", "language", format!("`language` can be set with eleven_turbo_v2_5 or eleven_flash_v2_5, not {model} (it detects the language itself)")));
            }
            if language.len() != 2 || !language.chars().all(|c| c.is_ascii_lowercase()) {
                return Err(ApiError::invalid("invalid_value", "language", "`language` must be a two-letter ISO 639-1 code, e.g. en, fr"));
            }
            parameters.insert("language".into(), json!(language));
        }

        let duration_seconds = match (provider.duration_range(audio_type), body.get("duration")) {
            (None, Some(_)) => return Err(not_for("duration", &what)),
            (None, None) => None,
            (Some((_, _, default)), None) => Some(default),
            (Some((min, max, _)), Some(v)) => match v.as_f64() {
                Some(d) if (min..=max).contains(&d) => Some(d),
                _ => return Err(ApiError::invalid("invalid_value", "duration", format!("`duration` for {what} must be from {min} to {max} seconds"))),
            },
        };
        if let Some(d) = duration_seconds {
            parameters.insert("duration".into(), json!(d));
        }

        let formats = provider.output_formats();
        let output_format = body.optional_str("output_format")?.map(|f| f.trim().to_owned()).unwrap_or_else(|| formats[0].to_owned());
        if !formats.contains(&output_format.as_str()) {
            return Err(allowed_for("output_format", provider.name(), formats));
        }
        parameters.insert("output_format".into(), json!(output_format));

        let seed = match body.optional_int("seed")? {
            Some(_) if matches!(provider, AudioProvider::Elevenlabs | AudioProvider::Suno) => return Err(not_for("seed", &what)),
            Some(s) if !(0..=4_294_967_294).contains(&s) => return Err(ApiError::invalid("invalid_value", "seed", "`seed` must be from 0 to 4294967294")),
            seed => seed,
        };
        if let Some(s) = seed {
            parameters.insert("seed".into(), json!(s));
        }
        let song = song_options(body, provider, &what, &mut parameters)?;
        Ok(Self {
            provider,
            audio_type,
            model,
            prompt,
            parameters,
            voice_id,
            language,
            duration_seconds,
            output_format,
            seed,
            instrumental: song.instrumental,
            lyrics: song.lyrics,
            title: song.title,
            negative_tags: song.negative_tags,
        })
    }

    /// Plan credits this takes: one for speech or an effect, three for music.
    pub fn credits(&self) -> i64 {
        if self.audio_type == AudioType::Music {
            3
        } else {
            1
        }
    }

    /// Micro-dollars, from the providers' price lists (per character for
    /// speech, per second for music and effects, per track for Stable Audio).
    pub fn cost_micros(&self) -> i64 {
        let seconds = self.duration_seconds.unwrap_or(0.0);
        match (self.provider, self.audio_type) {
            (AudioProvider::Elevenlabs, AudioType::Speech) => {
                let per_char = if self.model == "eleven_multilingual_v2" { 300 } else { 150 };
                per_char * self.prompt.chars().count() as i64
            }
            (AudioProvider::Elevenlabs, AudioType::Sfx) => (seconds * 20_000.0).ceil() as i64,
            (AudioProvider::Elevenlabs, AudioType::Music) => (seconds * 13_334.0).ceil() as i64,
            (AudioProvider::StableAudio, _) => 200_000,
            // A generation spends 10 Suno credits (2,500 for $10 on Pro).
            (AudioProvider::Suno, _) => 40_000,
            // PiAPI's price per Udio generation.
            (AudioProvider::Udio, _) => 50_000,
        }
    }

    /// ElevenLabs: (path with query, JSON body). WAV formats are asked as
    /// raw PCM and wrapped by `wav_from_pcm16`.
    pub fn elevenlabs_call(&self) -> (String, Value) {
        let format = match self.output_format.as_str() {
            "wav_44100" => "pcm_44100",
            "wav_24000" => "pcm_24000",
            other => other,
        };
        match self.audio_type {
            AudioType::Speech => {
                let mut body = json!({"text": self.prompt, "model_id": self.model});
                if let Some(language) = &self.language {
                    body["language_code"] = json!(language);
                }
                (format!("/v1/text-to-speech/{}?output_format={format}", self.voice_id.as_deref().unwrap_or_default()), body)
            }
            AudioType::Sfx => (format!("/v1/sound-generation?output_format={format}"), json!({"text": self.prompt, "duration_seconds": self.duration_seconds})),
            AudioType::Music => (
                format!("/v1/music?output_format={format}"),
                json!({"prompt": self.prompt, "music_length_ms": (self.duration_seconds.unwrap_or(30.0) * 1000.0).round() as i64, "model_id": self.model}),
            ),
        }
    }

    /// The sample rate of raw PCM the provider sends, for WAV formats.
    pub fn pcm_rate(&self) -> Option<u32> {
        match self.output_format.as_str() {
            "wav_44100" => Some(44_100),
            "wav_24000" => Some(24_000),
            _ => None,
        }
    }

    /// Stable Audio: multipart fields.
    pub fn stable_audio_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![("prompt", self.prompt.clone()), ("output_format", self.output_format.clone())];
        if let Some(d) = self.duration_seconds {
            fields.push(("duration", format!("{}", d.round() as i64)));
        }
        if let Some(seed) = self.seed {
            fields.push(("seed", seed.to_string()));
        }
        fields
    }
}

#[derive(Default)]
struct SongOptions {
    instrumental: bool,
    lyrics: Option<String>,
    title: Option<String>,
    negative_tags: Option<String>,
}

/// `instrumental`, `lyrics`, `title` (Suno), `negative_tags` (Udio): only
/// for the song providers; lyrics and an instrumental exclude each other.
fn song_options(body: &JsonObject, provider: AudioProvider, what: &str, parameters: &mut Map<String, Value>) -> ApiResult<SongOptions> {
    let text = |field: &str, max: usize| -> ApiResult<Option<String>> {
        let value = body.optional_str(field)?.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        match value {
            Some(v) if v.chars().count() > max => Err(ApiError::invalid("too_long", field, format!("`{field}` must be at most {max} characters"))),
            v => Ok(v),
        }
    };
    if !provider.is_task() {
        for field in ["instrumental", "lyrics", "title", "negative_tags"] {
            if body.get(field).is_some() {
                return Err(not_for(field, what));
            }
        }
        return Ok(SongOptions::default());
    }
    let instrumental = match body.get("instrumental") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| ApiError::invalid("invalid_type", "instrumental", "`instrumental` must be true or false"))?,
    };
    let lyrics = text("lyrics", MAX_LYRICS_CHARS)?;
    if instrumental && lyrics.is_some() {
        return Err(ApiError::invalid("conflicting_options", "lyrics", "`lyrics` cannot be given with `instrumental: true` (an instrumental has no words)"));
    }
    let title = text("title", 80)?;
    if title.is_some() && (provider != AudioProvider::Suno || lyrics.is_none()) {
        return Err(ApiError::invalid("unsupported_option", "title", "`title` is an option of Suno songs with `lyrics`"));
    }
    let negative_tags = text("negative_tags", 200)?;
    if negative_tags.is_some() && provider != AudioProvider::Udio {
        return Err(not_for("negative_tags", what));
    }
    parameters.insert("instrumental".into(), json!(instrumental));
    if lyrics.is_some() {
        parameters.insert("lyrics".into(), json!(true));
    }
    if let Some(t) = &title {
        parameters.insert("title".into(), json!(t));
    }
    if let Some(n) = &negative_tags {
        parameters.insert("negative_tags".into(), json!(n));
    }
    Ok(SongOptions { instrumental, lyrics, title, negative_tags })
}

/// A WAV file around 16-bit little-endian mono PCM.
pub fn wav_from_pcm16(pcm: &[u8], sample_rate: u32) -> Vec<u8> {
    let data_len = pcm.len() as u32;
    let mut out = Vec::with_capacity(44 + pcm.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(pcm);
    out
}

/// A voice from ElevenLabs' `GET /v1/voices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voice {
    pub voice_id: String,
    pub name: String,
    pub category: Option<String>,
}

pub fn parse_voices(body: &str) -> ApiResult<Vec<Voice>> {
    let bad = || crate::provider_failure::bad_answer(AudioProvider::Elevenlabs);
    let value: Value = serde_json::from_str(body).map_err(|_| bad())?;
    let voices = value.get("voices").and_then(Value::as_array).ok_or_else(bad)?;
    Ok(voices
        .iter()
        .filter_map(|v| {
            Some(Voice {
                voice_id: v.get("voice_id")?.as_str()?.to_owned(),
                name: v.get("name").and_then(Value::as_str).unwrap_or("Unnamed").to_owned(),
                category: v.get("category").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect())
}

/// Stable Audio's JSON answer `{audio: base64, finish_reason, seed}`.
pub fn parse_stable_audio(body: &str) -> ApiResult<Vec<u8>> {
    use base64::Engine;
    let bad = || crate::provider_failure::bad_answer(AudioProvider::StableAudio);
    let value: Value = serde_json::from_str(body).map_err(|_| bad())?;
    if value.get("finish_reason").and_then(Value::as_str) == Some("CONTENT_FILTERED") {
        return Err(crate::provider_failure::refused(AudioProvider::StableAudio));
    }
    let b64 = value.get("audio").and_then(Value::as_str).ok_or_else(bad)?;
    base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ApiResult<AudioRequest> {
        AudioRequest::parse(&JsonObject::parse(json.as_bytes()).unwrap())
    }

    #[test]
    fn speech_with_a_voice_and_its_call() {
        let r = parse(r#"{"provider":"elevenlabs","text":"Hello there","voice_id":"21m00Tcm4TlvDq8ikWAM"}"#).unwrap();
        assert_eq!((r.audio_type, r.model.as_str(), r.output_format.as_str()), (AudioType::Speech, "eleven_multilingual_v2", "mp3_44100_128"));
        let (path, body) = r.elevenlabs_call();
        assert_eq!(path, "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM?output_format=mp3_44100_128");
        assert_eq!(body, json!({"text": "Hello there", "model_id": "eleven_multilingual_v2"}));
        assert_eq!(r.cost_micros(), 11 * 300);
        let fr = parse(r#"{"provider":"elevenlabs","audio_type":"speech","model":"eleven_flash_v2_5","text":"Bonjour","voice_id":"abc","language":"FR","output_format":"wav_24000"}"#).unwrap();
        assert_eq!(fr.elevenlabs_call().1["language_code"], "fr");
        assert!(fr.elevenlabs_call().0.ends_with("output_format=pcm_24000"));
        assert_eq!(fr.pcm_rate(), Some(24_000));
    }

    #[test]
    fn music_and_effects_take_durations_in_range() {
        let m = parse(r#"{"provider":"elevenlabs","audio_type":"music","prompt":"lo-fi","duration":45}"#).unwrap();
        assert_eq!(m.elevenlabs_call().1["music_length_ms"], 45_000);
        assert_eq!(m.cost_micros(), 600_030);
        let s = parse(r#"{"provider":"elevenlabs","audio_type":"sfx","prompt":"door creak"}"#).unwrap();
        assert_eq!(s.duration_seconds, Some(5.0));
        let a = parse(r#"{"provider":"stable_audio","prompt":"rain","duration":12,"seed":7,"output_format":"wav"}"#).unwrap();
        assert_eq!(a.audio_type, AudioType::Music);
        assert!(a.stable_audio_fields().contains(&("duration", "12".into())) && a.stable_audio_fields().contains(&("seed", "7".into())));
    }

    #[test]
    fn every_bad_option_is_named_with_what_is_allowed() {
        let err = |json: &str| parse(json).unwrap_err();
        assert_eq!(err(r#"{"provider":"elevenlabs","text":"hi"}"#).field.as_deref(), Some("voice_id"));
        assert!(err(r#"{"provider":"stable_audio","audio_type":"speech","prompt":"x"}"#).message.contains("music, sfx"));
        assert_eq!(err(r#"{"provider":"elevenlabs","text":"hi","voice_id":"v","language":"fr"}"#).code, "unsupported_option");
        assert_eq!(err(r#"{"provider":"elevenlabs","model":"eleven_turbo_v2_5","text":"hi","voice_id":"v","language":"french"}"#).field.as_deref(), Some("language"));
        assert!(err(r#"{"provider":"elevenlabs","audio_type":"sfx","prompt":"x","duration":60}"#).message.contains("0.5 to 30"));
        assert_eq!(err(r#"{"provider":"elevenlabs","text":"hi","voice_id":"v","duration":3}"#).code, "unsupported_option");
        assert!(err(r#"{"provider":"stable_audio","prompt":"x","output_format":"flac"}"#).message.contains("mp3, wav"));
        assert_eq!(err(r#"{"provider":"elevenlabs","audio_type":"music","prompt":"x","seed":1}"#).field.as_deref(), Some("seed"));
        assert!(err(r#"{"provider":"mubert","prompt":"x"}"#).message.contains("elevenlabs, stable_audio, suno, udio"));
        assert_eq!(err(r#"{"provider":"elevenlabs","audio_type":"music","prompt":"x","instrumental":true}"#).code, "unsupported_option");
        assert_eq!(err(r#"{"provider":"elevenlabs","audio_type":"sfx"}"#).field.as_deref(), Some("prompt"));
    }

    #[test]
    fn wav_header_and_voices() {
        let wav = wav_from_pcm16(&[0, 0, 1, 0], 24_000);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
        assert_eq!(u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]), 24_000);
        assert_eq!(u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]), 4);
        assert_eq!(crate::media::sniff::sniff(&wav), Some(crate::media::sniff::FileType::Wav));
        let voices = parse_voices(r#"{"voices":[{"voice_id":"a1","name":"Rachel","category":"premade"},{"name":"no id"}]}"#).unwrap();
        assert_eq!(voices, vec![Voice { voice_id: "a1".into(), name: "Rachel".into(), category: Some("premade".into()) }]);
    }
}
