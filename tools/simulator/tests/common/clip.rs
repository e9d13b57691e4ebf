//! What the audio tests share: decoding the clips the simulator answers
//! with (symphonia), to check their length and that they are not silence.

use std::io::Cursor;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// A decoded clip: its sample rate and its (mono) samples.
pub struct Clip {
    pub sample_rate: u32,
    pub samples: Vec<f32>,
}

impl Clip {
    /// Decodes a whole MP3 or WAV file, trimming the MP3 encoder's delay and
    /// padding as its LAME tag says.
    pub fn decode(bytes: &[u8], extension: &str) -> Clip {
        let source = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
        let mut hint = Hint::new();
        hint.with_extension(extension);
        let options = FormatOptions { enable_gapless: true, ..Default::default() };
        let mut format = symphonia::default::get_probe().format(&hint, source, &options, &MetadataOptions::default()).unwrap().format;
        let track = format.default_track().unwrap();
        let (track_id, params) = (track.id, track.codec_params.clone());
        assert_eq!(params.channels.map(|c| c.count()), Some(1), "mono");
        let mut decoder = symphonia::default::get_codecs().make(&params, &DecoderOptions::default()).unwrap();
        let mut samples = Vec::new();
        loop {
            let packet = match format.next_packet() {
                Ok(packet) => packet,
                Err(DecodeError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => panic!("cannot read the clip: {e}"),
            };
            if packet.track_id() != track_id {
                continue;
            }
            let decoded = decoder.decode(&packet).unwrap();
            let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
            buffer.copy_interleaved_ref(decoded);
            samples.extend_from_slice(buffer.samples());
        }
        Clip { sample_rate: params.sample_rate.unwrap(), samples }
    }

    /// Raw 16-bit little-endian mono PCM.
    // Each test binary uses what it needs of these.
    #[allow(dead_code)]
    pub fn from_pcm(bytes: &[u8], sample_rate: u32) -> Clip {
        assert_eq!(bytes.len() % 2, 0);
        let samples = bytes.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0).collect();
        Clip { sample_rate, samples }
    }

    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }

    /// Within 10% of `seconds`, and something to hear all along.
    pub fn assert_sounds_for(&self, seconds: f64) {
        assert!((self.seconds() - seconds).abs() <= seconds * 0.1, "{} s of sound, not {seconds} s", self.seconds());
        let rms = (self.samples.iter().map(|s| s * s).sum::<f32>() / self.samples.len() as f32).sqrt();
        assert!(rms > 0.02, "silent: RMS {rms}");
        let quiet_halves = self.samples.chunks(self.samples.len().div_ceil(2)).filter(|half| half.iter().all(|s| s.abs() < 0.05)).count();
        assert_eq!(quiet_halves, 0, "sound in both halves");
    }
}
