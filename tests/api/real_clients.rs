//! Real-client tests: the Python `mattermostdriver` and the Node `@mattermost/client` Client4
//! (pinned, installed by `scripts/install-clients` into target/clients/) run the scripts in
//! tests/clients/ as child processes against a real server.

use crate::common::scripts::{run_node, run_python};
use crate::common::{Client, TestServer};

/// The fixtures both scripts expect: team `alpha` with channel `general-talk`. Returns the
/// login id and password to run as: the admin, or a plain member `carol` of both.
fn fixtures(ts: &TestServer, as_admin: bool) -> (String, String) {
    let admin: Client = ts.admin();
    let team = admin.create_team("alpha");
    let team_id = team["id"].as_str().unwrap();
    let channel = admin.create_channel(team_id, "general-talk", "O");
    if as_admin {
        return ("admin".into(), "admin-password".into());
    }
    let carol = ts.user(&admin, "carol");
    admin.add_to_team(team_id, &carol.id());
    admin.add_to_channel(channel["id"].as_str().unwrap(), &carol.id());
    ("carol".into(), "carol-password".into())
}

fn run_mattermostdriver(as_admin: bool) {
    let ts = TestServer::start();
    let (login, password) = fixtures(&ts, as_admin);
    let port = ts.url.rsplit(':').next().unwrap().to_string();
    let args = [
        "http",
        "127.0.0.1",
        &port,
        &login,
        &password,
        "alpha",
        "general-talk",
    ];
    run_python("mmdriver_core.py", &args, "");
}

fn run_client4(as_admin: bool) {
    let ts = TestServer::start();
    let (login, password) = fixtures(&ts, as_admin);
    let args = [ts.url.as_str(), &login, &password, "alpha", "general-talk"];
    run_node("client4_core.mjs", "@mattermost/client", &args);
}

#[test]
fn mattermostdriver_core_flow_as_admin() {
    run_mattermostdriver(true);
}

#[test]
fn mattermostdriver_core_flow_as_member() {
    run_mattermostdriver(false);
}

#[test]
fn client4_core_flow_as_admin() {
    run_client4(true);
}

#[test]
fn client4_core_flow_as_member() {
    run_client4(false);
}
