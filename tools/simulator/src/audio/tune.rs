//! The simulated model's sound: a short tune — a few plucked notes of a
//! pentatonic scale, played over and over — whose key, notes and tempo come
//! from a hash of the seed text, so the same request always sounds the same
//! and another one different. Encoded as real MP3 (LAME), WAV or the raw
//! PCM ElevenLabs sends, mono, 16-bit, at the sample rate asked for.

use std::num::NonZeroU32;
use std::time::Duration;

use mp3lame_encoder::{Bitrate, Builder, FlushGap, Mode, MonoPcm, Quality};
use sha2::{Digest, Sha256};

/// How a clip is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Constant bitrate MP3 with its LAME tag, so players know its exact length.
    Mp3 { sample_rate: u32, kbps: u16 },
    /// Little-endian 16-bit samples and nothing else, as ElevenLabs' `pcm_*` formats.
    Pcm { sample_rate: u32 },
    /// A RIFF/WAVE file of 16-bit PCM.
    Wav { sample_rate: u32 },
}

impl Encoding {
    pub fn sample_rate(self) -> u32 {
        match self {
            Encoding::Mp3 { sample_rate, .. } | Encoding::Pcm { sample_rate } | Encoding::Wav { sample_rate } => sample_rate,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Mp3 { .. } => "audio/mpeg",
            Encoding::Pcm { .. } => "application/octet-stream",
            Encoding::Wav { .. } => "audio/wav",
        }
    }

    pub fn encode(self, samples: &[i16]) -> Result<Vec<u8>, String> {
        match self {
            Encoding::Mp3 { sample_rate, kbps } => mp3(samples, sample_rate, kbps),
            Encoding::Pcm { .. } => Ok(samples.iter().flat_map(|s| s.to_le_bytes()).collect()),
            Encoding::Wav { sample_rate } => Ok(wav(samples, sample_rate)),
        }
    }
}

/// Semitones above the root: a major pentatonic over two octaves, which
/// sounds pleasant in any order.
const SCALE: [f32; 8] = [0.0, 2.0, 4.0, 7.0, 9.0, 12.0, 14.0, 16.0];
const NOTES: usize = 8;
/// Loud enough to hear, with room for the overtones.
const VOLUME: f32 = 0.45;
/// Each note's attack, and the fade at the end of the clip, so nothing clicks.
const ATTACK_SECONDS: f32 = 0.01;
const FADE_OUT_SECONDS: f32 = 0.02;

pub struct Tune {
    /// The notes' frequencies in Hz, played in turn.
    notes: [f32; NOTES],
    /// How long each note lasts.
    beat_seconds: f32,
}

impl Tune {
    pub fn compose(seed: &str) -> Self {
        let h = Sha256::digest(seed.as_bytes());
        let root = 196.0 * 2f32.powf(f32::from(h[0] % 12) / 12.0);
        let notes = std::array::from_fn(|i| root * 2f32.powf(SCALE[usize::from(h[1 + i]) % SCALE.len()] / 12.0));
        Self { notes, beat_seconds: 0.15 + 0.25 * f32::from(h[9]) / 255.0 }
    }

    /// `length` of the tune at `sample_rate`: a plucked sine with two
    /// overtones per note, each note dying away before the next.
    pub fn play(&self, sample_rate: u32, length: Duration) -> Vec<i16> {
        let rate = sample_rate as f32;
        let count = (length.as_secs_f64() * f64::from(sample_rate)).round() as usize;
        let samples_per_note = ((self.beat_seconds * rate) as usize).max(1);
        let fade_out = FADE_OUT_SECONDS * rate;
        (0..count)
            .map(|n| {
                let frequency = self.notes[(n / samples_per_note) % NOTES];
                let t = (n % samples_per_note) as f32 / rate;
                let phase = std::f32::consts::TAU * frequency * t;
                let tone = phase.sin() + 0.4 * (2.0 * phase).sin() + 0.15 * (3.0 * phase).sin();
                let envelope = (t / ATTACK_SECONDS).min(1.0) * (-4.0 * t / self.beat_seconds).exp();
                let ending = ((count - n) as f32 / fade_out).min(1.0);
                (tone / 1.55 * envelope * ending * VOLUME * f32::from(i16::MAX)) as i16
            })
            .collect()
    }
}

