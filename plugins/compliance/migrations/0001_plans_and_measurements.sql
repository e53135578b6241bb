-- The compliance plugin's tables: the medication plans and the four kinds
-- of readings of the original medical-compliance service, served as the
-- REST resources of docs/API.md (plugins/compliance/resources/*.json).
--
-- medication_plan keeps the original's table and column names. The
-- readings' tables start with compliance_ because every plugin shares one
-- database. user_id is the store's person id (BIGINT: the original used
-- Withings user ids), deliberately without a foreign key: partner services
-- send readings for people the store may not know yet, and the original
-- accepted them. Timestamps are BIGINT unix seconds.
--
-- A reading is stored once: the unique key (person, time, source) makes a
-- resend - a partner retrying, a Withings window fetched twice - a
-- duplicate that the plugin recognises instead of a second row that would
-- fire the rules again. The unique key starts with (user_id, time), so it
-- also serves the lists, last_values and the rules, which read one
-- person's newest readings.
--
-- Statements end with a semicolon at the end of a line (the store's
-- migration splitter), so no comment here ends a line with one.

CREATE TABLE medication_plan (
    plan_id INT NOT NULL AUTO_INCREMENT,
    name VARCHAR(1000) NOT NULL,
    daily_dose INT NOT NULL,
    PRIMARY KEY (plan_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A weight in kg.
CREATE TABLE compliance_weight_measurement (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    input_source VARCHAR(20) NOT NULL,
    measurement_unit VARCHAR(8) NOT NULL DEFAULT 'kg',
    timestamp BIGINT NOT NULL,
    timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    value DOUBLE NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY compliance_weight_once (user_id, timestamp, input_source),
    KEY compliance_weight_time (timestamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A heart rate in beats per minute.
CREATE TABLE compliance_heartrate_measurement (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    input_source VARCHAR(20) NOT NULL,
    measurement_unit VARCHAR(8) NOT NULL DEFAULT 'bpm',
    timestamp BIGINT NOT NULL,
    timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    value DOUBLE NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY compliance_heartrate_once (user_id, timestamp, input_source),
    KEY compliance_heartrate_time (timestamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Steps counted from start_timestamp to end_timestamp. A reading's time is
-- its interval: the same interval from the same source is a duplicate.
CREATE TABLE compliance_steps_measurement (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    input_source VARCHAR(20) NOT NULL,
    measurement_unit VARCHAR(8) NOT NULL DEFAULT 'steps',
    start_timestamp BIGINT NOT NULL,
    end_timestamp BIGINT NOT NULL,
    timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    value DOUBLE NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY compliance_steps_once (user_id, start_timestamp, end_timestamp, input_source),
    KEY compliance_steps_time (start_timestamp),
    CONSTRAINT compliance_steps_interval CHECK (end_timestamp >= start_timestamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A blood pressure reading in mmHg, with the pulse when the monitor gave
-- one (NULL otherwise).
CREATE TABLE compliance_bloodpressure_measurement (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    input_source VARCHAR(20) NOT NULL,
    measurement_unit VARCHAR(8) NOT NULL DEFAULT 'mmHg',
    timestamp BIGINT NOT NULL,
    timezone VARCHAR(64) NOT NULL DEFAULT 'UTC',
    systolic DOUBLE NOT NULL,
    diastolic DOUBLE NOT NULL,
    pulse DOUBLE NULL,
    PRIMARY KEY (id),
    UNIQUE KEY compliance_bloodpressure_once (user_id, timestamp, input_source),
    KEY compliance_bloodpressure_time (timestamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
