-- The notifications plugin's tables: the original frontend service's
-- notifications (table `notification`, its name and columns kept), the
-- push keys its app registered (/api/v1/mobile-notification-key/), and the
-- durable delivery queue (notification_delivery).
--
-- A notification is stored once: notification.create events are
-- at-most-once on the bus but a partner or a replay may send one twice,
-- so a notification created from the bus carries dedupe_key, the SHA-256
-- of its content (person, recipient type, type, severity, time, texts),
-- and the unique key turns the resend into a duplicate. Rows written
-- through the REST resource have no key (NULL never collides).
--
-- Statements end with a semicolon at the end of a line (the store's
-- migration splitter), so no comment here ends a line with one.

CREATE TABLE notification (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    recipient_type VARCHAR(20) NOT NULL,
    type VARCHAR(20) NOT NULL,
    severity VARCHAR(20) NOT NULL,
    timestamp BIGINT NOT NULL,
    message VARCHAR(512) NOT NULL,
    description VARCHAR(1024) NOT NULL DEFAULT '',
    dedupe_key BINARY(32) NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY notification_once (dedupe_key),
    KEY notification_time (timestamp),
    KEY notification_recipient_time (recipient_type, timestamp),
    KEY notification_user_time (user_id, timestamp),
    CONSTRAINT notification_recipient_known CHECK (recipient_type IN ('elderly', 'caregiver')),
    CONSTRAINT notification_severity_known CHECK (severity IN ('low', 'medium', 'high'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A phone registered through the original's mobile-notification-key: its
-- push token, its system (ios: APNs, android: FCM) and which app it runs
-- (recipient_type). These keys name no person: like the original, every
-- notification for their recipient type goes to them (config key
-- push_mobile_keys). A key is registered once per system and app.
CREATE TABLE notification_mobile_key (
    id INT NOT NULL AUTO_INCREMENT,
    mobile_key VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    mobile_os VARCHAR(16) NOT NULL,
    recipient_type VARCHAR(20) NOT NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY notification_mobile_key_once (mobile_os, recipient_type, mobile_key),
    KEY notification_mobile_key_recipient (recipient_type, active),
    CONSTRAINT notification_mobile_key_os_known CHECK (mobile_os IN ('ios', 'android')),
    CONSTRAINT notification_mobile_key_recipient_known
        CHECK (recipient_type IN ('elderly', 'caregiver'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One delivery of one notification to one target, through one adapter
-- (webhook, log, later apns or fcm). It is written in the transaction
-- that stores the notification, so it is queued before anything is sent.
-- A worker of any host claims due rows (state queued, next_attempt_at
-- passed) with SELECT ... FOR UPDATE SKIP LOCKED and marks them sending
-- until lease_until, so no two workers send one row at the same time.
-- attempts counts claims and fences the marks: a worker whose lease ran
-- out cannot mark a row another worker has claimed again. Then sent, or
-- queued again after a backoff, or failed after the last attempt.
-- The delivery id travels as Idempotency-Key / X-CAMI-Delivery, so a
-- receiver can drop a resend. Times are UTC with milliseconds, from the
-- database's clock (one clock for every host).
CREATE TABLE notification_delivery (
    id BIGINT NOT NULL AUTO_INCREMENT,
    notification_id INT NOT NULL,
    adapter VARCHAR(32) NOT NULL,
    target_kind VARCHAR(16) NOT NULL,
    target_service VARCHAR(8) NULL,
    target_id INT NULL,
    target VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    payload TEXT NOT NULL,
    state VARCHAR(8) NOT NULL DEFAULT 'queued',
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(3) NOT NULL,
    lease_until DATETIME(3) NULL,
    last_error VARCHAR(512) NULL,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    sent_at DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY notification_delivery_due (state, next_attempt_at),
    KEY notification_delivery_lease (state, lease_until),
    KEY notification_delivery_notification (notification_id),
    CONSTRAINT notification_delivery_notification_fk FOREIGN KEY (notification_id)
        REFERENCES notification (id) ON DELETE CASCADE,
    CONSTRAINT notification_delivery_state_known
        CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    CONSTRAINT notification_delivery_kind_known
        CHECK (target_kind IN ('webhook', 'device', 'mobile_key'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
