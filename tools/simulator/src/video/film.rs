//! The videos themselves, made by ffmpeg: its moving test pattern tinted
//! by a hash of the prompt, over a tone whose pitch comes from the same
//! hash, as H.264 and AAC in an MP4 whose index comes first (so a player
//! starts before the download ends). The same request films the same
//! video and another prompt a different one. No fonts are needed, so
//! nothing beyond ffmpeg has to be installed. A poster (Luma's
//! `assets.image`) is a JPEG of the film's size drawn by `picture` from the
//! same seed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::process::Command;

use crate::images::picture::{Format, Picture};

/// The task's failure when there is no ffmpeg to film with: never a fake file.
pub(crate) const NO_FFMPEG: &str = "ffmpeg not installed on the simulator machine";

const FRAMES_PER_SECOND: u32 = 24;
const SAMPLE_RATE: u32 = 44_100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Film {
    pub width: u32,
    pub height: u32,
    /// How long the file plays: what was asked for, held to `SIM_VIDEO_MAX_SECONDS`.
    pub length: Duration,
    /// What the look and the tone come from: the prompt without markers, and the settings.
    pub seed: String,
}

impl Film {
    /// The hue turn (degrees) and the tone (Hz) the seed gives.
    fn look(&self) -> (u32, u32) {
        let hash = Sha256::digest(self.seed.as_bytes());
        let hue = u32::from(u16::from_le_bytes([hash[0], hash[1]])) % 360;
        let tone = 220 + u32::from(u16::from_le_bytes([hash[2], hash[3]])) % 660;
        (hue, tone)
    }

    /// ffmpeg's arguments, writing to `out`.
    fn arguments(&self, out: &str) -> Vec<String> {
        let (hue, tone) = self.look();
        let (width, height, seconds) = (self.width, self.height, format!("{:.3}", self.length.as_secs_f64()));
        [
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={width}x{height}:rate={FRAMES_PER_SECOND}"),
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency={tone}:sample_rate={SAMPLE_RATE}"),
            "-t",
            &seconds,
            "-vf",
            &format!("hue=h={hue}"),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "28",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            out,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Runs `ffmpeg` (a program name or path) without blocking the async
    /// workers, and answers the MP4, or why there is none.
    pub async fn shoot(&self, ffmpeg: &str) -> Result<Vec<u8>, String> {
        let scratch = Scratch::new();
        let out = scratch.0.to_string_lossy().into_owned();
        let run = Command::new(ffmpeg).args(self.arguments(&out)).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true).output().await;
        match run {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(NO_FFMPEG.to_owned()),
            Err(error) => Err(format!("cannot run ffmpeg: {error}")),
            Ok(done) if !done.status.success() => {
                let said = String::from_utf8_lossy(&done.stderr);
                Err(format!("ffmpeg failed ({}): {}", done.status, said.lines().last().unwrap_or_default()))
            }
            Ok(_) => tokio::fs::read(&scratch.0).await.map_err(|error| format!("cannot read ffmpeg's output: {error}")),
        }
    }
}

impl Film {
    /// The film's poster: a JPEG of its size, drawn off the async workers.
    pub async fn poster(&self) -> Result<Vec<u8>, String> {
        let (seed, width, height) = (self.seed.clone(), self.width, self.height);
        let drawn = tokio::task::spawn_blocking(move || Picture::draw(&seed, width, height).encode(Format::Jpeg));
        drawn.await.map_err(|error| format!("cannot draw the poster: {error}"))?
    }
}

/// A temporary file for ffmpeg to write (an MP4 with its index first
/// cannot go to a pipe), removed however the filming ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        Scratch(std::env::temp_dir().join(format!("webox-sim-video-{}.mp4", crate::uuid_v4())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn film(seed: &str) -> Film {
        Film { width: 320, height: 240, length: Duration::from_millis(1500), seed: seed.into() }
    }

    #[test]
    fn the_look_comes_from_the_seed() {
        assert_eq!(film("a fox").look(), film("a fox").look());
        assert_ne!(film("a fox").look(), film("a whale").look());
        let (hue, tone) = film("a whale").look();
        assert!(hue < 360 && (220..880).contains(&tone));
    }

    #[test]
    fn ffmpeg_is_asked_for_the_size_and_length() {
        let arguments = film("a fox").arguments("/tmp/out.mp4").join(" ");
        assert!(arguments.contains("testsrc2=size=320x240:rate=24"), "{arguments}");
        assert!(arguments.contains("-t 1.500 "), "{arguments}");
        assert!(arguments.ends_with("-f mp4 /tmp/out.mp4"), "{arguments}");
    }

    #[tokio::test]
    async fn posters_are_jpegs_of_the_films_size() {
        let poster = film("a fox").poster().await.unwrap();
        assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF]);
        assert_eq!(poster, film("a fox").poster().await.unwrap());
    }

    #[tokio::test]
    async fn without_ffmpeg_there_is_no_film() {
        assert_eq!(film("a fox").shoot("/nonexistent/ffmpeg").await, Err(NO_FFMPEG.to_owned()));
    }
}
