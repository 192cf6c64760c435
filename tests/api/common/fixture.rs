//! The shared fixture most API tests start from (`Acme`), so a test names only what it adds.

use super::{id_of, Client, TestServer};
use perch::Config;

/// A running server with the usual cast: the system admin `admin`, a plain user `bob`, both
/// members of team `acme` (so of its `town-square`), and a public channel `dev` created by the
/// admin. Bob is not a member of `dev` unless the test says so (`bob_joins_dev`).
pub struct Acme {
    pub ts: TestServer,
    pub admin: Client,
    pub bob: Client,
    /// The team `acme`.
    pub tid: String,
    /// Its `town-square` (every team member is in it).
    pub town: String,
    /// The public channel `dev`.
    pub dev: String,
}

impl Acme {
    /// The fixture on a server with the test configuration.
    pub fn new() -> Acme {
        Acme::on(TestServer::start())
    }

    /// The fixture on a server whose configuration `f` adjusts.
    pub fn with(f: impl FnOnce(&mut Config)) -> Acme {
        Acme::on(TestServer::start_with(f))
    }

    /// The fixture on a server already started.
    pub fn on(ts: TestServer) -> Acme {
        let (admin, bob, tid) = ts.admin_and_bob_on_acme();
        let town = id_of(
            &admin
                .get(&format!("/api/v4/teams/{tid}/channels/name/town-square"))
                .json(),
        );
        let dev = id_of(&admin.create_channel(&tid, "dev", "O"));
        Acme {
            ts,
            admin,
            bob,
            tid,
            town,
            dev,
        }
    }

    /// Adds bob to `dev`.
    pub fn bob_joins_dev(self) -> Acme {
        self.admin.add_to_channel(&self.dev, &self.bob.id());
        self
    }
}
