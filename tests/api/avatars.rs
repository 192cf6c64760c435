//! Profile pictures through real HTTP: `POST /api/v4/users/{id}/image` (multipart `image`),
//! `GET` serving the stored picture, `DELETE` back to the default, `last_picture_update`, the
//! `user_updated` a real socket hears, and Mattermost's refusals.

use crate::common::*;
use crate::files::multipart;
use crate::websocket::open_as;
use serde_json::Value;
use std::io::Cursor;

/// A `w`×`h` image of one colour, as PNG or JPEG.
fn picture(w: u32, h: u32, rgb: [u8; 3], format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

fn upload_as(c: &Client, uid: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Resp {
    let (ct, body) = multipart(parts);
    c.post_raw(&format!("/api/v4/users/{uid}/image"), &ct, &body)
}

fn image_of(c: &Client, uid: &str, default: bool) -> Vec<u8> {
    let tail = if default { "/default" } else { "" };
    let (status, _, body) = c.get_bytes(&format!("/api/v4/users/{uid}/image{tail}"));
    assert_eq!(status, 200);
    body
}

#[test]
fn a_profile_picture_is_stored_served_announced_and_removed() {
    let a = Acme::with(|c| {
        c.files.max_file_size = 200_000;
        c.files.max_image_resolution = 100_000;
    });
    let bob = a.bob.id();
    let (mut aws, _) = open_as(&a.ts, &a.admin);
    let default = image_of(&a.admin, &bob, false);
    assert!(default.starts_with(b"\x89PNG"));
    assert!(a.admin.get(&format!("/api/v4/users/{bob}")).json()["last_picture_update"].is_null());

    // A wide red JPEG becomes a 128×128 PNG, red in the middle.
    let jpeg = picture(300, 200, [220, 20, 20], image::ImageFormat::Jpeg);
    let r = upload_as(&a.bob, &bob, &[("image", Some("me.jpg"), &jpeg)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "OK");
    let (ev, _) = aws.until("user_updated");
    assert_eq!(ev["data"]["user"]["id"], bob.as_str());
    let at = ev["data"]["user"]["last_picture_update"].as_i64().unwrap();
    assert!(at > 0);
    assert_eq!(
        a.admin.get(&format!("/api/v4/users/{bob}")).json()["last_picture_update"],
        at
    );
    let served = image_of(&a.admin, &bob, false);
    assert_ne!(served, default);
    let img = image::load_from_memory_with_format(&served, image::ImageFormat::Png).unwrap();
    assert_eq!((img.width(), img.height()), (128, 128));
    let px = img.to_rgb8().get_pixel(64, 64).0;
    assert!(px[0] > 180 && px[1] < 70 && px[2] < 70, "{px:?}");
    assert_eq!(image_of(&a.admin, &bob, true), default, "/image/default");
    // Stored as Mattermost lays it out.
    let root =
        a.ts.running
            .as_ref()
            .unwrap()
            .app
            .files
            .storage
            .root()
            .to_path_buf();
    let stored = root.join("users").join(&bob).join("profile.png");
    assert_eq!(std::fs::read(&stored).unwrap(), served);

    // An admin may change anyone's; a user only their own.
    let png = picture(200, 200, [20, 20, 220], image::ImageFormat::Png);
    let r = upload_as(&a.admin, &bob, &[("image", Some("blue.png"), &png)]);
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = aws.until("user_updated");
    assert!(ev["data"]["user"]["last_picture_update"].as_i64().unwrap() >= at);
    let px = image::load_from_memory(&image_of(&a.bob, &bob, false))
        .unwrap()
        .to_rgb8()
        .get_pixel(64, 64)
        .0;
    assert!(px[2] > 180 && px[0] < 70, "{px:?}");
    upload_as(&a.bob, &a.admin.id(), &[("image", Some("x.png"), &png)])
        .assert_error(403, "api.context.permissions.app_error");

    // Refusals, with Mattermost's ids; none changes the picture.
    let before = image_of(&a.admin, &bob, false);
    upload_as(&a.bob, &bob, &[("other", Some("x.png"), &png)])
        .assert_error(400, "api.user.upload_profile_user.no_file.app_error");
    upload_as(&a.bob, &bob, &[("image", None, &png)])
        .assert_error(400, "api.user.upload_profile_user.no_file.app_error");
    upload_as(&a.bob, &bob, &[("image", Some("notes.png"), b"just text")])
        .assert_error(400, "api.user.upload_profile_user.decode_config.app_error");
    let huge = picture(400, 400, [0, 200, 0], image::ImageFormat::Png);
    upload_as(&a.bob, &bob, &[("image", Some("big.png"), &huge)]).assert_error(
        400,
        "api.user.upload_profile_user.check_image_limits.app_error",
    );
    let heavy: Vec<u8> = (0..250_000u32).map(|i| (i * 7 % 251) as u8).collect();
    upload_as(&a.bob, &bob, &[("image", Some("heavy.png"), &heavy)])
        .assert_error(413, "api.user.upload_profile_user.too_large.app_error");
    a.bob
        .post_raw(&format!("/api/v4/users/{bob}/image"), "image/png", &png)
        .assert_error(400, "api.user.upload_profile_user.parse.app_error");
    upload_as(&a.bob, "nope", &[("image", Some("x.png"), &png)])
        .assert_error(400, "api.context.invalid_url_param.app_error");
    upload_as(&a.admin, &"z".repeat(26), &[("image", Some("x.png"), &png)])
        .assert_error(400, "api.context.invalid_url_param.app_error");
    assert_eq!(image_of(&a.admin, &bob, false), before);

    // Removing: back to the generated default, announced, the file gone.
    a.bob
        .delete(&format!("/api/v4/users/{}/image", a.admin.id()))
        .assert_error(403, "api.context.permissions.app_error");
    let r = a.bob.delete(&format!("/api/v4/users/{bob}/image"));
    assert_eq!(r.status, 200, "{}", r.body);
    let (ev, _) = aws.until("user_updated");
    assert_eq!(ev["data"]["user"]["id"], bob.as_str());
    assert_eq!(ev["data"]["user"]["last_picture_update"], Value::Null);
    assert_eq!(image_of(&a.admin, &bob, false), default);
    assert!(a.admin.get(&format!("/api/v4/users/{bob}")).json()["last_picture_update"].is_null());
    assert!(!stored.exists());
    a.admin
        .delete(&format!("/api/v4/users/{}/image", "y".repeat(26)))
        .assert_error(404, "app.user.missing_account.const");
}
