//! Image files: their dimensions at upload (headers only, no pixels decoded), and the
//! thumbnail, preview and mini preview Mattermost clients show, made later on the
//! `files-images` thread (`Files::spawn`) with the decoder's allocations bounded.
//!
//! Sizes are Mattermost's (`app/file.go`): a thumbnail covers 120×100 (the smaller side
//! fits), a preview is at most 1920 wide, the mini preview is a 16×16 JPEG. PNGs stay PNG,
//! the rest become JPEG at quality 90.

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::Path;

pub const THUMB_WIDTH: u32 = 120;
pub const THUMB_HEIGHT: u32 = 100;
pub const PREVIEW_WIDTH: u32 = 1920;
pub const MINI_SIZE: u32 = 16;
const JPEG_QUALITY: u8 = 90;

/// What the headers of an image say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// As displayed: swapped when the EXIF orientation turns the image by 90°.
    pub width: u32,
    pub height: u32,
}

fn format_of(mime: &str) -> Option<ImageFormat> {
    match mime {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// A reader for `path` as `mime`, refusing images of more than `max_pixels`.
fn reader(path: &Path, mime: &str, max_pixels: u64) -> Option<ImageReader<BufReader<File>>> {
    let format = format_of(mime)?;
    let mut r = ImageReader::new(BufReader::new(File::open(path).ok()?));
    r.set_format(format);
    let side = u32::try_from(max_pixels.min(u64::from(u32::MAX))).unwrap_or(u32::MAX);
    let mut limits = Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    // The decoded pixels (up to 4 bytes each, 8 for 16-bit PNGs) plus the codec's own state.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    r.limits(limits);
    Some(r)
}

/// The dimensions of an image file from its headers; `None` if it is not a PNG, JPEG, GIF
/// or WebP that parses.
pub fn probe(path: &Path, mime: &str) -> Option<Probe> {
    let mut decoder = reader(path, mime, u64::from(u32::MAX))?
        .into_decoder()
        .ok()?;
    let (w, h) = decoder.dimensions();
    let turned = matches!(
        decoder.orientation().unwrap_or(Orientation::NoTransforms),
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    Some(if turned {
        Probe {
            width: h,
            height: w,
        }
    } else {
        Probe {
            width: w,
            height: h,
        }
    })
}

/// An image's derived files, encoded.
pub struct Made {
    pub thumbnail: Vec<u8>,
    pub preview: Vec<u8>,
    pub mini_preview: Option<Vec<u8>>,
}

/// Decodes an image (at most `max_pixels`), turns it upright and makes its thumbnail,
/// preview and mini preview. CPU- and memory-heavy: only on the `files-images` thread.
pub fn make(path: &Path, mime: &str, max_pixels: u64) -> Result<Made, String> {
    let r = reader(path, mime, max_pixels).ok_or("not an image Perch decodes")?;
    let mut decoder = r.into_decoder().map_err(|e| e.to_string())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(format!("{w}×{h} is over the pixel limit"));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    let png = mime == "image/png";
    let thumbnail = encode(&thumbnail(&img), png)?;
    let preview = encode(&preview(&img), png)?;
    let mini = img.thumbnail_exact(MINI_SIZE, MINI_SIZE);
    let mini_preview = encode(&mini, false).ok();
    Ok(Made {
        thumbnail,
        preview,
        mini_preview,
    })
}

/// The side of a profile picture, as Mattermost stores it.
pub const PROFILE_SIZE: u32 = 128;

/// Why an upload is no profile picture.
#[derive(Debug, PartialEq, Eq)]
pub enum ProfileError {
    /// Not a PNG, JPEG, GIF or WebP whose headers parse.
    NotAnImage,
    /// More pixels than `max_pixels`.
    TooManyPixels,
    /// The headers parsed but the pixels do not decode.
    Undecodable,
}

/// A profile picture from an uploaded image: upright, cropped to a centred square and scaled
/// to `PROFILE_SIZE`², as PNG (Mattermost's `AdjustImage`). The format is read from the bytes,
/// the pixel count checked on the headers before any pixel is decoded. CPU-heavy: never on an
/// HTTP worker, never inside a write.
pub fn profile_picture(path: &Path, max_pixels: u64) -> Result<Vec<u8>, ProfileError> {
    let file = File::open(path).map_err(|_| ProfileError::NotAnImage)?;
    let r = ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(|_| ProfileError::NotAnImage)?;
    let mime = match r.format() {
        Some(ImageFormat::Png) => "image/png",
        Some(ImageFormat::Jpeg) => "image/jpeg",
        Some(ImageFormat::Gif) => "image/gif",
        Some(ImageFormat::WebP) => "image/webp",
        _ => return Err(ProfileError::NotAnImage),
    };
    let r = reader(path, mime, max_pixels).ok_or(ProfileError::NotAnImage)?;
    let mut decoder = r.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => ProfileError::TooManyPixels,
        _ => ProfileError::NotAnImage,
    })?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(ProfileError::TooManyPixels);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| ProfileError::Undecodable)?;
    img.apply_orientation(orientation);
    let square = img.resize_to_fill(
        PROFILE_SIZE,
        PROFILE_SIZE,
        image::imageops::FilterType::Lanczos3,
    );
    encode(&square, true).map_err(|_| ProfileError::Undecodable)
}

