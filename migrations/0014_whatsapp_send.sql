-- The WhatsApp sender (linkhub_core::whatsapp::send). An outbound message is a wa_messages row
-- from the moment it is accepted by the API: status 'queued' (rank 0) with the placeholder wamid
-- 'pending:<id>' until Graph answers with the real one ('accepted', rank 0), then Meta's
-- statuses move it on as before. A message that cannot be sent ends 'failed' with Graph's code.

-- Sends made so far (each Graph call counts one) and the lease of the consumer making one, so a
-- redelivered queue message never sends twice at once.
ALTER TABLE wa_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE wa_messages ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
-- A re-engagement template sent because this one could not reach the buyer (131047): its id.
ALTER TABLE wa_messages ADD COLUMN replaced_by TEXT;
-- The client's Idempotency-Key: the same key twice is the same message, sent once.
ALTER TABLE wa_messages ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX wa_messages_by_idempotency_key ON wa_messages (seller_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- An inbound medium kept in the blob store (linkhub_core::whatsapp::media): its key, type and
-- size, or why it was not kept.
ALTER TABLE wa_messages ADD COLUMN media_key TEXT;
ALTER TABLE wa_messages ADD COLUMN media_type TEXT;
ALTER TABLE wa_messages ADD COLUMN media_bytes INTEGER;
ALTER TABLE wa_messages ADD COLUMN media_error TEXT;

-- The approved template a seller chose for buyers whose window has closed.
ALTER TABLE wa_connections ADD COLUMN reengagement_template TEXT;
ALTER TABLE wa_connections ADD COLUMN reengagement_language TEXT;
