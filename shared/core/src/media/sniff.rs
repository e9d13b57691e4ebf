//! What a file really is, from its first bytes: a provider's answer is
//! stored only if it is the kind of file it claims to be.

/// The media types WeBox stores, with their extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Png,
    Jpeg,
    Webp,
    Mp3,
    Wav,
    Mp4,
}

impl FileType {
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Webp => "image/webp",
            FileType::Mp3 => "audio/mpeg",
            FileType::Wav => "audio/wav",
            FileType::Mp4 => "video/mp4",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Png => "png",
            FileType::Jpeg => "jpg",
            FileType::Webp => "webp",
            FileType::Mp3 => "mp3",
            FileType::Wav => "wav",
            FileType::Mp4 => "mp4",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileType::Png | FileType::Jpeg | FileType::Webp)
    }
}

/// The type of `bytes` by its signature, or `None` if it is none of ours.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\x89PNG\r\n\x1a\n") {
        Some(FileType::Png)
    } else if at(0, &[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some(FileType::Webp)
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        Some(FileType::Wav)
    } else if at(4, b"ftyp") {
        Some(FileType::Mp4)
    } else if at(0, b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        Some(FileType::Mp3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileType::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileType::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(FileType::Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some(FileType::Wav));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom"), Some(FileType::Mp4));
        assert_eq!(sniff(b"ID3\x04\0"), Some(FileType::Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Some(FileType::Mp3));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b""), None);
    }
}
