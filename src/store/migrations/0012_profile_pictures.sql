-- Perch schema, version 12: uploaded profile pictures. The picture itself is a file under
-- FileSettings.Directory (users/<id>/profile.png, as Mattermost's local driver lays it out);
-- last_picture_update is when it was set (0: the generated default), which clients put in the
-- picture's URL so they fetch it again after a change.

ALTER TABLE users ADD COLUMN last_picture_update INTEGER NOT NULL DEFAULT 0;
