//! `http/limits.rs`: the general rate limiter (`RateLimitSettings`), the per-user check of
//! `VaryByUser`, the login limiter (on by default), and the lockout after
//! `MaximumLoginAttempts` (brute force).

use crate::common::*;
use serde_json::json;

fn header_i64(r: &Resp, name: &str) -> i64 {
    r.header(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .parse()
        .unwrap()
}

/// Asserts Mattermost's rejection: 429, plain-text body, Retry-After and X-Ratelimit-*.
fn assert_limited(r: &Resp, limit: i64) {
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.body, "limit exceeded\n");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert!(header_i64(r, "Retry-After") >= 1);
    assert_eq!(header_i64(r, "X-Ratelimit-Limit"), limit);
    assert_eq!(header_i64(r, "X-Ratelimit-Remaining"), 0);
    assert!(header_i64(r, "X-Ratelimit-Reset") >= 1);
}

#[test]
fn general_limiter_answers_429_with_retry_after_and_headers() {
    let ts = TestServer::start_with(|c| {
        c.rate_limit.enable = true;
        c.rate_limit.per_sec = 1;
        c.rate_limit.max_burst = 2;
    });
    let anon = ts.anon();
    for remaining in [2, 1, 0] {
        let r = anon.get("/api/v4/system/ping");
        assert_eq!(r.status, 200);
        assert_eq!(header_i64(&r, "X-Ratelimit-Limit"), 3, "MaxBurst + 1");
        assert_eq!(header_i64(&r, "X-Ratelimit-Remaining"), remaining);
        assert!(header_i64(&r, "X-Ratelimit-Reset") >= 1);
    }
    assert_limited(&anon.get("/api/v4/system/ping"), 3);
    // The whole server is behind it, unknown routes and static files included.
    assert_limited(&anon.get("/api/v4/nothing/here"), 3);
    assert_limited(&anon.get("/"), 3);
}

#[test]
fn general_limiter_is_off_by_default() {
    let ts = TestServer::start();
    let anon = ts.anon();
    for _ in 0..150 {
        let r = anon.get("/api/v4/system/ping");
        assert_eq!(r.status, 200);
        assert!(r.header("X-Ratelimit-Limit").is_none());
    }
}

#[test]
fn vary_by_user_charges_the_user_across_tokens() {
    let ts = TestServer::start_with(|c| {
        c.rate_limit.enable = true;
        c.rate_limit.per_sec = 1;
        c.rate_limit.max_burst = 5;
        c.rate_limit.vary_by_user = true;
        c.perch.login_rate_limit_enable = false;
    });
    // Requests without a token are keyed by address: create + two logins fit the burst.
    let a = ts.admin();
    let b = ts.login("admin", "admin-password");
    let mut n = 0;
    loop {
        let r = a.get("/api/v4/users/me");
        if r.status == 429 {
            break;
        }
        n += 1;
        assert!(n <= 6, "token A never limited");
    }
    // Token B has its own outer bucket, but the same user's bucket is empty: the per-user
    // check inside the API refuses it, with the common headers of a handled request.
    let r = b.get("/api/v4/users/me");
    assert_limited(&r, 6);
    assert!(r.header("X-Request-Id").is_some());
}

#[test]
fn login_limiter_is_on_by_default_and_engages_on_a_burst() {
    let ts = TestServer::start();
    ts.admin();
    let anon = ts.anon();
    let mut limited = None;
    // 5/s refills slower than a loop of quick failed logins drains it; the bound only
    // matters on a machine so loaded that each login takes 200 ms.
    for i in 0..200 {
        let r = anon.post(
            "/api/v4/users/login",
            &json!({"login_id": "nobody", "password": "guess"}),
        );
        if r.status == 429 {
            limited = Some((i, r));
            break;
        }
        r.assert_error(401, "api.user.login.invalid_credentials_email_username");
        assert_eq!(
            header_i64(&r, "X-Ratelimit-Limit"),
            11,
            "login: 5/s, burst 10"
        );
    }
    let (i, r) = limited.expect("the login limiter never engaged");
    assert!(
        i >= 9,
        "the burst of 10 (+1 for the admin's login) is allowed first: limited after {i}"
    );
    assert_limited(&r, 11);
    // Other endpoints are not limited (the general limiter is off).
    assert_eq!(anon.get("/api/v4/system/ping").status, 200);
}

#[test]
fn login_limiter_can_be_turned_off() {
    let ts = TestServer::start_with(|c| c.perch.login_rate_limit_enable = false);
    ts.admin();
    let anon = ts.anon();
    for _ in 0..25 {
        let r = anon.post(
            "/api/v4/users/login",
            &json!({"login_id": "nobody", "password": "guess"}),
        );
        assert_eq!(r.status, 401);
        assert!(r.header("X-Ratelimit-Limit").is_none());
    }
}

#[test]
fn lockout_after_maximum_login_attempts_until_an_admin_resets_the_password() {
    let ts = TestServer::start_with(|c| c.service.maximum_login_attempts = 3);
    let admin = ts.admin();
    let bob = ts.user(&admin, "bob");
    let anon = ts.anon();
    let login = |pw: &str| {
        anon.post(
            "/api/v4/users/login",
            &json!({"login_id": "bob", "password": pw}),
        )
    };
    for _ in 0..3 {
        login("guess").assert_error(401, "api.user.login.invalid_credentials_email_username");
    }
    assert_eq!(
        admin.get(&format!("/api/v4/users/{}", bob.id())).json()["failed_attempts"],
        3
    );
    // Locked: the right password is refused too (the lockout is checked first).
    login("bob-password")
        .assert_error(401, "api.user.check_user_login_attempts.too_many.app_error");
    login("guess").assert_error(401, "api.user.check_user_login_attempts.too_many.app_error");
    // Existing sessions are not affected.
    assert_eq!(bob.get("/api/v4/users/me").status, 200);
    // An admin sets a new password, which clears the count.
    let r = admin.put(
        &format!("/api/v4/users/{}/password", bob.id()),
        &json!({"new_password": "fresh-password"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    login("bob-password").assert_error(401, "api.user.login.invalid_credentials_email_username");
    let r = login("fresh-password");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json().get("failed_attempts").is_none(),
        "a successful login resets the count"
    );
}