/// Scaled so that it covers `THUMB_WIDTH`×`THUMB_HEIGHT` (never enlarged).
fn thumbnail(img: &DynamicImage) -> DynamicImage {
    let (w, h) = (img.width().max(1), img.height().max(1));
    let scale = f64::max(
        f64::from(THUMB_WIDTH) / f64::from(w),
        f64::from(THUMB_HEIGHT) / f64::from(h),
    );
    if scale >= 1.0 {
        return img.clone();
    }
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    img.thumbnail_exact(nw, nh)
}

/// At most `PREVIEW_WIDTH` wide, same aspect ratio.
fn preview(img: &DynamicImage) -> DynamicImage {
    let (w, h) = (img.width().max(1), img.height());
    if w <= PREVIEW_WIDTH {
        return img.clone();
    }
    let nh = ((u64::from(h) * u64::from(PREVIEW_WIDTH)) / u64::from(w)).max(1) as u32;
    img.thumbnail_exact(PREVIEW_WIDTH, nh)
}

fn encode(img: &DynamicImage, png: bool) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    let written = if png {
        img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
    } else {
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out,
            JPEG_QUALITY,
        ))
    };
    written.map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The extension of derived images: `png` for PNGs, `jpg` for the rest.
pub fn derived_extension(mime: &str) -> &'static str {
    if mime == "image/png" {
        "png"
    } else {
        "jpg"
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG or JPEG of `w`×`h` with a gradient, encoded in memory.
    pub fn sample(w: u32, h: u32, png: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        encode(&DynamicImage::ImageRgb8(img), png).unwrap()
    }

    fn write(bytes: &[u8]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("perch-img-{}", crate::model::new_id()));
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn probe_and_make() {
        let p = write(&sample(3000, 1000, true));
        assert_eq!(
            probe(&p, "image/png"),
            Some(Probe {
                width: 3000,
                height: 1000
            })
        );
        // Wrong type named: not probed as something else.
        assert_eq!(probe(&p, "image/gif"), None);
        assert_eq!(probe(&p, "text/plain"), None);
        let made = make(&p, "image/png", 10_000_000).unwrap();
        let thumb = image::load_from_memory(&made.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (300, 100));
        let prev = image::load_from_memory(&made.preview).unwrap();
        assert_eq!((prev.width(), prev.height()), (1920, 640));
        let mini = image::load_from_memory(&made.mini_preview.unwrap()).unwrap();
        assert_eq!((mini.width(), mini.height()), (16, 16));
        assert_eq!(
            image::guess_format(&made.preview).unwrap(),
            ImageFormat::Png
        );
        // Over the pixel bound: refused before any pixel is decoded.
        assert!(make(&p, "image/png", 2_000_000).is_err());
        // A tall small JPEG: thumbnail 120 wide, preview unchanged.
        let p = write(&sample(200, 800, false));
        let made = make(&p, "image/jpeg", 10_000_000).unwrap();
        let thumb = image::load_from_memory(&made.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (120, 480));
        assert_eq!(
            image::guess_format(&made.thumbnail).unwrap(),
            ImageFormat::Jpeg
        );
        // Garbage with an image name is no image.
        let p = write(b"not a gif at all");
        assert_eq!(probe(&p, "image/gif"), None);
        assert!(make(&p, "image/gif", 10_000_000).is_err());
    }

    #[test]
    fn profile_pictures_are_square_pngs() {
        // A wide JPEG named nothing: the format comes from the bytes.
        let p = write(&sample(400, 200, false));
        let png = profile_picture(&p, 10_000_000).unwrap();
        assert_eq!(image::guess_format(&png).unwrap(), ImageFormat::Png);
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (PROFILE_SIZE, PROFILE_SIZE));
        assert_eq!(
            profile_picture(&p, 50_000),
            Err(ProfileError::TooManyPixels)
        );
        let p = write(b"GIF89a");
        assert_eq!(
            profile_picture(&p, 10_000_000),
            Err(ProfileError::NotAnImage)
        );
        let p = write(b"plain text");
        assert_eq!(
            profile_picture(&p, 10_000_000),
            Err(ProfileError::NotAnImage)
        );
    }
}