fn mp3(samples: &[i16], sample_rate: u32, kbps: u16) -> Result<Vec<u8>, String> {
    let bitrate = match kbps {
        32 => Bitrate::Kbps32,
        64 => Bitrate::Kbps64,
        96 => Bitrate::Kbps96,
        128 => Bitrate::Kbps128,
        192 => Bitrate::Kbps192,
        other => return Err(format!("no {other} kbps MP3 here")),
    };
    let failed = |e: &dyn std::fmt::Display| format!("LAME: {e}");
    let mut builder = Builder::new().ok_or("LAME: out of memory")?;
    builder.set_num_channels(1).map_err(|e| failed(&e))?;
    builder.set_mode(Mode::Mono).map_err(|e| failed(&e))?;
    builder.set_sample_rate(sample_rate).map_err(|e| failed(&e))?;
    builder.set_output_sample_rate(NonZeroU32::new(sample_rate)).map_err(|e| failed(&e))?;
    builder.set_brate(bitrate).map_err(|e| failed(&e))?;
    // The fastest settings that still sound right: nobody listens closely to a simulator.
    builder.set_quality(Quality::Ok).map_err(|e| failed(&e))?;
    let mut encoder = builder.build().map_err(|e| failed(&e))?;
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(samples.len()));
    encoder.encode_to_vec(MonoPcm(samples), &mut out).map_err(|e| failed(&e))?;
    out.reserve(7200);
    // A plain flush, which pads the last frame and counts the padding for the tag.
    encoder.flush_to_vec::<FlushGap>(&mut out).map_err(|e| failed(&e))?;
    // LAME leaves the first frame blank for its tag (encoder delay and
    // padding); filling it in lets decoders trim the clip to its exact length.
    let mut tag = Vec::with_capacity(encoder.lame_tag_size());
    if encoder.lame_tag_encode_to_vec(&mut tag).is_some() && tag.len() <= out.len() {
        out[..tag.len()].copy_from_slice(&tag);
    }
    Ok(out)
}

fn wav(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    const HEADER: u32 = 44;
    let data = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity((HEADER + data) as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(HEADER - 8 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // the size of the fmt chunk
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // bytes a second
    out.extend_from_slice(&2u16.to_le_bytes()); // bytes a sample
    out.extend_from_slice(&16u16.to_le_bytes()); // bits a sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_decides_the_tune_and_it_is_never_silent() {
        let play = |seed: &str| Tune::compose(seed).play(16_000, Duration::from_millis(500));
        let fox = play("a red fox");
        assert_eq!(fox.len(), 8000);
        assert_eq!(fox, play("a red fox"));
        assert_ne!(fox, play("a blue whale"));
        let loudest = fox.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(loudest > 5000, "loudest sample {loudest}");
        assert!(fox.last().is_some_and(|s| s.unsigned_abs() < 200), "the clip fades out");
    }

    #[test]
    fn wav_files_have_a_riff_header_before_the_samples() {
        let wav = Encoding::Wav { sample_rate: 22_050 }.encode(&[1, -2, 3]).unwrap();
        assert_eq!(wav.len(), 44 + 6);
        assert_eq!((&wav[..4], &wav[8..16], &wav[36..40]), (&b"RIFF"[..], &b"WAVEfmt "[..], &b"data"[..]));
        assert_eq!(u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]), 22_050);
        assert_eq!(&wav[44..], &[1, 0, 0xFE, 0xFF, 3, 0]);
    }

    #[test]
    fn pcm_is_the_bare_little_endian_samples() {
        assert_eq!(Encoding::Pcm { sample_rate: 16_000 }.encode(&[1, -2]).unwrap(), [1, 0, 0xFE, 0xFF]);
    }

    #[test]
    fn mp3_files_start_with_a_frame_and_their_lame_tag() {
        let samples = Tune::compose("a red fox").play(44_100, Duration::from_secs(1));
        let mp3 = Encoding::Mp3 { sample_rate: 44_100, kbps: 128 }.encode(&samples).unwrap();
        assert_eq!((mp3[0], mp3[1] & 0xE0), (0xFF, 0xE0), "an MPEG frame sync");
        assert!(mp3.windows(4).take(200).any(|w| w == b"Info" || w == b"Xing"), "the LAME tag frame");
        let kbps = mp3.len() as f64 * 8.0 / 1000.0;
        assert!((110.0..160.0).contains(&kbps), "{kbps} kbit for a second at 128 kbps");
        assert!(Encoding::Mp3 { sample_rate: 44_100, kbps: 100 }.encode(&samples).is_err());
    }
}
