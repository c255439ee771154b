-- Why a send stopped by itself: the send engine pauses an issue when the relay refuses
-- what the configuration asks of it (no STARTTLS, AUTH refused, an untrusted
-- certificate, the sender refused), with the one line that names the key to change.
-- Empty while nothing stopped it; any later change of status (resume, cancel) clears it.
ALTER TABLE issues ADD COLUMN stopped_reason TEXT NOT NULL DEFAULT '';
