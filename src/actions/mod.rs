//! Interactive messages at run time (`docs/spec/interactive-messages.md`): buttons and menus
//! in message attachments that call back into integrations, and the dialogs integrations open.
//! What a saved post's attachments look like is `model::attachment` (ids, each action's
//! `integration` stamped with its `Source`, never serialized for clients); the keys and the
//! short memory `App` holds are `interactive`.
//!
//! - `click.rs`: `POST /api/v4/posts/{post_id}/actions/{action_id}` — checks on the HTTP
//!   worker, the call to the integration on an `off_worker` thread, then the post update and
//!   the call-log row in one write, then `post_edited` and the ephemeral answer.
//! - `dialog.rs`: `POST /api/v4/actions/dialogs/open` (the `open_dialog` event) and
//!   `…/submit` (the call to the dialog's URL).
//! - `call.rs`: the outbound call both make (`outbound`'s address rule, timeout and size cap)
//!   and the call-log row it leaves.

pub mod call;
pub mod click;
pub mod dialog;
