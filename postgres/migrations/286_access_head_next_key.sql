-- A key rotation's signed head names the key that signs after it
-- (audit.RotateKey); heads signed before rotations existed name none.
ALTER TABLE access_heads ADD COLUMN next_key TEXT NOT NULL DEFAULT '';
