//! Cover art for demo products: a deterministic PNG drawn from a seed (the
//! product id), so every product has a real image without anyone uploading
//! one. Colours come from the seed; the pattern from the category.

use sha2::{Digest, Sha256};

pub const WIDTH: u32 = 480;
pub const HEIGHT: u32 = 360;

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let lerp = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round().clamp(0.0, 255.0) as u8;
    [lerp(a[0], b[0]), lerp(a[1], b[1]), lerp(a[2], b[2])]
}

/// A PNG (RGB, 480×360) for `seed`, patterned by `category`.
pub fn product_cover(seed: &str, category: &str) -> Result<Vec<u8>, String> {
    let h = Sha256::digest(seed.as_bytes());
    let from = [h[0] / 2 + 40, h[1] / 2 + 40, h[2] / 2 + 90];
    let to = [h[3] / 2 + 110, h[4] / 2 + 60, h[5] / 2 + 120];
    let accent = [255 - h[6] / 3, 255 - h[7] / 3, 255 - h[8] / 4];
    let pattern = Sha256::digest(category.as_bytes())[0] % 4;
    let (cx, cy) = (WIDTH as f32 * (0.3 + h[9] as f32 / 640.0), HEIGHT as f32 * (0.3 + h[10] as f32 / 640.0));
    let mut pixels = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let t = (x as f32 / WIDTH as f32 * 0.6) + (y as f32 / HEIGHT as f32 * 0.4);
            let mut c = mix(from, to, t);
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let d = (dx * dx + dy * dy).sqrt();
            let mark = match pattern {
                0 => ((d / 18.0) as u32).is_multiple_of(2) && d < 150.0,
                1 => ((x + y) / 24).is_multiple_of(2) && d < 170.0,
                2 => d < 110.0,
                _ => (x / 40 + y / 40).is_multiple_of(2) && d < 160.0,
            };
            if mark {
                c = mix(c, accent, 0.35);
            }
            pixels.extend_from_slice(&c);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&pixels).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_are_real_pngs_that_decode_to_their_size() {
        let bytes = product_cover("abc", "music").unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
        assert!(bytes.len() < 200_000, "compressed: {} bytes", bytes.len());
    }

    #[test]
    fn the_same_seed_draws_the_same_cover() {
        assert_eq!(product_cover("x", "merch").unwrap(), product_cover("x", "merch").unwrap());
        assert_ne!(product_cover("x", "merch").unwrap(), product_cover("y", "merch").unwrap());
    }
}
