-- The store's own tables, served as the REST resources of docs/API.md
-- (plugins/store/resources/*.json): people and their roles, care links,
-- devices, measurements, journal entries and push-notification devices.
-- Names start with store_ because every plugin shares one database.
--
-- Ids of people are BIGINT: the original used Withings user ids as user
-- ids, so clients may supply an id (the resource allows 1 to 2^63-1) and
-- the auto increment only fills in when they do not (after a supplied id,
-- it continues above the largest id). Other ids are INT auto increments
-- (served as JSON numbers, as the original did).
--
-- Deleting a person removes what only describes them (profiles, care
-- links, device usages, push devices) but is refused while measurements
-- or journal entries still name them: health data is never lost to one
-- DELETE. Unix timestamps are BIGINT seconds.
--
-- Statements end with a semicolon at the end of a line (store_migfile.c),
-- so no comment here ends a line with one.

-- A person using CAMI. `role` is the account's main role (which app the
-- person sees): end_user (the elderly person), caregiver or doctor (a
-- health professional). `language` is the language of what CAMI tells
-- them (notifications): en, ro, dk, pl. The display name is first_name,
-- or username when first_name is empty.
CREATE TABLE store_user (
    id BIGINT NOT NULL AUTO_INCREMENT,
    username VARCHAR(150) NOT NULL,
    first_name VARCHAR(150) NOT NULL DEFAULT '',
    last_name VARCHAR(150) NOT NULL DEFAULT '',
    email VARCHAR(254) NULL,
    role VARCHAR(16) NOT NULL DEFAULT 'end_user',
    language CHAR(2) NOT NULL DEFAULT 'en',
    gender CHAR(1) NULL,
    phone VARCHAR(32) NULL,
    address VARCHAR(256) NULL,
    timezone VARCHAR(64) NULL,
    is_active TINYINT(1) NOT NULL DEFAULT 1,
    date_joined DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_user_username (username),
    KEY store_user_role (role),
    KEY store_user_email (email),
    CONSTRAINT store_user_role_known CHECK (role IN ('end_user', 'caregiver', 'doctor')),
    CONSTRAINT store_user_language_known CHECK (language IN ('en', 'ro', 'dk', 'pl')),
    CONSTRAINT store_user_gender_known CHECK (gender IN ('M', 'F'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What an end user (elderly person) tells about themselves: one row per
-- person at most.
CREATE TABLE store_enduserprofile (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    marital_status VARCHAR(16) NULL,
    age SMALLINT NULL,
    height SMALLINT NULL,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_enduserprofile_user (user_id),
    CONSTRAINT store_enduserprofile_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_enduserprofile_marital_known
        CHECK (marital_status IN ('single', 'married', 'divorced', 'widowed')),
    CONSTRAINT store_enduserprofile_age_range CHECK (age BETWEEN 0 AND 150),
    CONSTRAINT store_enduserprofile_height_range CHECK (height BETWEEN 0 AND 300)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A care link: caregiver `user_id` cares for `caretaker_id` (the original
-- CaregiverProfile's names). The original allowed one caretaker per
-- caregiver; here one row per pair, so a daughter can care for both
-- parents and a parent can have several caregivers.
CREATE TABLE store_caregiverprofile (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    caretaker_id BIGINT NOT NULL,
    relationship VARCHAR(64) NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_caregiverprofile_pair (user_id, caretaker_id),
    KEY store_caregiverprofile_caretaker (caretaker_id),
    CONSTRAINT store_caregiverprofile_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_caregiverprofile_caretaker_fk FOREIGN KEY (caretaker_id)
        REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_caregiverprofile_not_self CHECK (user_id <> caretaker_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What a health professional tells about themselves: one row per person.
CREATE TABLE store_healthprofessionalprofile (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    title VARCHAR(32) NOT NULL DEFAULT '',
    affiliation VARCHAR(128) NOT NULL DEFAULT '',
    specialty VARCHAR(64) NOT NULL DEFAULT '',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_healthprofessionalprofile_user (user_id),
    CONSTRAINT store_healthprofessionalprofile_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A health professional's patient (the original's
-- HealthProfessionalProfile.patients): one row per pair.
CREATE TABLE store_healthprofessionalpatient (
    id INT NOT NULL AUTO_INCREMENT,
    health_professional_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_healthprofessionalpatient_pair (health_professional_id, patient_id),
    KEY store_healthprofessionalpatient_patient (patient_id),
    CONSTRAINT store_healthprofessionalpatient_professional_fk
        FOREIGN KEY (health_professional_id) REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_healthprofessionalpatient_patient_fk
        FOREIGN KEY (patient_id) REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_healthprofessionalpatient_not_self
        CHECK (health_professional_id <> patient_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A measuring device (scale, blood pressure monitor, ...). Devices are
-- shared things: who uses one is store_deviceusage.
CREATE TABLE store_device (
    id INT NOT NULL AUTO_INCREMENT,
    device_identifier VARCHAR(128) NULL,
    device_type VARCHAR(32) NOT NULL DEFAULT 'weight',
    manufacturer VARCHAR(128) NULL,
    model VARCHAR(64) NULL,
    serial_number VARCHAR(64) NULL,
    activation_date DATETIME NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_device_identifier (device_identifier),
    KEY store_device_type (device_type),
    KEY store_device_serial (serial_number),
    CONSTRAINT store_device_type_known CHECK (device_type IN
        ('weight', 'blood_pressure', 'pulse', 'oxymeter', 'pedometer', 'sleep_monitor'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A person uses a device; access_info (JSON) holds what reaching the
-- device's cloud takes (the Withings OAuth tokens of that person).
CREATE TABLE store_deviceusage (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    device_id INT NOT NULL,
    uses_since DATETIME NULL DEFAULT CURRENT_TIMESTAMP,
    access_info JSON NULL,
    PRIMARY KEY (id),
    UNIQUE KEY store_deviceusage_pair (user_id, device_id),
    KEY store_deviceusage_device (device_id),
    CONSTRAINT store_deviceusage_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_deviceusage_device_fk FOREIGN KEY (device_id)
        REFERENCES store_device (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One reading. value_info (JSON) holds the values of its type, e.g.
-- {"value": 72.5} for a weight or {"systolic": 120, "diastolic": 80,
-- "pulse": 64} for a blood pressure. Read newest first, per person and
-- type: the (user_id, measurement_type, timestamp) index serves that.
CREATE TABLE store_measurement (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    device_id INT NULL,
    measurement_type VARCHAR(32) NOT NULL,
    unit_type VARCHAR(16) NOT NULL,
    timestamp BIGINT NOT NULL,
    timezone VARCHAR(64) NULL,
    value_info JSON NOT NULL,
    ok TINYINT(1) NULL,
    PRIMARY KEY (id),
    KEY store_measurement_user_type_time (user_id, measurement_type, timestamp),
    KEY store_measurement_user_time (user_id, timestamp),
    KEY store_measurement_time (timestamp),
    KEY store_measurement_device (device_id),
    CONSTRAINT store_measurement_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE RESTRICT,
    CONSTRAINT store_measurement_device_fk FOREIGN KEY (device_id)
        REFERENCES store_device (id) ON DELETE SET NULL,
    CONSTRAINT store_measurement_type_known CHECK (measurement_type IN
        ('weight', 'blood_pressure', 'pulse', 'saturation', 'steps', 'sleep'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What CAMI told a person (the later original's journal, which replaced
-- the notifications table): user_id is the recipient. reference_id names
-- what raised it (a measurement's id). acknowledged starts false and the
-- app sets it (the original's was NULL until then: false filters better).
CREATE TABLE store_journalentry (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    type VARCHAR(20) NOT NULL,
    severity VARCHAR(20) NOT NULL,
    timestamp BIGINT NOT NULL,
    message VARCHAR(512) NOT NULL,
    description VARCHAR(1024) NOT NULL DEFAULT '',
    reference_id INT NULL,
    acknowledged TINYINT(1) NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY store_journalentry_user_time (user_id, timestamp),
    KEY store_journalentry_time (timestamp),
    KEY store_journalentry_reference (reference_id),
    CONSTRAINT store_journalentry_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE RESTRICT,
    CONSTRAINT store_journalentry_severity_known CHECK (severity IN
        ('none', 'low', 'medium', 'high'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A phone that receives a person's pushes. registration_id is the push
-- service's token (case matters: binary collation); one token is
-- registered once per service.
CREATE TABLE store_pushnotificationdevice (
    id INT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    name VARCHAR(128) NULL,
    type VARCHAR(4) NOT NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    device_id VARCHAR(64) NULL,
    registration_id VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    other_info JSON NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY store_pushnotificationdevice_token (type, registration_id),
    KEY store_pushnotificationdevice_user (user_id, active),
    KEY store_pushnotificationdevice_device (device_id),
    CONSTRAINT store_pushnotificationdevice_user_fk FOREIGN KEY (user_id)
        REFERENCES store_user (id) ON DELETE CASCADE,
    CONSTRAINT store_pushnotificationdevice_type_known CHECK (type IN
        ('APNS', 'FCM', 'GCM', 'WNS'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
