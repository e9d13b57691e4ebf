//! The simulated model's pictures: a landscape — sky, sun, rolling hills —
//! whose colours and shapes come from a hash of the seed text, so the same
//! prompt (and seed) always draws the same picture and another prompt a
//! visibly different one. Encoded as real PNG, JPEG or WebP files that
//! decode to exactly the size asked for.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    /// By the name the providers use (`output_format`).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "png" => Some(Format::Png),
            "jpeg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }
}

type Rgb = [u8; 3];

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let lerp = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round().clamp(0.0, 255.0) as u8;
    [lerp(a[0], b[0]), lerp(a[1], b[1]), lerp(a[2], b[2])]
}

/// A fraction in 0..=1 from one byte of the hash.
fn unit(byte: u8) -> f32 {
    byte as f32 / 255.0
}

const HILLS: usize = 3;

/// Pictures are drawn in blocks this many pixels a side: a sixteenth of the
/// work, which keeps a megapixel quick in a debug build.
const BLOCK: u32 = 4;

/// RGB pixels, row by row.
pub struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Picture {
    /// Drawn in blocks of `BLOCK` pixels a side, then scaled up to the size asked for.
    pub fn draw(seed: &str, width: u32, height: u32) -> Self {
        Self::paint(seed, width.div_ceil(BLOCK), height.div_ceil(BLOCK)).scaled_up(width, height)
    }

    fn paint(seed: &str, width: u32, height: u32) -> Self {
        let h = Sha256::digest(seed.as_bytes());
        let (w, ht) = (width as f32, height as f32);
        let sky_top = [h[0] / 3, h[1] / 3 + 20, h[2] / 2 + 90];
        let sky_bottom = [h[3] / 2 + 120, h[4] / 2 + 90, h[5] / 3 + 110];
        let sun = [255, 200 + h[6] / 5, 110 + h[7] / 2];
        let (sun_x, sun_y) = (w * (0.2 + 0.6 * unit(h[8])), ht * (0.12 + 0.28 * unit(h[9])));
        let sun_radius = w.min(ht) * (0.07 + 0.07 * unit(h[10]));
        let far = mix(sky_bottom, [h[11] / 4, h[12] / 3 + 70, h[13] / 4 + 40], 0.55);
        let near = [h[14] / 6, h[15] / 4 + 35, h[16] / 6 + 10];
        // Each hill is its skyline (the first row it covers, per column) and its colour, farthest first.
        let hills: Vec<(Vec<f32>, Rgb)> = (0..HILLS)
            .map(|i| {
                let k = 17 + 4 * i;
                let base = ht * (0.5 + 0.13 * i as f32);
                let amplitude = ht * (0.03 + 0.07 * unit(h[k]));
                let frequency = std::f32::consts::TAU * (1.0 + 2.5 * unit(h[k + 1])) / w;
                let (phase, ripple) = (std::f32::consts::TAU * unit(h[k + 2]), std::f32::consts::TAU * unit(h[k + 3]));
                let skyline = (0..width)
                    .map(|x| {
                        let x = x as f32;
                        base - amplitude * ((frequency * x + phase).sin() + 0.35 * (2.3 * frequency * x + ripple).sin())
                    })
                    .collect();
                (skyline, mix(far, near, i as f32 / (HILLS - 1) as f32))
            })
            .collect();
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for y in 0..height {
            let yf = y as f32;
            let sky = mix(sky_top, sky_bottom, yf / ht);
            for x in 0..width {
                let front = hills.iter().rev().find(|(skyline, _)| yf >= skyline[x as usize]);
                let colour = match front {
                    Some((skyline, colour)) => mix(*colour, [0, 0, 0], ((yf - skyline[x as usize]) / ht * 0.8).min(0.6)),
                    None => {
                        let (dx, dy) = (x as f32 - sun_x, yf - sun_y);
                        let glow = 1.0 - ((dx * dx + dy * dy).sqrt() - sun_radius) / (sun_radius * 1.5);
                        mix(sky, sun, glow.clamp(0.0, 1.0))
                    }
                };
                rgb.extend_from_slice(&colour);
            }
        }
        Self { width, height, rgb }
    }

    /// Each pixel repeated `BLOCK` times across and down, cut to `width` x `height`.
    fn scaled_up(&self, width: u32, height: u32) -> Self {
        let (row, source_row) = (width as usize * 3, self.width as usize * 3);
        let mut rgb = Vec::with_capacity(row * height as usize);
        for y in 0..height {
            let start = rgb.len();
            if y % BLOCK != 0 {
                rgb.extend_from_within(start - row..start);
                continue;
            }
            let source = &self.rgb[(y / BLOCK) as usize * source_row..][..source_row];
            for x in 0..width {
                let i = (x / BLOCK) as usize * 3;
                rgb.extend_from_slice(&source[i..i + 3]);
            }
        }
        Self { width, height, rgb }
    }

    /// The picture behind a frosted veil: what a provider sends for a filtered request.
    pub fn veiled(mut self) -> Self {
        for channel in &mut self.rgb {
            *channel = ((*channel as u16 + 3 * 128) / 4) as u8;
        }
        self
    }

    pub fn encode(&self, format: Format) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        match format {
            Format::Png => {
                let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
                encoder.set_color(png::ColorType::Rgb);
                encoder.set_depth(png::BitDepth::Eight);
                encoder.set_compression(png::Compression::Fast);
                let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
                writer.write_image_data(&self.rgb).map_err(|e| e.to_string())?;
                writer.finish().map_err(|e| e.to_string())?;
            }
            Format::Jpeg => {
                let side = |v: u32| u16::try_from(v).map_err(|_| format!("{v} pixels is too large for a JPEG"));
                jpeg_encoder::Encoder::new(&mut out, 90).encode(&self.rgb, side(self.width)?, side(self.height)?, jpeg_encoder::ColorType::Rgb).map_err(|e| e.to_string())?;
            }
            Format::Webp => {
                image_webp::WebPEncoder::new(&mut out).encode(&self.rgb, self.width, self.height, image_webp::ColorType::Rgb8).map_err(|e| e.to_string())?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        (reader.info().width, reader.info().height)
    }

    #[test]
    fn pictures_encode_to_real_files_of_their_size() {
        let picture = Picture::draw("a red fox", 96, 64);
        let png = picture.encode(Format::Png).unwrap();
        assert_eq!(png_size(&png), (96, 64));
        assert_eq!(png_size(&Picture::draw("a red fox", 97, 63).encode(Format::Png).unwrap()), (97, 63), "sizes that are not whole blocks");
        assert_eq!(&picture.encode(Format::Jpeg).unwrap()[..3], &[0xFF, 0xD8, 0xFF]);
        let webp = picture.encode(Format::Webp).unwrap();
        assert_eq!((&webp[..4], &webp[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));
    }

    #[test]
    fn the_seed_decides_the_picture() {
        let draw = |seed: &str| Picture::draw(seed, 64, 64).rgb;
        assert_eq!(draw("a red fox"), draw("a red fox"));
        assert_ne!(draw("a red fox"), draw("a blue whale"));
        assert_ne!(Picture::draw("a red fox", 64, 64).veiled().rgb, draw("a red fox"));
    }

    #[test]
    fn formats_are_named_as_the_providers_name_them() {
        assert_eq!(Format::named("webp").map(Format::content_type), Some("image/webp"));
        assert_eq!(Format::named("jpg"), None);
    }
}
