//! `GET /api/v4/users/{user_id}/image`: a generated default profile picture (a PNG: a light
//! head-and-shoulders figure on a colour picked from the user id), as Mattermost draws one for
//! users who never uploaded a picture.

use super::id_param;
use crate::app::Ctx;
use crate::error::ApiError;
use crate::http::Resp;
use crate::model::session::Session;
use crate::store;
use sha2::{Digest, Sha256};

const SIZE: u32 = 128;

/// `GET /api/v4/users/{user_id}/image` (and `/image/default`).
pub fn get(ctx: &Ctx, _s: &Session, uid: &str) -> Result<Resp, ApiError> {
    let uid = id_param(uid, "user_id")?;
    if store::users::find(ctx.db, uid)?.is_none() {
        return Err(ApiError::not_found(
            "app.user.missing_account.const",
            "Unable to find the user.",
        ));
    }
    let png = default_picture(uid).map_err(ApiError::internal)?;
    Ok(Resp::bytes(200, "image/png", png).header("Cache-Control", "max-age=300, private"))
}

/// The picture for `seed`: the same bytes for the same seed.
fn default_picture(seed: &str) -> std::io::Result<Vec<u8>> {
    let d = Sha256::digest(seed.as_bytes());
    // A saturated, mid-dark background (each channel 40–167), a near-white figure.
    let bg = [40 + d[0] % 128, 40 + d[1] % 128, 40 + d[2] % 128];
    let fg = [235u8, 235, 235];
    let c = SIZE as f32 / 2.0;
    let mut raw = Vec::with_capacity(((SIZE * 3 + 1) * SIZE) as usize);
    for y in 0..SIZE {
        raw.push(0); // filter: none
        for x in 0..SIZE {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let head =
                (fx - c).powi(2) + (fy - SIZE as f32 * 0.4).powi(2) <= (SIZE as f32 * 0.18).powi(2);
            let body = (fx - c).powi(2) / (SIZE as f32 * 0.34).powi(2)
                + (fy - SIZE as f32 * 0.98).powi(2) / (SIZE as f32 * 0.36).powi(2)
                <= 1.0;
            raw.extend_from_slice(if head || body { &fg } else { &bg });
        }
    }
    png_rgb(SIZE, SIZE, &raw)
}

/// A PNG of 8-bit RGB rows (each already prefixed with its filter byte).
fn png_rgb(width: u32, height: u32, rows: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(rows)?;
    let idat = z.finish()?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter set, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_png_per_seed() {
        let a = default_picture("a").unwrap();
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&a[12..16], b"IHDR");
        assert_eq!(a, default_picture("a").unwrap());
        assert_ne!(a, default_picture("b").unwrap());
        // The zlib stream inflates back to every row.
        let idat_len = u32::from_be_bytes([a[33], a[34], a[35], a[36]]) as usize;
        let mut z = flate2::read::ZlibDecoder::new(&a[41..41 + idat_len]);
        let mut rows = Vec::new();
        std::io::Read::read_to_end(&mut z, &mut rows).unwrap();
        assert_eq!(rows.len(), ((SIZE * 3 + 1) * SIZE) as usize);
    }
}
